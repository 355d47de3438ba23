#!/usr/bin/env bash
# Start the FlexDesk desktop app (the README's "start the app" command): prepares the machine
# (scripts/setup.sh), builds the app (debug; --release for an optimised build) and opens its window
# on the local database: $FLEXDESK_DB if set, else the app data directory
# (~/.local/share/io.flexdesk.desk/flexdesk.db). The first start loads the demo business.
#   bash scripts/start.sh [--release]
# Without a display (a server, CI, ssh), run it under a virtual one:
#   xvfb-run -a -s "-screen 0 1280x800x24" bash scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

profile=debug
cargo_args=()
for a in "$@"; do
  case "$a" in
    --release) profile=release; cargo_args+=(--release) ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start.sh: unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
start.sh: there is no display (DISPLAY and WAYLAND_DISPLAY are unset), so the FlexDesk window
cannot open. On a desktop session, run this from its terminal. On a machine without a screen,
start it on a virtual display:

    xvfb-run -a -s "-screen 0 1280x800x24" bash scripts/start.sh
MSG
  exit 2
fi

bash scripts/setup.sh
echo "[start] cargo build -p flexdesk-desktop ${cargo_args[*]}"
cargo build -p flexdesk-desktop "${cargo_args[@]}"
app="${CARGO_TARGET_DIR:-$PWD/target}/$profile/flexdesk-desktop"
if [ -n "${FLEXDESK_DB:-}" ]; then
  echo "[start] opening FlexDesk on $FLEXDESK_DB"
else
  echo "[start] opening FlexDesk on the local database in the app data directory"
fi
exec "$app"
