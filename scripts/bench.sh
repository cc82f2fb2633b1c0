#!/usr/bin/env bash
# The benchmark suite, one command: release build, then
#   1. the predictions micro-benchmarks (10k and 100k films), the vote page at 20 / 200 / 2,000
#      proposals and sign-in, and
#   2. the load suite: 100k films, 1,000 members, 2,000 proposals; wrk at 1 and 64 connections on
#      loopback against every page and API, with a static-file ceiling for comparison, and
#   3. live counts (200 event streams while 50 members vote) and two servers on one PostgreSQL
#      behind a round-robin proxy against one (scripts/bench_live.py), and
#   4. a busy evening: 200 members voting in a closed loop for a minute on each backend, with the
#      default request limits (scripts/bench_busy.py): no 5xx is the goal, and
#   5. posters: /vote's latency while 2,000 posters are downloaded and made in the background, and
#      what a poster costs against its original (scripts/bench_posters.py), and
#   6. a 5,000-film Letterboxd export matched and imported, on both backends.
# The tables are printed and saved to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq wrk >/dev/null
}
scripts/build.sh --release
# target/marquee, not the cargo output: the bundle's hash file lives beside it.
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
echo "==> predictions micro-benchmarks"
RUST_LOG=warn target/marquee bench-predictions "$@"
echo "==> catalogue benchmark"
RUST_LOG=warn target/marquee bench-catalogue --movies 10000,100000
echo "==> voting benchmark"
RUST_LOG=warn target/marquee bench-voting
echo "==> load suite"
python3 scripts/bench_suite.py --binary target/marquee
echo "==> live counts and several servers (a throwaway PostgreSQL for the second part)"
scripts/with-postgres.sh python3 scripts/bench_live.py --binary target/marquee
echo "==> a busy evening: 200 members voting as fast as they can, on both backends"
scripts/with-postgres.sh python3 scripts/bench_busy.py --binary target/marquee --postgres
echo "==> posters made in the background while members load /vote"
python3 scripts/bench_posters.py --binary target/marquee
echo "==> a 5,000-film Letterboxd export, on both backends"
RUST_LOG=warn scripts/with-postgres.sh target/marquee bench-letterboxd
