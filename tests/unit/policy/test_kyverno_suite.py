"""Kyverno CLI test suites: inline suites built in tmp_path, and the upstream reference suites."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sggitops.errors import InputError
from sggitops.policy.kyverno_suite import run_kyverno_suites, run_kyverno_test

POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-team
    match:
      any:
      - resources:
          kinds: [Pod]
          namespaceSelector:
            matchLabels: {env: prod}
    preconditions:
      all:
      - key: "{{ request.operation }}"
        operator: AnyIn
        value: [CREATE, UPDATE]
    validate:
      message: "label team is required"
      pattern:
        metadata:
          labels:
            team: "?*"
  - name: add-label
    match:
      any:
      - resources:
          kinds: [Pod]
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(x): y
"""

RESOURCES = """\
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: shop, labels: {team: a}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: shop}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy, namespace: shop}
spec: {template: {metadata: {labels: {app: x}}, spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: dev-pod, namespace: dev}
spec: {containers: [{name: c, image: x}]}
"""

VALUES = """\
apiVersion: cli.kyverno.io/v1alpha1
kind: Values
namespaceSelector:
- name: shop
  labels: {env: prod}
- name: dev
  labels: {env: dev}
globalValues:
  request.operation: CREATE
"""

TEST = """\
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [resources.yaml]
variables: values.yaml
results:
- {policy: require-team, rule: check-team, kind: Pod, resources: [good], result: pass}
- {policy: require-team, rule: check-team, kind: Pod, resources: [bad], result: fail}
- {policy: require-team, rule: check-team, kind: Deployment, resources: [deploy], result: fail}
- {policy: require-team, rule: check-team, kind: Pod, resources: [dev-pod], result: pass}
- {policy: require-team, rule: add-label, kind: Pod, resources: [good], result: pass}
- {policy: require-team, rule: check-team, kind: Pod, resource: bad, result: pass}
"""


def write_suite(root: Path, test: str = TEST, name: str = "kyverno-test.yaml") -> Path:
    suite = root / "require-team" / ".kyverno-test"
    suite.mkdir(parents=True)
    (suite / "policy.yaml").write_text(POLICY)
    (suite / "resources.yaml").write_text(RESOURCES)
    (suite / "values.yaml").write_text(VALUES)
    (suite / name).write_text(test)
    return suite / name


def test_inline_suite_is_scored_strictly(tmp_path: Path) -> None:
    write_suite(tmp_path)
    cases = run_kyverno_suites(tmp_path)
    got = [(c.rule, c.resource, c.expected, c.actual, c.status) for c in cases]
    assert got == [
        ("check-team", "Pod/good", "pass", "pass", "match"),
        ("check-team", "Pod/bad", "fail", "fail", "match"),
        # the Deployment is covered by the autogen rule, found under the rule's own name
        ("check-team", "Deployment/deploy", "fail", "fail", "match"),
        # the namespaceSelector excludes dev: Kyverno's CLI would call this a pass, strict scoring does not
        ("check-team", "Pod/dev-pod", "pass", "no-match", "mismatch"),
        # the mutate rule applies (it adds a label the Pod lacks)
        ("add-label", "Pod/good", "pass", "pass", "match"),
        ("check-team", "Pod/bad", "pass", "fail", "mismatch"),
    ]
    assert {c.suite for c in cases} == {"require-team/.kyverno-test/kyverno-test.yaml"}


def test_untyped_format_and_request_operation_values(tmp_path: Path) -> None:
    untyped = TEST.replace(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\n", "name: t\n"
    )
    path = write_suite(tmp_path, untyped)
    (path.parent / "values.yaml").write_text(
        VALUES.replace("request.operation: CREATE", "request.operation: DELETE")
    )
    cases = run_kyverno_test(path, root=tmp_path)
    # DELETE is outside the default CREATE/UPDATE operations, so no rule applies
    assert {c.actual for c in cases if c.rule == "check-team"} == {"no-match"}


def test_broken_policy_is_an_error_result(tmp_path: Path) -> None:
    path = write_suite(tmp_path)
    (path.parent / "policy.yaml").write_text(
        POLICY.replace(
            "    match:\n      any:\n      - resources:\n          kinds: [Pod]\n          namespaceSelector:\n            matchLabels: {env: prod}\n",
            "",
        )
    )
    cases = run_kyverno_test(path)
    assert {c.actual for c in cases if c.rule == "check-team"} == {"error"}


