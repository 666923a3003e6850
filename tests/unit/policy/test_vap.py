"""Kubernetes ValidatingAdmissionPolicy + Binding through the engine registry (as the API server does)."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy import engines

POLICY = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingAdmissionPolicy",
    "metadata": {"name": "max-replicas"},
    "spec": {
        "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": ["apps"],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE"],
                    "resources": ["deployments"],
                }
            ]
        },
        "validations": [
            {
                "expression": "object.spec.replicas <= int(params.data.max)",
                "messageExpression": "'at most ' + params.data.max",
            }
        ],
    },
}


def binding(**ref: Any) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "b"},
        "spec": {"policyName": "max-replicas", "validationActions": ["Deny"], "paramRef": ref},
    }


def deployment(replicas: int, namespace: str = "team") -> dict[str, Any]:
    meta = {"name": "d", "namespace": namespace}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {"replicas": replicas}}


LIMIT = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "limit", "namespace": "team", "labels": {"limits": "yes"}},
    "data": {"max": "3"},
}


def outcomes(docs: list[dict[str, Any]], objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    policies = engines.PolicySet()
    for doc in docs:
        engine = engines.engine_for(doc)
        assert engine is not None and engine.name == "kubernetes-vap"
        policies.add(engine, engine.load(doc))
    results = policies.evaluate(objects, engines.EvalInput(objects=[LIMIT, *objects]))
    return [(r.outcome.value, r.message) for r in results]


@pytest.mark.parametrize("ref", [{"name": "limit"}, {"selector": {"matchLabels": {"limits": "yes"}}}])
def test_params_come_from_the_param_ref(ref: dict[str, Any]) -> None:
    assert outcomes([POLICY, binding(**ref)], [deployment(2), deployment(5)]) == [
        ("pass", ""),
        ("fail", "at most 3"),
    ]


def test_missing_parameter_denies_or_allows_per_binding() -> None:
    missing = {"name": "absent"}
    assert outcomes([POLICY, binding(**missing)], [deployment(1)])[0][0] == "error"
    allow = binding(**missing, parameterNotFoundAction="Allow")
    assert outcomes([POLICY, allow], [deployment(1)]) == [
        ("skip", "no parameter found (parameterNotFoundAction: Allow)")
    ]


def test_a_policy_without_binding_does_nothing() -> None:
    assert outcomes([POLICY], [deployment(9)]) == []
