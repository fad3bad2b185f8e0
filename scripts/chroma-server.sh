#!/usr/bin/env bash
# Installs and locates the pinned Chroma test server (npm `chromadb`).
#
#   scripts/chroma-server.sh install   install into the cache dir (idempotent;
#                                      skips npm when the pinned versions are there)
#   scripts/chroma-server.sh path      print the path of the `chroma` CLI
#
# Cache dir: $WEIR_CACHE_DIR/chroma, default <repo>/build/.cache/chroma.
# The native addon is pinned to 1.0.5: newer builds need glibc >= 2.39 and
# Debian 12 has 2.36 (see docs/backends/chroma.md).
set -euo pipefail

readonly CHROMADB_VERSION="3.0.11"
readonly BINDINGS_VERSION="1.0.5"
readonly BINDINGS_PACKAGE="chromadb-js-bindings-linux-x64-gnu"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${WEIR_CACHE_DIR:-$repo_root/build/.cache}/chroma"
cli="$cache_dir/node_modules/.bin/chroma"

installed_version() {  # prints the installed version of package $1, or nothing
  local manifest="$cache_dir/node_modules/$1/package.json"
  [ -f "$manifest" ] && node -p "require(process.argv[1]).version" "$manifest" 2>/dev/null || true
}

is_installed() {
  [ -x "$cli" ] &&
    [ "$(installed_version chromadb)" = "$CHROMADB_VERSION" ] &&
    [ "$(installed_version "$BINDINGS_PACKAGE")" = "$BINDINGS_VERSION" ]
}

install() {
  if is_installed; then
    echo "chroma-server: chromadb $CHROMADB_VERSION ($BINDINGS_PACKAGE $BINDINGS_VERSION) already in $cache_dir"
    return
  fi
  command -v npm >/dev/null || { echo "chroma-server: npm not found; run scripts/install-deps.sh" >&2; exit 1; }
  mkdir -p "$cache_dir"
  cat >"$cache_dir/package.json" <<JSON
{"name":"weir-chroma-test-server","version":"1.0.0","private":true,
 "dependencies":{"chromadb":"$CHROMADB_VERSION"},
 "overrides":{"$BINDINGS_PACKAGE":"$BINDINGS_VERSION"}}
JSON
  echo "chroma-server: installing chromadb $CHROMADB_VERSION into $cache_dir"
  (cd "$cache_dir" && npm install --no-audit --no-fund --loglevel=error)
  is_installed || { echo "chroma-server: install finished but $cli is missing or has the wrong version" >&2; exit 1; }
  echo "chroma-server: installed; CLI at $cli"
}

case "${1:-}" in
  install) install ;;
  path) echo "$cli" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
