"""Run a policy set's mutate rules over one object (admission order: policies, then rules, in order) and
render its generate rules' objects. Results use the same RuleResult shape as validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sggitops.policy.kyverno.match import MatchInput, metadata
from sggitops.policy.kyverno.model import KyvernoPolicy, PolicyException, Rule
from sggitops.policy.kyverno.mutate import mutate
from sggitops.policy.kyverno.validation import load_context
from sggitops.policy.kyverno.variables import VariableError, substitute
from sggitops.policy.results import Outcome, RuleResult
from sggitops.resource import ResourceId

ENGINE = "kyverno"


def _context(resource: Mapping[str, Any], given: MatchInput) -> dict[str, Any]:
    meta = metadata(resource)
    return {
        "request": {
            "operation": given.operation,
            "object": resource,
            "oldObject": None,
            "namespace": str(meta.get("namespace") or ""),
            "name": str(meta.get("name") or ""),
            "kind": {"kind": str(resource.get("kind") or "")},
        }
    }


def _applies(
    policy: KyvernoPolicy, rule: Rule, resource: Mapping[str, Any], given: MatchInput, context: dict[str, Any]
) -> str:
    """ "" when the rule applies, else why it is skipped ("-" when it does not match at all)."""
    if not rule.match.matches(resource, given) or rule.exclude.matches(resource, given):
        return "-"
    if policy.namespace and str(metadata(resource).get("namespace") or "") != policy.namespace:
        return "-"
    try:
        load_context(rule.context, context, policy.queries)
    except VariableError as err:
        return f"error: {err}"
    holds, why = rule.preconditions.holds(context, policy.queries)
    return "" if holds else f"preconditions not met {why}".strip()


def apply_mutations(
    policies: Sequence[KyvernoPolicy],
    resource: Mapping[str, Any],
    given: MatchInput,
    exceptions: Sequence[PolicyException] = (),
) -> tuple[Mapping[str, Any], list[RuleResult]]:
    """The object after every matching mutate rule, and one result per rule that matched."""
    current: Mapping[str, Any] = resource
    results: list[RuleResult] = []
    for policy in policies:
        for rule in policy.rules:
            if rule.kind != "mutate" or rule.mutation is None:
                continue
            context = _context(current, given)
            why = _applies(policy, rule, current, given, context)
            if why == "-":
                continue
            outcome, message = Outcome.SKIP, why
            if rule.unsupported:
                outcome, message = Outcome.UNSUPPORTED, rule.unsupported
            elif _excepted(policy, rule, exceptions):
                outcome, message = Outcome.SKIP, "excepted"
            elif why.startswith("error"):
                outcome = Outcome.ERROR
            elif not why:
                done = mutate(rule.mutation, current, context, policy.queries)
                outcome, message = Outcome(done.status), done.message
                if done.status == "pass":
                    current = done.patched
            results.append(_result(policy, rule, resource, outcome, message))
    return current, results


def _excepted(policy: KyvernoPolicy, rule: Rule, exceptions: Sequence[PolicyException]) -> bool:
    return any(e.policy == policy.name and rule.name in e.rules for x in exceptions for e in x.exceptions)


def _result(
    policy: KyvernoPolicy, rule: Rule, resource: Mapping[str, Any], outcome: Outcome, message: str
) -> RuleResult:
    return RuleResult(
        ENGINE, policy.name, rule.name, ResourceId.of(resource), outcome, message, feature=rule.unsupported
    )


def generated(
    policy: KyvernoPolicy, rule: Rule, resource: Mapping[str, Any], given: MatchInput
) -> tuple[str, dict[str, Any] | None]:
    """(outcome, the object a generate rule creates for `resource`) — `data` rules only."""
    raw = rule.generation or {}
    context = _context(resource, given)
    why = _applies(policy, rule, resource, given, context)
    if why == "-":
        return "no-match", None
    if why:
        return ("error" if why.startswith("error") else "skip"), None
    if "data" not in raw:
        return "unsupported", None  # clone/cloneList read the live cluster
    try:
        body = substitute(raw, context, policy.queries)
    except VariableError:
        return "error", None
    data = dict(body.get("data") or {})
    meta = {**(data.pop("metadata", None) or {}), "name": body.get("name")}
    if body.get("namespace"):
        meta["namespace"] = body["namespace"]
    return "pass", {"apiVersion": body.get("apiVersion"), "kind": body.get("kind"), "metadata": meta, **data}
