#!/bin/bash
# Latency of a server as the wire sees it: for each client connection to
# 127.0.0.1:PORT, the time from a request's segment to the server's answer,
# captured on the loopback interface for SECONDS. A load generator short of
# CPU on a small machine reports its own scheduling delays as the server's
# latency; this does not (docs/performance.md, "Where the tail at 16 clients
# comes from"). One request in flight per connection, each request and each
# answer in one pushed segment: HTTP/1.1 keep-alive (wrk) and PostgreSQL's
# extended protocol (pgbench -M extended) both qualify.
# Usage: bench/lib/wire_latency.sh PORT SECONDS   (root; needs tcpdump)
set -eu
port=${1:?port}; seconds=${2:?seconds}
command -v tcpdump >/dev/null || { echo "tcpdump is missing: scripts/install-deps.sh --bench" >&2; exit 1; }
capture=$(mktemp --suffix=.pcap); trap 'rm -f "$capture"' EXIT
timeout "$seconds" tcpdump -i lo -s 96 -w "$capture" \
  "tcp port $port and tcp[tcpflags] & tcp-push != 0" 2>/dev/null || true
tcpdump -r "$capture" -nn -tt 2>/dev/null | awk -v server=".$port:" '
  { time = $1; from = $3; to = $5 ":" }
  index(to, server) { asked[from] = time; next }
  { client = substr(to, 1, length(to) - 2); if (client in asked) { print (time - asked[client]) * 1000; delete asked[client] } }
' | sort -n | awk '{ a[NR] = $1 }
  END { if (NR == 0) { print "no request seen on the wire"; exit 1 }
        split("50 90 99 99.9", q, " ")
        for (i = 1; i <= 4; i++) { k = int(NR * q[i] / 100); if (k < 1) k = 1; printf "p%s=%.2fms ", q[i], a[k] }
        printf "max=%.1fms answers=%d\n", a[NR], NR }'
