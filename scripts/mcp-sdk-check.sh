#!/usr/bin/env bash
# The MCP SDK check: drives weir's MCP front over stdio and Streamable HTTP
# with the official MCP TypeScript SDK (@modelcontextprotocol/sdk) as client.
#
#   scripts/mcp-sdk-check.sh install                          # npm install, cached
#   scripts/mcp-sdk-check.sh run <weir binary> <plugin dir>
#
# The SDK is installed at the version pinned in tests/mcp/sdk-check/package.json
# into $WEIR_CACHE_DIR/mcp-sdk (default <repo>/build/.cache/mcp-sdk); a
# matching install is reused, so only the first run needs the npm registry.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check_dir="$repo/tests/mcp/sdk-check"
cache="${WEIR_CACHE_DIR:-$repo/build/.cache}/mcp-sdk"
sdk="$cache/node_modules/@modelcontextprotocol/sdk"

install() { "$repo/scripts/npm-pinned.sh" "$check_dir" "$cache" @modelcontextprotocol/sdk; }

case "${1:-}" in
  install)
    install
    echo "mcp-sdk-check: @modelcontextprotocol/sdk $(node -p "require('$sdk/package.json').version") in $cache"
    ;;
  run)
    [ $# -eq 3 ] || { echo "usage: $0 run <weir binary> <plugin dir>" >&2; exit 2; }
    install
    NODE_PATH="$cache/node_modules" node "$check_dir/check.js" "$2" "$3"
    ;;
  *)
    echo "usage: $0 install | run <weir binary> <plugin dir>" >&2
    exit 2
    ;;
esac
