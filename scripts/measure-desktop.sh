#!/usr/bin/env bash
# Measure the FlexDesk desktop app against an empty Tauri window (bench/empty-window), both
# RELEASE builds on this machine:
#   - start-up: from the app process's start to the first moment its start screen is visible
#     (FlexDesk: the user picker, filled from the database; empty window: its one paragraph),
#     polled through tauri-driver (WebDriver). First start, then the median of RUNS more.
#     FlexDesk's first start is on an empty database, so it includes loading the demo business.
#   - idle memory: PSS (/proc/PID/smaps_rollup) summed over the app and all its processes
#     (WebKitWebProcess, WebKitNetworkProcess), IDLE_SECONDS after a direct launch (no WebDriver);
#     the median of 3 launches.
# Usage: bash scripts/measure-desktop.sh [--no-build]     (RUNS=5 IDLE_SECONDS=8 by default)
# Builds take ~11 min each when cold. Runs under xvfb-run by itself when there is no DISPLAY.
# Needs what scripts/setup.sh installs (tauri-driver, e2e/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
RUNS=${RUNS:-5}
IDLE_SECONDS=${IDLE_SECONDS:-8}
PORT=${MEASURE_DRIVER_PORT:-4454}
NATIVE_PORT=${MEASURE_DRIVER_NATIVE_PORT:-4455}

build=1
[ "${1:-}" = "--no-build" ] && build=0

if [ -z "${DISPLAY:-}" ]; then
  if [ "$build" = 1 ]; then
    # Build before taking a display, then measure under Xvfb.
    cargo build --release -p flexdesk-desktop
    # Same target dir as the app: the GTK/WebKit crates it shares with the app are built once.
    cargo build --release --manifest-path bench/empty-window/Cargo.toml --target-dir "$TARGET"
  fi
  exec xvfb-run -a -s "-screen 0 1280x800x24" bash "$0" --no-build
fi

if [ "$build" = 1 ]; then
  cargo build --release -p flexdesk-desktop
  cargo build --release --manifest-path bench/empty-window/Cargo.toml --target-dir "$TARGET"
fi
APP=$TARGET/release/flexdesk-desktop
EMPTY=$TARGET/release/flexdesk-empty-window
for b in "$APP" "$EMPTY"; do [ -x "$b" ] || { echo "missing $b (run without --no-build)" >&2; exit 1; }; done

TMP=$(mktemp -d -t flexdesk-measure.XXXXXX)
# Fresh app data directories (WebKit storage and caches) for both apps, inherited by them.
export XDG_DATA_HOME=$TMP/data XDG_CACHE_HOME=$TMP/cache XDG_CONFIG_HOME=$TMP/config
TD=""
descendants() { local c; for c in $(pgrep -P "$1"); do descendants "$c"; echo "$c"; done; }
stop_tree() { local pids; pids="$(descendants "$1") $1"; kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 $pids 2>/dev/null || break; sleep 0.1; done; kill -9 $pids 2>/dev/null || true; }
cleanup() { [ -n "$TD" ] && stop_tree "$TD"; rm -rf "$TMP"; }
trap cleanup EXIT

# --- start-up, through tauri-driver ------------------------------------------------------------
startup() { # app selector db -> JSON line
  local app=$1 sel=$2 db=$3 out
  FLEXDESK_DB=$db tauri-driver --port "$PORT" --native-port "$NATIVE_PORT" > "$TMP/driver.log" 2>&1 &
  TD=$!
  for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
  out=$(cd e2e && APP=$app SELECTOR=$sel RUNS=$((RUNS + 1)) TAURI_DRIVER_PORT=$PORT node measure-startup.mjs)
  stop_tree "$TD"; TD=""
  echo "$out"
}

# --- idle memory: PSS summed over the app and its descendants ---------------------------------
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
memory() { # app db -> "total app web net" in KiB (median launch by total)
  local app=$1 db=$2 i pid results=()
  for i in 1 2 3; do
    FLEXDESK_DB=$db "$app" > "$TMP/app.log" 2>&1 &
    pid=$!
    sleep "$IDLE_SECONDS"
    local total=0 main=0 web=0 net=0 p comm k
    for p in $pid $(descendants "$pid"); do
      k=$(pss_kib "$p"); comm=$(cat "/proc/$p/comm" 2>/dev/null || echo gone)
      total=$((total + k))
      case "$comm" in
        WebKitWebProces*) web=$((web + k)) ;;
        WebKitNetworkPr*) net=$((net + k)) ;;
        *) main=$((main + k)) ;;
      esac
    done
    stop_tree "$pid"; wait "$pid" 2>/dev/null || true
    results+=("$total $main $web $net")
    sleep 1
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n 2p
}

echo "measuring (release builds, $RUNS start-up runs after the first, idle ${IDLE_SECONDS}s, median of 3 for memory)..." >&2
fd_start=$(startup "$APP" '[data-testid="user-picker"]' "$TMP/flexdesk.db")
em_start=$(startup "$EMPTY" '#ready' "$TMP/unused.db")
fd_mem=$(memory "$APP" "$TMP/flexdesk.db")
em_mem=$(memory "$EMPTY" "$TMP/unused.db")

python3 - "$fd_start" "$em_start" "$fd_mem" "$em_mem" "$RUNS" <<'PY'
import json, sys
fd, em = json.loads(sys.argv[1]), json.loads(sys.argv[2])
fm, emm = [int(x) for x in sys.argv[3].split()], [int(x) for x in sys.argv[4].split()]
runs = sys.argv[5]
mib = lambda k: k / 1024
print()
print("Desktop start-up and idle memory (release builds, Xvfb 1280x800)")
print(f"{'':34}{'FlexDesk':>14}{'empty window':>16}{'ratio':>9}")
print(f"{'first start to usable window (ms)':34}{fd['first']:>14}{em['first']:>16}{fd['first']/em['first']:>9.2f}")
print(f"{'start to usable window, median (ms)':34}{fd['median']:>14}{em['median']:>16}{fd['median']/em['median']:>9.2f}")
print(f"{'idle PSS, all processes (MiB)':34}{mib(fm[0]):>14.1f}{mib(emm[0]):>16.1f}{fm[0]/emm[0]:>9.2f}")
print(f"{'  app process':34}{mib(fm[1]):>14.1f}{mib(emm[1]):>16.1f}")
print(f"{'  WebKitWebProcess':34}{mib(fm[2]):>14.1f}{mib(emm[2]):>16.1f}")
print(f"{'  WebKitNetworkProcess':34}{mib(fm[3]):>14.1f}{mib(emm[3]):>16.1f}")
print(f"start-up runs (ms), first then {runs} more: FlexDesk {fd['runs']}, empty window {em['runs']}")
print("FlexDesk's first start is on an empty database and includes loading the demo business.")
PY
