#!/usr/bin/env bash
# Builds Marquee in release mode and prints the predictions benchmark table (10k and 100k films).
# Extra arguments go to `marquee bench-predictions` (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --bin marquee
target_dir=${CARGO_TARGET_DIR:-target}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
RUST_LOG=warn "$target_dir/release/marquee" bench-predictions "$@"
