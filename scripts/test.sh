#!/usr/bin/env bash
# The test command: installs every dependency (Debian packages, the pinned
# npm Chroma server, the npm Bolt driver, the npm MCP SDK), builds, and runs
# every test — first a plain debug build, then its Debian packages (cut from
# that tree, installed, served, purged: tests/packages, as root only), then
# the same suite under ASan+UBSan, then every libFuzzer harness over its seeds
# plus a bounded run (docs/fuzzing.md). Test servers (PostgreSQL clusters,
# Chroma, Bolt) are started and stopped by the tests.
#
#   scripts/test.sh             debug + asan + fuzz (what CI runs)
#   scripts/test.sh tsan        the suite under ThreadSanitizer
#   scripts/test.sh debug       one preset only
#   scripts/test.sh fuzz        the bounded fuzz run only
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(debug asan fuzz)

scripts/install-deps.sh
export WEIR_CACHE_DIR="${WEIR_CACHE_DIR:-$repo/build/.cache}"
scripts/chroma-server.sh install
export WEIR_CHROMA_BIN="$(scripts/chroma-server.sh path)"
scripts/bolt-driver-check.sh install
scripts/mcp-sdk-check.sh install

jobs="$(nproc)"
for preset in "${presets[@]}"; do
  echo "=== $preset: configure and build"
  options=()
  # The packages are cut from the debug tree rather than from a build of their
  # own, so it installs into /usr as they do (docs/packaging.md).
  [ "$preset" != debug ] || options=(-DCMAKE_INSTALL_PREFIX=/usr -DWEIR_TEST_PACKAGES=ON)
  cmake --preset "$preset" "${options[@]}" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  echo "=== $preset: test"
  ctest --preset "$preset" -j"$jobs" -LE packages
  if [ "$preset" = debug ]; then
    echo "=== debug: the Debian packages"
    ctest --preset debug -L packages
  fi
done
