"""Kyverno ValidatingPolicy / NamespacedValidatingPolicy (`policies.kyverno.io` v1alpha1, v1beta1, v1).

A policy matches requests by `matchConstraints` (see `admission.py`), then applies `matchConditions`,
`variables` and `validations` (see `celrules.py`). Results carry the policy name and an empty rule, as
`kyverno test` reports them (`isValidatingPolicy: true`). Autogen: a policy that selects Pods also covers
the Pod controllers (Deployment, StatefulSet, DaemonSet, Job, ReplicaSet, ReplicationController at
`spec.template`, CronJob at `spec.jobTemplate.spec.template`), evaluated on the Pod template with the
controller's own metadata, unless `spec.autogen.podControllers.controllers` narrows or empties the list.
PolicyExceptions (`policies.kyverno.io` kind PolicyException) name policies in `policyRefs` and match
with CEL `matchConditions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sggitops.policy.admission import Constraints
from sggitops.policy.cel import Lookups
from sggitops.policy.celcontext import CONTROLLER_PATHS, activation_for, namespace_of
from sggitops.policy.celrules import CelPolicyError, CelRules, Verdict, run
from sggitops.policy.kyverno.match import MatchInput, MatchSpecError
from sggitops.policy.results import Outcome, RuleResult
from sggitops.resource import ResourceId

GROUP = "policies.kyverno.io"
KINDS = ("ValidatingPolicy", "NamespacedValidatingPolicy")
ENGINE = "kyverno-cel"


def claims(obj: Mapping[str, Any]) -> bool:
    api = str(obj.get("apiVersion") or "")
    return api.rpartition("/")[0] == GROUP and obj.get("kind") in KINDS


@dataclass(frozen=True)
class ValidatingPolicy:
    name: str
    namespace: str
    constraints: Constraints
    rules: CelRules
    action: str  # enforce | audit
    controllers: tuple[str, ...]

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> ValidatingPolicy:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name") or "")
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            raise CelPolicyError(f"{name}: spec must be a mapping")
        where = f"{name}: "
        try:
            constraints = Constraints.parse(spec.get("matchConstraints"))
        except MatchSpecError as err:
            raise CelPolicyError(f"{where}{err}") from None
        rules = CelRules.parse(
            spec.get("validations"), spec.get("variables"), spec.get("matchConditions"), where=where
        )
        actions = [str(a) for a in spec.get("validationActions") or ["Deny"]]
        return cls(
            name,
            str(meta.get("namespace") or "") if obj.get("kind") == "NamespacedValidatingPolicy" else "",
            constraints,
            rules,
            "enforce" if "Deny" in actions else "audit",
            _controllers(spec) if constraints.targets_pods() else (),
        )


def _controllers(spec: Mapping[str, Any]) -> tuple[str, ...]:
    autogen = spec.get("autogen")
    pods = autogen.get("podControllers") if isinstance(autogen, Mapping) else None
    if isinstance(pods, Mapping) and isinstance(pods.get("controllers"), list):
        wanted = {str(c).lower() for c in pods["controllers"]}
        return tuple(k for k in CONTROLLER_PATHS if f"{k.lower()}s" in wanted or k.lower() in wanted)
    return tuple(CONTROLLER_PATHS)


@dataclass(frozen=True)
class CelException:
    """A `policies.kyverno.io` PolicyException: the named policies skip objects its conditions match."""

    name: str
    namespace: str
    policies: tuple[str, ...]
    rules: CelRules

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> CelException:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        refs = spec.get("policyRefs") or []
        names = tuple(str(r.get("name") or "") for r in refs if isinstance(r, Mapping))
        name = str(meta.get("name") or "")
        rules = CelRules.parse([], None, spec.get("matchConditions"), where=f"{name}: ")
        return cls(name, str(meta.get("namespace") or ""), names, rules)


def view(obj: Mapping[str, Any], policy: ValidatingPolicy) -> tuple[Mapping[str, Any], str] | None:
    """(the object the policy evaluates, the kind it is matched as) or None when it is not a target."""
    kind = str(obj.get("kind") or "")
    if kind in policy.controllers and obj.get("apiVersion") == CONTROLLER_PATHS[kind][0]:
        node: Any = obj
        for key in CONTROLLER_PATHS[kind][1]:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping):
            return {**obj, "spec": node.get("spec") or {}}, "Pod"
    return obj, ""


def evaluate(
    policies: Sequence[ValidatingPolicy],
    resources: Sequence[Mapping[str, Any]],
    given: MatchInput,
    *,
    exceptions: Sequence[CelException] = (),
    lookups: Lookups | None = None,
) -> list[RuleResult]:
    out: list[RuleResult] = []
    for obj in resources:
        activations: dict[str, dict[str, Any]] = {}  # per view: every policy shares its conversion
        for policy in policies:
            result = evaluate_one(policy, obj, given, exceptions, lookups, activations)
            if result is not None:
                out.append(result)
    return out


def evaluate_one(
    policy: ValidatingPolicy,
    obj: Mapping[str, Any],
    given: MatchInput,
    exceptions: Sequence[CelException] = (),
    lookups: Lookups | None = None,
    activations: dict[str, dict[str, Any]] | None = None,
) -> RuleResult | None:
    """The result of one policy on one object, or None when the policy does not match it."""
    seen = view(obj, policy)
    if seen is None:
        return None
    target, as_kind = seen
    as_api = "v1" if as_kind else ""
    if policy.namespace and namespace_of(obj) != policy.namespace:
        return None
    if not policy.constraints.matches(obj, given, as_kind=as_kind, as_api=as_api):
        return None
    cache = activations if activations is not None else {}
    if as_kind not in cache:
        cache[as_kind] = activation_for(target, given.namespaces, given.operation, obj)
    activation = cache[as_kind]
    verdict = _excepted(policy, exceptions, activation, lookups) or run(policy.rules, activation, lookups)
    return to_result(ENGINE, policy.name, "", obj, verdict, policy.action)


def _excepted(
    policy: ValidatingPolicy,
    exceptions: Sequence[CelException],
    activation: dict[str, Any],
    lookups: Lookups | None,
) -> Verdict | None:
    for exception in exceptions:
        if policy.name in exception.policies and run(exception.rules, activation, lookups).status == "pass":
            return Verdict("skip", f"excepted by PolicyException {exception.name}")
    return None


def to_result(
    engine: str, policy: str, rule: str, obj: Mapping[str, Any], verdict: Verdict, action: str
) -> RuleResult:
    return RuleResult(
        engine=engine,
        policy=policy,
        rule=rule,
        resource=ResourceId.of(obj),
        outcome=Outcome(verdict.status),
        message=verdict.message,
        action=action,
        feature=verdict.feature,
    )
