#!/usr/bin/env bash
# Runs the import fuzzer for a bounded time and prints how much it ran.
#
#   Fuzz/run.sh [SECONDS]       fuzz (default 120 s); the corpus grows in .build-fuzz/corpus
#   Fuzz/run.sh FILE...         replay inputs (a crash file from .build-fuzz/crashes/)
#
# Exit status 0 when nothing broke; 1 with the crashing input saved in .build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-.build-fuzz}
Fuzz/build.sh
# The Swift runtime's backtracer would catch the trap and then wait; libFuzzer reports it
# itself. Short allocation stacks make ASan's bookkeeping cheaper (a third more executions).
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=8}

if [ $# -gt 0 ] && [ -f "$1" ]; then
    exec "$out/import-fuzzer" "$@"
fi

seconds=${1:-120}
Fuzz/seeds.sh "$out/seeds" >/dev/null
mkdir -p "$out/corpus" "$out/crashes"
log="$out/last-run.log"
status=0
"$out/import-fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=Fuzz/import.dict -artifact_prefix="$out/crashes/" -print_final_stats=1 \
    "$out/corpus" "$out/seeds" >"$log" 2>&1 || status=$?

stat() { sed -n "s/^stat::$1: *//p" "$log"; }
coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
echo "import fuzzer: $(stat number_of_executed_units) executions in ${seconds} s" \
    "($(stat average_exec_per_sec)/s), $coverage, peak RSS $(stat peak_rss_mb) MB"
if [ "$status" -ne 0 ]; then
    grep -E 'invariant broken|Fatal error|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY|Test unit written' "$log" >&2
    echo "the fuzzer found a crash (log: $log); replay it with Fuzz/run.sh <crash file>" >&2
    exit 1
fi
