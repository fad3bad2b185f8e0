#!/usr/bin/env bash
# packages_test.sh BUILD_DIR SOURCE_DIR [BOLT_TEST_SERVER]
#
# The Debian packages as an operator meets them:
#  1. cpack cuts the five packages from BUILD_DIR (configured for /usr);
#     lintian, in the background meanwhile, reports no error or warning;
#  2. dpkg -i installs them where Debian puts things; the unit verifies;
#  3. /usr/bin/weir on the packaged /etc/weir/weir.json serves SQLite, with
#     its data in /var/lib/weir and its log in /var/log/weir;
#  4. with weir-graph removed, a gateway with an optional neo4j database
#     serves the rest and names the missing plugin; dpkg -i weir-graph brings
#     the database up by itself, without a restart (queried through the Bolt
#     test server when BOLT_TEST_SERVER is given);
#  5. examples/c-plugin, as shipped in libweir-sdk-dev, builds against the
#     installed SDK, passes its tests and loads in the installed gateway;
#  6. dpkg -P leaves no file behind.
# Whatever happens, the exit trap stops what it started and purges the packages.
set -euo pipefail
build=$(realpath "$1")
source_dir=$(realpath "$2")
bolt_server=${3:-}

packages=(weir weir-postgres weir-vector weir-graph libweir-sdk-dev)
plugin_dir=/usr/lib/$(gcc -print-multiarch)/weir/plugins

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "--- [${SECONDS} s] $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the packages test installs packages: run it as root"
  exit 77
fi
for package in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    fail "$package is installed already; this test would purge it"
  fi
done

