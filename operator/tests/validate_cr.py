"""Checks custom resources against the openAPIV3Schema of their CRD, strictly.

Usage: validate_cr.py CRD.yaml FILE.yaml...

Every document of the FILEs whose apiVersion and kind the CRD defines is validated; unknown
fields are errors (as the API server's field validation reports them), `nullable` and
`x-kubernetes-int-or-string` are honoured. Prints `Kind/name: valid` per object and exits 1 on
the first invalid one. Needs `jsonschema` (a dependency of kubernetes-validate).
"""

import sys

import jsonschema
import yaml


def strict(schema):
    """The structural schema as JSON Schema: unknown fields refused, nullable allowed."""
    schema = dict(schema)
    if schema.pop("x-kubernetes-int-or-string", False):
        schema.pop("type", None)
        schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.pop("nullable", False) and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    for key in list(schema):
        if key.startswith("x-kubernetes-"):
            schema.pop(key)
    if "properties" in schema:
        schema["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
        schema.setdefault("additionalProperties", False)
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = strict(schema["additionalProperties"])
    if "items" in schema:
        schema["items"] = strict(schema["items"])
    return schema


def main():
    with open(sys.argv[1]) as f:
        crd = yaml.safe_load(f)
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    schemas = {
        f"{group}/{v['name']}": strict(v["schema"]["openAPIV3Schema"])
        for v in crd["spec"]["versions"]
    }
    checked = 0
    for path in sys.argv[2:]:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != kind:
                    continue
                schema = schemas.get(doc.get("apiVersion"))
                if schema is None:
                    sys.exit(f"{path}: {doc.get('apiVersion')} is not a version of {kind}")
                # The API server owns these; the schema describes the rest.
                body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind", "metadata")}
                name = doc.get("metadata", {}).get("name", "?")
                try:
                    jsonschema.validate(body, schema)
                except jsonschema.ValidationError as e:
                    where = "/".join(str(p) for p in e.absolute_path)
                    sys.exit(f"{path}: {kind}/{name}: invalid at {where}: {e.message}")
                print(f"{kind}/{name}: valid")
                checked += 1
    if checked == 0:
        sys.exit(f"no {kind} found in {' '.join(sys.argv[2:])}")


if __name__ == "__main__":
    main()
