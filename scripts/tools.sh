#!/usr/bin/env bash
# Installs the tools that turn the compiled wasm into the browser bundle, when missing or stale:
# the bundle tool (tools/bundle: the split and wasm-bindgen at the Cargo.lock version) and npm's
# binaryen (wasm-opt). scripts/build.sh runs this beside the bundle's compile. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee-tools}

# wasm-opt shrinks the release bundle (Debian's binaryen is too old for today's rustc output; npm's
# package ships a current one). Installed into a tools folder outside the work tree, while the
# bundle tool below compiles.
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

# The bundle tool runs for about two seconds on one bundle, so it is not optimised: unoptimised it
# compiles in half the time and takes about a second longer per build. Its own build directory
# keeps it apart from the app's artefacts.
tool_build=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  CARGO_TARGET_DIR="$tools/target")

# The bundle tool (tools/bundle) splits the wasm at its lazy routes and writes the shell's
# JavaScript bindings, with the libraries cargo-leptos uses (wasm_split_cli_support and
# wasm-bindgen-cli-support). The bindings must come from exactly the wasm-bindgen version in
# Cargo.lock; the tool pins that version of wasm-bindgen-cli-support.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
pinned=$(sed -n 's/^wasm-bindgen-cli-support = "=\(.*\)"$/\1/p' tools/bundle/Cargo.toml)
if [ "$want" != "$pinned" ]; then
  echo "tools.sh: Cargo.lock has wasm-bindgen $want, but tools/bundle/Cargo.toml pins" \
    "wasm-bindgen-cli-support ${pinned:-(none)}; set it to \"=$want\" there" >&2
  exit 1
fi
bundle_version=$(cat tools/bundle/Cargo.toml tools/bundle/Cargo.lock tools/bundle/src/*.rs | sha256sum | cut -c1-16)
if [ ! -x "$tools/bin/marquee-bundle" ] || [ "$(cat "$tools/bundle.version" 2>/dev/null)" != "$bundle_version" ]; then
  say "building the bundle tool (tools/bundle, with wasm-bindgen $want)"
  "${tool_build[@]}" cargo install --path tools/bundle --locked --force --root "$tools" --quiet
  echo "$bundle_version" > "$tools/bundle.version"
fi

if [ -n "$npm_install" ] && ! wait "$npm_install"; then
  echo "tools.sh: installing npm's binaryen (wasm-opt) failed; its messages are above" >&2
  exit 1
fi
