#!/usr/bin/env bash
# The Python the tests use (scripts/test-requirements.txt), made on first use in
# target/test-venv; prints its interpreter's path. Tests running at once wait for each other
# (a lock beside the venv), so it is made once.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv=${FLEXDESK_TEST_VENV:-$here/target/test-venv}
want="$here/scripts/test-requirements.txt"
stamp="$venv/.requirements"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$want" "$stamp"; then
  echo "test-venv: installing $(grep -vc '^#' "$want") Python packages into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$want" >&2
  cp "$want" "$stamp"
fi
echo "$venv/bin/python"
