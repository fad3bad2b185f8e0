#!/usr/bin/env bash
# The test command: installs every dependency (Debian packages, the pinned
# npm Chroma server, the npm Bolt driver, the npm MCP SDK), builds, and runs
# every test — the suite under ASan+UBSan, then the Debian packages (cut from a
# debug tree of their own that builds no other test, installed, served,
# purged: tests/packages, as root only), then every libFuzzer harness over its
# seeds plus a bounded run (docs/fuzzing.md). Test servers (PostgreSQL
# clusters, Chroma, Bolt) are started and stopped by the tests. The suite runs
# once, under the sanitizers, which check all a plain pass does and more; a
# plain pass on top cost a third of CI's time.
#
#   scripts/test.sh             asan + packages + fuzz-ci (what CI runs)
#   scripts/test.sh debug       the suite without sanitizers
#   scripts/test.sh tsan        the suite under ThreadSanitizer
#   scripts/test.sh fuzz        one preset only: the bounded fuzz run, optimised as the
#                               long runs are (CI's fuzz-ci is the same unoptimised: clang
#                               compiled the host's largest file 2.5x faster at -O0)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(asan packages fuzz-ci)

scripts/install-deps.sh
export WEIR_CACHE_DIR="${WEIR_CACHE_DIR:-$repo/build/.cache}"
scripts/chroma-server.sh install
export WEIR_CHROMA_BIN="$(scripts/chroma-server.sh path)"
scripts/bolt-driver-check.sh install
scripts/mcp-sdk-check.sh install

jobs="$(nproc)"
for preset in "${presets[@]}"; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  echo "=== $preset: test"
  ctest --preset "$preset" -j"$jobs"
done
