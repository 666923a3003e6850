"""Gatekeeper `K8sNativeValidation` code: the CEL a ConstraintTemplate carries beside (or instead of) Rego.

Gatekeeper evaluates it when present (its default engine order puts CEL first). Its environment is
Kubernetes' admission CEL plus two variables Gatekeeper defines before the template's own:
`variables.anyObject` (the object, or the old object on DELETE) and `variables.params` (the constraint's
`spec.parameters`). Each failing validation is one violation with its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sggitops.policy.cel import CelError, CelUnsupported
from sggitops.policy.celrules import CelPolicyError, CelRules, run

ENGINE_NAME = "K8sNativeValidation"
PRESET = {  # Gatekeeper's own variables, defined before the template's (anyObject computed once per review)
    "anyObject": "anyObject",
    "params": "params.spec.parameters",
}


def parse_code(code: Any, *, where: str = "") -> CelRules | None:
    """The compiled K8sNativeValidation source of a template target's `code` list, or None."""
    for entry in code or []:
        if isinstance(entry, Mapping) and entry.get("engine") == ENGINE_NAME:
            source = entry.get("source")
            if not isinstance(source, Mapping):
                raise CelPolicyError(f"{where}K8sNativeValidation needs a source")
            return CelRules.parse(
                source.get("validations"),
                source.get("variables"),
                source.get("matchConditions"),
                where=where,
                preset=PRESET,
            )
    return None


def cel_violations(rules: CelRules, review: Mapping[str, Any], parameters: Mapping[str, Any]) -> list[str]:
    """The violation messages; raises CelUnsupported (a live lookup) or CelError (evaluation error)."""
    obj = review.get("object")
    old = review.get("oldObject")
    activation = {
        "anyObject": old if review.get("operation") == "DELETE" and not obj else obj,
        "object": obj,
        "oldObject": old,
        "request": dict(review),
        "params": {"spec": {"parameters": dict(parameters)}},
    }
    verdict = run(rules, activation)
    if verdict.status == "unsupported":
        raise CelUnsupported(verdict.message)
    if verdict.status == "error":
        raise CelError(verdict.message)
    return list(verdict.failed)
