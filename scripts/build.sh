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
# Each step says how long it took, so a slow build shows where its time goes.
step_started=$(date +%s)
step() {
  local now; now=$(date +%s)
  [ -n "${step_name:-}" ] && echo "    ($step_name: $((now - step_started)) s)"
  step_name=$1; step_started=$now
  echo "==> $1"
}

if $release; then
  wasm_profile=(--profile wasm-release); wasm_out=wasm-release
  server_profile=(--release); server_out=release
else
  wasm_profile=(); wasm_out=debug
  server_profile=(); server_out=debug
fi

work=$(mktemp -d)
tools_job=""
server_job=""
trap 'for job in $tools_job $server_job; do kill "$job" 2>/dev/null || true; done; rm -rf "$work"' EXIT
tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee-tools}

# The tools that finish the bundle (scripts/tools.sh: nothing to do once installed) compile beside
# the bundle's own compile, which leaves a core idle for its long link-time optimisation.
scripts/tools.sh > "$work/tools.log" 2>&1 &
tools_job=$!

# A release build starts the server's compile at once, at the lowest priority (nice 19): it takes
# whatever the bundle's steps leave idle and all of both cores once they are done, so the bundle is
# finished long before the server and nothing waits on it at the end. The two builds have build
# directories of their own (release, wasm-release), so they do not wait on each other's lock.
if $release; then
  echo "==> building the server (at low priority beside the bundle's steps; its output follows them)"
  server_started=$(date +%s)
  nice -n 19 cargo build --bin marquee --no-default-features --features ssr "${server_profile[@]}" \
    > "$work/server.log" 2>&1 &
  server_job=$!
fi

step "building the browser bundle"
cargo rustc --lib --crate-type cdylib --target wasm32-unknown-unknown --no-default-features --features hydrate \
  "${wasm_profile[@]}"
wasm_in="$target_dir/wasm32-unknown-unknown/$wasm_out/marquee.wasm"
# One name for everything built from this wasm: its content decides every file below, so a new
# build is a new name and browsers may keep each file for a year.
hash=$(sha256sum "$wasm_in" | cut -c1-16)
pkg="$site/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"

step "installing the bundle's tools that are missing (scripts/tools.sh)"
status=0; wait "$tools_job" || status=$?
tools_job=""
cat "$work/tools.log"
if [ "$status" -ne 0 ]; then
  echo "build.sh: installing the bundle's tools failed (scripts/tools.sh; its messages are above)" >&2
  exit 1
fi

step "splitting the browser bundle into the shell and the pages' chunks, with the shell's bindings"
bundle_tool=$(command -v "$tools/bin/marquee-bundle" || command -v marquee-bundle || true)
if [ -z "$bundle_tool" ]; then
  echo "build.sh: marquee-bundle is missing; run scripts/tools.sh (it builds tools/bundle)" >&2
  exit 1
fi
"$bundle_tool" "$wasm_in" "$pkg" --main-out "$work/marquee.wasm" --bindgen-out "$work/bindgen" --out-name marquee \
  --main-module "/pkg/marquee.$hash.js" --link-name "./__wasm_split.$hash.js" > "$work/chunks.txt"
mv "$work/bindgen/marquee.js" "$pkg/marquee.$hash.js"
mv "$work/bindgen/marquee_bg.wasm" "$pkg/marquee.$hash.wasm"
# The chunks carry the name too: the loader fetches them by it, and the manifest (read by the
# server to preload the open page's chunks) lists them by it.
for chunk in $(cat "$work/chunks.txt"); do
  stem=$(basename "$chunk" .wasm)
  mv "$chunk" "$pkg/$stem.$hash.wasm"
  sed -i "s|\"./$stem.wasm\"|\"./$stem.$hash.wasm\"|g" "$pkg/__wasm_split.$hash.js"
  sed -i -E "s|\"$stem\"|\"$stem.$hash\"|g" "$pkg/__wasm_split_manifest.json"
done
css_hash=$(sha256sum style/main.css | cut -c1-16)
cp style/main.css "$pkg/marquee.$css_hash.css"
cp -r public/. "$site/"
printf 'js: %s\nwasm: %s\ncss: %s\nsplit: %s\n' "$hash" "$hash" "$css_hash" "$hash" > "$work/hash.txt"

if $release; then
  # -O2 rather than -Oz: on this bundle (already built for size by rustc) it takes a fifth less
  # CPU and its brotli-compressed files come out slightly smaller (-Oz's smaller raw files
  # compress worse); docs/performance.md has the comparison.
  step "optimising the browser bundle (wasm-opt -O2)"
  wasm_opt=$(command -v "$tools/node_modules/.bin/wasm-opt" || command -v wasm-opt || true)
  if [ -z "$wasm_opt" ]; then
    echo "build.sh: wasm-opt is missing; run scripts/tools.sh (it installs npm's binaryen)" >&2
    exit 1
  fi
  for wasm in "$pkg"/*.wasm; do
    "$wasm_opt" -O2 --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals "$wasm" -o "$wasm.opt" 2> >(grep -v "unknown name subsection" >&2)
    mv "$wasm.opt" "$wasm"
  done

  step "waiting for the server's build (its output so far, then as it goes)"
  tail -n +1 -f --pid="$server_job" "$work/server.log" &
  status=0; wait "$server_job" || status=$?
  server_job=""
  wait
  echo "    (the server's build took $(( $(date +%s) - server_started )) s from its start)"
  if [ "$status" -ne 0 ]; then
    echo "build.sh: the server's build failed (cargo's messages are above)" >&2
    exit 1
  fi
  server="$target_dir/$server_out/marquee"
  budget=$(awk -F'= *' '/^wasm-budget-brotli/ {print $2}' Cargo.toml)
  step "compressing the bundle (brotli, gzip) and checking the shell's budget"
  "$server" compress-assets "$pkg" --wasm-budget "$budget"
else
  step "building the server"
  cargo build --bin marquee --no-default-features --features ssr "${server_profile[@]}"
  server="$target_dir/$server_out/marquee"
fi

mkdir -p "$out"
# A copy, not a link: a later build (another profile, or the tests') never swaps the binary of a
# server that is running from here. Replaced in one step, so a starting server never reads half.
rm -f "$out/marquee.new"
cp "$server" "$out/marquee.new"
mv -f "$out/marquee.new" "$out/marquee"
# The hash file lives beside the binary, where the server looks for it.
mv "$work/hash.txt" "$out/hash.txt"
step "built: $out/marquee and $site"
