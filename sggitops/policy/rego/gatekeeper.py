"""Gatekeeper ConstraintTemplates and constraints, evaluated through regopy with gator's input shape.

`input.review` is the AdmissionRequest gator builds for an object (kind, name, namespace, object,
operation, userInfo), `input.parameters` the constraint's `spec.parameters`, and `data.inventory` the
synced objects (`cluster[groupVersion][kind][name]`, `namespace[ns][groupVersion][kind][name]`).
Each template is compiled once (its Rego plus libs, rewritten to v1 when declared v0). A template the
engine cannot evaluate gives UNSUPPORTED results naming the feature; a compile or evaluation error
gives ERROR results (fail closed), never a pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sggitops.policy.cel import CelError, CelUnsupported
from sggitops.policy.celrules import CelPolicyError, CelRules
from sggitops.policy.gatekeeper_cel import cel_violations, parse_code
from sggitops.policy.rego.engine import UNDEFINED, CompiledPolicy
from sggitops.policy.rego.errors import RegoError, RegoUnsupported
from sggitops.policy.rego.match import Match, MatchError, namespace_index
from sggitops.policy.rego.rewrite import to_v1
from sggitops.policy.rego.tokens import Kind, tokenize
from sggitops.policy.results import Outcome, RuleResult
from sggitops.resource import ResourceId

TARGET = "admission.k8s.gatekeeper.sh"
TEMPLATE_API_VERSIONS = (
    "templates.gatekeeper.sh/v1",
    "templates.gatekeeper.sh/v1beta1",
    "templates.gatekeeper.sh/v1alpha1",
)
ENGINE = "gatekeeper"
_ACTIONS = {"deny": "enforce", "dryrun": "audit", "warn": "audit", "scoped": "enforce"}


class ManifestError(RegoError):
    """A ConstraintTemplate or constraint manifest is malformed."""


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


@dataclass(frozen=True)
class ConstraintTemplate:
    """A ConstraintTemplate's Rego for the admission target (or the feature that makes it unsupported)."""

    name: str
    kind: str
    rego: str = ""
    libs: tuple[str, ...] = ()
    version: str = "v0"
    unsupported: str = ""  # e.g. "K8sNativeValidation (CEL)" when there is no Rego
    cel: CelRules | None = None  # K8sNativeValidation code, used instead of the Rego when present

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> ConstraintTemplate:
        """From a templates.gatekeeper.sh ConstraintTemplate; raises ManifestError when malformed."""
        if obj.get("apiVersion") not in TEMPLATE_API_VERSIONS or obj.get("kind") != "ConstraintTemplate":
            raise ManifestError(f"not a ConstraintTemplate: {obj.get('apiVersion')}/{obj.get('kind')}")
        name = str(_get(obj, "metadata", "name") or "")
        kind = str(_get(obj, "spec", "crd", "spec", "names", "kind") or "")
        if not kind:
            raise ManifestError(f"ConstraintTemplate {name!r} has no spec.crd.spec.names.kind")
        targets = [t for t in _get(obj, "spec", "targets") or [] if isinstance(t, Mapping)]
        target = next((t for t in targets if t.get("target") == TARGET), None)
        if target is None:
            raise ManifestError(f"ConstraintTemplate {name!r} has no target {TARGET}")
        engines = [c for c in target.get("code") or [] if isinstance(c, Mapping)]
        try:
            cel = parse_code(engines, where=f"ConstraintTemplate {name}: ")
        except CelPolicyError as err:
            raise ManifestError(str(err)) from None
        rego_code = next((c for c in engines if c.get("engine") == "Rego"), None)
        if rego_code is not None or cel is not None:
            source = (rego_code or {}).get("source") or {}
            return cls(
                name=name,
                kind=kind,
                rego=str(source.get("rego") or ""),
                libs=tuple(str(x) for x in source.get("libs") or []),
                version=str(source.get("version") or "v0"),
                cel=cel,
            )
        if target.get("rego"):
            return cls(
                name=name,
                kind=kind,
                rego=str(target["rego"]),
                libs=tuple(str(x) for x in target.get("libs") or []),
            )
        others = sorted({str(c.get("engine")) for c in engines})
        feature = ", ".join(f"{e} (CEL)" if e == "K8sNativeValidation" else e for e in others) or "no Rego"
        return cls(name=name, kind=kind, unsupported=feature)

    @property
    def uses_inventory(self) -> bool:
        """True when the Rego reads `data.inventory` (so it needs the synced objects)."""
        return any(_reads_inventory(src) for src in (self.rego, *self.libs))

    def modules(self) -> dict[str, str]:
        """The template's modules as Rego v1 (raises RegoRewriteRefused when v0 cannot be rewritten)."""
        mods = {f"{self.name}.rego": to_v1(self.rego, version=self.version)}
        for i, lib in enumerate(self.libs):
            mods[f"{self.name}.lib{i}.rego"] = to_v1(lib, version=self.version)
        return mods

    def entrypoint(self) -> str:
        """`pkg/path/violation` of the template's package."""
        toks = [t for t in tokenize(self.rego) if not t.trivia]
        for i, tok in enumerate(toks):
            if tok.is_name("package"):
                parts: list[str] = []
                for t in toks[i + 1 :]:
                    if t.kind is Kind.NEWLINE and parts:
                        break
                    if t.kind is Kind.NAME:
                        parts.append(t.text)
                    elif not t.is_op(".") and t.kind is not Kind.NEWLINE:
                        break
                return "/".join(parts) + "/violation"
        raise ManifestError(f"ConstraintTemplate {self.name!r}: the Rego has no package")

    def compile(self, inventory: Mapping[str, Any] | None = None) -> CompiledPolicy:
        """Compile once; raises RegoUnsupported (unsupported) or another RegoError (error)."""
        if self.unsupported:
            raise RegoUnsupported(self.unsupported, f"template {self.name} has no Rego: {self.unsupported}")
        data = {"inventory": inventory or {}} if self.uses_inventory else None
        return CompiledPolicy(self.modules(), [self.entrypoint()], data=data)


