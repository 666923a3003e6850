"""Kubernetes ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding (`admissionregistration.k8s.io`).

As the API server: a policy acts only through its bindings; a request must match both the policy's
`matchConstraints` and the binding's `matchResources`. With `paramKind`, the binding's `paramRef` picks
the parameter objects among the repo's objects (by `name`, or every object its `selector` matches, in
`paramRef.namespace` or else the request's namespace); each parameter is one evaluation. No parameter
found: `parameterNotFoundAction: Deny` (the default) is an error result, `Allow` a skip. Results name the
policy and the binding (`rule`); `validationActions` with `Deny` make them enforce, else audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sggitops.policy.admission import Constraints
from sggitops.policy.cel import Lookups
from sggitops.policy.celcontext import activation_for, namespace_of
from sggitops.policy.celrules import CelPolicyError, CelRules, Verdict, run
from sggitops.policy.kyverno.match import LabelSelector, MatchInput, MatchSpecError, metadata
from sggitops.policy.results import RuleResult
from sggitops.policy.vpol import to_result

GROUP = "admissionregistration.k8s.io"
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
ENGINE = "kubernetes-vap"


def claims(obj: Mapping[str, Any]) -> bool:
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return group == GROUP and obj.get("kind") in (POLICY_KIND, BINDING_KIND)


@dataclass(frozen=True)
class AdmissionPolicy:
    name: str
    constraints: Constraints
    rules: CelRules
    param_kind: tuple[str, str] | None  # (apiVersion, kind)

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> AdmissionPolicy:
        name = str(metadata(obj).get("name") or "")
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            raise CelPolicyError(f"{name}: spec must be a mapping")
        try:
            constraints = Constraints.parse(spec.get("matchConstraints"))
        except MatchSpecError as err:
            raise CelPolicyError(f"{name}: {err}") from None
        rules = CelRules.parse(
            spec.get("validations"), spec.get("variables"), spec.get("matchConditions"), where=f"{name}: "
        )
        param = spec.get("paramKind")
        param_kind = (
            (str(param.get("apiVersion")), str(param.get("kind"))) if isinstance(param, Mapping) else None
        )
        return cls(name, constraints, rules, param_kind)


@dataclass(frozen=True)
class Binding:
    name: str
    policy: str
    match: Constraints | None
    param_name: str
    param_namespace: str
    param_selector: LabelSelector | None
    deny_when_missing: bool
    action: str

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> Binding:
        name = str(metadata(obj).get("name") or "")
        spec = obj.get("spec") or {}
        raw_ref = spec.get("paramRef")
        ref: Mapping[str, Any] = raw_ref if isinstance(raw_ref, Mapping) else {}
        try:
            match = Constraints.parse(spec["matchResources"]) if spec.get("matchResources") else None
            selector = LabelSelector.parse(ref["selector"]) if ref.get("selector") is not None else None
        except MatchSpecError as err:
            raise CelPolicyError(f"{name}: {err}") from None
        actions = [str(a) for a in spec.get("validationActions") or ["Deny"]]
        return cls(
            name,
            str(spec.get("policyName") or ""),
            match,
            str(ref.get("name") or ""),
            str(ref.get("namespace") or ""),
            selector,
            str(ref.get("parameterNotFoundAction") or "Deny") != "Allow",
            "enforce" if "Deny" in actions else "audit",
        )


def evaluate(
    policies: Sequence[AdmissionPolicy],
    bindings: Sequence[Binding],
    resources: Sequence[Mapping[str, Any]],
    given: MatchInput,
    objects: Sequence[Mapping[str, Any]] = (),
) -> list[RuleResult]:
    by_name = {p.name: p for p in policies}
    lookups = Lookups(objects)
    out: list[RuleResult] = []
    for binding in bindings:
        policy = by_name.get(binding.policy)
        if policy is None:
            continue  # the API server ignores a binding to a missing policy
        for obj in resources:
            if not policy.constraints.matches(obj, given):
                continue
            if binding.match is not None and not binding.match.matches(obj, given):
                continue
            verdict = _verdict(policy, binding, obj, given, objects, lookups)
            out.append(to_result(ENGINE, policy.name, binding.name, obj, verdict, binding.action))
    return out


def _verdict(
    policy: AdmissionPolicy,
    binding: Binding,
    obj: Mapping[str, Any],
    given: MatchInput,
    objects: Sequence[Mapping[str, Any]],
    lookups: Lookups,
) -> Verdict:
    activation = activation_for(obj, given.namespaces, given.operation)
    if policy.param_kind is None:
        return run(policy.rules, activation, lookups)
    params = _params(policy.param_kind, binding, obj, objects)
    if not params:
        if binding.deny_when_missing:
            return Verdict("error", f"no {policy.param_kind[1]} parameter found for binding {binding.name}")
        return Verdict("skip", "no parameter found (parameterNotFoundAction: Allow)")
    verdicts = [run(policy.rules, {**activation, "params": p}, lookups) for p in params]
    return next((v for v in verdicts if v.status != "pass"), verdicts[0])


def _params(
    param_kind: tuple[str, str],
    binding: Binding,
    obj: Mapping[str, Any],
    objects: Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    api_version, kind = param_kind
    namespace = binding.param_namespace or namespace_of(obj)
    found = []
    for candidate in objects:
        meta = metadata(candidate)
        if candidate.get("kind") != kind or candidate.get("apiVersion") != api_version:
            continue
        if str(meta.get("namespace") or "") not in ("", namespace):
            continue
        labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
        if binding.param_name and meta.get("name") == binding.param_name:
            found.append(candidate)
        elif binding.param_selector is not None and binding.param_selector.matches(labels):
            found.append(candidate)
    return found
