#!/usr/bin/env bash
# Installs the tools that turn the compiled wasm into the browser bundle, when missing or stale:
# wasm-bindgen-cli (at the Cargo.lock version), the wasm splitter (tools/wasm-split) and npm's
# binaryen (wasm-opt). scripts/build.sh runs this beside the bundle's compile. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee-tools}

# wasm-opt shrinks the release bundle (Debian's binaryen is too old for today's rustc output; npm's
# package ships a current one). Installed into a tools folder outside the work tree, while the
# Rust tools below compile.
binaryen_version=132.0.0
npm_install=""
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ] || \
   [ "$(cat "$tools/binaryen.version" 2>/dev/null)" != "$binaryen_version" ]; then
  say "installing wasm-opt (npm binaryen $binaryen_version)"
  mkdir -p "$tools"
  ( npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "binaryen@$binaryen_version" \
    && echo "$binaryen_version" > "$tools/binaryen.version" ) &
  npm_install=$!
fi

# These tools run for about a second on one bundle, so they are not optimised: unoptimised they
# compile in half the time (53 s against 104 s for wasm-bindgen-cli) and take 0.5 s longer per
# build. Their own build directory keeps them apart from the app's artefacts.
tool_build=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  CARGO_TARGET_DIR="$tools/target")

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. Without its default
# features it leaves out the TLS stack of its test runner's downloads (rustls, ring), unused here;
# only the `wasm-bindgen` program is built (not the test runner, nor wasm2es6js).
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want"
  "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$want" --no-default-features --locked --bin wasm-bindgen \
    || "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$want" --no-default-features --bin wasm-bindgen
fi

# The split step of the build (one wasm chunk per page) runs a small tool of this repository,
# built from crates.io sources and rebuilt when its source changes.
split_version=$(cat tools/wasm-split/Cargo.toml tools/wasm-split/Cargo.lock tools/wasm-split/src/*.rs | sha256sum | cut -c1-16)
if [ ! -x "$tools/bin/marquee-wasm-split" ] || [ "$(cat "$tools/wasm-split.version" 2>/dev/null)" != "$split_version" ]; then
  say "building the wasm splitter (tools/wasm-split)"
  "${tool_build[@]}" cargo install --path tools/wasm-split --locked --force --root "$tools" --quiet
  echo "$split_version" > "$tools/wasm-split.version"
fi

if [ -n "$npm_install" ] && ! wait "$npm_install"; then
  echo "tools.sh: installing npm's binaryen (wasm-opt) failed; its messages are above" >&2
  exit 1
fi
