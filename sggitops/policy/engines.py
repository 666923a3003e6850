"""The policy-engine seam: which objects an engine claims, how it loads them, how it evaluates.

    engine = engine_for(obj)          # None: not a policy object (a workload) ...
    looks_like_policy(obj)            # ... unless it looks like one: then it is `policy/unsupported`
    unit = engine.load(obj)           # compiled once; raises PolicyLoadError when malformed
    engine.evaluate([unit, ...], workloads, given) -> [RuleResult]

Engines: Kyverno classic (ClusterPolicy/Policy + kyverno.io PolicyException), Kyverno
MutatingPolicy (mutations only, applied before any validation), Kyverno CEL
(ValidatingPolicy, NamespacedValidatingPolicy + policies.kyverno.io PolicyException), Kubernetes
ValidatingAdmissionPolicy + Binding, Gatekeeper (ConstraintTemplate: its K8sNativeValidation CEL when
present, else Rego; constraints). `validate`, `policy test` and the generator dispatch through
`ENGINES`; adding an engine is one class here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sggitops.errors import InputError
from sggitops.policy import mpol, vap, vpol
from sggitops.policy.cel import Lookups
from sggitops.policy.celrules import CelPolicyError
from sggitops.policy.kyverno import KyvernoPolicy, PolicyException, evaluate_many
from sggitops.policy.kyverno.match import MatchInput
from sggitops.policy.kyverno.mutation import apply_mutations
from sggitops.policy.rego import gatekeeper
from sggitops.policy.rego.errors import RegoError
from sggitops.policy.results import RuleResult

_POLICY_GROUPS = {
    "kyverno.io",
    "policies.kyverno.io",
    "templates.gatekeeper.sh",
    "constraints.gatekeeper.sh",
    "mutations.gatekeeper.sh",
    "expansion.gatekeeper.sh",
}
_KYVERNO_POLICY_KINDS = {
    "ClusterPolicy",
    "Policy",
    "PolicyException",
    "CleanupPolicy",
    "ClusterCleanupPolicy",
}


class PolicyLoadError(ValueError):
    """A policy object an engine claims is malformed."""


@dataclass(frozen=True)
class EvalInput:
    """What engines read besides the evaluated objects: namespaces, the operation, every object (for
    `resource.Get`, Gatekeeper's inventory and ValidatingAdmissionPolicy params)."""

    namespaces: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    operation: str = "CREATE"
    objects: Sequence[Mapping[str, Any]] = ()

    @property
    def match(self) -> MatchInput:
        return MatchInput(self.namespaces, self.operation.upper())


class Engine(Protocol):
    name: str

    def claims(self, obj: Mapping[str, Any]) -> bool: ...

    def load(self, obj: Mapping[str, Any]) -> Any: ...

    def mutate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[Mapping[str, Any]]: ...

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]: ...


def _group(obj: Mapping[str, Any]) -> str:
    return str(obj.get("apiVersion") or "").rpartition("/")[0]


_COMPILED: dict[str, Any] = {}


def _memo(obj: Mapping[str, Any], build: Any) -> Any:
    """Compile each distinct policy document once per process (every cluster shares the same sets)."""
    key = hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()
    if key not in _COMPILED:
        _COMPILED[key] = build(obj)
    return _COMPILED[key]


class _Validating:
    """Engines without mutations leave objects as they are."""

    def mutate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[Mapping[str, Any]]:
        return list(resources)


class KyvernoClassic:
    name = "kyverno"

    def mutate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[Mapping[str, Any]]:
        """Mutate rules applied first, as admission does (so validation sees defaulted fields)."""
        policies = [
            u for u in units if isinstance(u, KyvernoPolicy) and any(r.kind == "mutate" for r in u.rules)
        ]
        if not policies:
            return list(resources)
        exceptions = [u for u in units if isinstance(u, PolicyException)]
        return [apply_mutations(policies, r, given.match, exceptions)[0] for r in resources]

    def claims(self, obj: Mapping[str, Any]) -> bool:
        return _group(obj) == "kyverno.io" and obj.get("kind") in (
            "ClusterPolicy",
            "Policy",
            "PolicyException",
        )

    def load(self, obj: Mapping[str, Any]) -> Any:
        try:
            if obj.get("kind") == "PolicyException":
                return PolicyException.from_manifest(obj)
            return _memo(obj, KyvernoPolicy.from_manifest)
        except InputError as err:
            raise PolicyLoadError(err.message) from None

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]:
        policies = [u for u in units if isinstance(u, KyvernoPolicy)]
        exceptions = [u for u in units if isinstance(u, PolicyException)]
        if not policies:
            return []
        return evaluate_many(
            policies, resources, namespaces=given.namespaces, exceptions=exceptions, operation=given.operation
        )


