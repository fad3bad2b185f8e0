#!/usr/bin/env bash
# Runs the libFuzzer harnesses (fuzz/) for long: builds them (fuzz preset), then
# runs each harness in turn on one core at low priority, keeping what it
# finds in build/fuzz/fuzz-corpus/<name> (the next run starts from there)
# and crashes in build/fuzz/fuzz-artifacts/. Prints executions, exec/s and
# coverage per harness; exits 1 if any harness crashed. CI runs a short,
# bounded run instead (`ctest --preset fuzz`, from scripts/test.sh).
#
#   scripts/fuzz.sh                       every harness, 1 hour each
#   scripts/fuzz.sh -s 600 packstream     one harness, 10 minutes
#   scripts/fuzz.sh -r 10000000           every harness, 10 M executions each
#   scripts/fuzz.sh -t 1200 -r 10000000   the same, allowing an input 1200 s:
#                                         libFuzzer's -timeout is wall time, so
#                                         on a busy shared machine at low
#                                         priority 10 s can fail a 12 ms input
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

seconds=3600
runs=-1
timeout=10
while getopts "s:r:t:" opt; do
  case "$opt" in
    s) seconds="$OPTARG" ;;
    r) runs="$OPTARG"; seconds=0 ;;
    t) timeout="$OPTARG" ;;
    *) echo "usage: $0 [-s seconds | -r runs] [-t seconds per input] [harness...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] ||
  harnesses=($(cd fuzz && ls ./*_fuzzer.cpp | sed 's|^\./||; s|_fuzzer\.cpp$||'))

cmake --preset fuzz >/dev/null
# Only the harnesses asked for: some need no plugin library.
cmake --build --preset fuzz -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"

build=build/fuzz
mkdir -p "$build/fuzz-logs" "$build/fuzz-artifacts"
failed=0
printf '%-16s %14s %8s %8s %8s %s\n' harness executions exec/s cov ft result
for name in "${harnesses[@]}"; do
  mkdir -p "$build/fuzz-corpus/$name"
  log="$build/fuzz-logs/$name.log"
  status=0
  nice -n 10 "$build/bin/fuzz_$name" -runs="$runs" -max_total_time="$seconds" -timeout="$timeout" \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" \
    "$build/fuzz-corpus/$name" "fuzz/corpus/$name" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | awk '{print $2, $4}')
  result=ok
  [ "$status" -eq 0 ] || { result="CRASH (see $log)"; failed=1; }
  printf '%-16s %14s %8s %8s %8s %s\n' "$name" "${executions:-?}" "${speed:-?}" \
    ${coverage:-? ?} "$result"
done
exit "$failed"