def _reads_inventory(source: str) -> bool:
    toks = [t for t in tokenize(source) if not t.trivia]
    return any(
        a.is_name("data") and b.is_op(".") and c.is_name("inventory")
        for a, b, c in zip(toks, toks[1:], toks[2:], strict=False)
    )


@dataclass(frozen=True)
class Constraint:
    """A constraint: its kind selects the template; match, parameters and enforcement action."""

    kind: str
    name: str
    match: Match
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    enforcement_action: str = "deny"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Constraint:
        """From a constraints.gatekeeper.sh object."""
        kind = str(obj.get("kind") or "")
        name = str(_get(obj, "metadata", "name") or "")
        if not kind or not name:
            raise ManifestError("a constraint needs a kind and metadata.name")
        spec = obj.get("spec") or {}
        params = spec.get("parameters") if isinstance(spec, Mapping) else None
        return cls(
            kind=kind,
            name=name,
            match=Match.from_spec(_get(spec, "match")),
            parameters=params if isinstance(params, Mapping) else {},
            enforcement_action=str(_get(spec, "enforcementAction") or "deny"),
        )

    @property
    def action(self) -> str:
        """deny -> enforce; dryrun and warn -> audit."""
        return _ACTIONS.get(self.enforcement_action.lower(), "enforce")


def build_review(obj: Mapping[str, Any], *, operation: str = "CREATE") -> dict[str, Any]:
    """The AdmissionRequest gator builds for an object under review."""
    group, _, version = str(obj.get("apiVersion") or "").rpartition("/")
    meta = obj.get("metadata") or {}
    review: dict[str, Any] = {
        "uid": "",
        "kind": {"group": group, "version": version, "kind": str(obj.get("kind") or "")},
        "resource": {"group": "", "version": "", "resource": ""},
        "operation": operation,
        "userInfo": {},
        "object": obj,
    }
    if meta.get("name"):
        review["name"] = meta["name"]
    if meta.get("namespace"):
        review["namespace"] = meta["namespace"]
    return review


