#!/usr/bin/env python3
"""Validate portscope output against docs/schema: schema_check.py SCHEMA FILE [ndjson [MIN]].

SCHEMA is a file name in docs/schema (its references to other files there resolve locally,
never over the network). FILE holds one JSON document, or with `ndjson` one record per line
(at least MIN lines, default 1). Exits 0 when valid, 1 with the first errors otherwise,
2 when python3-jsonschema is missing or too old for draft 2020-12."""
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("python3-jsonschema with draft 2020-12 (4.0 or later) is not installed", file=sys.stderr)
    sys.exit(2)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schema")


def load_store(directory):
    store = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                schema = json.load(f)
            Draft202012Validator.check_schema(schema)
            store[schema["$id"]] = schema
    return store


def validator_for(store, schema):
    try:  # jsonschema 4.18 and later
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in store.items())
        return Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12: 4.10
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return Draft202012Validator(schema, resolver=resolver)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    directory = os.environ.get("PORTSCOPE_SCHEMA_DIR", HERE)
    store = load_store(directory)
    with open(os.path.join(directory, argv[1]), encoding="utf-8") as f:
        schema = json.load(f)
    v = validator_for(store, schema)
    ndjson = len(argv) > 3 and argv[3] == "ndjson"
    least = int(argv[4]) if len(argv) > 4 else 1
    with open(argv[2], "rb") as f:
        data = f.read()
    # Output is UTF-8 text, always: a byte that is not valid UTF-8 is a bug in the writer.
    text = data.decode("utf-8")
    docs = []
    if ndjson:
        for n, line in enumerate(text.split("\n"), 1):
            if line == "" and n == len(text.split("\n")):
                continue
            docs.append((f"line {n}", json.loads(line)))
        if len(docs) < least:
            print(f"{argv[2]}: {len(docs)} records, expected at least {least}")
            return 1
    else:
        docs.append(("document", json.loads(text)))
    bad = 0
    for where, doc in docs:
        for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))[:5]:
            path = "/".join(str(p) for p in e.absolute_path)
            print(f"{argv[2]}: {where}: /{path}: {e.message[:300]}")
            bad += 1
    if bad:
        print(f"{argv[2]}: not valid against {argv[1]}")
        return 1
    print(f"{argv[1]}: {len(docs)} {'records' if ndjson else 'document'} valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
