#!/usr/bin/env python3
"""Check the open data API against its published contract.

Usage: check_schema.py RECORD_DIR

RECORD_DIR holds what `cargo test --test api open_data::` wrote with
SELFREG_API_RECORD set: each response of an API test (method, path, status,
content type, body) and the OpenAPI document the server gave. This script
1. validates the document with openapi-spec-validator (OpenAPI 3.1), and
2. validates every recorded body against the schema its operation documents
   for that status and content type (JSON Schema 2020-12, as OpenAPI 3.1 uses).
A response whose status or content type the operation does not document fails,
and so does an operation that no test received a success answer from.
"""
import json
import os
import re
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec


def templates(doc):
    """(regex, template) for every documented path."""
    out = []
    for path in doc["paths"]:
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        out.append((re.compile(rx), path))
    # Literal paths before templated ones.
    out.sort(key=lambda t: t[1].count("{"))
    return out


def main():
    folder = sys.argv[1]
    records = []
    doc = None
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            rec = json.load(f)
        records.append(rec)
        if rec["path"] == "/api/v1/openapi.json" and rec["status"] == 200:
            doc = rec["body"]
    if doc is None:
        print("FAIL: no OpenAPI document among the recorded responses")
        return 1
    validate_spec(doc)
    print(f"openapi.json: a valid OpenAPI {doc['openapi']} document, {len(doc['paths'])} paths")
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    paths = templates(doc)
    failures = 0
    checked = 0
    succeeded = set()
    for rec in records:
        path, status, ctype = rec["path"], str(rec["status"]), rec["content_type"].split(";")[0].strip()
        template = next((t for rx, t in paths if rx.match(path)), None)
        if template is None:
            # Not an operation (e.g. a path that does not exist): still a problem document.
            schema = problem_schema if ctype == "application/problem+json" else None
            where = f"{path} (no operation)"
        else:
            op = doc["paths"][template].get(rec["method"])
            response = (op or {}).get("responses", {}).get(status)
            if response is None:
                print(f"FAIL {rec['method'].upper()} {path}: status {status} is not documented for {template}")
                failures += 1
                continue
            content = response.get("content", {})
            if ctype not in content:
                print(f"FAIL {rec['method'].upper()} {path} {status}: content type {ctype!r} is not documented")
                failures += 1
                continue
            schema = content[ctype].get("schema")
            where = f"{rec['method'].upper()} {template} {status}"
            if status.startswith("2"):
                succeeded.add((rec["method"], template))
        if schema is None:
            continue
        validator = Draft202012Validator({**schema, "components": doc["components"]})
        errors = sorted(validator.iter_errors(rec["body"]), key=lambda e: list(e.path))
        for e in errors[:5]:
            print(f"FAIL {where} ({path}): {'/'.join(map(str, e.path))}: {e.message[:300]}")
        failures += bool(errors)
        checked += 1
    print(f"api schema: {checked - failures} passed, {failures} failed ({len(records)} responses recorded)")
    operations = [(m, t) for t, item in doc["paths"].items() for m in item if m in ("get", "put", "post", "patch", "delete")]
    untried = [(m, t) for m, t in operations if (m, t) not in succeeded]
    for method, template in untried:
        print(f"FAIL {method.upper()} {template}: no test received a success answer from it")
    print(f"operations: {len(operations) - len(untried)} of {len(operations)} answered a test with success")
    failures += len(untried)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