work=$(mktemp -d)
weir_pid=""
lintian_pid=""
cleanup() {
  local status=$?
  [ -z "$weir_pid" ] || kill -9 "$weir_pid" 2>/dev/null || true
  [ -z "${BOLT_PID:-}" ] || kill "$BOLT_PID" 2>/dev/null || true
  [ -z "$lintian_pid" ] || kill "$lintian_pid" 2>/dev/null || true
  dpkg -P "${packages[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Every path under the system trees, but for the caches and dpkg's own records.
snapshot() {
  find /etc /usr /var -xdev \( -path /var/cache -o -path /var/lib/dpkg -o -path /var/tmp \) \
    -prune -o -print | sort
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_weir PORT ARGS...: /usr/bin/weir serve ARGS in the background, until it answers.
start_weir() {
  port=$1
  shift
  /usr/bin/weir serve "$@" >"$work/weir.out" 2>&1 &
  weir_pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && return 0
    kill -0 "$weir_pid" 2>/dev/null || fail "weir exited at start: $(cat "$work/weir.out")"
    sleep 0.1
  done
  fail "weir does not answer on $port: $(cat "$work/weir.out")"
}

stop_weir() {
  kill -TERM "$weir_pid"
  local status=0
  wait "$weir_pid" || status=$?
  weir_pid=""
  [ "$status" -eq 0 ] || fail "weir exited $status on SIGTERM: $(cat "$work/weir.out")"
}

# query DATABASE BODY: the status code; the body goes to $work/reply.
query() {
  curl -sS -o "$work/reply" -w '%{http_code}' -X POST \
    "http://127.0.0.1:$port/v1/databases/$1/query" -H 'content-type: application/json' -d "$2"
}

# expect_query DATABASE BODY STATUS TEXT: the reply has that status and holds TEXT.
expect_query() {
  local status
  status=$(query "$1" "$2")
  [ "$status" = "$3" ] || fail "$1 $2: status $status, expected $3: $(cat "$work/reply")"
  grep -qF -- "$4" "$work/reply" || fail "$1 $2: no '$4' in $(cat "$work/reply")"
}

# expect_in TEXT PART WHAT
expect_in() {
  grep -qF -- "$2" <<<"$1" || fail "$3: no '$2' in: $1"
}

step "cut the packages from $build"
before=$(snapshot)
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.out" 2>&1 ||
  fail "cpack: $(cat "$work/cpack.out")"
debs=()
for package in "${packages[@]}"; do
  deb=$(ls "$work/debs/${package}"_*.deb) || fail "no ${package} package: $(ls "$work/debs")"
  debs+=("$deb")
  echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
done
lintian --fail-on error,warning "${debs[@]}" >"$work/lintian.out" 2>&1 &
lintian_pid=$!

step "install them"
dpkg -i "${debs[@]}" >"$work/dpkg.out" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.out")"
for plugin in sqlite postgres chroma neo4j; do
  [ -f "$plugin_dir/weir_$plugin.so" ] || fail "no $plugin_dir/weir_$plugin.so"
done
[ "$(dpkg-query -S "$plugin_dir/weir_neo4j.so")" = "weir-graph: $plugin_dir/weir_neo4j.so" ] ||
  fail "weir_neo4j.so is not weir-graph's"
grep -qx /etc/weir/weir.json /var/lib/dpkg/info/weir.conffiles || fail "weir.json is no conffile"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/weir.service ||
    fail "systemd-analyze verify weir.service"
else
  echo "SKIPPED: systemd-analyze is not installed: the unit was not verified"
fi

step "serve the packaged default config"
config=$(/usr/bin/weir check-config --config /etc/weir/weir.json 2>&1)
expect_in "$config" "listen: 127.0.0.1:7300" "packaged listen address"
expect_in "$config" "data in /var/lib/weir" "packaged data directory"
# Its own port, in case something serves 7300 here; everything else as packaged.
port=$(free_port)
start_weir "$port" --config /etc/weir/weir.json --listen "127.0.0.1:$port"
expect_query default '{"query":"create table packaged (x integer)"}' 200 '"rows"'
expect_query default '{"query":"insert into packaged values (42)"}' 200 '"rows"'
expect_query default '{"query":"select x from packaged"}' 200 '"rows":[[42]]'
[ -f /var/lib/weir/databases/default.db ] || fail "no database in /var/lib/weir/databases"
grep -q "listening on http://127.0.0.1:$port" /var/log/weir/weir.log ||
  fail "no start line in /var/log/weir/weir.log"
stop_weir

step "remove weir-graph: the rest serves, the graph database is reported missing"
dpkg -r weir-graph >"$work/dpkg.out" 2>&1 || fail "dpkg -r weir-graph: $(cat "$work/dpkg.out")"
[ ! -e "$plugin_dir/weir_neo4j.so" ] || fail "weir_neo4j.so is still there"
if [ -n "$bolt_server" ]; then
  coproc BOLT { "$bolt_server" --script "$source_dir/tests/neo4j/scripts/conformance.json"; }
  read -r listening bolt_port <&"${BOLT[0]}"
  [ "$listening" = LISTENING ] || fail "the Bolt test server did not start"
else
  echo "SKIPPED: no Bolt test server: the graph database comes back unhealthy, not queried"
  bolt_port=$(free_port)
fi
port=$(free_port)
cat >"$work/weir.json" <<JSON
{"listen": "127.0.0.1:$port", "retry_interval_ms": 200,
 "workspace": {"root": "$work", "data_dir": "data"},
 "databases": {
   "default": {"backend": "sqlite"},
   "graph": {"backend": "neo4j", "optional": true,
             "connection": {"url": "bolt://127.0.0.1:$bolt_port", "user": "neo4j", "password": "secret"}}}}
JSON
start_weir "$port" --config "$work/weir.json"
ready=$(curl -sS -w ' %{http_code}' "http://127.0.0.1:$port/health/ready")
expect_in "$ready" ' 200' "/health/ready without an optional plugin"
expect_in "$ready" '"optional_down":[{"database":"graph","state":"unavailable"' "/health/ready"
expect_in "$ready" 'backend plugin \"neo4j\" is not installed' "/health/ready"
health=$(curl -sS "http://127.0.0.1:$port/health")
expect_in "$health" '"graph":{"state":"unavailable"' "/health"
expect_in "$health" 'backend plugin \"neo4j\" is not installed' "/health"
expect_query default '{"query":"select 1 as x"}' 200 '"rows":[[1]]'
expect_query graph '{"query":"RETURN 1"}' 503 'database_unavailable'

step "reinstall weir-graph: the running gateway serves the graph database by itself"
dpkg -i "$work/debs"/weir-graph_*.deb >"$work/dpkg.out" 2>&1 ||
  fail "dpkg -i weir-graph: $(cat "$work/dpkg.out")"
for _ in $(seq 200); do
  grep -q "database graph ready on backend neo4j" "$work/weir.out" && break
  sleep 0.1
done
grep -q "database graph ready on backend neo4j" "$work/weir.out" ||
  fail "the graph database did not come back: $(curl -sS "http://127.0.0.1:$port/health")
$(ls -l "$plugin_dir")
$(cat "$work/weir.out")"
if [ -n "$bolt_server" ]; then
  expect_query graph '{"query":"RETURN $n + 1 AS answer, '\''two'\'' AS two","params":{"n":41}}' \
    200 '[[42,"two"]]'
fi
stop_weir

step "build examples/c-plugin from libweir-sdk-dev against the installed SDK"
cp -r /usr/share/doc/libweir-sdk-dev/examples/c-plugin "$work/c-plugin"
(
  cd "$work/c-plugin"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug >"$work/example.out" 2>&1 &&
    cmake --build build >>"$work/example.out" 2>&1 &&
    ctest --test-dir build --output-on-failure >>"$work/example.out" 2>&1
) || fail "the example plugin: $(cat "$work/example.out")"
plugins=$(WEIR_PLUGIN_PATH="$work/c-plugin/build/plugins" /usr/bin/weir plugins -c /etc/weir/weir.json 2>&1)
expect_in "$plugins" "kv 0.1.0 (other, ABI" "weir plugins with the example's directory"

step "lintian"
status=0
wait "$lintian_pid" || status=$?
lintian_pid=""
cat "$work/lintian.out"
[ "$status" -eq 0 ] || fail "lintian found errors or warnings (above)"

step "purge: nothing is left behind"
dpkg -P "${packages[@]}" >"$work/dpkg.out" 2>&1 || fail "dpkg -P: $(cat "$work/dpkg.out")"
left=$(comm -13 <(echo "$before") <(snapshot))
[ -z "$left" ] || fail "left behind after dpkg -P: $left"
echo "PASS"
