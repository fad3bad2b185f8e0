#!/usr/bin/env bash
# Installs the npm packages pinned in <dir>/package.json into <cache dir>,
# for the checks that drive weir with official npm clients
# (bolt-driver-check.sh, mcp-sdk-check.sh). A matching install is reused, so
# only the first run needs the npm registry.
#
#   scripts/npm-pinned.sh <dir holding package.json> <cache dir> <package to look for>
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 <dir holding package.json> <cache dir> <package>" >&2; exit 2; }
dir="$1" cache="$2" package="$3"

if ! command -v npm >/dev/null 2>&1; then
  echo "$(basename "$0"): npm not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mkdir -p "$cache"
# Reinstall only when the pinned package.json changed.
if cmp -s "$dir/package.json" "$cache/package.json" && [ -f "$cache/node_modules/$package/package.json" ]; then
  exit 0
fi
cp "$dir/package.json" "$cache/package.json"
(cd "$cache" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
