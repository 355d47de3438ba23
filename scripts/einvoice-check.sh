#!/usr/bin/env bash
# Check e-invoices with the checkers other tools use (scripts/einvoice-check.py): every file
# given, or every .xml and .pdf in the folders given. Installs them into target/einvoice-venv
# on first use. Exits non-zero when any file fails.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv=${FLEXDESK_EINVOICE_VENV:-$here/target/einvoice-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import facturx, peppol, saxonche, pypdf" 2>/dev/null; then
  echo "einvoice-check: installing the checkers into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/scripts/einvoice-requirements.txt" >&2
fi
exec "$venv/bin/python" "$here/scripts/einvoice-check.py" "$@"
