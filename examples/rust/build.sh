#!/usr/bin/env bash
# Builds the Rust guests under examples/rust (lunatic-rs 0.14.1 programs) for wasm32-wasi, here,
# offline, and writes each NAME/NAME.wasm next to its source.
#
#   examples/rust/build.sh [OUTPUT_DIR]
#
# With OUTPUT_DIR, writes OUTPUT_DIR/NAME/NAME.wasm instead (RustExamplesTest uses this to check
# that the committed modules are what these sources build: the build is byte-reproducible).
#
# A user builds these as any Rust program for Lunatic: rustup's wasm32-wasi target, crates.io,
# `cargo run` / `cargo test` in the package (the runner in .cargo/config.toml is `weft run`).
# This script builds them without a network, with what this machine has: Debian 12's rustc 1.63
# and libstd-rust-dev-wasm32 (/usr/bin/cargo, RUSTC=/usr/bin/rustc; a rustup toolchain on PATH
# has no wasm target), and crates.io replaced (cargo source replacement, in a CARGO_HOME of our
# own) by a directory of Debian's librust-*-dev crates plus lunatic-rs 0.14.1, both from
# ../shared/lunatic-rs/build.sh. The packages' Cargo.toml files stay as a user writes them
# (lunatic = "0.14.1").
#
#   LUNATIC_RS_BUILD    the build folder of ../shared/lunatic-rs/build.sh, with vendor/ and src/
#                       (default: target/lunatic-rs/build of this repository; made by running
#                       that build.sh, about 75 s, when it is not there)
#   RUST_EXAMPLES_WORK  work folder: sources copied (src/NAME), cargo's home and target dir, logs,
#                       and env.sh, the settings for running cargo there by hand
#                       (default: target/rust-examples)
#
# Release builds (opt-level 3), debug info stripped (profile.release.strip = "debuginfo": the
# DWARF goes, the name section stays, so traps name their function). Source paths that rustc
# writes into a module (panic locations) are mapped to fixed names, so that a build in another
# folder or checkout yields the same bytes. Sources are copied to the work folder first: cargo's
# Cargo.lock and target/ stay out of the tree.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here}
mkdir -p "$out"; out=$(cd "$out" && pwd)

# Every example: NAME/ is a cargo package, and NAME.wasm is
#   bin   its binary (cargo build --release)
#   test  its library's test binary (cargo test --release --no-run --lib)
names=(kv_store supervised_counter counter_tests)
kind() { case $1 in counter_tests) echo test ;; *) echo bin ;; esac; }

CARGO=/usr/bin/cargo
export RUSTC=/usr/bin/rustc
[ -x "$CARGO" ] && [ -x "$RUSTC" ] || { echo "no Debian cargo/rustc (apt-get install cargo rustc libstd-rust-dev-wasm32)" >&2; exit 2; }
[ -d /usr/lib/rustlib/wasm32-wasi ] || { echo "no wasm32-wasi std (apt-get install libstd-rust-dev-wasm32)" >&2; exit 2; }

lrs=${LUNATIC_RS_BUILD:-$root/target/lunatic-rs/build}
if [ ! -d "$lrs/vendor" ] || [ ! -f "$lrs/src/Cargo.toml" ]; then
    shared=$root/../shared/lunatic-rs
    if [ -n "${LUNATIC_RS_BUILD:-}" ] || [ ! -f "$shared/build.sh" ]; then
        echo "no lunatic-rs build at $lrs (vendor/ and src/) and no $shared/build.sh to make one" >&2
        exit 2
    fi
    echo "== no lunatic-rs build at $lrs: running $shared/build.sh" >&2
    bash "$shared/build.sh" "$root/target/lunatic-rs" >&2
fi
lrs=$(cd "$lrs" && pwd)
grep -q '^version = "0.14.1"' "$lrs/src/Cargo.toml" || { echo "$lrs/src is not lunatic-rs 0.14.1" >&2; exit 2; }

work=${RUST_EXAMPLES_WORK:-$root/target/rust-examples}
mkdir -p "$work"; work=$(cd "$work" && pwd)

