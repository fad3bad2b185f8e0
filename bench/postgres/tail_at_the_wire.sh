#!/bin/bash
# PostgreSQL point selects through pgbouncer (pgbench -M extended) and through
# weir (wrk), in turns, each measured twice: by its load generator, and at the
# wire (bench/lib/wire_latency.sh: from a request's segment to the answer's, on
# loopback). On two shared cores wrk, heavier than pgbench, is itself short of
# CPU and reports its own delays as latency; the wire shows the servers'.
# Both servers must be running, against a `pgbench -i -s 10` database
# (../shared/bench/side-by-side.sh sets one up). As root: pgbench runs as the
# `postgres` user.
# Usage: bench/postgres/tail_at_the_wire.sh PGBOUNCER_PORT WEIR_QUERY_URL [clients=16] [seconds=6] [rounds=2]
set -eu
pgbouncer_port=${1:?pgbouncer port}; weir_url=${2:?weir query url, e.g. http://127.0.0.1:7310/v1/databases/pg/query}
clients=${3:-16}; seconds=${4:-6}; rounds=${5:-2}
here=$(cd "$(dirname "$0")" && pwd); wire="$here/../lib/wire_latency.sh"
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
work=$(mktemp -d); chmod 777 "$work"; cp "$here/point_select.sql" "$work/"; trap 'rm -rf "$work"' EXIT
weir_port=$(echo "$weir_url" | sed -E 's#^[a-z]+://[^:/]+:([0-9]+)/.*#\1#')

percentiles() {  # latencies in µs on stdin -> "p50 p99" in ms
  sort -n | awk '{ a[NR] = $1 } END { printf "%.2f %.2f", a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000 }'
}
through_pgbouncer() {  # -> "req/s p50 p99"
  su postgres -c "$pgbench -h 127.0.0.1 -p $pgbouncer_port -M extended -n -c $clients -j 2 -T $seconds \
    -l --log-prefix=$work/lat -f $work/point_select.sql postgres" 2>&1 | awk '/^tps/ { printf "%.0f ", $3 }'
  cat "$work"/lat.* | awk '{ print $3 }' | percentiles
  rm -f "$work"/lat.*
}
through_weir() {
  wrk -t2 -c"$clients" -d"${seconds}s" -s "$here/point_select.lua" "$weir_url" | tail -1
}
row() {  # name port measure
  # The capture starts first and ends before the load does, so it sees the load's steady state.
  ( sleep 1; "$3" >"$work/client" ) &
  local at_the_wire; at_the_wire=$("$wire" "$2" $((seconds - 2)))
  wait
  read -r rate p50 p99 <"$work/client" || true  # no newline at its end
  echo "| $1 | $clients | $rate | $p50 ms | $p99 ms | $(echo "$at_the_wire" | awk '{ sub("p50=", "", $1); sub("p99=", "", $3); print $1 " | " $3 }') |"
}

echo "| server (load generator) | clients | req/s | p50 client | p99 client | p50 wire | p99 wire |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for _ in $(seq "$rounds"); do
  row "pgbouncer (pgbench)" "$pgbouncer_port" through_pgbouncer
  row "weir (wrk)" "$weir_port" through_weir
done
