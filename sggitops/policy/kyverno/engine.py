"""Evaluate compiled Kyverno policies against resources: one RuleResult per rule that applies.

A rule that does not match a resource yields no result (as in Kyverno). A matched rule yields pass, fail,
skip (preconditions, anchors, a PolicyException, or a mutate/generate rule, which does not validate),
error (fail closed), or unsupported with the feature named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sggitops.policy import celcontext, celrules
from sggitops.policy.budget import ENGINE_FAILED, Budget
from sggitops.policy.kyverno.match import MatchInput, metadata
from sggitops.policy.kyverno.model import KyvernoPolicy, PolicyException, Rule
from sggitops.policy.kyverno.validation import Verdict, load_context, message, run
from sggitops.policy.kyverno.values import wildcard_match
from sggitops.policy.kyverno.variables import VariableError
from sggitops.policy.results import Outcome, RuleResult
from sggitops.resource import ResourceId

ENGINE = "kyverno"
_EMPTY: Mapping[str, Mapping[str, Any]] = {}


def evaluate(
    policies: Sequence[KyvernoPolicy],
    resource: Mapping[str, Any],
    *,
    namespaces: Mapping[str, Mapping[str, Any]] = _EMPTY,
    exceptions: Sequence[PolicyException] = (),
    operation: str = "CREATE",
) -> list[RuleResult]:
    """Every result of `policies` on one resource (background/audit evaluation counts as CREATE)."""
    given = MatchInput(namespaces, operation.upper())
    out: list[RuleResult] = []
    subject = _Subject(resource, given)
    for policy in policies:
        _evaluate_policy(policy, policy.rules, subject, exceptions, out)
    return out


def evaluate_many(
    policies: Sequence[KyvernoPolicy],
    resources: Iterable[Mapping[str, Any]],
    *,
    namespaces: Mapping[str, Mapping[str, Any]] = _EMPTY,
    exceptions: Sequence[PolicyException] = (),
    operation: str = "CREATE",
) -> list[RuleResult]:
    """`evaluate` over many resources, with rules indexed by kind so each resource meets only its rules."""
    given = MatchInput(namespaces, operation.upper())
    index = _KindIndex(policies)
    out: list[RuleResult] = []
    budget = Budget()
    for resource in resources:
        subject = _Subject(resource, given)
        for policy, rules in index.candidates(str(resource.get("kind") or "")):
            if budget.over(policy.name):
                continue  # reported once, below
            with budget.charge(policy.name):
                _evaluate_policy(policy, rules, subject, exceptions, out)
            if budget.over(policy.name):
                out.append(_over_budget(policy, subject, budget))
    return out


def _over_budget(policy: KyvernoPolicy, subject: _Subject, budget: Budget) -> RuleResult:
    return RuleResult(
        engine=ENGINE,
        policy=policy.name,
        rule="*",
        resource=subject.rid,
        outcome=Outcome.ERROR,
        message=budget.message(),
        action="enforce",
        feature=ENGINE_FAILED,
    )


class _Subject:
    """One resource under evaluation, with its id and request context built once, when first needed."""

    def __init__(self, resource: Mapping[str, Any], given: MatchInput) -> None:
        self.resource = resource
        self.given = given
        self._rid: ResourceId | None = None
        self._context: dict[str, Any] | None = None

    @property
    def rid(self) -> ResourceId:
        if self._rid is None:
            self._rid = ResourceId.of(self.resource)
        return self._rid

    @property
    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = _request_context(self.resource, self.given)
        return self._context


class _KindIndex:
    """Rules grouped per policy and kind; rules with wildcard kinds are candidates for every kind."""

    def __init__(self, policies: Sequence[KyvernoPolicy]) -> None:
        self.policies = list(policies)
        self.by_kind: list[dict[str, list[Rule]]] = []
        self.open: list[list[Rule]] = []
        self.cache: dict[str, list[tuple[KyvernoPolicy, list[Rule]]]] = {}
        for policy in self.policies:
            by_kind: dict[str, list[Rule]] = {}
            open_rules: list[Rule] = []
            for rule in policy.rules:
                kinds = rule.match.literal_kinds()
                if kinds is None:
                    open_rules.append(rule)
                for kind in kinds or ():
                    by_kind.setdefault(kind, []).append(rule)
            self.by_kind.append(by_kind)
            self.open.append(open_rules)

    def candidates(self, kind: str) -> list[tuple[KyvernoPolicy, list[Rule]]]:
        found = self.cache.get(kind)
        if found is None:
            found = []
            for policy, by_kind, open_rules in zip(self.policies, self.by_kind, self.open, strict=True):
                chosen = set(map(id, by_kind.get(kind, []) + open_rules))
                rules = [r for r in policy.rules if id(r) in chosen]
                if rules:
                    found.append((policy, rules))
            self.cache[kind] = found
        return found


def _evaluate_policy(
    policy: KyvernoPolicy,
    rules: Sequence[Rule],
    subject: _Subject,
    exceptions: Sequence[PolicyException],
    out: list[RuleResult],
) -> None:
    resource, given = subject.resource, subject.given
    for rule in rules:
        if not rule.match.matches(resource, given) or rule.exclude.matches(resource, given):
            continue
        if policy.namespace and str(metadata(resource).get("namespace") or "") != policy.namespace:
            continue
        action = _action(policy, rule, resource)
        result = _evaluate_rule(policy, rule, resource, given, exceptions, subject.context)
        out.append(
            RuleResult(
                engine=ENGINE,
                policy=policy.name,
                rule=rule.name,
                resource=subject.rid,
                outcome=Outcome(result.status),
                message=result.message,
                action=action,
                feature=result.feature,
            )
        )


@dataclass(frozen=True)
class _Result:
    status: str
    message: str = ""
    feature: str = ""


def _evaluate_rule(
    policy: KyvernoPolicy,
    rule: Rule,
    resource: Mapping[str, Any],
    given: MatchInput,
    exceptions: Sequence[PolicyException],
    base: dict[str, Any],
) -> _Result:
    if rule.kind != "validate":
        feature = rule.unsupported or rule.kind
        return _Result("skip", f"{rule.kind} rules do not validate", feature)
    if rule.unsupported:
        return _Result(
            "unsupported", f"rule uses {rule.unsupported}, which sggitops cannot evaluate", rule.unsupported
        )
    context = dict(base)
    exception = _exception_for(policy, rule, resource, given, exceptions, context)
    if exception:
        return _Result("skip", f"rule skipped due to PolicyException {exception}")
    try:
        load_context(rule.context, context, policy.queries)
    except VariableError as err:
        return _Result("error", f"failed to load context: {err}")
    holds, why = rule.preconditions.holds(context, policy.queries)
    if not holds:
        return _Result("skip", "; ".join(m for m in ("preconditions not met", why) if m))
    assert rule.validation is not None
    if rule.cel_preconditions is not None:
        held = celrules.run(rule.cel_preconditions, _cel_activation(resource, given, ""))
        if held.status != "pass":
            return _Result(held.status, held.message, held.feature)
    if rule.validation.cel is not None:
        return _cel_result(rule, resource, given)
    verdict: Verdict = run(rule.validation, resource, context, policy.queries, rule.name)
    text = verdict.message
    if verdict.status == "fail" and rule.validation.foreach:
        text = f"{message(rule.validation, context, policy.queries, rule.name)} ({verdict.message})"
    return _Result(verdict.status, text)


def _request_context(resource: Mapping[str, Any], given: MatchInput) -> dict[str, Any]:
    meta = metadata(resource)
    return {
        "request": {
            "operation": given.operation,
            "object": resource,
            "oldObject": None,
            "namespace": str(meta.get("namespace") or ""),
            "name": str(meta.get("name") or ""),
            "kind": {"kind": str(resource.get("kind") or "")},
        },
    }


def _exception_for(
    policy: KyvernoPolicy,
    rule: Rule,
    resource: Mapping[str, Any],
    given: MatchInput,
    exceptions: Sequence[PolicyException],
    context: Mapping[str, Any],
) -> str:
    policy_key = f"{policy.namespace}/{policy.name}" if policy.namespace else policy.name
    for exception in exceptions:
        named = any(
            entry.policy == policy_key and any(wildcard_match(r, rule.name) for r in entry.rules)
            for entry in exception.exceptions
        )
        if not named or not exception.match.matches(resource, given):
            continue
        if exception.conditions.holds(context, exception.queries)[0]:
            return f"{exception.namespace}/{exception.name}" if exception.namespace else exception.name
    return ""


def _action(policy: KyvernoPolicy, rule: Rule, resource: Mapping[str, Any]) -> str:
    if rule.validation is not None and rule.validation.failure_action:
        return rule.validation.failure_action
    namespace = str(metadata(resource).get("namespace") or "")
    for override in policy.failure_action_overrides:
        spaces = [str(n) for n in override.get("namespaces") or []]
        if any(wildcard_match(n, namespace) for n in spaces):
            return "enforce" if str(override.get("action", "")).lower() == "enforce" else "audit"
    return policy.failure_action


class _Activations:
    """The CEL activations of the resource being evaluated, one per view (kept while the rules of the
    same resource run, so the CEL library converts it once)."""

    resource: ClassVar[Mapping[str, Any] | None] = None
    views: ClassVar[dict[str, dict[str, Any]]] = {}


def _cel_activation(resource: Mapping[str, Any], given: MatchInput, view: str) -> dict[str, Any]:
    if _Activations.resource is not resource:
        _Activations.resource, _Activations.views = resource, {}
    if view not in _Activations.views:
        target: Mapping[str, Any] = resource
        if view:
            node: Any = resource
            for key in celcontext.CONTROLLER_PATHS[view][1]:
                node = node.get(key) if isinstance(node, Mapping) else None
            if isinstance(node, Mapping):
                target = {**resource, "spec": node.get("spec") or {}}
        _Activations.views[view] = celcontext.activation_for(
            target, given.namespaces, given.operation, resource
        )
    return _Activations.views[view]


def _cel_result(rule: Rule, resource: Mapping[str, Any], given: MatchInput) -> _Result:
    """A `validate.cel` rule; autogen rules evaluate the Pod template (`object.spec` is the Pod's)."""
    assert rule.validation is not None and rule.validation.cel is not None
    view = ""
    if rule.origin:
        view = "CronJob" if rule.name.startswith("autogen-cronjob-") else "Deployment"
    verdict = celrules.run(rule.validation.cel, _cel_activation(resource, given, view))
    message = (
        rule.validation.message if verdict.status == "fail" and rule.validation.message else verdict.message
    )
    return _Result(verdict.status, message, verdict.feature)
