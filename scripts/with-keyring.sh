#!/usr/bin/env bash
# Run a command with a Secret Service of its own: a private D-Bus session and a fresh, unlocked
# gnome-keyring whose files live in a temporary folder (the user's own keyring is not touched).
# scripts/test.sh runs the keyring tests of the sync key this way:
#   bash scripts/with-keyring.sh cargo test --test core keyring -- --ignored
set -euo pipefail
if [ -z "${FLEXDESK_KEYRING_BUS:-}" ]; then
  FLEXDESK_KEYRING_BUS=1 exec dbus-run-session -- bash "$0" "$@"
fi
store=$(mktemp -d)
printf 'flexdesk-test' | XDG_DATA_HOME="$store" gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true; rm -rf "$store"' EXIT
# Wait until the keyring owns its name on the bus.
for _ in $(seq 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
  sleep 0.1
done
"$@"
