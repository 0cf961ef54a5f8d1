#!/usr/bin/env bash
# Builds the import fuzzer: the pure core's sources and Fuzz/ImportFuzzer, instrumented for
# libFuzzer and AddressSanitizer. Not a SwiftPM product: it cannot link without
# -sanitize=fuzzer (libFuzzer provides main), so `swift build` never sees it.
#
#   Fuzz/build.sh            → .build-fuzz/import-fuzzer
#   FUZZ_OUT=dir Fuzz/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-.build-fuzz}
mkdir -p "$out/module"

# -O keeps bounds and overflow checks (they trap) and runs the fuzzer about ten times faster
# than -Onone; -g gives ASan and libFuzzer readable stack traces.
flags=(-sanitize=fuzzer,address -O -g -swift-version 6 -parse-as-library -use-ld=lld)

mapfile -t core < <(find Sources/UserImportCore -name '*.swift' | sort)
swiftc "${flags[@]}" -wmo -module-name UserImportCore \
    -emit-module -emit-module-path "$out/module/UserImportCore.swiftmodule" \
    -c -o "$out/UserImportCore.o" "${core[@]}"
# The harness's own checks get ASan but no coverage: libFuzzer should steer by the product's
# branches, not the checker's (and the checks run twice as fast uninstrumented).
swiftc "${flags[@]/-sanitize=fuzzer,address/-sanitize=address}" -wmo -module-name ImportFuzzer \
    -I "$out/module" -c -o "$out/ImportFuzzer.o" Fuzz/ImportFuzzer/*.swift
swiftc "${flags[@]}" -o "$out/import-fuzzer" "$out/ImportFuzzer.o" "$out/UserImportCore.o"
echo "built $out/import-fuzzer"
