#!/usr/bin/env bash
# Check e-invoices with the checkers other tools use (scripts/einvoice-check.py): every file
# given, or every .xml and .pdf in the folders given. Exits non-zero when any file fails.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python=$("$here/scripts/test-venv.sh")
exec "$python" "$here/scripts/einvoice-check.py" "$@"
