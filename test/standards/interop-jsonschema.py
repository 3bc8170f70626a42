"""Validate JSON documents with Python jsonschema (Draft 2020-12), for the interop test.

stdin: {"schemas": [paths of every *.schema.json], "byType": {"type@version": "$id"}, "files": [paths]}
stdout: [{"file": path, "valid": bool, "errors": [str]}]
Envelopes are open on their content, so the inner document is validated by the header's type.
"""
import json, re, sys, datetime
from jsonschema import Draft202012Validator, FormatChecker

req = json.load(sys.stdin)
schemas = {}
for p in req["schemas"]:
    with open(p, encoding="utf-8") as f:
        s = json.load(f)
    schemas[s["$id"]] = s

checker = FormatChecker()

# Debian's python3-jsonschema lacks the optional rfc3339-validator, so date-time is not checked
# by default; this is RFC 3339 section 5.6 (as Ajv's ajv-formats checks it).
DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$")
@checker.checks("date-time")
def is_date_time(v):
    if not isinstance(v, str):
        return True
    m = DT.match(v)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    try:
        datetime.date(y, mo, d)
    except ValueError:
        return False
    if h > 23 or mi > 59 or s > 60:
        return False
    if m.group(9) and (int(m.group(9)) > 23 or int(m.group(10)) > 59):
        return False
    return True

for name in ("date", "uuid", "email", "uri"):
    if name in Draft202012Validator.FORMAT_CHECKER.checkers:
        checker.checkers[name] = Draft202012Validator.FORMAT_CHECKER.checkers[name]

try:
    from referencing import Registry, Resource  # jsonschema >= 4.18
    registry = Registry().with_resources([(i, Resource.from_contents(s)) for i, s in schemas.items()])
    def validator(schema_id):
        return Draft202012Validator(schemas[schema_id], registry=registry, format_checker=checker)
except ImportError:  # Debian bookworm: jsonschema 4.10, RefResolver with a store
    from jsonschema import RefResolver
    def validator(schema_id):
        resolver = RefResolver.from_schema(schemas[schema_id], store=dict(schemas))
        return Draft202012Validator(schemas[schema_id], resolver=resolver, format_checker=checker)

cache = {}
def errors_of(schema_id, doc):
    if schema_id not in cache:
        cache[schema_id] = validator(schema_id)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in cache[schema_id].iter_errors(doc)]

out = []
for path in req["files"]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    key = f'{doc.get("documentType")}@{doc.get("version")}'
    errs = errors_of(req["byType"][key], doc) if key in req["byType"] else ["unknown type " + key]
    if not errs and doc.get("documentType") == "exchange.envelope":
        h = doc["header"]
        inner = f'{h["documentType"]}@{h["version"]}'
        if inner in req["byType"]:
            errs = errors_of(req["byType"][inner], doc["document"])
    out.append({"file": path, "valid": not errs, "errors": errs[:3]})
json.dump(out, sys.stdout)
