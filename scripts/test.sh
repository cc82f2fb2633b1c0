#!/usr/bin/env bash
# Runs every test: unit and integration tests (SQLite, and a throwaway PostgreSQL server this script
# starts and stops), then end-to-end tests in headless Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/setup.sh --test

echo "==> formatting and lints (rustfmt, leptosfmt on view! blocks, clippy on the server and the browser bundle)"
leptosfmt --check --quiet src >/dev/null || { leptosfmt --check --quiet src | tail -40; echo "test.sh: view! blocks are not formatted: run leptosfmt src && cargo fmt" >&2; exit 1; }
if cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1; then
  cargo fmt --check
  cargo clippy --no-default-features --features ssr --all-targets -- -D warnings
  cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
else
  echo "test.sh: this Rust toolchain has no rustfmt or clippy (rustup component add rustfmt clippy); lints skipped" >&2
fi
# The tests' own build and server live in target/e2e: an app that scripts/run.sh serves from
# target/site and target/marquee keeps running untouched. It is the release build, made exactly as
# scripts/run.sh makes it (split, wasm-opt, hashed names, compression, the shell's budget): the
# browser tests, and the per-page byte budgets among them, check what people are served. The
# compiled artefacts are shared, so scripts/run.sh after this builds nothing again.
scripts/build.sh --release --out target/e2e

logs=target/test-logs; rm -rf "$logs"; mkdir -p "$logs"

echo "==> unit and integration tests (SQLite and PostgreSQL)"
set +e
scripts/with-postgres.sh cargo test --no-default-features --features ssr 2>&1 | tee "$logs/cargo.log"
cargo_status=${PIPESTATUS[0]}
set -e

echo "==> end-to-end tests (Chromium: with JavaScript, without, and on a phone screen)"
# Four ports free at the same moment: the app's, the fake IMDb API's, and two more for two servers
# sharing a throwaway PostgreSQL (the several-instances test).
read -r port imdb_port a_port b_port < <(python3 -c 'import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
set +e
(cd end2end && MARQUEE_E2E_PORT=$port MARQUEE_E2E_IMDB_PORT=$imdb_port MARQUEE_E2E_INSTANCE_PORTS=$a_port,$b_port \
  ../scripts/with-postgres.sh npx playwright test) 2>&1 | tee "$logs/e2e.log"
e2e_status=${PIPESTATUS[0]}
set -e

# Totals from the runners' own closing lines ("test result: ok. N passed; M failed", "N passed").
count() { grep -aoE "$1" "$2" | grep -aoE '[0-9]+' | awk '{s+=$1} END {print s+0}' || true; }
unit=$(awk '/Running unittests src\/lib.rs/ {f=1} f && /test result/ {print; exit}' "$logs/cargo.log" | grep -aoE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
cargo_passed=$(count '[0-9]+ passed;' "$logs/cargo.log")
cargo_failed=$(count '[0-9]+ failed;' "$logs/cargo.log")
e2e_passed=$(count '^ +[0-9]+ passed' "$logs/e2e.log")
e2e_failed=$(count '^ +[0-9]+ failed' "$logs/e2e.log")
echo
echo "==> summary ($(( $(date +%s) - started )) s)"
echo "    unit tests:        $unit passed"
echo "    integration tests: $(( cargo_passed - unit )) passed (database and HTTP tests on SQLite and PostgreSQL)"
echo "    end-to-end tests:  $e2e_passed passed, $e2e_failed failed"
if [ "$cargo_status" -ne 0 ] || [ "$e2e_status" -ne 0 ]; then
  echo "tests: $(( cargo_passed + e2e_passed )) passed, $(( cargo_failed + e2e_failed > 0 ? cargo_failed + e2e_failed : 1 )) failed"
  exit 1
fi
echo "tests: $(( cargo_passed + e2e_passed )) passed, 0 failed"
