#!/usr/bin/env bash
# Quick start: installs what is needed, builds the gateway (release) and runs
# it on the embedded default — a SQLite database "default" stored under
# ./.weir/databases/ of the project you run it from — at 127.0.0.1:7300.
# Extra arguments go to `weir serve` (e.g. --config weir.json).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/scripts/install-deps.sh"
cmake -S "$repo" -B "$repo/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEIR_BUILD_TESTS=OFF >/dev/null
cmake --build "$repo/build/release" -j"$(nproc)"
exec "$repo/build/release/bin/weir" serve "$@"
