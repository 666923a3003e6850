"""Kyverno MutatingPolicy: apply configurations and JSON patches, applied before validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sggitops.policy import engines
from sggitops.policy.kyverno_suite import run_kyverno_suites
from sggitops.yamlio import load_one, to_plain

MPOL = """\
apiVersion: policies.kyverno.io/v1
kind: MutatingPolicy
metadata: {name: defaults}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  matchConditions:
  - name: not-system
    expression: object.metadata.?namespace.orValue('') != 'kube-system'
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >-
        Object{metadata: Object.metadata{labels: {"managed": "yes"}},
        spec: Object.spec{containers: object.spec.containers.map(c, Object.spec.containers{name: c.name,
        securityContext: Object.spec.containers.securityContext{allowPrivilegeEscalation: false}})}}
  - patchType: JSONPatch
    jsonPatch:
      expression: "[JSONPatch{op: 'add', path: '/spec/automountServiceAccountToken', value: false}]"
"""
VPOL = """\
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: no-escalation}
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: object.spec.containers.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)
"""


def pod(name: str, namespace: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }


def load(*texts: str) -> engines.PolicySet:
    found = engines.PolicySet()
    for text in texts:
        doc = to_plain(load_one(text, "<test>"))
        engine = engines.engine_for(doc)
        assert engine is not None
        found.add(engine, engine.load(doc))
    return found


def test_validation_sees_the_mutated_object() -> None:
    results = load(MPOL, VPOL).evaluate([pod("a", "team"), pod("b", "kube-system")], engines.EvalInput())
    got = sorted((r.engine, r.resource.name, r.outcome.value) for r in results)
    assert got == [
        ("kyverno-cel", "a", "pass"),  # defaulted by the MutatingPolicy first, as admission does
        ("kyverno-cel", "b", "fail"),  # the matchCondition kept the mutation out
        ("kyverno-mutating", "a", "pass"),
        ("kyverno-mutating", "b", "skip"),
    ]


def test_patched_resource_of_a_mutating_policy(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(MPOL)
    (tmp_path / "resources.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: team}\nspec:\n  containers: [{name: c, image: x}]\n"
    )
    (tmp_path / "patched.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: team, labels: {managed: 'yes'}}\n"
        "spec:\n  automountServiceAccountToken: false\n"
        "  containers: [{name: c, image: x, securityContext: {allowPrivilegeEscalation: false}}]\n"
    )
    (tmp_path / "kyverno-test.yaml").write_text(
        "policies: [policy.yaml]\nresources: [resources.yaml]\nresults:\n"
        "- {isMutatingPolicy: true, policy: defaults, kind: Pod, resources: [a], patchedResource: patched.yaml, result: pass}\n"
    )
    [case] = run_kyverno_suites(tmp_path)
    assert (case.actual, case.status) == ("pass", "match")