def build_inventory(objects: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """`data.inventory` as Gatekeeper syncs it."""
    inventory: dict[str, Any] = {"cluster": {}, "namespace": {}}
    for obj in objects:
        api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        meta = obj.get("metadata") or {}
        name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
        if not api_version or not kind:
            continue
        root = inventory["namespace"].setdefault(namespace, {}) if namespace else inventory["cluster"]
        root.setdefault(api_version, {}).setdefault(kind, {})[name] = obj
    return inventory


class TemplateCache:
    """Compiled templates, by template and (when it reads it) inventory digest."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str, str], CompiledPolicy | RegoError] = {}

    def get(self, template: ConstraintTemplate, inventory: Mapping[str, Any]) -> CompiledPolicy:
        """The compiled template; raises the (cached) RegoError when it does not compile."""
        digest = _digest(inventory) if template.uses_inventory else ""
        key = (template.name, _digest([template.rego, *template.libs, template.version]), digest)
        if key not in self._compiled:
            try:
                self._compiled[key] = template.compile(inventory)
            except RegoError as err:
                self._compiled[key] = err
        found = self._compiled[key]
        if isinstance(found, RegoError):
            raise found
        return found


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def violations(policy: CompiledPolicy, review: Mapping[str, Any], parameters: Mapping[str, Any]) -> list[Any]:
    """The `violation` set for one review (sorted by message); raises RegoEvalError."""
    entry = policy.entrypoints[0]
    return _violation_set(policy.query(entry, {"review": review, "parameters": parameters}))


def _violation_set(found: Any) -> list[Any]:
    if found is UNDEFINED:
        return []
    if not isinstance(found, list):
        raise RegoError(f"`violation` is not a set of objects: {json.dumps(found)[:200]}")
    return sorted(found, key=lambda v: json.dumps(v, sort_keys=True))


def evaluate(
    templates: Sequence[ConstraintTemplate],
    constraints: Sequence[Constraint],
    resources: Sequence[Mapping[str, Any]],
    *,
    inventory_objects: Sequence[Mapping[str, Any]] = (),
    cache: TemplateCache | None = None,
) -> list[RuleResult]:
    """Every constraint against every resource it matches: one result per violation, PASS when none.

    Pairs a constraint does not match give no result. `data.inventory` holds the resources and
    `inventory_objects`; Namespace objects among them serve namespaceSelector. A constraint's reviews
    go to the engine together (`CompiledPolicy.query_many`): one exchange with the worker per batch.
    """
    by_kind = {t.kind: t for t in templates}
    everything = [*resources, *inventory_objects]
    inventory = build_inventory(everything)
    namespaces = namespace_index(everything)
    cache = cache if cache is not None else TemplateCache()
    ordered = sorted(resources, key=ResourceId.of)
    results: list[RuleResult] = []
    for constraint in sorted(constraints, key=lambda c: (c.kind, c.name)):
        template = by_kind.get(constraint.kind)
        slots: list[list[RuleResult]] = []
        matched: list[tuple[int, Mapping[str, Any]]] = []
        for obj in ordered:
            try:
                if not constraint.match.matches(obj, namespaces):
                    continue
            except MatchError as err:
                slots.append([_result(constraint, obj, Outcome.ERROR, str(err))])
                continue
            if template is None:
                message = f"no ConstraintTemplate defines the kind {constraint.kind}"
                slots.append([_result(constraint, obj, Outcome.ERROR, message)])
                continue
            matched.append((len(slots), obj))
            slots.append([])
        if template is not None and matched:
            found = _messages_many(template, constraint, [obj for _slot, obj in matched], inventory, cache)
            for (slot, obj), messages in zip(matched, found, strict=True):
                slots[slot] = _outcomes(constraint, obj, messages)
        results += [r for slot in slots for r in slot]
    return results


def _messages_many(
    template: ConstraintTemplate,
    constraint: Constraint,
    objects: list[Mapping[str, Any]],
    inventory: Mapping[str, Any],
    cache: TemplateCache,
) -> list[list[str] | Exception]:
    """The violation messages of each object (or the error its review raised)."""
    if template.cel is not None:
        out: list[list[str] | Exception] = []
        for obj in objects:
            try:
                out.append(cel_violations(template.cel, build_review(obj), constraint.parameters))
            except (CelError, RegoError) as err:
                out.append(err)
        return out
    try:
        policy = cache.get(template, inventory)
    except RegoError as err:
        return [err] * len(objects)
    inputs = [{"review": build_review(obj), "parameters": constraint.parameters} for obj in objects]
    answers = policy.query_many(policy.entrypoints[0], inputs)
    messages: list[list[str] | Exception] = []
    for answer in answers:
        try:
            messages.append(
                answer if isinstance(answer, Exception) else [_message(v) for v in _violation_set(answer)]
            )
        except RegoError as err:
            messages.append(err)
    return messages


def _outcomes(
    constraint: Constraint, obj: Mapping[str, Any], found: list[str] | Exception
) -> list[RuleResult]:
    if isinstance(found, (RegoUnsupported, CelUnsupported)):
        feature = found.feature if isinstance(found, RegoUnsupported) else str(found)
        return [_result(constraint, obj, Outcome.UNSUPPORTED, str(found), feature)]
    if isinstance(found, RegoError):  # RegoEngineFailed carries feature "engine-failed" (crash, hang, budget)
        return [_result(constraint, obj, Outcome.ERROR, str(found), getattr(found, "feature", ""))]
    if isinstance(found, Exception):
        return [_result(constraint, obj, Outcome.ERROR, str(found))]
    if not found:
        return [_result(constraint, obj, Outcome.PASS)]
    return [_result(constraint, obj, Outcome.FAIL, m) for m in found]


def _result(
    constraint: Constraint, obj: Mapping[str, Any], outcome: Outcome, message: str = "", feature: str = ""
) -> RuleResult:
    return RuleResult(
        engine=ENGINE,
        policy=f"{constraint.kind}/{constraint.name}",
        rule=constraint.name,
        resource=ResourceId.of(obj),
        outcome=outcome,
        message=message,
        action=constraint.action,
        feature=feature,
    )


def review_messages(
    template: ConstraintTemplate,
    constraint: Constraint,
    review: Mapping[str, Any],
    inventory: Mapping[str, Any],
    cache: TemplateCache,
) -> list[str]:
    """Violation messages for one review: the template's CEL when it has some (as Gatekeeper), else Rego."""
    if template.cel is not None:
        return cel_violations(template.cel, review, constraint.parameters)
    policy = cache.get(template, inventory)
    return [_message(v) for v in violations(policy, review, constraint.parameters)]


def _message(violation: Any) -> str:
    if isinstance(violation, Mapping) and "msg" in violation:
        return str(violation["msg"])
    return json.dumps(violation, sort_keys=True)
