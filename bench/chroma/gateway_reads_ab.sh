#!/usr/bin/env bash
# Chroma k-NN queries through the weir binary, two builds of the chroma plugin
# side by side in one run (e.g. reads on workers against reads on the event
# loop): one real Chroma server, 2,000 records x 32-d, wrk with `clients`
# keep-alive connections for `seconds`, the two builds taking turns for
# `rounds` rounds. Per round it prints wrk's req/s and latency, the gateway's
# CPU time per request (user + system, from /proc) and its peak thread count.
# Chroma is the bottleneck (one process), so throughput says little; CPU per
# request and threads are what the gateway's path changes.
#
#   bench/chroma/gateway_reads_ab.sh <weir> <plugin-dir-a> <plugin-dir-b> [clients=16] [seconds=10] [rounds=3]
#
# Needs wrk (Debian's package) and scripts/chroma-server.sh install.
set -euo pipefail

weir="$(realpath "$1")"
dir_a="$(realpath "$2")"
dir_b="$(realpath "$3")"
clients="${4:-16}"
seconds="${5:-10}"
rounds="${6:-3}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
chroma_cli="$("$repo/scripts/chroma-server.sh" path)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # url
  for _ in $(seq 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

chroma_port="$(free_port)"
"$chroma_cli" run --path "$work/chroma" --host 127.0.0.1 --port "$chroma_port" \
  >"$work/chroma.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$chroma_port/api/v2/heartbeat"

# The collection, filled through the gateway once (with build a).
vectors() {  # count seed -> a JSON array of `count` 32-d vectors
  python3 -c 'import json, random, sys
random.seed(int(sys.argv[2]))
print(json.dumps([[round(random.uniform(-1, 1), 4) for _ in range(32)] for _ in range(int(sys.argv[1]))]))' "$1" "$2"
}

start_weir() {  # plugin-dir -> runs weir in $work/gw, sets weir_pid and weir_port
  weir_port="$(free_port)"
  mkdir -p "$work/gw"
  cat >"$work/gw/weir.json" <<EOF
{"listen": "127.0.0.1:$weir_port", "plugin_dirs": ["$1"], "log": {"level": "warn"},
 "limits": {"max_queue": 10000},
 "databases": {"vectors": {"backend": "chroma",
                           "connection": {"url": "http://127.0.0.1:$chroma_port"},
                           "pool": {"min_size": 4, "max_size": 4}}}}
EOF
  (cd "$work/gw" && exec "$weir" serve --config weir.json) >"$work/weir.log" 2>&1 &
  weir_pid=$!
  pids+=("$weir_pid")
  wait_for "http://127.0.0.1:$weir_port/health/ready"
}
stop_weir() {
  kill "$weir_pid"
  wait "$weir_pid" 2>/dev/null || true
}
query() {  # body -> the gateway's answer
  curl -sf -X POST "http://127.0.0.1:$weir_port/v1/databases/vectors/query" \
    -H 'content-type: application/json' -d "$1"
}

start_weir "$dir_a"
query '{"op":"create_collection","name":"bench","space":"l2"}' >/dev/null
python3 -c 'import json, sys
ids = ["r%d" % i for i in range(2000)]
print(json.dumps({"op": "add", "collection": "bench", "ids": ids,
                  "embeddings": json.load(sys.stdin)}))' <<<"$(vectors 2000 1)" >"$work/add.json"
query "@$work/add.json" >/dev/null
stop_weir

query_body='{"op":"query","collection":"bench","n_results":5,"query_embeddings":'"$(vectors 1 2)"'}'
cat >"$work/query.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$query_body'
EOF

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }

printf '| build | round | req/s | p50 ms | p99 ms | CPU µs/request | peak threads |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
tick_us=$((1000000 / $(getconf CLK_TCK)))
for round in $(seq "$rounds"); do
  for build in a b; do
    if [ "$build" = a ]; then dir="$dir_a"; else dir="$dir_b"; fi
    start_weir "$dir"
    query "$query_body" >/dev/null  # warm
    before="$(cpu_ticks "$weir_pid")"
    peak="$(threads "$weir_pid")"
    wrk -t2 -c"$clients" -d"${seconds}s" --latency -s "$work/query.lua" \
      "http://127.0.0.1:$weir_port/v1/databases/vectors/query" >"$work/wrk.txt" &
    wrk_pid=$!
    while kill -0 "$wrk_pid" 2>/dev/null; do
      now="$(threads "$weir_pid")"
      [ "$now" -gt "$peak" ] && peak="$now"
      sleep 0.2
    done
    wait "$wrk_pid"
    after="$(cpu_ticks "$weir_pid")"
    stop_weir
    requests="$(awk '/requests in/ {print $1}' "$work/wrk.txt")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")"
    [ -z "$non2xx" ] || echo "build $build round $round: $non2xx answers were not 2xx" >&2
    rps="$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.txt")"
    ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
      else if (v ~ /ms$/) sub(/ms/, "", v); else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
      printf "%.2f", v }' "$work/wrk.txt"; }
    cpu_us="$(((after - before) * tick_us / requests))"
    printf '| %s | %d | %s | %s | %s | %d | %d |\n' "$build" "$round" "$rps" "$(ms 50%)" \
      "$(ms 99%)" "$cpu_us" "$peak"
  done
done
