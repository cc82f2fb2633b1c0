#!/usr/bin/env bash
# Installs what is missing, builds an optimised Marquee, and serves it at http://127.0.0.1:3000
# on the embedded SQLite database (data/marquee.db), loading the demo data on first start.
# Extra arguments go to `marquee serve`'s environment-driven settings; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --release
exec target/marquee serve
