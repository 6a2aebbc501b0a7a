#!/usr/bin/env python3
"""Validate portscope output against docs/schema.

    schema_check.py SCHEMA FILE [ndjson [MIN]]
    schema_check.py --list CHECKS

SCHEMA is a file name in docs/schema (its references to other files there resolve locally,
never over the network). FILE holds one JSON document, or with `ndjson` one record per line
(at least MIN lines, default 1). CHECKS holds one check a line, `valid SCHEMA FILE [ndjson
[MIN]]` or `invalid SCHEMA FILE [ndjson]` (the schema must refuse FILE), all run in one
process. Exits 0 when every check holds, 1 with the first errors otherwise, 2 when
python3-jsonschema is missing or too old for draft 2020-12."""
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


def records(path, ndjson, least):
    """The documents in path, or an error text."""
    with open(path, "rb") as f:
        data = f.read()
    # Output is UTF-8 text, always: a byte that is not valid UTF-8 is a bug in the writer.
    text = data.decode("utf-8")
    if not ndjson:
        return [("document", json.loads(text))]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    docs = [(f"line {n}", json.loads(line)) for n, line in enumerate(lines, 1)]
    if len(docs) < least:
        raise ValueError(f"{len(docs)} records, expected at least {least}")
    return docs


def check(store, directory, args, want_valid=True):
    """One check; returns the number of failures (0 or 1)."""
    name, path = args[0], args[1]
    ndjson = len(args) > 2 and args[2] == "ndjson"
    least = int(args[3]) if len(args) > 3 else 1
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        v = validator_for(store, json.load(f))
    try:
        docs = records(path, ndjson, least)
    except (ValueError, UnicodeDecodeError) as e:
        print(f"{path}: {e}")
        return 1
    errors = []
    for where, doc in docs:
        for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))[:5]:
            path_in = "/".join(str(p) for p in e.absolute_path)
            errors.append(f"{path}: {where}: /{path_in}: {e.message[:300]}")
    if want_valid and errors:
        print("\n".join(errors))
        print(f"{path}: not valid against {name}")
        return 1
    if not want_valid and not errors:
        with open(path, encoding="utf-8") as f:
            print(f"{name} accepted what it must refuse: {f.read()[:600]}")
        return 1
    what = f"{len(docs)} records" if ndjson else "document"
    print(f"{name}: {what} {'valid' if want_valid else 'refused, as it must be'}")
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    directory = os.environ.get("PORTSCOPE_SCHEMA_DIR", HERE)
    store = load_store(directory)
    if argv[1] != "--list":
        return 1 if check(store, directory, argv[1:]) else 0
    bad = 0
    with open(argv[2], encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words:
                bad += check(store, directory, words[1:], words[0] == "valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
