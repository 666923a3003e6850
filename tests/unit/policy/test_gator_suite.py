"""gator verify suites, scored strictly; the gatekeeper-library reference suites."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sggitops.policy.gator_suite import run_gator_suites

TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sneedlabel}
spec:
  crd: {spec: {names: {kind: K8sNeedLabel}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8sneedlabel
      violation[{"msg": msg}] {
        not input.review.object.metadata.labels[input.parameters.key]
        msg := sprintf("missing label %v", [input.parameters.key])
      }
"""
CONSTRAINT = """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNeedLabel
metadata: {name: need-team}
spec:
  match: {kinds: [{apiGroups: [""], kinds: [ConfigMap]}]}
  parameters: {key: team}
"""
SUITE = """kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
metadata: {name: s}
tests:
- name: t
  template: template.yaml
  constraint: constraint.yaml
  cases:
  - name: ok
    object: ok.yaml
    assertions: [{violations: no}]
  - name: bad
    object: bad.yaml
    assertions: [{violations: 1, message: "missing label team"}, {violations: "yes"}]
  - name: wrong-expectation
    object: ok.yaml
    assertions: [{violations: "yes"}]
  - name: missing-file
    object: nowhere.yaml
    assertions: [{violations: "no"}]
"""


def cm(labels: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: d, labels: {labels}}}\n"


def test_synthetic_suite_scored_strictly(tmp_path: Path) -> None:
    for name, text in {
        "template.yaml": TEMPLATE,
        "constraint.yaml": CONSTRAINT,
        "suite.yaml": SUITE,
        "ok.yaml": cm("{team: a}"),
        "bad.yaml": cm("{}"),
    }.items():
        (tmp_path / name).write_text(text)
    cases = run_gator_suites(tmp_path)
    got = [(c.rule, c.expected, c.actual, c.status) for c in cases]
    assert got == [
        ("t/ok", "violations=no", "violations=no", "match"),
        (
            "t/bad",
            "violations=1 message=~missing label team",
            "violations=1 message=~missing label team",
            "match",
        ),
        ("t/bad", "violations=yes", "violations=yes", "match"),
        ("t/wrong-expectation", "violations=yes", "violations=no", "mismatch"),
        ("t/missing-file", "violations=no", "error", "mismatch"),  # fail closed
    ]
    assert {c.suite for c in cases} == {"suite.yaml"}
    assert cases[0].policy == "K8sNeedLabel/need-team" and cases[0].resource == "ConfigMap/d/c"


CEL_CODE = """    code:
    - engine: K8sNativeValidation
      source:
        validations:
        - expression: '{expression}'
          messageExpression: '"missing label " + variables.params.key'
    - engine: Rego
      source:
        rego: |
          package k8sneedlabel
          violation[{{"msg": "the Rego ran"}}] {{ true }}
"""


def _cel_suite(tmp_path: Path, expression: str) -> list[tuple[str, str, str]]:
    template = TEMPLATE.split("    rego: |")[0] + CEL_CODE.format(expression=expression)
    for name, text in {
        "template.yaml": template,
        "constraint.yaml": CONSTRAINT,
        "suite.yaml": SUITE,
        "ok.yaml": cm("{team: a}"),
        "bad.yaml": cm("{}"),
    }.items():
        (tmp_path / name).write_text(text)
    return [(c.rule, c.actual, c.status) for c in run_gator_suites(tmp_path)]


def test_template_cel_code_is_used_instead_of_rego(tmp_path: Path) -> None:
    """Gatekeeper runs a template's K8sNativeValidation CEL when present: the Rego here always
    violates with another message, so these matches prove the CEL path ran."""
    got = _cel_suite(tmp_path, "variables.params.key in variables.anyObject.metadata.?labels.orValue({})")
    assert got[:3] == [
        ("t/ok", "violations=no", "match"),
        ("t/bad", "violations=1 message=~missing label team", "match"),
        ("t/bad", "violations=yes", "match"),
    ]


def test_template_cel_with_live_lookup_is_unsupported(tmp_path: Path) -> None:
    got = _cel_suite(tmp_path, 'http.Get("https://example.com").ok')
    assert [status for _r, _a, status in got[:4]] == ["unsupported"] * 4


def test_gatekeeper_library_general_at_least_95_percent(reference: Path) -> None:
    cases = run_gator_suites(reference / "gatekeeper-library" / "general")
    statuses = Counter(c.status for c in cases)
    assert len(cases) >= 150
    assert statuses["match"] / len(cases) >= 0.95, [
        (c.suite, c.rule, c.expected, c.actual) for c in cases if c.status != "match"
    ]
