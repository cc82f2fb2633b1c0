#!/usr/bin/env bash
# Installs what is missing, builds an optimised Marquee, and serves it at http://127.0.0.1:3000
# on the embedded SQLite database (data/marquee.db), loading the demo data on first start.
# Extra arguments go to `marquee serve`'s environment-driven settings; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tools install while the server compiles (scripts/build.sh --install-tools).
scripts/setup.sh --wasm-target
scripts/build.sh --release --install-tools
exec target/marquee serve
