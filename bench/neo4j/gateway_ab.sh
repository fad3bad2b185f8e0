#!/usr/bin/env bash
# Neo4j queries through the weir binary, two builds of the neo4j plugin side by
# side in one run (e.g. queries on workers against queries on the event loop),
# against the scripted Bolt server (tests/neo4j/server, playing
# bench/neo4j/queries.json): a point query answered at once ("fast"), or one
# the server answers after 20 ms ("slow", the case a thread per query pays
# for: every query in flight holds a worker). wrk with `clients` keep-alive
# connections for `seconds`, `rounds` rounds; the table is
# bench/lib/gateway_ab.sh's. The scripted server (a thread per connection,
# rules matched per message) is no Neo4j: compare the gateway's CPU per
# request and its threads, not req/s.
#
#   bench/neo4j/gateway_ab.sh <weir> <bolt_test_server> <plugin-dir-a> <plugin-dir-b> [fast|slow] [clients=64] [seconds=10] [rounds=3]
#
# Needs wrk (scripts/install-deps.sh --bench).
set -euo pipefail

weir="$(realpath "$1")"
bolt_server="$(realpath "$2")"
dir_a="$(realpath "$3")"
dir_b="$(realpath "$4")"
mode="${5:-fast}"
clients="${6:-64}"
seconds="${7:-10}"
rounds="${8:-3}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"

source "$repo/bench/lib/gateway_ab.sh"

# The server stops when its stdin closes: fd 3 holds it open until this script exits.
mkfifo "$ab_work/bolt.in"
"$bolt_server" --script "$repo/bench/neo4j/queries.json" <"$ab_work/bolt.in" >"$ab_work/bolt.out" &
ab_pids+=($!)
exec 3>"$ab_work/bolt.in"
for _ in $(seq 100); do grep -q LISTENING "$ab_work/bolt.out" && break; sleep 0.1; done
bolt_port="$(awk '/LISTENING/ {print $2}' "$ab_work/bolt.out")"

case "$mode" in
  fast) query='MATCH (p:Person {id: $id}) RETURN p.name AS name' ;;
  slow) query='MATCH (p:Person {id: $id}) CALL apoc.util.sleep(20) RETURN p.name AS name' ;;
  *) echo "mode: fast or slow, not $mode" >&2; exit 2 ;;
esac
body='{"query": "'"$query"'", "params": {"id": 7}}'
databases='{"graph": {"backend": "neo4j",
           "connection": {"url": "bolt://127.0.0.1:'"$bolt_port"'", "user": "neo4j", "password": "bench"},
           "pool": {"min_size": 32, "max_size": 32}}}'
ab_measure "$dir_a" "$dir_b" "$databases" /v1/databases/graph/query "$(ab_post_lua "$body")" \
  "$clients" "$seconds" "$rounds" "$body"