class KyvernoMutating:
    """Kyverno MutatingPolicy: mutations only (applied before every engine validates)."""

    name = mpol.ENGINE
    mutating = True

    def claims(self, obj: Mapping[str, Any]) -> bool:
        return mpol.claims(obj)

    def load(self, obj: Mapping[str, Any]) -> Any:
        try:
            return _memo(obj, mpol.MutatingPolicy.from_manifest)
        except (CelPolicyError, AttributeError, TypeError) as err:
            raise PolicyLoadError(str(err)) from None

    def mutate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[Mapping[str, Any]]:
        return mpol.mutate_all(units, resources, given.match)[0]

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]:
        """One result per policy and object it matched (given the objects before mutation)."""
        return mpol.mutate_all(units, resources, given.match)[1]


class KyvernoCel(_Validating):
    name = "kyverno-cel"

    def claims(self, obj: Mapping[str, Any]) -> bool:
        return vpol.claims(obj) or (_group(obj) == vpol.GROUP and obj.get("kind") == "PolicyException")

    def load(self, obj: Mapping[str, Any]) -> Any:
        try:
            if obj.get("kind") == "PolicyException":
                return vpol.CelException.from_manifest(obj)
            return _memo(obj, vpol.ValidatingPolicy.from_manifest)
        except (CelPolicyError, AttributeError, TypeError) as err:
            raise PolicyLoadError(str(err)) from None

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]:
        policies = [u for u in units if isinstance(u, vpol.ValidatingPolicy)]
        exceptions = [u for u in units if isinstance(u, vpol.CelException)]
        lookups = Lookups(given.objects)
        return vpol.evaluate(policies, resources, given.match, exceptions=exceptions, lookups=lookups)


class KubernetesVap(_Validating):
    name = "kubernetes-vap"

    def claims(self, obj: Mapping[str, Any]) -> bool:
        return vap.claims(obj)

    def load(self, obj: Mapping[str, Any]) -> Any:
        try:
            if obj.get("kind") == vap.BINDING_KIND:
                return vap.Binding.from_manifest(obj)
            return _memo(obj, vap.AdmissionPolicy.from_manifest)
        except (CelPolicyError, AttributeError, TypeError) as err:
            raise PolicyLoadError(str(err)) from None

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]:
        policies = [u for u in units if isinstance(u, vap.AdmissionPolicy)]
        bindings = [u for u in units if isinstance(u, vap.Binding)]
        return vap.evaluate(policies, bindings, resources, given.match, given.objects)


class Gatekeeper(_Validating):
    name = "gatekeeper"

    def __init__(self) -> None:
        self.cache = gatekeeper.TemplateCache()

    def claims(self, obj: Mapping[str, Any]) -> bool:
        return (_group(obj) == "templates.gatekeeper.sh" and obj.get("kind") == "ConstraintTemplate") or (
            _group(obj) == "constraints.gatekeeper.sh"
        )

    def load(self, obj: Mapping[str, Any]) -> Any:
        try:
            if obj.get("kind") == "ConstraintTemplate":
                return _memo(obj, gatekeeper.ConstraintTemplate.from_manifest)
            return gatekeeper.Constraint.from_manifest(obj)
        except (RegoError, InputError, ValueError, KeyError, TypeError) as err:
            raise PolicyLoadError(err.message if isinstance(err, InputError) else str(err)) from None

    def evaluate(
        self, units: Sequence[Any], resources: Sequence[Mapping[str, Any]], given: EvalInput
    ) -> list[RuleResult]:
        templates = [u for u in units if isinstance(u, gatekeeper.ConstraintTemplate)]
        constraints = [u for u in units if isinstance(u, gatekeeper.Constraint)]
        if not constraints:
            return []
        return gatekeeper.evaluate(templates, constraints, resources, cache=self.cache)


ENGINES: tuple[Engine, ...] = (
    KyvernoClassic(),
    KyvernoMutating(),
    KyvernoCel(),
    KubernetesVap(),
    Gatekeeper(),
)


def engine_for(obj: Mapping[str, Any]) -> Engine | None:
    """The engine that claims `obj`, or None."""
    return next((e for e in ENGINES if e.claims(obj)), None)


def looks_like_policy(obj: Mapping[str, Any]) -> bool:
    """A policy-engine object (claimed or not): never evaluated as a workload."""
    group, kind = _group(obj), str(obj.get("kind") or "")
    if group == "kyverno.io":
        return kind in _KYVERNO_POLICY_KINDS
    if group == "admissionregistration.k8s.io":
        return "AdmissionPolicy" in kind
    return group in _POLICY_GROUPS


@dataclass
class PolicySet:
    """Loaded policy units per engine."""

    units: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, engine: Engine, unit: Any) -> None:
        self.units.setdefault(engine.name, []).append(unit)

    def __bool__(self) -> bool:
        return any(self.units.values())

    def evaluate(self, resources: Sequence[Mapping[str, Any]], given: EvalInput) -> list[RuleResult]:
        """Every engine's mutations first (in registry order), then every engine's validation (a
        mutating engine reports on the objects as they were before it)."""
        original = resources
        for engine in ENGINES:
            units = self.units.get(engine.name)
            if units:
                resources = engine.mutate(units, resources, given)
        out: list[RuleResult] = []
        for engine in ENGINES:
            units = self.units.get(engine.name)
            if units:
                seen = original if getattr(engine, "mutating", False) else resources
                out.extend(engine.evaluate(units, seen, given))
        return out
