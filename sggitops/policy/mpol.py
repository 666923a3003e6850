"""Kyverno MutatingPolicy (`policies.kyverno.io`): CEL mutations applied before validation.

A policy matches like a ValidatingPolicy (`matchConstraints`, `matchConditions`, variables; Pod rules
also cover the Pod controllers through their template). Each mutation is either an apply configuration
(`Object{...}`, merged into the object as server-side apply merges: maps field by field, lists of maps
by `name`, other lists replaced) or a JSON patch (`[JSONPatch{op, path, value}]`). Results: `pass` when
the object changed, `skip` when a condition kept the policy out or nothing changed, `error` when a
mutation failed, `unsupported` for live lookups. `mutateExisting` (background mutation of other objects)
is not evaluated.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sggitops.policy.admission import Constraints
from sggitops.policy.cel import CelError, CelUnsupported, evaluate
from sggitops.policy.celcontext import CONTROLLER_PATHS, activation_for
from sggitops.policy.celrules import CelPolicyError, CelRules, Verdict, run
from sggitops.policy.kyverno.match import MatchInput, MatchSpecError
from sggitops.policy.kyverno.mutate import MutateError, json_patch
from sggitops.policy.results import RuleResult
from sggitops.policy.vpol import GROUP, to_result

KIND = "MutatingPolicy"
ENGINE = "kyverno-mutating"


def claims(obj: Mapping[str, Any]) -> bool:
    return str(obj.get("apiVersion") or "").rpartition("/")[0] == GROUP and obj.get("kind") == KIND


@dataclass(frozen=True)
class Mutation:
    kind: str  # apply | json
    rules: CelRules  # one "validation": the mutation expression, with the policy's variables


@dataclass(frozen=True)
class MutatingPolicy:
    name: str
    constraints: Constraints
    conditions: CelRules
    mutations: tuple[Mutation, ...]
    controllers: bool

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> MutatingPolicy:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name") or "")
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            raise CelPolicyError(f"{name}: spec must be a mapping")
        try:
            constraints = Constraints.parse(spec.get("matchConstraints"))
        except MatchSpecError as err:
            raise CelPolicyError(f"{name}: {err}") from None
        mutations = []
        for raw in spec.get("mutations") or []:
            patch_type = str((raw or {}).get("patchType") or "")
            key, kind = (
                ("jsonPatch", "json") if patch_type == "JSONPatch" else ("applyConfiguration", "apply")
            )
            source = ((raw or {}).get(key) or {}).get("expression")
            # the mutation expression reads the policy's variables: compile it as a "validation"
            rules = CelRules.parse([{"expression": source}], spec.get("variables"), where=f"{name}: ")
            mutations.append(Mutation(kind, rules))
        conditions = CelRules.parse([], None, spec.get("matchConditions"), where=f"{name}: ")
        autogen = spec.get("autogen") or {}
        pods = (autogen.get("podControllers") or {}) if isinstance(autogen, Mapping) else {}
        wanted = pods.get("controllers") if isinstance(pods, Mapping) else None
        controllers = constraints.targets_pods() and wanted != []
        return cls(name, constraints, conditions, tuple(mutations), controllers)


def _template(obj: Mapping[str, Any]) -> tuple[Any, ...] | None:
    kind = str(obj.get("kind") or "")
    if kind in CONTROLLER_PATHS and obj.get("apiVersion") == CONTROLLER_PATHS[kind][0]:
        return CONTROLLER_PATHS[kind][1]
    return None


def apply_one(
    policy: MutatingPolicy, obj: Mapping[str, Any], given: MatchInput
) -> tuple[Mapping[str, Any], Verdict] | None:
    """(the mutated object, the verdict), or None when the policy does not match the object."""
    path = _template(obj) if policy.controllers else None
    if path is not None:
        node: Any = obj
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            return None
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": node.get("metadata") or {},
            "spec": node.get("spec") or {},
        }
        if not policy.constraints.matches(obj, given, as_kind="Pod", as_api="v1"):
            return None
        mutated, verdict = _mutate(policy, pod, given, obj)
        out = copy.deepcopy(dict(obj))
        holder: Any = out
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = {
            **node,
            "metadata": mutated.get("metadata") or node.get("metadata"),
            "spec": mutated["spec"],
        }
        if "metadata" not in node and not (mutated.get("metadata") or {}):
            holder[path[-1]].pop("metadata", None)
        return out, verdict
    if not policy.constraints.matches(obj, given):
        return None
    return _mutate(policy, obj, given, obj)


def _mutate(
    policy: MutatingPolicy, target: Mapping[str, Any], given: MatchInput, original: Mapping[str, Any]
) -> tuple[Mapping[str, Any], Verdict]:
    activation = activation_for(target, given.namespaces, given.operation, original)
    held = run(policy.conditions, activation)
    if held.status != "pass":
        return target, held
    current: Any = copy.deepcopy(dict(target))
    for mutation in policy.mutations:
        try:
            value = _value(mutation.rules, {**activation, "object": current})
            current = json_patch(current, list(value)) if mutation.kind == "json" else merge(current, value)
        except CelUnsupported as err:
            return target, Verdict("unsupported", str(err), feature=str(err))
        except (CelError, MutateError, TypeError) as err:
            return target, Verdict("error", str(err))
    if current == target:
        return target, Verdict("skip", "the mutations change nothing")
    return current, Verdict("pass")


def _value(rules: CelRules, activation: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for name, program in rules.variables:  # the large variables are evaluated, the rest inlined
        try:
            values[name] = evaluate(program, activation, None, values)
        except CelUnsupported:
            raise
        except CelError:
            continue  # an erroring variable errors only where it is read
    return evaluate(rules.validations[0].expression, activation, None, values)


def merge(target: Any, patch: Any) -> Any:
    """Server-side-apply style merge of an apply configuration into an object."""
    if isinstance(patch, Mapping) and isinstance(target, Mapping):
        out = dict(target)
        for key, value in patch.items():
            out[key] = merge(target.get(key), value)
        return out
    if (
        isinstance(patch, list)
        and isinstance(target, list)
        and all(isinstance(i, Mapping) and "name" in i for i in patch)
    ):
        out_list = list(target)
        for item in patch:
            index = next(
                (
                    n
                    for n, e in enumerate(out_list)
                    if isinstance(e, Mapping) and e.get("name") == item["name"]
                ),
                None,
            )
            if index is None:
                out_list.append(item)
            else:
                out_list[index] = merge(out_list[index], item)
        return out_list
    return patch


def mutate_all(
    policies: Sequence[MutatingPolicy], resources: Sequence[Mapping[str, Any]], given: MatchInput
) -> tuple[list[Mapping[str, Any]], list[RuleResult]]:
    """Every object after every policy in order, and one result per (policy, matched object)."""
    out: list[Mapping[str, Any]] = []
    results: list[RuleResult] = []
    for obj in resources:
        current = obj
        for policy in policies:
            done = apply_one(policy, current, given)
            if done is None:
                continue
            current, verdict = done
            results.append(to_result(ENGINE, policy.name, "", obj, verdict, "enforce"))
        out.append(current)
    return out, results
