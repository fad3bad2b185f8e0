#!/usr/bin/env bash
# Installs everything weir needs to build and test on Debian 12, from Debian's
# packages only. Safe to re-run: apt skips what is already installed.
#   scripts/install-deps.sh [--bench]
# --bench adds what the benchmarks' scripts drive (bench/, ../shared/bench):
# wrk as the HTTP load generator, nginx-light as /health's anchor, tcpdump to
# time answers at the wire (bench/lib/wire_latency.sh), ccache to keep a
# release build beside the test builds cheap.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git ca-certificates
  # Boost 1.81: Asio/Beast/DLL headers, JSON and filesystem libraries
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev
  # backends
  libsqlite3-dev libpq-dev libcurl4-openssl-dev libssl-dev
  # the neo4j backend's zoned DateTimes: date/tz.h and libdate-tz over the system tzdata
  libhowardhinnant-date-dev tzdata
  # the service's readiness and watchdog (sd_notify)
  libsystemd-dev
  # the gateway's allocator
  libjemalloc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql pgbouncer sqlite3 curl procps
  # the client libraries' tests (clients/): pytest, httpx for the async Python
  # client, the TypeScript compiler (node-typescript, which brings nodejs);
  # YAML for tests/openapi, which reads docs/http-api.yaml
  python3-pytest python3-httpx python3-yaml node-typescript
  # the Debian packages (scripts/package.sh, tests/packages): dpkg-shlibdeps,
  # lintian, systemd-analyze to verify the unit
  dpkg-dev lintian systemd
  # fuzzing (the fuzz preset): clang 14, libFuzzer and the sanitizer runtimes,
  # llvm-symbolizer for readable crash stacks
  clang libclang-rt-14-dev llvm
)

if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk nginx-light tcpdump ccache)
elif [ $# -gt 0 ]; then
  echo "usage: scripts/install-deps.sh [--bench]" >&2
  exit 2
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm run the Chroma test server and the Bolt driver check.
if ! command -v npm >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
echo "install-deps: all dependencies present"
