#!/usr/bin/env bash
# Builds the C guests under examples/wasm with clang's wasm32-wasi target.
#
#   examples/wasm/build.sh [OUTPUT_DIR]
#
# Without OUTPUT_DIR each NAME/NAME.wasm is written next to its source NAME/NAME.c; with it, to
# OUTPUT_DIR/NAME/NAME.wasm (WasmExamplesTest uses this to check the committed modules are built
# from these sources).
#
# Toolchain (Debian 12): apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
# The built .wasm files are committed, so `weft run` works without a C compiler.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
include="$here/../../host-api/src/main/c"   # weft/weft.h, weft/lunatic.h
CC="${CC:-clang}"
# --strip-debug drops the DWARF sections of libc but keeps the name section (function names in traps).
CFLAGS=(--target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -Wl,--strip-debug)

# Every example is a WASI command module (exports _start); all but hello use the Lunatic ABI
# through weft.h and export the functions they spawn as processes.
for name in hello pingpong ring spawn_many link_trap registry supervisor; do
    mkdir -p "$out/$name"
    "$CC" "${CFLAGS[@]}" -I "$include" -o "$out/$name/$name.wasm" "$here/$name/$name.c"
    chmod 644 "$out/$name/$name.wasm"   # clang makes it executable; git keeps it 644
    echo "built $out/$name/$name.wasm"
done
