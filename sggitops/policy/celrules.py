"""The CEL core shared by every CEL policy type: matchConditions, variables, validations.

Kyverno ValidatingPolicy, ClusterPolicy `validate.cel`, Kubernetes ValidatingAdmissionPolicy and
Gatekeeper `K8sNativeValidation` all evaluate the same way (Kubernetes' admission CEL): every
matchCondition must be true (else the policy does not apply: `skip`), variables are named lazy
expressions read as `variables.<name>` (inlined where read when small, else evaluated once), and each validation must be `true` (`false` fails with its
message or messageExpression; an error or a non-boolean value is an `error`, fail closed). An
expression that needs a live lookup makes the result `unsupported`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sggitops.policy.cel import CelError, CelUnsupported, Lookups, Program, compile_expression, evaluate
from sggitops.policy.cel.inline import inline_variables

INLINE_LIMIT = 600  # characters: larger variables are evaluated once per object instead of inlined


class CelPolicyError(ValueError):
    """A CEL block is malformed or an expression does not compile."""


@dataclass(frozen=True)
class Validation:
    expression: Program  # compiled with the variables inlined
    text: str  # the expression as written
    message: str = ""
    message_expression: Program | None = None


@dataclass(frozen=True)
class CelRules:
    """A compiled CEL block: conditions, and validations with their variables inlined (see inline.py)."""

    conditions: tuple[tuple[str, Program], ...] = ()
    validations: tuple[Validation, ...] = ()
    variables: tuple[tuple[str, Program], ...] = ()  # evaluated eagerly: too large to inline

    @classmethod
    def parse(
        cls,
        validations: Any,
        variables: Any = None,
        conditions: Any = None,
        *,
        where: str = "",
        preset: Mapping[str, str] | None = None,
    ) -> CelRules:
        """`preset`: variables an engine defines before the policy's own (name -> CEL source)."""
        definitions: dict[str, str] = dict(preset or {})
        eager: list[tuple[str, Program]] = []
        items = _items(variables, "variables", where)
        tested = _tested_variables([*items, *_items(validations, "validations", where)])
        for item in items:
            name, source = str(item.get("name") or ""), item.get("expression")
            _compile(source, where)  # each variable must compile on its own
            inlined = inline_variables(str(source), definitions)
            if len(inlined) <= INLINE_LIMIT and name not in tested:
                definitions[name] = inlined
            else:
                eager.append((name, _compile(inlined, where)))
        return cls(
            tuple(_named(conditions, "matchConditions", where)),
            tuple(_validation(v, where, definitions) for v in _items(validations, "validations", where)),
            tuple(eager),
        )


@dataclass(frozen=True)
class Verdict:
    status: str  # pass | fail | skip | error | unsupported
    message: str = ""
    feature: str = ""
    failed: tuple[str, ...] = field(default=())


_HAS_VARIABLE = re.compile(r"has\(\s*variables\.(\w+)\s*\)")


def _tested_variables(items: Sequence[Mapping[str, Any]]) -> set[str]:
    """Variables an expression tests with `has(variables.x)`: those stay real (evaluated) variables."""
    found: set[str] = set()
    for item in items:
        for key in ("expression", "messageExpression"):
            found.update(_HAS_VARIABLE.findall(str(item.get(key) or "")))
    return found


def _items(raw: Any, what: str, where: str) -> list[Mapping[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(i, Mapping) for i in raw):
        raise CelPolicyError(f"{where}{what} must be a list of objects")
    return raw


def _compile(source: Any, where: str) -> Program:
    if not isinstance(source, str) or not source.strip():
        raise CelPolicyError(f"{where}an expression must be a non-empty string")
    try:
        return compile_expression(source)
    except CelError as err:
        raise CelPolicyError(f"{where}{err} in {source.strip()!r}") from None


def _named(raw: Any, what: str, where: str) -> list[tuple[str, Program]]:
    return [
        (str(i.get("name") or ""), _compile(i.get("expression"), where)) for i in _items(raw, what, where)
    ]


def _validation(raw: Mapping[str, Any], where: str, definitions: Mapping[str, str]) -> Validation:
    text = raw.get("expression")
    _compile(text, where)
    expression = _compile(inline_variables(str(text), definitions), where)
    message_expression = raw.get("messageExpression")
    return Validation(
        expression,
        str(text).strip(),
        str(raw.get("message") or ""),
        _compile(inline_variables(str(message_expression), definitions), where)
        if message_expression
        else None,
    )


def run(rules: CelRules, activation: dict[str, Any], lookups: Lookups | None = None) -> Verdict:
    """Evaluate `rules` with `activation` (object, oldObject, request, namespaceObject, params...).
    Pass the same activation object for every policy on one object: it is converted to CEL once."""
    try:
        return _run(rules, activation, lookups)
    except CelUnsupported as err:
        return Verdict("unsupported", str(err), feature=str(err))


def _run(rules: CelRules, activation: dict[str, Any], lookups: Lookups | None) -> Verdict:
    scope = activation
    values: dict[str, Any] = {}
    for name, program in rules.variables:
        try:
            values[name] = evaluate(program, scope, lookups, values)
        except CelUnsupported:
            raise
        except CelError:
            continue  # an erroring variable errors only where it is read
    for name, program in rules.conditions:
        try:
            held = evaluate(program, scope, lookups, values)
        except CelUnsupported:
            raise
        except CelError as err:
            return Verdict("error", f"matchCondition {name}: {err}")
        if held is not True:
            return Verdict("skip", f"matchCondition {name} is false")
    failed: list[str] = []
    for validation in rules.validations:
        try:
            result = evaluate(validation.expression, scope, lookups, values)
        except CelUnsupported:
            raise
        except CelError as err:
            return Verdict("error", f"{err} evaluating {validation.text!r}")
        if result is False:
            failed.append(_message(validation, scope, lookups, values))
        elif result is not True:
            return Verdict("error", f"{validation.text!r} is not a boolean")
    if failed:
        return Verdict("fail", "; ".join(failed), failed=tuple(failed))
    return Verdict("pass")


def _message(
    validation: Validation, scope: Mapping[str, Any], lookups: Lookups | None, values: Mapping[str, Any]
) -> str:
    if validation.message_expression is not None:
        try:
            text = evaluate(validation.message_expression, scope, lookups, values)
        except CelError:
            text = None
        if isinstance(text, str) and text.strip():
            return text.strip()
    if validation.message:
        return validation.message.strip()
    return f"failed expression: {validation.text}"


def request(obj: Mapping[str, Any], operation: str, old: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The admission `request` variable for an object."""
    meta = obj.get("metadata") or {}
    api = str(obj.get("apiVersion") or "")
    group, _, version = api.rpartition("/")
    return {
        "operation": operation,
        "kind": {"group": group, "version": version, "kind": str(obj.get("kind") or "")},
        "name": str(meta.get("name") or ""),
        "namespace": str(meta.get("namespace") or ""),
        "object": obj,
        "oldObject": old,
        "userInfo": {"username": "", "groups": []},
        "dryRun": False,
    }
