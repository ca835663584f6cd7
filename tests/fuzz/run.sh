#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (preset `fuzz`: ASan + UBSan + coverage) and runs each for
# SECONDS (default 60), starting from the seeds in tests/fuzz/corpus/<target> and keeping what it
# finds in build/fuzz/corpus/<target> (reused by the next run). A crash, a leak, a timeout (10 s per
# input) or an unexpected exception stops with the reproducer in build/fuzz/findings/: make it a
# regression test (tests/bad_inputs or a unit test) once fixed.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario grants od_csv rpps supply_counts zone_list sae)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
mkdir -p build/fuzz/findings
status=0
for t in "${targets[@]}"; do
  corpus="build/fuzz/corpus/$t"
  mkdir -p "$corpus"
  log="build/fuzz/fuzz_$t.log"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="build/fuzz/findings/${t}-" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz_$t: ${seconds} s, ${runs} inputs, corpus $(ls "$corpus" | wc -l) files, no finding"
  else
    status=1
    echo "fuzz_$t: FINDING (see $log and build/fuzz/findings/)"
    grep -E "ERROR|SUMMARY|runtime error|terminate" "$log" | head -5
  fi
done
exit $status
