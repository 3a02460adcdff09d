#!/usr/bin/env bash
# Builds the C test guests of host-api with clang's wasm32-wasi target.
#
#   build.sh [OUTPUT_DIR]      (default: this directory, next to the sources)
#
# Toolchain (Debian 12): apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
# The .wasm files are committed, so tests run without clang; LunaticHeaderTest rebuilds them when
# clang is on PATH and checks that the imports match the committed modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
mkdir -p "$out"
include="$here/../../../main/c"   # host-api/src/main/c: weft/lunatic.h, weft/weft.h
CC="${CC:-clang}"

# Command module (exports _start, memory, hello); -O2, no debug info; warnings are errors.
"$CC" --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror \
    -I "$include" \
    -o "$out/all_imports.wasm" "$here/all_imports.c"

# Command module exporting the functions ConfigsHostTest runs as processes.
"$CC" --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -Wl,--strip-debug \
    -I "$include" \
    -o "$out/configs.wasm" "$here/configs.c"

# Command module exporting the functions WeftSupervisorHostTest runs as processes.
"$CC" --target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -Wl,--strip-debug \
    -I "$include" \
    -o "$out/supervisor_ops.wasm" "$here/supervisor_ops.c"
