"""A consumer's client generated from the served OpenAPI document, used against a live server.

`datamodel-code-generator` turns the document's schemas into pydantic models (unknown fields
forbidden, strings, integers and booleans strict); this script then uploads a report, lists
documents, reads facts, confirms one, pulls the changes with a sync cursor and extracts a file
statelessly, and parses every answer with the generated model the document names for that
route and status. A field the document does not declare, a value of the wrong type or a
missing required field fails. Last, it checks that the models are not lenient: a real fact
with a count given as a string, or a check of an unknown kind, must be refused.

Usage: client.py BASE_URL TOKEN MODELS_DIR SAMPLE
"""

import copy
import importlib.util
import json
import sys
import time
import urllib.request

base, token, models_dir, sample = sys.argv[1:]
doc = json.load(urllib.request.urlopen(f"{base}/api/v1/openapi.json"))
spec = importlib.util.spec_from_file_location("models", f"{models_dir}/models.py")
models = importlib.util.module_from_spec(spec)
sys.modules["models"] = models  # pydantic resolves generic models through it
spec.loader.exec_module(models)


def call(method, path, body=None, headers=None):
    data = body
    hdrs = {"Authorization": f"Bearer {token}", **(headers or {})}
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(f"{base}{path}", data=data, method=method, headers=hdrs)
    with urllib.request.urlopen(req) as r:
        return r.status, json.load(r)


def model_for(method, template, status):
    """The generated model of the schema the document gives for this answer."""
    answer = doc["paths"][template][method.lower()]["responses"][str(status)]
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    return getattr(models, ref.rsplit("/", 1)[-1])


def typed(method, template, path, body=None, headers=None):
    status, answer = call(method, path, body, headers)
    model = model_for(method, template, status)
    model.model_validate(answer)
    print(f"client: {method} {template} {status} parsed as {model.__name__}")
    return answer


raw = {"Content-Type": "application/octet-stream"}
report = open(sample, "rb").read()
uploaded = typed("POST", "/api/v1/documents", "/api/v1/documents?filename=client.txt",
                 report + b"\n", raw)
doc_id = uploaded["id"]
for _ in range(150):
    one = typed("GET", "/api/v1/documents/{id}", f"/api/v1/documents/{doc_id}")
    if one["status"] == "done":
        break
    time.sleep(0.2)
else:
    sys.exit("client: the upload was not extracted")
typed("GET", "/api/v1/documents", "/api/v1/documents?limit=5")
typed("GET", "/api/v1/documents/{id}/facts", f"/api/v1/documents/{doc_id}/facts?limit=3")

# Sync from the start: a cursor, then a confirmation, then the change pulled exactly once.
start = typed("GET", "/api/v1/facts", f"/api/v1/facts?document_id={doc_id}&cursor=0&limit=1000")
cursor = start["next_cursor"]
while start["has_more"]:
    start = typed("GET", "/api/v1/facts", f"/api/v1/facts?document_id={doc_id}&cursor={cursor}&limit=1000")
    cursor = start["next_cursor"]
page = typed("GET", "/api/v1/facts", f"/api/v1/facts?document_id={doc_id}&status=pending&limit=2")
fact = page["facts"][0]
typed("GET", "/api/v1/facts/{id}", f"/api/v1/facts/{fact['id']}")
typed("POST", "/api/v1/facts/{id}/confirm", f"/api/v1/facts/{fact['id']}/confirm",
      {"version": fact["version"]})
changes = typed("GET", "/api/v1/facts", f"/api/v1/facts?document_id={doc_id}&cursor={cursor}")
changed = [f["id"] for f in changes["facts"]]
if changed != [fact["id"]]:
    sys.exit(f"client: sync gave {changed}, not the one confirmed fact {fact['id']}")
typed("GET", "/api/v1/facts/{id}/history", f"/api/v1/facts/{fact['id']}/history")
typed("GET", "/api/v1/stats", "/api/v1/stats")
typed("GET", "/api/v1/me", "/api/v1/me")
extraction = typed("POST", "/api/v1/extract", "/api/v1/extract", report, raw)

# The models hold the types, not just the names: broken answers are refused.
Extraction = model_for("POST", "/api/v1/extract", 200)
count = next(i for i, f in enumerate(extraction["facts"]) if f["kind"] == "count")
breakages = {
    "a count as a string": lambda b: b["facts"][count].__setitem__("value", str(b["facts"][count]["value"])),
    "a field nobody declared": lambda b: b["facts"][count].__setitem__("confidence_guess", 1),
    "a check of an unknown kind": lambda b: b["checks"][0].__setitem__("kind", "vibes")
    if b["checks"] else b["facts"][count].pop("start"),
}
for what, breaking in breakages.items():
    broken = copy.deepcopy(extraction)
    breaking(broken)
    try:
        Extraction.model_validate(broken)
    except Exception:
        continue
    sys.exit(f"client: the generated models let {what} through")
print("client: the generated models parse every answer and refuse broken ones")
