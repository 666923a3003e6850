"""Scoring of Kyverno test results for mutate and generate rules.

A mutate rule's result is the outcome of applying it to the test resource (after the policies before
it, as admission chains them); with `patchedResource` the patched object must equal the expected file,
else the result is `fail`. A generate rule's result is `pass` when it applies; with `generatedResource`
the object it would create (from `data`; `clone` reads the live cluster and is `unsupported`) must equal
the expected file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sggitops.errors import InputError
from sggitops.policy.kyverno.match import MatchInput
from sggitops.policy.kyverno.model import KyvernoPolicy, PolicyException, Rule
from sggitops.policy.kyverno.mutation import apply_mutations, generated
from sggitops.policy.mpol import MutatingPolicy, apply_one
from sggitops.policy.results import Outcome
from sggitops.yamlio import load_all, to_plain

NO_MATCH = "no-match"


def find_resource(
    resources: Sequence[Mapping[str, Any]], kind: str, namespace: str, name: str
) -> Mapping[str, Any] | None:
    for obj in resources:
        meta = obj.get("metadata") or {}
        if meta.get("name") != name or (kind and obj.get("kind") != kind):
            continue
        if namespace and str(meta.get("namespace") or "default") != namespace:
            continue
        return obj
    return None


def _expected_object(base: Path, rel: Any, name: str) -> Mapping[str, Any] | None:
    path = base / str(rel)
    try:
        docs = [to_plain(d) for d in load_all(path.read_text(encoding="utf-8"), str(path))]
    except (OSError, InputError):
        return None
    found = [d for d in docs if isinstance(d, Mapping)]
    named = [d for d in found if (d.get("metadata") or {}).get("name") == name]
    chosen = named or found
    return chosen[0] if chosen else None


def other_rule_actual(
    expected: Mapping[str, Any],
    rules: Sequence[Rule],
    policy: KyvernoPolicy,
    policies: Sequence[KyvernoPolicy],
    resource: Mapping[str, Any] | None,
    base: Path,
    given: MatchInput,
    exceptions: Sequence[PolicyException],
) -> str:
    """The actual outcome of a mutate/generate expectation."""
    if resource is None:
        return NO_MATCH
    names = {r.name for r in rules}
    if any(r.kind == "generate" for r in rules):
        return _generate_actual(expected, rules, policy, resource, base, given)
    upto = list(policies[: policies.index(policy) + 1]) if policy in policies else [policy]
    patched, results = apply_mutations(upto, resource, given, exceptions)
    mine = [r for r in results if r.policy == policy.name and r.rule in names]
    if not mine:
        return NO_MATCH
    outcome = next((r.outcome for r in mine if r.outcome is not Outcome.PASS), Outcome.PASS)
    want_file = expected.get("patchedResource") or expected.get("patchedResources")
    if outcome is Outcome.PASS and want_file:
        want = _expected_object(base, want_file, str((resource.get("metadata") or {}).get("name")))
        if want is None:
            return Outcome.ERROR.value
        return Outcome.PASS.value if _same(patched, want) else Outcome.FAIL.value
    return outcome.value


def _generate_actual(
    expected: Mapping[str, Any],
    rules: Sequence[Rule],
    policy: KyvernoPolicy,
    resource: Mapping[str, Any],
    base: Path,
    given: MatchInput,
) -> str:
    outcome, made = generated(policy, rules[0], resource, given)
    if outcome != "pass" or not expected.get("generatedResource"):
        return outcome
    want = _expected_object(
        base, expected["generatedResource"], str((made or {}).get("metadata", {}).get("name"))
    )
    if want is None:
        return Outcome.ERROR.value
    return Outcome.PASS.value if made is not None and _same(made, want) else Outcome.FAIL.value


def _same(actual: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    return bool(_normal(actual) == _normal(want))


def _normal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def mutating_policy_actual(
    expected: Mapping[str, Any],
    policies: Sequence[MutatingPolicy],
    name: str,
    resource: Mapping[str, Any] | None,
    base: Path,
    given: MatchInput,
) -> str:
    """A MutatingPolicy expectation: its outcome on the resource, and `patchedResource` compared."""
    policy = next((p for p in policies if p.name == name), None)
    if policy is None or resource is None:
        return NO_MATCH
    done = apply_one(policy, resource, given)
    if done is None:
        return NO_MATCH
    patched, verdict = done
    want_file = expected.get("patchedResource") or expected.get("patchedResources")
    if verdict.status == "pass" and want_file:
        want = _expected_object(base, want_file, str((resource.get("metadata") or {}).get("name")))
        if want is None:
            return Outcome.ERROR.value
        return Outcome.PASS.value if _same(patched, want) else Outcome.FAIL.value
    return verdict.status
