#!/usr/bin/env bash
# schemathesis (from the venv .ci/run set up) against `dintero fake`: the token endpoint with
# Basic auth and both change operations with a bearer token from it. Fails when schemathesis
# reports a failure, or when the fake exits non-zero: it does when one of its own responses
# broke the spec.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv

# All features, as clippy and the tests build it: no second build of the crate.
cargo build --quiet --all-features --bin dintero
out=$(mktemp)
log=$(mktemp)
# --create-missing: schemathesis makes up current ids; without it nearly every change
# would stop at 404 and the 200 answers would go unchecked.
target/debug/dintero fake --port 0 --create-missing >"$out" 2>"$log" &
fake=$!
trap 'kill "$fake" 2>/dev/null || true; rm -f "$out" "$log"' EXIT
for _ in $(seq 100); do
  [ "$(wc -l <"$out")" -ge 4 ] && break
  sleep 0.1
done
base_url=$(sed -n 1p "$out")
# Lines 2-4 are DINTERO_ACCOUNT_ID=..., DINTERO_CLIENT_ID=..., DINTERO_CLIENT_SECRET=...
while IFS='=' read -r name value; do export "$name=$value"; done < <(sed -n 2,4p "$out")
DINTERO_TOKEN=$(python3 - "$base_url" <<'PY'
import base64, json, os, sys, urllib.request
env = os.environ
basic = base64.b64encode(f"{env['DINTERO_CLIENT_ID']}:{env['DINTERO_CLIENT_SECRET']}".encode())
request = urllib.request.Request(
    f"{sys.argv[1]}/accounts/{env['DINTERO_ACCOUNT_ID']}/auth/token",
    data=json.dumps({"grant_type": "client_credentials"}).encode(),
    headers={"Authorization": f"Basic {basic.decode()}", "Content-Type": "application/json"},
)
print(json.load(urllib.request.urlopen(request))["access_token"])
PY
)
export DINTERO_TOKEN

"$venv/bin/st" --config-file .ci/schemathesis.toml run openapi/dintero.yaml \
  --url "$base_url" --seed 1 --no-color
kill -TERM "$fake"
status=0
wait "$fake" || status=$?
tail -n 1 "$log"
[ "$status" -eq 0 ] || { grep "contract violation" "$log" || true; exit 1; }
