#!/usr/bin/env bash
# Run the desktop end-to-end test: start tauri-driver (WebDriver on 4444, WebKitWebDriver on 4445),
# run desktop.test.mjs against the built app on a fresh temporary database, stop everything.
# Needs a display: run it under `xvfb-run -a -s "-screen 0 1280x800x24"` when there is none.
#   APP=path/to/flexdesk-desktop   (default: ../target/debug/flexdesk-desktop)
#   TAURI_DRIVER_PORT / TAURI_DRIVER_NATIVE_PORT  (default 4444 / 4445)
# The last line printed is always `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")"
HERE=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/../target}
APP=$(realpath -m "${APP:-$TARGET_DIR/debug/flexdesk-desktop}")
PORT=${TAURI_DRIVER_PORT:-4444}
NATIVE_PORT=${TAURI_DRIVER_NATIVE_PORT:-4445}
mkdir -p shots

fail() { echo "desktop e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

[ -x "$APP" ] || fail "the app is not built: $APP (cargo build -p flexdesk-desktop)"
[ -n "${DISPLAY:-}" ] || fail "no DISPLAY; run under: xvfb-run -a -s \"-screen 0 1280x800x24\" bash e2e/run.sh"
command -v tauri-driver >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
command -v tauri-driver >/dev/null || fail "tauri-driver not found (bash scripts/setup.sh installs it)"
[ -d node_modules/webdriverio ] || fail "e2e/node_modules missing (bash scripts/setup.sh runs npm ci)"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_open "$PORT" && fail "port $PORT is already in use (another tauri-driver?); set TAURI_DRIVER_PORT"
port_open "$NATIVE_PORT" && fail "port $NATIVE_PORT is already in use; set TAURI_DRIVER_NATIVE_PORT"

# The app runs on a pinned calendar (FLEXDESK_TODAY, inherited like FLEXDESK_DB), so the demo
# business and every date the test checks are the same on any day: the day the caller set, or
# tests/pinned-today.
export FLEXDESK_TODAY=${FLEXDESK_TODAY:-$(tr -d '[:space:]' < "$HERE/../tests/pinned-today")}

# A fresh database for this run. The app reads FLEXDESK_DB; it inherits it (like the XDG_*
# variables below) from tauri-driver, which starts WebKitWebDriver, which starts the app.
TMP=$(mktemp -d -t flexdesk-e2e.XXXXXX)
export FLEXDESK_DB=$TMP/e2e.db
# The app's data directory (WebKit local storage, caches) also goes to the temporary folder, so a
# run never sees what an earlier run or the user's own desk remembered.
export XDG_DATA_HOME=$TMP/data XDG_CACHE_HOME=$TMP/cache XDG_CONFIG_HOME=$TMP/config
# Documents the desk saves (~/Documents/FlexDesk) go to the temporary folder too: the XDG user
# directories file names where "Documents" is; the test reads the saved PDFs from there.
export FLEXDESK_E2E_DOCUMENTS=$TMP/documents
mkdir -p "$XDG_CONFIG_HOME" "$FLEXDESK_E2E_DOCUMENTS"
echo "XDG_DOCUMENTS_DIR=\"$FLEXDESK_E2E_DOCUMENTS\"" > "$XDG_CONFIG_HOME/user-dirs.dirs"

tauri-driver --port "$PORT" --native-port "$NATIVE_PORT" > shots/tauri-driver.log 2>&1 &
TD=$!

descendants() { local c; for c in $(pgrep -P "$1"); do descendants "$c"; echo "$c"; done; }
cleanup() {
  # Stop tauri-driver and whatever it started (WebKitWebDriver, a leftover app), by process id.
  local pids
  pids="$(descendants "$TD") $TD"
  kill $pids 2>/dev/null
  for _ in $(seq 1 50); do kill -0 $pids 2>/dev/null || break; sleep 0.1; done
  kill -9 $pids 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

for _ in $(seq 1 150); do port_open "$PORT" && break; kill -0 "$TD" 2>/dev/null || break; sleep 0.1; done
port_open "$PORT" || { cat shots/tauri-driver.log >&2; fail "tauri-driver did not start on port $PORT"; }

APP="$APP" TAURI_DRIVER_PORT="$PORT" timeout -k 10 300 node desktop.test.mjs
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  # Killed by the timeout or crashed before printing its result.
  echo "desktop e2e: the test process ended with status $rc" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
exit "$rc"
