"""The built-in policy sets in CEL: Kyverno ValidatingPolicies (+ PolicyExceptions) and the
`K8sNativeValidation` code that Gatekeeper templates carry beside their Rego.

The validations live in `sets/cel/<set>.yaml`, written against variables both engines define the same
way: `object` (the admitted object), `spec` and `meta` (the Pod's, or the Pod template's of a
controller, found by kind) and `containers` (containers, init and ephemeral containers).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from sggitops import yamlio

_CONTAINERS = (
    "variables.spec.containers + variables.spec.?initContainers.orValue([]) + "
    "variables.spec.?ephemeralContainers.orValue([])"
)
_TEMPLATE = (
    "{o}.kind == 'Pod' ? {o}{part} : "
    "{o}.kind == 'CronJob' ? {o}.spec.jobTemplate.spec.template{part} : {o}.spec.template{part}"
)


def _variables(obj: str) -> tuple[dict[str, str], ...]:
    return (
        {"name": "object", "expression": obj},
        {"name": "spec", "expression": _TEMPLATE.format(o=obj, part=".spec")},
        {"name": "meta", "expression": _TEMPLATE.format(o=obj, part=".?metadata.orValue({})")},
        {"name": "containers", "expression": _CONTAINERS},
    )


KYVERNO_VARIABLES = _variables("object")
GATEKEEPER_VARIABLES = _variables("variables.anyObject")
POD_RULE = {
    "apiGroups": [""],
    "apiVersions": ["v1"],
    "operations": ["CREATE", "UPDATE"],
    "resources": ["pods"],
}
_GROUPS = {
    "Pod": ("", "v1"),
    "ReplicationController": ("", "v1"),
    "Deployment": ("apps", "v1"),
    "StatefulSet": ("apps", "v1"),
    "DaemonSet": ("apps", "v1"),
    "ReplicaSet": ("apps", "v1"),
    "Job": ("batch", "v1"),
    "CronJob": ("batch", "v1"),
}


@cache
def cel_rules(set_name: str) -> dict[str, list[dict[str, str]]]:
    """policy name -> its CEL validations (`expression`, optional `gatekeeper` override)."""
    relative = f"cel/{set_name}.yaml"
    text = resources.files("sggitops.policy").joinpath("sets", relative).read_text(encoding="utf-8")
    data: dict[str, list[dict[str, str]]] = yamlio.to_plain(
        yamlio.load_one(text, f"sggitops/policy/sets/{relative}")
    )
    return data


def _resource_rules(kinds: list[str]) -> list[dict[str, Any]]:
    by_group: dict[tuple[str, str], list[str]] = {}
    for kind in kinds:
        group, version = _GROUPS[kind]
        by_group.setdefault((group, version), []).append(kind.lower() + "s")
    return [
        {"apiGroups": [g], "apiVersions": [v], "operations": ["CREATE", "UPDATE"], "resources": sorted(r)}
        for (g, v), r in sorted(by_group.items())
    ]


def validating_policy(
    metadata: dict[str, Any],
    validations: list[dict[str, str]],
    *,
    message: str,
    enforce: bool,
    version: str,
    kinds: list[str] | None = None,
) -> dict[str, Any]:
    """A ValidatingPolicy for Pods and every Pod controller (or `kinds`); it finds the Pod template
    itself, so Kyverno's autogen is switched off and the result does not depend on how autogen rewrites."""
    spec: dict[str, Any] = {
        "validationActions": ["Deny"] if enforce else ["Audit"],
        "evaluation": {"background": {"enabled": True}},
        "matchConstraints": {"resourceRules": _resource_rules(kinds or list(_GROUPS))},
        "autogen": {"podControllers": {"controllers": []}},
    }
    spec["variables"] = [dict(v) for v in KYVERNO_VARIABLES]
    spec["validations"] = [{"expression": v["expression"], "message": message} for v in validations]
    return {
        "apiVersion": f"policies.kyverno.io/{version}",
        "kind": "ValidatingPolicy",
        "metadata": metadata,
        "spec": spec,
    }


def gatekeeper_code(validations: list[dict[str, str]], message: str) -> dict[str, Any]:
    """The K8sNativeValidation entry of a template's `code` list."""
    return {
        "engine": "K8sNativeValidation",
        "source": {
            "variables": [dict(v) for v in GATEKEEPER_VARIABLES],
            "validations": [
                {"expression": v.get("gatekeeper") or v["expression"], "message": message}
                for v in validations
            ],
        },
    }


def registries_literal(registries: list[str]) -> str:
    """A CEL list literal of the allowed registries (substituted for `${allowedRegistriesCel}`)."""
    return "[" + ", ".join(json.dumps(r) for r in registries) + "]"


def _namespace_test(pattern: str) -> str:
    if "*" not in pattern and "?" not in pattern:
        return f"ns == {json.dumps(pattern)}"
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return f"ns.matches({json.dumps(regex)})"


def cel_exception(
    metadata: dict[str, Any], policy: str, namespaces: list[str], version: str
) -> dict[str, Any]:
    """A policies.kyverno.io PolicyException: `policy` skips objects in `namespaces` (wildcards allowed)."""
    tests = " || ".join(_namespace_test(n) for n in namespaces)
    expression = f"[object.metadata.?namespace.orValue('')].exists(ns, {tests})"
    return {
        "apiVersion": f"policies.kyverno.io/{version}",
        "kind": "PolicyException",
        "metadata": metadata,
        "spec": {
            "policyRefs": [{"name": policy, "kind": "ValidatingPolicy"}],
            "matchConditions": [{"name": "excepted-namespaces", "expression": expression}],
        },
    }
