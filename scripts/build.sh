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
cp style/main.css "$site/pkg/marquee.css"
cp -r public/. "$site/"

echo "==> building the server"
cargo build --bin marquee --no-default-features --features ssr "${server_profile[@]}"
server="$target_dir/$server_out/marquee"

rm -f "$out/hash.txt"
if $release; then
  tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee-tools}
  wasm_opt=$(command -v "$tools/node_modules/.bin/wasm-opt" || command -v wasm-opt || true)
  if [ -z "$wasm_opt" ]; then
    echo "build.sh: wasm-opt is missing; run scripts/setup.sh (it installs npm's binaryen)" >&2
    exit 1
  fi
  echo "==> optimising the browser bundle (wasm-opt -Oz, debug names stripped)"
  "$wasm_opt" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    "$site/pkg/marquee.wasm" -o "$site/pkg/marquee.opt.wasm"
  mv "$site/pkg/marquee.opt.wasm" "$site/pkg/marquee.wasm"
  # Content-hashed names: browsers keep them for a year, and a new build is a new name.
  echo "==> naming the bundle by content"
  find "$site/pkg" -name 'marquee.*.*' -delete
  : > "$site/pkg/hash.txt.new"
  for kind in js wasm css; do
    hash=$(sha256sum "$site/pkg/marquee.$kind" | cut -c1-16)
    mv "$site/pkg/marquee.$kind" "$site/pkg/marquee.$hash.$kind"
    echo "$kind: $hash" >> "$site/pkg/hash.txt.new"
  done
  budget=$(awk -F'= *' '/^wasm-budget-brotli/ {print $2}' Cargo.toml)
  echo "==> compressing the bundle (brotli, gzip) and checking its budget"
  "$server" compress-assets "$site/pkg" --wasm-budget "$budget"
else
  rm -f "$site/pkg"/*.br "$site/pkg"/*.gz "$site"/pkg/marquee.*.*
fi

mkdir -p "$out"
# A copy, not a link: a later build (another profile, or the tests') never swaps the binary of a
# server that is running from here. Replaced in one step, so a starting server never reads half.
rm -f "$out/marquee.new"
cp "$server" "$out/marquee.new"
mv -f "$out/marquee.new" "$out/marquee"
# The hash file lives beside the binary, where the server looks for it.
if [ -f "$site/pkg/hash.txt.new" ]; then mv "$site/pkg/hash.txt.new" "$out/hash.txt"; fi
echo "==> built: $out/marquee and $site"
