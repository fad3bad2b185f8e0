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
# Needs wrk (scripts/install-deps.sh --bench) and scripts/chroma-server.sh install.
set -euo pipefail

weir="$(realpath "$1")"
dir_a="$(realpath "$2")"
dir_b="$(realpath "$3")"
clients="${4:-16}"
seconds="${5:-10}"
rounds="${6:-3}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
chroma_cli="$("$repo/scripts/chroma-server.sh" path)"

source "$repo/bench/lib/gateway_ab.sh"

chroma_port="$(ab_free_port)"
"$chroma_cli" run --path "$ab_work/chroma" --host 127.0.0.1 --port "$chroma_port" \
  >"$ab_work/chroma.log" 2>&1 &
ab_pids+=($!)
ab_wait_for "http://127.0.0.1:$chroma_port/api/v2/heartbeat"

# The collection, filled through the gateway once (with build a).
vectors() {  # count seed -> a JSON array of `count` 32-d vectors
  python3 -c 'import json, random, sys
random.seed(int(sys.argv[2]))
print(json.dumps([[round(random.uniform(-1, 1), 4) for _ in range(32)] for _ in range(int(sys.argv[1]))]))' "$1" "$2"
}

databases='{"vectors": {"backend": "chroma",
             "connection": {"url": "http://127.0.0.1:'"$chroma_port"'"},
             "pool": {"min_size": 4, "max_size": 4}}}'
query() {  # body -> the gateway's answer
  curl -sf -X POST "http://127.0.0.1:$weir_port/v1/databases/vectors/query" \
    -H 'content-type: application/json' -d "$1"
}

ab_start_weir "$dir_a" "$databases"
query '{"op":"create_collection","name":"bench","space":"l2"}' >/dev/null
python3 -c 'import json, sys
ids = ["r%d" % i for i in range(2000)]
print(json.dumps({"op": "add", "collection": "bench", "ids": ids,
                  "embeddings": json.load(sys.stdin)}))' <<<"$(vectors 2000 1)" >"$ab_work/add.json"
query "@$ab_work/add.json" >/dev/null
ab_stop_weir

query_body='{"op":"query","collection":"bench","n_results":5,"query_embeddings":'"$(vectors 1 2)"'}'
ab_measure "$dir_a" "$dir_b" "$databases" /v1/databases/vectors/query \
  "$(ab_post_lua "$query_body")" "$clients" "$seconds" "$rounds" "$query_body"
