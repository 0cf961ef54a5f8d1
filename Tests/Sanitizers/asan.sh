#!/usr/bin/env bash
# Builds the package and its tests with AddressSanitizer (its own scratch path) and runs the
# whole suite: the test process and every daemon and admin tool it starts are instrumented,
# and LeakSanitizer checks each of them at exit (a daemon that leaks exits non-zero).
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=.build-asan
log=$scratch/build-log.txt
mkdir -p "$scratch"

start=$SECONDS
if ! swift build --build-tests --sanitize=address --scratch-path "$scratch" >"$log" 2>&1; then
    grep -E 'error:' "$log" >&2 || tail -40 "$log" >&2
    exit 1
fi
! grep -E '^/.*/(Sources|Tests)/.*warning:' "$log" || { echo "build has warnings" >&2; exit 1; }
built=$SECONDS

export LSAN_OPTIONS=suppressions=$PWD/Tests/Sanitizers/lsan.supp:print_suppressions=0
# Tests that measure resident memory skip that check: ASan's shadow memory is not ours.
export USERIMPORT_SANITIZER=address
# Skipped under ASan, with reasons:
# - manyFilesDroppedWhileStopped…: 20,000 files through the instrumented daemon take longer
#   than the test's 600 s deadline (it timed out at 646 s here); it checks the inotify overflow
#   rescan, whose code the other daemon tests run too, with fewer files. `make test` keeps it.
skip='manyFilesDroppedWhileStoppedAreAllImportedAfterTheOverflowRescan'
status=0
swift test --skip-build --sanitize=address --scratch-path "$scratch" --skip "$skip" || status=$?
echo "ASan: build $((built - start)) s, tests $((SECONDS - built)) s, exit status $status"
exit "$status"
