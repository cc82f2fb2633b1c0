#!/usr/bin/env bash
# Installs what building and testing Marquee needs and is not there yet. Safe to run again.
#   scripts/setup.sh          the build tools (wasm target, wasm-bindgen-cli, wasm-opt, the wasm splitter)
#   scripts/setup.sh --test   also Chromium, PostgreSQL, leptosfmt and the browser-test packages
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-opt shrinks the release bundle (Debian's binaryen is too old for today's rustc output; npm's
# package ships a current one). Installed once into a tools folder outside the work tree, while the
# Rust tools below compile.
tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee-tools}
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

# The build tools run for seconds on one bundle: optimised lightly, they compile in far less time.
# Their own build directory keeps them apart from the app's artefacts.
tool_build=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  CARGO_TARGET_DIR="$tools/target")

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. Without its default
# features it leaves out the TLS stack of its test runner's downloads (rustls, ring), unused here.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (a minute or two, once)"
  "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$want" --no-default-features --locked \
    || "${tool_build[@]}" cargo install wasm-bindgen-cli --version "$want" --no-default-features
fi

# The split step of the build (one wasm chunk per page) runs a small tool of this repository,
# built once from crates.io sources and rebuilt when its source changes.
split_version=$(cat tools/wasm-split/Cargo.toml tools/wasm-split/Cargo.lock tools/wasm-split/src/*.rs | sha256sum | cut -c1-16)
if [ ! -x "$tools/bin/marquee-wasm-split" ] || [ "$(cat "$tools/wasm-split.version" 2>/dev/null)" != "$split_version" ]; then
  say "building the wasm splitter (tools/wasm-split, about a minute, once)"
  "${tool_build[@]}" cargo install --path tools/wasm-split --locked --force --root "$tools" --quiet
  echo "$split_version" > "$tools/wasm-split.version"
fi

if [ -n "$npm_install" ] && ! wait "$npm_install"; then
  echo "setup.sh: installing npm's binaryen (wasm-opt) failed; its messages are above" >&2
  exit 1
fi

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v chromium >/dev/null || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} from Debian"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  # The view! formatter the lint step checks with (pinned, so every machine formats alike).
  leptosfmt_version=0.1.33
  if [ "$(leptosfmt --version 2>/dev/null | awk '{print $2}')" != "$leptosfmt_version" ]; then
    say "installing leptosfmt $leptosfmt_version (about a minute, once)"
    cargo install leptosfmt --version "$leptosfmt_version" --locked
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "installing the browser-test packages (no browser download: Debian's Chromium is used)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
