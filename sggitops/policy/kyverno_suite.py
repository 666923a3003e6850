"""Run Kyverno CLI test suites (`kyverno-test.yaml`) with sggitops's Kyverno engine, scored strictly.

Both the typed format (`apiVersion: cli.kyverno.io/v1alpha1`, `kind: Test`) and the older untyped one are
read: `policies`, `resources`, `exceptions` and `variables` (a values file with `globalValues`, per-resource
`values`, `namespaceSelector` and `namespaces`) and `context` (a Context whose `spec.resources` answer
CEL `resource.Get`) are paths relative to the test file. Each expected `results[]` entry
becomes one SuiteCase per resource. Unlike Kyverno's CLI, an expected result for a resource that no rule
applied to is a mismatch (actual `no-match`). Policies of every engine are loaded through the registry
(`engines.py`): ClusterPolicy/Policy rules are scored per rule (mutate rules with `patchedResource`,
generate rules with `generatedResource`, see kyverno_suite_mutate.py); ValidatingPolicies and
ValidatingAdmissionPolicies per policy (`isValidatingPolicy`); a policy kind no engine claims is
`unsupported`, never a pass. Mutate rules apply before validation, as at admission.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sggitops.errors import InputError, Location
from sggitops.findings import Severity
from sggitops.policy import engines, mpol, vpol
from sggitops.policy.kyverno import KyvernoPolicy, KyvernoPolicyError, PolicyException, evaluate_many
from sggitops.policy.kyverno.match import MatchInput
from sggitops.policy.kyverno.mutation import apply_mutations
from sggitops.policy.kyverno_suite_mutate import find_resource, mutating_policy_actual, other_rule_actual
from sggitops.policy.results import Outcome, RuleResult, SuiteCase
from sggitops.rules import Rule
from sggitops.yamlio import load_all, to_plain

TEST_FILE_NAMES = ("kyverno-test.yaml", "kyverno-test.yml")
NO_MATCH = "no-match"


RULES = (
    Rule(
        id="policy/test-file",
        severity=Severity.ERROR,
        summary="a Kyverno test file that cannot be read or run",
        pinned_by="tests/unit/test_rule_pins.py::test_a_kyverno_test_without_results_is_policy_test_file",
    ),
)


def run_kyverno_suites(directory: Path) -> list[SuiteCase]:
    """Every expected result of every Kyverno test file under `directory`, in path order."""
    cases: list[SuiteCase] = []
    files = sorted(p for name in TEST_FILE_NAMES for p in directory.rglob(name) if p.is_file())
    for path in files:
        cases.extend(run_kyverno_test(path, root=directory))
    return cases


@dataclass
class _Loaded:
    policies: dict[str, KyvernoPolicy] = field(default_factory=dict)
    others: engines.PolicySet = field(default_factory=engines.PolicySet)  # every non-classic engine
    other_names: dict[str, str] = field(default_factory=dict)  # policy name -> engine name
    unclaimed: set[str] = field(default_factory=set)  # policy-like objects no engine evaluates
    lookups: list[Mapping[str, Any]] = field(default_factory=list)  # a test's `context` resources
    broken: dict[str, str] = field(default_factory=dict)  # policy name or file -> error
    resources: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[PolicyException] = field(default_factory=list)
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[tuple[str, str], str] = field(default_factory=dict)  # (ns, name) -> operation
    operation: str = "CREATE"
    base: Path = Path()


def run_kyverno_test(path: Path, *, root: Path | None = None) -> list[SuiteCase]:
    """The SuiteCases of one `kyverno-test.yaml`; raises InputError when the file itself is unreadable."""
    suite = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
    test = _read_one(path)
    if not isinstance(test, Mapping) or not isinstance(test.get("results"), list):
        raise InputError(
            "not a Kyverno test file: `results` must be a list",
            location=Location(str(path), 1, 1),
            rule="policy/test-file",
            hint="see https://kyverno.io/docs/kyverno-cli/usage/test/",
        )
    loaded = _load(test, path.parent)
    results = _run(loaded)
    cases = []
    for expected in test["results"]:
        if isinstance(expected, Mapping):
            cases.extend(_score(suite, expected, loaded, results))
    return cases


def _read_docs(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(
            f"cannot read {path}: {err.strerror}",
            location=Location(str(path), 0, 0),
            rule="policy/test-file",
            hint="check the paths listed in the test file",
        ) from None
    return [to_plain(doc) for doc in load_all(text, str(path)) if doc is not None]


def _read_one(path: Path) -> Any:
    docs = _read_docs(path)
    return docs[0] if docs else None


def _files(entries: Any, base: Path) -> Iterable[Path]:
    for entry in entries or []:
        target = (base / str(entry)).resolve()
        if target.is_dir():
            yield from sorted(p for p in target.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            yield target


def _load(test: Mapping[str, Any], base: Path) -> _Loaded:
    loaded = _Loaded(base=base)
    for file in _files(test.get("policies"), base):
        for doc in _read_docs(file):
            _add_policy(loaded, doc, str(file))
    for file in _files(test.get("resources"), base):
        loaded.resources.extend(d for d in _read_docs(file) if isinstance(d, dict))
    for file in _files(test.get("exceptions"), base):
        for doc in _read_docs(file):
            if isinstance(doc, Mapping) and str(doc.get("apiVersion", "")).startswith(vpol.GROUP):
                _add_policy(loaded, doc, str(file))
            else:
                loaded.exceptions.append(PolicyException.from_manifest(doc, file=str(file)))
    for resource in loaded.resources:
        if resource.get("kind") == "Namespace":
            name = str((resource.get("metadata") or {}).get("name") or "")
            loaded.namespaces[name] = resource
    values_file = test.get("variables")
    if values_file:
        _apply_values(loaded, _read_one(base / str(values_file)))
    context_file = test.get("context")
    if context_file:
        _apply_context(loaded, _read_one(base / str(context_file)))
    return loaded


def _apply_context(loaded: _Loaded, context: Any) -> None:
    """A `context` file (kind Context): `spec.resources` answer CEL `resource.Get/List` lookups."""
    spec = context.get("spec") if isinstance(context, Mapping) else None
    if isinstance(spec, Mapping):
        loaded.lookups.extend(r for r in spec.get("resources") or [] if isinstance(r, Mapping))


def _add_policy(loaded: _Loaded, doc: Any, file: str) -> None:
    if not isinstance(doc, Mapping):
        return
    name = str((doc.get("metadata") or {}).get("name") or file)
    engine = engines.engine_for(doc)
    if engine is None:
        if engines.looks_like_policy(doc):
            loaded.unclaimed.add(name)
        return
    if engine.name != "kyverno":
        try:
            loaded.others.add(engine, engine.load(doc))
        except engines.PolicyLoadError as err:
            loaded.broken[name] = str(err)
            return
        if doc.get("kind") not in ("PolicyException", "ValidatingAdmissionPolicyBinding"):
            loaded.other_names[name] = engine.name
        return
    if doc.get("kind") not in ("ClusterPolicy", "Policy"):
        return
    try:
        policy = KyvernoPolicy.from_manifest(doc, file=file)
    except KyvernoPolicyError as err:
        loaded.broken[name] = err.message
        return
    loaded.policies[policy.name] = policy
    if policy.namespace:
        loaded.policies[f"{policy.namespace}/{policy.name}"] = policy


def _apply_values(loaded: _Loaded, values: Any) -> None:
    if not isinstance(values, Mapping):
        return
    global_values = values.get("globalValues") or {}
    if isinstance(global_values, Mapping) and global_values.get("request.operation"):
        loaded.operation = str(global_values["request.operation"]).upper()
    for policy in values.get("policies") or []:
        for resource in (policy or {}).get("resources") or []:
            operation = ((resource or {}).get("values") or {}).get("request.operation")
            if operation:
                name = str(resource.get("name") or "")
                namespace, _, bare = name.rpartition("/")
                loaded.operations[(namespace, bare)] = str(operation).upper()
    for namespace in values.get("namespaces") or []:
        if isinstance(namespace, Mapping) and (namespace.get("metadata") or {}).get("name"):
            loaded.namespaces[str(namespace["metadata"]["name"])] = dict(namespace)
    for selector in values.get("namespaceSelector") or []:
        if isinstance(selector, Mapping) and selector.get("name"):
            name = str(selector["name"])
            labels = selector.get("labels") or {}
            loaded.namespaces[name] = {
                "kind": "Namespace",
                "metadata": {"name": name, "labels": dict(labels)},
            }


def _run(loaded: _Loaded) -> list[RuleResult]:
    by_operation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in loaded.resources:
        meta = resource.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        operation = loaded.operations.get(key) or loaded.operations.get(("", key[1])) or loaded.operation
        by_operation[operation].append(resource)
    policies = list({id(p): p for p in loaded.policies.values()}.values())
    mutating = [p for p in policies if any(r.kind == "mutate" for r in p.rules)]
    results: list[RuleResult] = []
    for operation, resources in sorted(by_operation.items()):
        if mutating:  # admission mutates before it validates
            matching = MatchInput(loaded.namespaces, operation)
            resources = [
                dict(apply_mutations(mutating, r, matching, loaded.exceptions)[0]) for r in resources
            ]
        results.extend(
            evaluate_many(
                policies,
                resources,
                namespaces=loaded.namespaces,
                exceptions=loaded.exceptions,
                operation=operation,
            )
        )
        given = engines.EvalInput(loaded.namespaces, operation, [*loaded.lookups, *loaded.resources])
        results.extend(loaded.others.evaluate(resources, given))
    return results


def _resource_names(expected: Mapping[str, Any]) -> list[str]:
    names = [str(n) for n in expected.get("resources") or []]
    if expected.get("resource"):
        names.append(str(expected["resource"]))
    return names


def _score(
    suite: str, expected: Mapping[str, Any], loaded: _Loaded, results: list[RuleResult]
) -> list[SuiteCase]:
    policy_name = str(expected.get("policy") or "")
    rule_name = str(expected.get("rule") or "")
    kind = str(expected.get("kind") or "")
    want = str(expected.get("result") or expected.get("status") or "").lower()
    cases = []
    for name in _resource_names(expected):
        namespace, _, bare = name.rpartition("/")
        namespace = namespace or str(expected.get("namespace") or "")
        label = "/".join(p for p in (kind, namespace, bare) if p)
        actual = _actual(expected, loaded, results, policy_name, rule_name, kind, namespace, bare)
        cases.append(SuiteCase(suite, policy_name, rule_name, label, want, actual))
    return cases


def _actual(
    expected: Mapping[str, Any],
    loaded: _Loaded,
    results: list[RuleResult],
    policy_name: str,
    rule_name: str,
    kind: str,
    namespace: str,
    name: str,
) -> str:
    if expected.get("cloneSourceResource"):
        return Outcome.UNSUPPORTED.value
    if policy_name in loaded.broken:
        return Outcome.ERROR.value
    if loaded.other_names.get(policy_name) == mpol.ENGINE:
        resource = find_resource(loaded.resources, kind, namespace, name)
        units = loaded.others.units.get(mpol.ENGINE, [])
        given = MatchInput(loaded.namespaces, loaded.operation)
        return mutating_policy_actual(expected, units, policy_name, resource, loaded.base, given)
    if policy_name in loaded.other_names:
        engine = loaded.other_names[policy_name]
        return _cel_actual(expected, results, engine, policy_name, kind, namespace, name)
    if policy_name in loaded.unclaimed:
        return Outcome.UNSUPPORTED.value
    policy = loaded.policies.get(policy_name)
    if policy is None:
        return NO_MATCH
    rule_names = {rule_name, f"autogen-{rule_name}", f"autogen-cronjob-{rule_name}"}
    rules = [r for r in policy.rules if r.name in rule_names]
    if any(r.kind in ("mutate", "generate") for r in rules):
        policies = list({id(p): p for p in loaded.policies.values()}.values())
        resource = find_resource(loaded.resources, kind, namespace, name)
        given = MatchInput(loaded.namespaces, loaded.operation)
        return other_rule_actual(
            expected, rules, policy, policies, resource, loaded.base, given, loaded.exceptions
        )
    if any(r.kind != "validate" for r in rules):
        return Outcome.UNSUPPORTED.value
    found = [
        r
        for r in results
        if r.policy == policy.name
        and r.rule in rule_names
        and r.resource.name == name
        and (not kind or r.resource.kind == kind)
        and _same_namespace(namespace, r.resource.namespace)
    ]
    if not found:
        return NO_MATCH
    outcomes = [_reported(r, policy) for r in found]
    if Outcome.UNSUPPORTED.value in outcomes:
        return Outcome.UNSUPPORTED.value
    want = str(expected.get("result") or expected.get("status") or "").lower()
    return next((o for o in outcomes if o != want), outcomes[0])


def _reported(result: RuleResult, policy: KyvernoPolicy) -> str:
    if result.outcome is Outcome.FAIL and not policy.scored:
        return "warn"
    return result.outcome.value


def _cel_actual(
    expected: Mapping[str, Any],
    results: list[RuleResult],
    engine: str,
    policy_name: str,
    kind: str,
    namespace: str,
    name: str,
) -> str:
    found = [
        r.outcome.value
        for r in results
        if r.engine == engine
        and r.policy == policy_name
        and r.resource.name == name
        and (not kind or r.resource.kind == kind)
        and _same_namespace(namespace, r.resource.namespace)
    ]
    if not found:
        return NO_MATCH
    want = str(expected.get("result") or expected.get("status") or "").lower()
    return next((o for o in found if o != want), found[0])


def _same_namespace(expected: str, actual: str) -> bool:
    """Kyverno's CLI names resources without a namespace (cluster-scoped ones, or namespaced ones that do
    not set it) as `default/<name>` in results: both spellings select them."""
    return not expected or expected == actual or (not actual and expected == "default")
