#!/usr/bin/env bash
# The neo4j-driver check: proves weir's scripted Bolt test server speaks real
# Bolt by driving it with the official JavaScript driver.
#
#   scripts/bolt-driver-check.sh install          # npm install, cached
#   scripts/bolt-driver-check.sh run <bolt_test_server binary>
#
# The driver is installed at the version pinned in
# tests/neo4j/driver-check/package.json into $WEIR_CACHE_DIR/neo4j-driver
# (default <repo>/build/.cache/neo4j-driver); a matching install is reused,
# so only the first run needs the npm registry.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check_dir="$repo/tests/neo4j/driver-check"
cache="${WEIR_CACHE_DIR:-$repo/build/.cache}/neo4j-driver"

install() { "$repo/scripts/npm-pinned.sh" "$check_dir" "$cache" neo4j-driver; }

case "${1:-}" in
  install)
    install
    echo "bolt-driver-check: neo4j-driver $(node -p "require('$cache/node_modules/neo4j-driver/package.json').version") in $cache"
    ;;
  run)
    [ $# -eq 2 ] || { echo "usage: $0 run <bolt_test_server binary>" >&2; exit 2; }
    install
    NODE_PATH="$cache/node_modules" node "$check_dir/check.js" "$2" "$repo/tests/neo4j/scripts"
    ;;
  *)
    echo "usage: $0 install | run <bolt_test_server binary>" >&2
    exit 2
    ;;
esac
