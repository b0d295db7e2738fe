#!/usr/bin/env python3
"""Validates rendered Kubernetes manifests against real schemas, the way the API server would
refuse them: the built-in kinds against kubernetes-validate's strict schemas of one Kubernetes
version (unknown fields are errors), SpinApp / ScaledObject / TriggerAuthentication against the
schemas beside this file. An object of any other kind is an error too: nothing passes unchecked.

    validate.py [--kubernetes 1.35] FILE...     (FILE: multi-document YAML, e.g. `kubectl kustomize`)

Prints one line per problem (`FILE: Kind namespace/name: path: message`) and exits 1 when there
is any, else prints what it checked and exits 0. Run it with the venv of scripts/deploy-env; deploy-check
(deploy/check/tests/rendered.rs) does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource

# The Kubernetes version the manifests are checked for; why this one: README.md here.
KUBERNETES = "1.35"

HERE = Path(__file__).resolve().parent
# apiVersion, kind -> a schema file beside this script (hand-written; README.md says from what).
CUSTOM = {
    ("core.spinkube.dev/v1alpha1", "SpinApp"): "spinapp-core-v1alpha1.json",
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-keda-v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "triggerauthentication-keda-v1alpha1.json",
}


def builtin_dir(version: str):
    """kubernetes-validate's strict schema set of one Kubernetes minor version."""
    root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    folder = root.joinpath(f"v{version}.0-local-strict")
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.name.endswith("-local-strict"))
        sys.exit(f"validate.py: kubernetes-validate has no schemas for Kubernetes {version} ({known})")
    return folder


def builtin_file(api_version: str, kind: str) -> str:
    # kubernetes-validate's file names: `apps/v1` -> apps-v1, `networking.k8s.io/v1` -> networking-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


class Validators:
    """One validator per (apiVersion, kind), sharing one registry of the Kubernetes definitions."""

    def __init__(self, version: str):
        self.folder = builtin_dir(version)
        definitions = json.loads(self.folder.joinpath("_definitions.json").read_text())
        self.registry = Resource.from_contents(definitions) @ Registry()
        self.cache: dict[tuple[str, str], jsonschema.protocols.Validator | None] = {}

    def get(self, api_version: str, kind: str):
        key = (api_version, kind)
        if key not in self.cache:
            if key in CUSTOM:
                schema = json.loads((HERE / CUSTOM[key]).read_text())
            else:
                path = self.folder.joinpath(builtin_file(api_version, kind))
                schema = json.loads(path.read_text()) if path.is_file() else None
            if schema is None:
                self.cache[key] = None
            else:
                cls = jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                self.cache[key] = cls(schema, registry=Resource.from_contents(schema) @ self.registry)
        return self.cache[key]


def documents(path: str) -> list:
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubernetes", default=KUBERNETES, help="Kubernetes minor version, e.g. 1.35")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    validators = Validators(args.kubernetes)
    problems, checked, kinds = 0, 0, set()
    for path in args.files:
        for doc in documents(path):
            if not isinstance(doc, dict):
                print(f"{path}: a document that is not an object: {doc!r:.60}")
                problems += 1
                continue
            api_version, kind = str(doc.get("apiVersion", "")), str(doc.get("kind", ""))
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            name = f"{kind} {meta.get('namespace', '')}/{meta.get('name', '')}"
            validator = validators.get(api_version, kind)
            checked += 1
            kinds.add(kind)
            if validator is None:
                print(f"{path}: {name}: no schema for apiVersion {api_version!r} kind {kind!r} "
                      f"(Kubernetes {args.kubernetes}, or deploy/schema)")
                problems += 1
                continue
            for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
                print(f"{path}: {name}: {where(error)}: {error.message}")
                problems += 1
    if problems:
        print(f"validate.py: {problems} problem(s) in {checked} objects")
        return 1
    print(f"validate.py: {checked} objects of {len(kinds)} kinds valid "
          f"(Kubernetes {args.kubernetes} strict; {', '.join(k for _, k in CUSTOM)} from deploy/schema)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
