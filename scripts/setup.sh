#!/usr/bin/env bash
# Installs what building and testing Marquee needs and is not there yet. Safe to run again.
#   scripts/setup.sh          the wasm target (scripts/build.sh installs the bundle's tools, see tools.sh)
#   scripts/setup.sh --test   also Chromium, PostgreSQL, leptosfmt and the browser-test packages
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
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
