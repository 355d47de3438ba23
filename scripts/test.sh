#!/usr/bin/env bash
# Run every test of FlexDesk on this machine (the README's "run every test" command):
#   1. setup (scripts/setup.sh: Debian packages, tauri-driver, npm packages, the UI build), then
#      the gates: `cargo fmt --check`, `cargo clippy --all-targets -- -D warnings` (and the library
#      alone, `--lib --no-default-features`: no bench, no demo) and ESLint on
#      the UI (`npm run lint` in ui/: typescript-eslint, the hooks rules, import boundaries)
#   2. core tests: `cargo test` at the root (no Tauri, no display), and the one test that needs the
#      OS keyring, under scripts/with-keyring.sh (a private D-Bus session and gnome-keyring)
#   3. browser end-to-end test of the UI against the `flexdesk` CLI (`npm run test:e2e` in ui/),
#      then the v1 API fuzzed by Schemathesis with FlexPortal's contract (scripts/fuzz-v1.sh)
#   4. desktop end-to-end test of the real window under Xvfb through tauri-driver (e2e/run.sh)
# Every process the tests start runs on a pinned calendar: FLEXDESK_TODAY when set (e.g.
# `FLEXDESK_TODAY=2028-02-29 bash scripts/test.sh`), else the day in tests/pinned-today.
# A failing step does not stop the later ones that do not depend on it; the exit status is non-zero
# if any step failed. The last line printed is the desktop end-to-end test's `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
LOCKED=()
[ -n "${CI:-}" ] && LOCKED=(--locked)   # in CI, Cargo.lock must already be up to date

t0=$SECONDS
step() { echo; echo "=== [$((SECONDS - t0))s] $*"; }
failed=()
summary_line=""

echo "calendar: FLEXDESK_TODAY=${FLEXDESK_TODAY:-$(cat tests/pinned-today) (tests/pinned-today)}"
step "1/5 setup"
if ! bash scripts/setup.sh; then
  failed+=("setup")
  echo "setup failed: nothing else can run"
  echo
  echo "=== [$((SECONDS - t0))s] FAILED: setup"
  echo "desktop e2e: not run"
  echo "0 passed, 1 failed"
  exit 1
fi

step "2/5 gates: cargo fmt --check, cargo clippy --all-targets -D warnings, the library without bench and demo, eslint (ui)"
cargo fmt --all --check || failed+=("cargo fmt")
cargo clippy "${LOCKED[@]}" --all-targets -- -D warnings || failed+=("cargo clippy")
cargo clippy "${LOCKED[@]}" --lib --no-default-features -- -D warnings || failed+=("cargo clippy --lib --no-default-features")
(cd ui && npm run lint --silent) || failed+=("eslint")

step "3/5 core tests: cargo test, then the OS keyring test with a Secret Service of its own"
cargo test "${LOCKED[@]}" || failed+=("cargo test")
bash scripts/with-keyring.sh cargo test "${LOCKED[@]}" --test core keyring -- --ignored \
  || failed+=("keyring test")

step "4/5 UI browser e2e: cargo build --bin flexdesk, npm run test:e2e in ui/; v1 fuzzing"
if [ ! -d ui/e2e ] || [ -z "$(find ui/e2e -maxdepth 1 -name '*.mjs' -print -quit)" ] \
   || ! grep -q '"test:e2e"' ui/package.json 2>/dev/null; then
  echo "SKIPPED: the UI's browser e2e (ui/e2e, npm script test:e2e) does not exist yet"
elif cargo build "${LOCKED[@]}" --bin flexdesk; then
  bin="${CARGO_TARGET_DIR:-$PWD/target}/debug/flexdesk"
  (cd ui && FLEXDESK_BIN="$bin" npm run test:e2e) || failed+=("UI browser e2e")
  echo
  echo "--- the v1 API fuzzed with FlexPortal's published contract (scripts/fuzz-v1.sh)"
  FLEXDESK_BIN="$bin" bash scripts/fuzz-v1.sh || failed+=("v1 fuzzing")
else
  failed+=("cargo build --bin flexdesk")
fi

step "5/5 desktop e2e: cargo build -p flexdesk-desktop, e2e/run.sh under Xvfb"
e2e_log=$(mktemp)
if cargo build "${LOCKED[@]}" -p flexdesk-desktop; then
  xvfb-run -a -s "-screen 0 1280x800x24" bash e2e/run.sh 2>&1 | tee "$e2e_log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("desktop e2e")
  summary_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$e2e_log" | tail -1)
else
  failed+=("cargo build -p flexdesk-desktop")
fi
rm -f "$e2e_log"

echo
if [ "${#failed[@]}" -eq 0 ]; then
  echo "=== [$((SECONDS - t0))s] all steps passed"
else
  echo "=== [$((SECONDS - t0))s] FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
fi
if [ -z "$summary_line" ]; then
  echo "desktop e2e: not run"
  summary_line="0 passed, 1 failed"
fi
echo "$summary_line"
[ "${#failed[@]}" -eq 0 ]
