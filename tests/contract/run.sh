#!/usr/bin/env bash
# Contract test of the API against its own OpenAPI document: builds jixiao, serves it on a
# temporary SQLite database and a free port with one sample report in it, validates the
# served document with openapi-spec-validator, then lets schemathesis call every operation
# with an admin token — generated valid and invalid input, a few examples per operation,
# within a time budget — and fails on a 5xx, a response that does not match its schema, a
# status code or content type the document does not list. Tools are pinned and installed
# into a virtual environment under the target folder on first use.
#
# Last, a client generated from the document (tests/contract/client.py) uploads, lists,
# confirms, syncs and extracts, parsing every answer with the generated models.
#
# Environment: CONTRACT_MAX_EXAMPLES (default 10), CONTRACT_MAX_TIME (seconds, default 180).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/contract-venv"
max_examples="${CONTRACT_MAX_EXAMPLES:-10}"
max_time="${CONTRACT_MAX_TIME:-180}"

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "contract test: installing python3-venv with apt"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
fi
pins="schemathesis==4.32.5 openapi-spec-validator==0.9.0 datamodel-code-generator==0.100.0"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$venv/.pinned" 2>/dev/null)" != "$pins" ]; then
    echo "contract test: installing $pins into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
    echo "$pins" >"$venv/.pinned"
fi

(cd "$root" && cargo build --quiet --bin jixiao)
bin="$target/debug/jixiao"

work=$(mktemp -d -t jixiao-contract.XXXXXX)
db="$work/jixiao.db"
echo "contract test: working in $work"
admin=$("$bin" token create --role admin --name 合同测试 --database-url "$db" 2>/dev/null)

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# A rate limit far above what schemathesis sends: its 429s would only hide coverage.
# --no-webhooks: schemathesis registers webhooks at URLs it makes up; nothing is sent to them.
RUST_LOG=${RUST_LOG:-error} JIXIAO_RATE_LIMIT=600000 JIXIAO_RATE_BURST=10000 \
    "$bin" serve --database-url "$db" --bind "127.0.0.1:$port" --workers 1 --no-webhooks \
    >"$work/server.log" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop EXIT

up=0
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1])' \
        "$base/api/v1/health" 2>/dev/null; then
        up=1
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then break; fi
    sleep 0.2
done
if [ "$up" != 1 ]; then
    echo "contract test: the server did not start" >&2
    cat "$work/server.log" >&2
    exit 1
fi

# Something to find: one report, extracted, so ids and filters meet real rows.
"$venv/bin/python" - "$base" "$admin" "$root/samples/002_c76de0c36188412a.txt" <<'PY'
import json, sys, time, urllib.request
base, token, sample = sys.argv[1:]
req = urllib.request.Request(f"{base}/api/v1/documents?filename=sample.txt", data=open(sample, "rb").read(),
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/octet-stream"})
doc = json.load(urllib.request.urlopen(req))
for _ in range(100):
    req = urllib.request.Request(f"{base}/api/v1/documents/{doc['id']}", headers={"Authorization": f"Bearer {token}"})
    if json.load(urllib.request.urlopen(req))["status"] == "done":
        break
    time.sleep(0.2)
else:
    sys.exit("contract test: the sample was not extracted")
PY

echo "contract test: validating the OpenAPI document"
"$venv/bin/python" - "$base/api/v1/openapi.json" "$work/openapi.json" <<'PY'
import json, sys, urllib.request
from openapi_spec_validator import validate
document = json.load(urllib.request.urlopen(sys.argv[1]))
validate(document)
json.dump(document, open(sys.argv[2], "w"))
print("contract test: the document is valid OpenAPI")
PY

echo "contract test: schemathesis, $max_examples examples per operation, at most ${max_time}s"
status=0
# From the work folder: schemathesis keeps a cache of what it found in the current one.
cd "$work"
"$venv/bin/schemathesis" --no-color run "$base/api/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $admin" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --request-timeout 30 \
    --generation-deterministic \
    || status=$?
if [ "$status" != 0 ]; then
    echo "contract test: failed; server log follows" >&2
    tail -n 50 "$work/server.log" >&2
    exit "$status"
fi

echo "contract test: a client generated from the document, used against the server"
mkdir -p "$work/client"
"$venv/bin/datamodel-codegen" --input "$work/openapi.json" --input-file-type openapi \
    --output "$work/client/models.py" --output-model-type pydantic_v2.BaseModel \
    --extra-fields forbid --strict-types str int bool --no-formatters 2>/dev/null
"$venv/bin/python" "$here/client.py" "$base" "$admin" "$work/client" \
    "$root/samples/004_354e2257854ed30b.txt"
stop
cd /
rm -rf "$work"
echo "contract test: passed"
