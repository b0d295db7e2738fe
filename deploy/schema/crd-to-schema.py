#!/usr/bin/env python3
"""A CustomResourceDefinition's openAPIV3Schema as a JSON schema, or compared with ours.

    crd-to-schema.py CRD.yaml [--version v1alpha1]                 print the converted JSON schema
    crd-to-schema.py CRD.yaml --compare deploy/schema/<kind>.json  list where ours and the CRD differ

CRD.yaml is an upstream release file or, better, what a cluster has installed:
`kubectl get crd spinapps.core.spinkube.dev -o yaml`. The conversion closes every object the CRD does
not mark `x-kubernetes-preserve-unknown-fields` (`additionalProperties: false`: the API server would
prune or, with strict field validation, refuse an unknown field), turns `x-kubernetes-int-or-string`
into integer-or-string and `nullable` into an allowed null, and drops descriptions and defaults.

--compare walks both schemas and reports fields ours allows that the CRD does not know, fields of
the CRD ours lacks, differing types and differing required fields; it exits 1 when there is any.
It does not compare below a reference to a Kubernetes type (ours takes those from
kubernetes-validate) nor inside an object ours leaves open. Run it with scripts/deploy-env's venv.
"""

from __future__ import annotations

import argparse
import json
import sys

import yaml

DROP = {"description", "default", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type", "x-kubernetes-validations", "x-kubernetes-embedded-resource"}


def crd_version(crd: dict, name: str | None) -> dict:
    versions = crd["spec"]["versions"]
    for v in versions:
        if (name and v["name"] == name) or (not name and v.get("storage")):
            return v["schema"]["openAPIV3Schema"]
    sys.exit(f"crd-to-schema: no version {name or '(storage)'} in {[v['name'] for v in versions]}")


def convert(node: dict) -> dict:
    out = {k: v for k, v in node.items() if k not in DROP}
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if "properties" in out:
        out["properties"] = {k: convert(v) for k, v in out["properties"].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = convert(out["additionalProperties"])
    if "items" in out:
        out["items"] = convert(out["items"])
    for key in ("anyOf", "allOf", "oneOf"):
        if key in out:
            out[key] = [convert(n) for n in out[key]]
    if out.get("type") == "object" and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def to_schema(crd: dict, version: str | None) -> dict:
    schema = convert(crd_version(crd, version))
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    served = version or next(v["name"] for v in crd["spec"]["versions"] if v.get("storage"))
    schema["properties"]["apiVersion"] = {"const": f"{group}/{served}"}
    schema["properties"]["kind"] = {"const": kind}
    schema["properties"]["metadata"] = {"type": "object"}  # the API server checks ObjectMeta itself
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{kind} {group}/{served} (converted from its CRD)", **schema}


# ------------------------------------------------------------------------------------- compare

class Ours:
    def __init__(self, schema: dict):
        self.root = schema

    def resolve(self, node: dict) -> dict | str:
        """Follows local references (merging the siblings of `$ref`); a Kubernetes type → its name."""
        node = dict(node)
        while "$ref" in node:
            ref = node.pop("$ref")
            if not ref.startswith("#/"):
                return ref.rsplit("/", 1)[-1]
            target = self.root
            for step in ref[2:].split("/"):
                target = target[step]
            node = {**target, **node}
        return node


def json_types(node: dict) -> set[str]:
    t = node.get("type")
    if isinstance(t, str):
        types = {t}
    elif isinstance(t, list):
        types = set(t)
    elif "const" in node or "enum" in node:
        values = [node["const"]] if "const" in node else node["enum"]
        names = {str: "string", bool: "boolean", int: "integer", float: "number", dict: "object", list: "array"}
        types = {names.get(type(v), "null") for v in values}
    else:
        types = set()
        for sub in node.get("anyOf", []) + node.get("oneOf", []):
            types |= json_types(sub)
    return types - {"null"}


def compare(crd: dict, ours: Ours, node: dict, path: str, out: list[str], notes: list[str]) -> None:
    mine = ours.resolve(node)
    if isinstance(mine, str):
        notes.append(f"{path}: Kubernetes type {mine} (not compared)")
        return
    ct, mt = json_types(crd), json_types(mine)
    if crd.get("x-kubernetes-int-or-string"):
        ct = {"integer", "string"}
    if ct and mt and ct != mt:
        out.append(f"{path}: type {sorted(mt)} here, {sorted(ct)} in the CRD")
    open_here = "properties" not in mine and not isinstance(mine.get("additionalProperties"), (dict, bool))
    if "object" in ct and open_here:
        if crd.get("properties"):
            notes.append(f"{path}: left open here (not compared)")
        return
    crd_props, my_props = crd.get("properties", {}), mine.get("properties", {})
    preserve = crd.get("x-kubernetes-preserve-unknown-fields", False)
    for key in sorted(set(my_props) - set(crd_props)):
        if not preserve:
            out.append(f"{path}.{key}: allowed here, unknown to the CRD")
    for key in sorted(set(crd_props) - set(my_props)):
        if mine.get("additionalProperties") is False:
            out.append(f"{path}.{key}: in the CRD, refused here")
    for key in sorted(set(crd_props) & set(my_props)):
        compare(crd_props[key], ours, my_props[key], f"{path}.{key}", out, notes)
    crd_add, my_add = crd.get("additionalProperties"), mine.get("additionalProperties")
    if isinstance(crd_add, dict) and isinstance(my_add, dict):
        compare(crd_add, ours, my_add, f"{path}.*", out, notes)
    if "items" in crd and "items" in mine:
        compare(crd["items"], ours, mine["items"], f"{path}[]", out, notes)
    ignore = {"apiVersion", "kind", "metadata"} if path == "" else set()
    crd_req, my_req = set(crd.get("required", [])) - ignore, set(mine.get("required", [])) - ignore
    if crd_req != my_req:
        out.append(f"{path or '(top level)'}: required {sorted(my_req)} here, {sorted(crd_req)} in the CRD")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crd", help="a CRD as YAML (- for stdin)")
    parser.add_argument("--version", help="the CRD version (default: the storage version)")
    parser.add_argument("--compare", metavar="SCHEMA", help="our JSON schema to compare with")
    args = parser.parse_args()
    text = sys.stdin.read() if args.crd == "-" else open(args.crd).read()
    crd = next(d for d in yaml.safe_load_all(text) if d and d.get("kind") == "CustomResourceDefinition")
    if not args.compare:
        json.dump(to_schema(crd, args.version), sys.stdout, indent=2)
        print()
        return 0
    with open(args.compare) as f:
        mine = json.load(f)
    out: list[str] = []
    notes: list[str] = []
    compare(crd_version(crd, args.version), Ours(mine), mine, "", out, notes)
    for line in notes:
        print(f"note: {line}")
    for line in out:
        print(f"differs: {line}")
    kind = crd["spec"]["names"]["kind"]
    print(f"crd-to-schema: {kind}: {len(out)} difference(s) between {args.compare} and the CRD")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