# The directory standing in for crates.io: Debian's crates and the four crates of lunatic-rs
# 0.14.1 as crates.io has them, their manifests without the git tree's path dependencies,
# dev-dependencies, [workspace] and test targets. (As a [patch] to a path, lunatic would be a path
# package, whose path goes into the hash in every one of its symbols: a build elsewhere would differ.)
vendor=$work/vendor
rm -rf "$vendor"; mkdir -p "$vendor"
for d in "$lrs"/vendor/*/; do ln -s "$(cd "$d" && pwd -P)" "$vendor/$(basename "$d")"; done
publish() { # publish DIR: lunatic-rs's crate in $lrs/src/DIR, into the vendor folder
    local from=$lrs/src/$1 name version
    name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$from/Cargo.toml" | head -1)
    version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$from/Cargo.toml" | head -1)
    mkdir -p "$vendor/$name-$version"
    cp -r "$from/src" "$vendor/$name-$version/"
    python3 -c '
import re, sys
drop = False
for line in open(sys.argv[1]):
    header = re.match(r"^\[\[?([^\]]+)\]", line)
    if header:
        drop = header.group(1) in ("dev-dependencies", "workspace", "bench", "test")
    if not drop:
        sys.stdout.write(re.sub(r",\s*path\s*=\s*\"[^\"]*\"", "", line))
' "$from/Cargo.toml" > "$vendor/$name-$version/Cargo.toml"
    echo '{"files":{},"package":null}' > "$vendor/$name-$version/.cargo-checksum.json"
}
publish .; publish lunatic-macros; publish lunatic-test; publish lunatic-sys

export CARGO_HOME=$work/cargo-home
export CARGO_TARGET_DIR=$work/target
mkdir -p "$CARGO_HOME"
cat > "$CARGO_HOME/config.toml" <<EOF
# Written by examples/rust/build.sh: crates.io is a local directory, offline.
[source.crates-io]
replace-with = "lunatic-rs-vendor"

[source.lunatic-rs-vendor]
directory = "$vendor"

[net]
offline = true
EOF
# Paths in the modules, mapped to fixed names by a rustc wrapper (in RUSTFLAGS they would go into
# cargo's hashes of every crate, which name the symbols).
cat > "$work/rustc-wrapper" <<'EOF'
#!/bin/sh
rustc=$1; shift
exec "$rustc" "$@" --remap-path-prefix="$RX_VENDOR=/vendor" --remap-path-prefix=/usr/share/cargo/registry=/vendor --remap-path-prefix="$RX_SRC=/src"
EOF
chmod +x "$work/rustc-wrapper"
export RUSTC_WRAPPER=$work/rustc-wrapper RX_VENDOR=$vendor RX_SRC=$work/src
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
# The same settings, for running /usr/bin/cargo by hand in a copied package ($work/src/NAME),
# e.g. `. target/rust-examples/env.sh && cd target/rust-examples/src/counter_tests && /usr/bin/cargo test --release`
cat > "$work/env.sh" <<EOF
export CARGO_HOME='$CARGO_HOME' CARGO_TARGET_DIR='$CARGO_TARGET_DIR' RUSTC='$RUSTC'
export RUSTC_WRAPPER='$RUSTC_WRAPPER' RX_VENDOR='$RX_VENDOR' RX_SRC='$RX_SRC'
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
EOF

for name in "${names[@]}"; do
    src=$work/src/$name
    rm -rf "$src"; mkdir -p "$src"
    (cd "$here/$name" && tar -c --exclude=./target --exclude=./Cargo.lock --exclude="./$name.wasm" .) | tar -x -C "$src"
    mkdir -p "$out/$name"
    case $(kind "$name") in
        bin) args=(build --offline --release) ;;
        test) args=(test --offline --release --no-run --lib) ;;
    esac
    log=$work/$name.log   # cargo's messages
    if ! (cd "$src" && "$CARGO" "${args[@]}" --message-format=json-render-diagnostics > "$work/$name.json" 2> "$log"); then
        tail -40 "$log" >&2; echo "$name: cargo ${args[*]} failed (log: $log)" >&2; exit 1
    fi
    artifact=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line) if line.startswith("{") else {}
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[2]:
        print(m["executable"])
' "$work/$name.json" "$name")
    [ -n "$artifact" ] && [ -f "$artifact" ] || { echo "$name: cargo made no executable (log: $log)" >&2; exit 1; }
    cp "$artifact" "$out/$name/$name.wasm"
    chmod 644 "$out/$name/$name.wasm"
    echo "built $out/$name/$name.wasm ($(stat -c %s "$out/$name/$name.wasm") bytes)"
done
