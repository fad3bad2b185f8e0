# What the gateway A/B benches share (sourced, not run): two builds of a
# plugin take turns behind the same weir binary, against the same backend, in
# one run, and for each round the table gets wrk's req/s and latency, the
# gateway's CPU time per request (user + system, from /proc) and its peak
# thread count. The caller starts its backend, then calls
#   ab_start_weir <plugin-dir> <databases-json>   (weir_pid, weir_port; ab_stop_weir)
#   ab_measure <plugin-dir-a> <plugin-dir-b> <databases-json> <path> <wrk-lua> <clients> <seconds> <rounds> [warm-body]
# (ab_post_lua <body> writes the wrk script that POSTs a JSON body).
# Processes it starts go into `ab_pids`, files into `$ab_work`; both are gone at exit.

ab_work="$(mktemp -d)"
ab_pids=()
ab_cleanup() {
  for pid in "${ab_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$ab_work"
}
trap ab_cleanup EXIT

ab_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
ab_wait_for() {  # url
  for _ in $(seq 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

ab_start_weir() {  # plugin-dir databases-json
  weir_port="$(ab_free_port)"
  mkdir -p "$ab_work/gw"
  cat >"$ab_work/gw/weir.json" <<JSON
{"listen": "127.0.0.1:$weir_port", "plugin_dirs": ["$1"], "log": {"level": "warn"},
 "limits": {"max_queue": 10000}, "databases": $2}
JSON
  (cd "$ab_work/gw" && exec "$weir" serve --config weir.json) >"$ab_work/weir.log" 2>&1 &
  weir_pid=$!
  ab_pids+=("$weir_pid")
  ab_wait_for "http://127.0.0.1:$weir_port/health/ready"
}
ab_stop_weir() {
  kill "$weir_pid"
  wait "$weir_pid" 2>/dev/null || true
}

ab_post_lua() {  # body -> the path of a wrk script that POSTs it as JSON
  cat >"$ab_work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$1'
LUA
  echo "$ab_work/post.lua"
}

ab_measure() {  # dir-a dir-b databases path lua clients seconds rounds [warm-body]
  local dir_a="$1" dir_b="$2" databases="$3" path="$4" lua="$5" clients="$6" seconds="$7"
  local rounds="$8" warm="${9:-}"
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
  ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 }
    else if (v ~ /ms$/) sub(/ms/, "", v); else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }
    printf "%.2f", v }' "$ab_work/wrk.txt"; }
  local tick_us=$((1000000 / $(getconf CLK_TCK)))
  printf '| build | round | req/s | p50 ms | p99 ms | CPU µs/request | peak threads |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|\n'
  for round in $(seq "$rounds"); do
    for build in a b; do
      local dir="$dir_a"
      [ "$build" = a ] || dir="$dir_b"
      ab_start_weir "$dir" "$databases"
      [ -z "$warm" ] || curl -sf -X POST "http://127.0.0.1:$weir_port$path" \
        -H 'content-type: application/json' -d "$warm" >/dev/null
      local before peak now wrk_pid after requests non2xx rps cpu_us
      before="$(cpu_ticks "$weir_pid")"
      peak="$(threads "$weir_pid")"
      wrk -t2 -c"$clients" -d"${seconds}s" --latency -s "$lua" \
        "http://127.0.0.1:$weir_port$path" >"$ab_work/wrk.txt" &
      wrk_pid=$!
      while kill -0 "$wrk_pid" 2>/dev/null; do
        now="$(threads "$weir_pid")"
        [ "$now" -gt "$peak" ] && peak="$now"
        sleep 0.2
      done
      wait "$wrk_pid"
      after="$(cpu_ticks "$weir_pid")"
      ab_stop_weir
      requests="$(awk '/requests in/ {print $1}' "$ab_work/wrk.txt")"
      non2xx="$(awk '/Non-2xx/ {print $NF}' "$ab_work/wrk.txt")"
      [ -z "$non2xx" ] || echo "build $build round $round: $non2xx answers were not 2xx" >&2
      rps="$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$ab_work/wrk.txt")"
      cpu_us="$(((after - before) * tick_us / requests))"
      printf '| %s | %d | %s | %s | %s | %d | %d |\n' "$build" "$round" "$rps" "$(ms 50%)" \
        "$(ms 99%)" "$cpu_us" "$peak"
    done
  done
}
