#!/usr/bin/env bash
# Builds the C guests of bench/run (bench/wasm/bench_guests.c) with clang's wasm32-wasi target.
#
#   bench/wasm/build.sh [OUTPUT_DIR]
#
# Without OUTPUT_DIR bench_guests.wasm is written next to its source; with it, to
# OUTPUT_DIR/bench_guests.wasm (BenchGuestsBuildTest uses this to check the committed module is
# built from this source).
#
# Toolchain (Debian 12): apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
# The built .wasm is committed, so bench/run works without a C compiler.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
include="$here/../../host-api/src/main/c"   # weft/weft.h, weft/lunatic.h
CC="${CC:-clang}"
# A reactor (no main, no _start): every process runs one export. --strip-debug drops libc's DWARF
# but keeps the name section (function names in traps).
CFLAGS=(--target=wasm32-wasi -mexec-model=reactor -O2 -std=c11 -Wall -Wextra -Werror -Wl,--strip-debug)

mkdir -p "$out"
"$CC" "${CFLAGS[@]}" -I "$include" -o "$out/bench_guests.wasm" "$here/bench_guests.c"
chmod 644 "$out/bench_guests.wasm"   # clang makes it executable; git keeps it 644
echo "built $out/bench_guests.wasm"
