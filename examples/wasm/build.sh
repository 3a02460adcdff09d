#!/usr/bin/env bash
# Builds the C guests under examples/wasm with clang's wasm32-wasi target, next to their sources.
#
#   examples/wasm/build.sh
#
# Toolchain (Debian 12): apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
# The built .wasm files are committed, so `weft run` works without a C compiler.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CC="${CC:-clang}"
# --strip-debug drops the DWARF sections of libc but keeps the name section (function names in traps).
CFLAGS=(--target=wasm32-wasi -O2 -std=c11 -Wall -Wextra -Werror -Wl,--strip-debug)

# hello: a WASI command module (exports _start).
"$CC" "${CFLAGS[@]}" -o "$here/hello/hello.wasm" "$here/hello/hello.c"
echo "built $here/hello/hello.wasm"
