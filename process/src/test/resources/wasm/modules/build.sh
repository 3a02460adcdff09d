#!/bin/sh
# Rebuilds the binary fixtures from their WAT sources (wabt's wat2wasm).
# The .wasm files are committed so that the tests need no wabt.
set -eu
cd "$(dirname "$0")"
wat2wasm --debug-names add.wat -o add.wasm
wat2wasm imports.wat -o imports.wasm
wat2wasm --debug-names simd.wat -o simd.wasm
wat2wasm --no-check --debug-names invalid-type.wat -o invalid-type.wasm