def test_unreadable_test_file_raises_input_error(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "results: [\n")
    with pytest.raises(InputError):
        run_kyverno_test(path)
    (path.parent / "kyverno-test.yaml").write_text("name: t\nresults: {}\n")
    with pytest.raises(InputError):
        run_kyverno_test(path)


def test_reference_suites_match_at_least_99_percent(reference: Path) -> None:
    suites = reference / "kyverno-policies"
    if not suites.is_dir():
        pytest.skip(f"{suites} is missing from the reference data")
    cases = run_kyverno_suites(suites)
    counts = Counter(c.status for c in cases)
    supported = counts["match"] + counts["mismatch"]
    assert supported >= 1000, counts
    assert counts["match"] / supported >= 0.99, [c for c in cases if c.status == "mismatch"]
    unsupported = {c.suite.split("/.kyverno-test")[0] for c in cases if c.status == "unsupported"}
    # podSecurity subrules, mutate (patchedResource) and generate (generatedResource) expectations only
    assert all(("subrule" in s) or ("add-" in s) for s in unsupported), unsupported


CLUSTER_POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: ns-owner}
spec:
  rules:
  - name: owner
    match: {any: [{resources: {kinds: [Namespace]}}]}
    validate:
      message: owner label required
      pattern: {metadata: {labels: {owner: "?*"}}}
"""


def test_default_namespace_names_a_cluster_scoped_resource(tmp_path: Path) -> None:
    """Kyverno test results may write `default/<name>` for a resource without a namespace."""
    (tmp_path / "policy.yaml").write_text(CLUSTER_POLICY)
    (tmp_path / "resources.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {owner: a}}\n"
    )
    (tmp_path / "kyverno-test.yaml").write_text(
        "policies: [policy.yaml]\nresources: [resources.yaml]\nresults:\n"
        "- {policy: ns-owner, rule: owner, kind: Namespace, resources: [default/team], result: pass}\n"
    )
    [case] = run_kyverno_suites(tmp_path)
    assert (case.actual, case.status) == ("pass", "match")


PATCHED = """\
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: shop, labels: {team: a, x: y}}
spec: {containers: [{name: c, image: x}]}
"""


@pytest.mark.parametrize(
    ("patched", "status"), [(PATCHED, "match"), (PATCHED.replace("x: y", "x: z"), "mismatch")]
)
def test_patched_resource_is_compared(tmp_path: Path, patched: str, status: str) -> None:
    test = TEST.split("results:")[0] + (
        "results:\n- {policy: require-team, rule: add-label, kind: Pod, resources: [good], "
        "patchedResource: patched.yaml, result: pass}\n"
    )
    path = write_suite(tmp_path, test)
    (path.parent / "patched.yaml").write_text(patched)
    [case] = run_kyverno_suites(tmp_path)
    assert case.status == status


VPOL_LOOKUP = """\
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: allowed-teams}
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  variables:
  - name: teams
    expression: resource.Get('v1', 'configmaps', 'platform', 'teams').data.allowed.split(',')
  validations:
  - expression: object.metadata.?labels[?'team'].orValue('') in variables.teams
"""


def test_validating_policy_reads_the_test_context(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(VPOL_LOOKUP)
    (tmp_path / "resources.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {team: blue}}\nspec: {containers: []}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {team: red}}\nspec: {containers: []}\n"
    )
    (tmp_path / "context.yaml").write_text(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Context\nspec:\n  resources:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: teams, namespace: platform}, data: {allowed: 'blue,green'}}\n"
    )
    (tmp_path / "kyverno-test.yaml").write_text(
        "policies: [policy.yaml]\nresources: [resources.yaml]\ncontext: context.yaml\nresults:\n"
        "- {isValidatingPolicy: true, policy: allowed-teams, kind: Pod, resources: [a], result: pass}\n"
        "- {isValidatingPolicy: true, policy: allowed-teams, kind: Pod, resources: [b], result: fail}\n"
    )
    cases = run_kyverno_suites(tmp_path)
    assert [(c.resource, c.actual, c.status) for c in cases] == [
        ("Pod/a", "pass", "match"),
        ("Pod/b", "fail", "match"),
    ]
