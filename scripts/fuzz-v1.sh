#!/usr/bin/env bash
# Fuzz the local v1 API with FlexPortal's own published contract (openapi/flexportal-v1.json):
# Schemathesis generates valid and invalid requests for every operation in it and checks that no
# answer is a server error (5xx). Runs against `flexdesk serve` on loopback with a new database, a
# business unit and an integration key. Installs Schemathesis into target/fuzz-venv on first use.
#   FLEXDESK_BIN   the flexdesk binary (default target/debug/flexdesk)
#   FUZZ_EXAMPLES  examples per operation (default 30)
#   FUZZ_SEED      Schemathesis's seed (default fixed, so a run is repeatable; `random` for a new one)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/fuzz-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "fuzz: installing Schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/fuzz-requirements.txt
fi
bin=${FLEXDESK_BIN:-$PWD/target/debug/flexdesk}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
db=$tmp/fuzz.db
bu=$("$bin" --db "$db" bu create --name "Fuzz NL" --currency EUR --tax-rate 21 --code FZ | tail -1)
key=$("$bin" --db "$db" keys create --tenant "$bu" --name fuzz | tail -1)
"$bin" --db "$db" serve --listen 127.0.0.1:0 >"$tmp/url" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/url")
[ -n "$url" ] || { cat "$tmp/server.log"; echo "fuzz: the server printed no URL"; exit 1; }
seed=${FUZZ_SEED:-20261206}
seed_args=(--seed "$seed")
[ "$seed" = random ] && seed_args=()
echo "fuzz: $url, unit $bu, ${FUZZ_EXAMPLES:-30} examples per operation"
"$venv/bin/schemathesis" run openapi/flexportal-v1.json \
  --url "$url" \
  -H "Authorization: Bearer $key" -H "Tenant-ID: $bu" \
  --checks not_a_server_error \
  --max-examples "${FUZZ_EXAMPLES:-30}" "${seed_args[@]}" \
  --workers 1 --request-timeout 30 \
  --suppress-health-check all \
  --warnings off
