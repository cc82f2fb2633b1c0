#!/usr/bin/env bash
# Builds the browser bundle (wasm + CSS + public files) and the server binary.
#   scripts/build.sh                      debug build into target/site and target/marquee
#   scripts/build.sh --release            optimised build, same places (what scripts/run.sh serves)
#   scripts/build.sh --out target/e2e     into target/e2e/site and target/e2e/marquee instead
#                                         (the tests build there, so they never touch a running app)
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
release=false
out=target
while [ $# -gt 0 ]; do
  case "$1" in
    --release) release=true ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    *) echo "build.sh: unknown option $1 (use --release, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
site=$out/site

if $release; then
  wasm_profile=(--profile wasm-release); wasm_out=wasm-release
  server_profile=(--release); server_out=release
else
  wasm_profile=(); wasm_out=debug
  server_profile=(); server_out=debug
fi

echo "==> building the browser bundle"
cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate "${wasm_profile[@]}"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name marquee \
  "$target_dir/wasm32-unknown-unknown/$wasm_out/marquee.wasm"
mv "$site/pkg/marquee_bg.wasm" "$site/pkg/marquee.wasm"
if command -v wasm-opt >/dev/null && [ "$wasm_out" = wasm-release ]; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$site/pkg/marquee.wasm" -o "$site/pkg/marquee.wasm" || echo "wasm-opt failed; keeping the unoptimised bundle"
fi
cp style/main.css "$site/pkg/marquee.css"
cp -r public/. "$site/"

echo "==> building the server"
cargo build --bin marquee --no-default-features --features ssr "${server_profile[@]}"
mkdir -p "$out"
# A copy, not a link: a later build (another profile, or the tests') never swaps the binary of a
# server that is running from here. Replaced in one step, so a starting server never reads half.
rm -f "$out/marquee.new"
cp "$target_dir/$server_out/marquee" "$out/marquee.new"
mv -f "$out/marquee.new" "$out/marquee"
echo "==> built: $out/marquee and $site"
