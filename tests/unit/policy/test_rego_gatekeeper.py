"""Gatekeeper evaluation through regopy: match semantics, gator input shape, unsupported, fail closed."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy.rego.compat import regopy_compat
from sggitops.policy.rego.engine import CompiledPolicy
from sggitops.policy.rego.errors import RegoUnsupported
from sggitops.policy.rego.gatekeeper import Constraint, ConstraintTemplate, build_inventory, evaluate
from sggitops.policy.rego.match import Match, MatchError, wildcard_matches
from sggitops.policy.results import Outcome

REPOS_REGO = """package k8srepos
violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  not startswith(c.image, input.parameters.prefix)
  msg := sprintf("container <%v> image <%v> not allowed", [c.name, c.image])
}
"""


def template(rego: str = REPOS_REGO, kind: str = "K8sRepos", **target: Any) -> ConstraintTemplate:
    tgt = {"target": "admission.k8s.gatekeeper.sh", **({"rego": rego} if rego else {}), **target}
    return ConstraintTemplate.from_manifest(
        {
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": kind.lower()},
            "spec": {"crd": {"spec": {"names": {"kind": kind}}}, "targets": [tgt]},
        }
    )


def constraint(kind: str = "K8sRepos", match: Any = None, action: str = "deny", **params: Any) -> Constraint:
    return Constraint.from_manifest(
        {
            "apiVersion": "constraints.gatekeeper.sh/v1beta1",
            "kind": kind,
            "metadata": {"name": "c1"},
            "spec": {"enforcementAction": action, "match": match or {}, "parameters": params},
        }
    )


def pod(name: str, image: str, namespace: str = "default", labels: Any = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


def test_evaluate_v0_template_fail_and_pass() -> None:
    results = evaluate(
        [template()],
        [constraint(prefix="registry1.dso.mil/")],
        [pod("a", "nginx"), pod("b", "registry1.dso.mil/x")],
    )
    by_name = {r.resource.name: r for r in results}
    assert by_name["a"].outcome is Outcome.FAIL
    assert by_name["a"].message == "container <app> image <nginx> not allowed"
    assert (
        by_name["a"].policy == "K8sRepos/c1"
        and by_name["a"].rule == "c1"
        and by_name["a"].engine == "gatekeeper"
    )
    assert by_name["b"].outcome is Outcome.PASS


def test_enforcement_action_maps_to_audit() -> None:
    (result,) = evaluate([template()], [constraint(action="dryrun", prefix="x")], [pod("a", "nginx")])
    assert result.action == "audit"
    (result,) = evaluate([template()], [constraint(action="warn", prefix="x")], [pod("a", "nginx")])
    assert result.action == "audit"


def test_review_shape_and_inventory() -> None:
    rego = """package shape
violation[{"msg": msg}] {
  r := input.review
  r.kind == {"group": "apps", "version": "v1", "kind": "Deployment"}
  r.name == "web"
  r.namespace == "ns1"
  r.operation == "CREATE"
  other := data.inventory.namespace["ns1"]["v1"]["Service"][name]
  msg := sprintf("sees %v", [name])
}
"""
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "ns1"}}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": "ns1"}}
    results = evaluate([template(rego, "Shape")], [constraint("Shape")], [deploy], inventory_objects=[svc])
    assert [(r.outcome, r.message) for r in results] == [(Outcome.FAIL, "sees svc")]
    inv = build_inventory([svc, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns1"}}])
    assert inv["cluster"]["v1"]["Namespace"]["ns1"]["kind"] == "Namespace"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("kube-*", "kube-system", True),
        ("*-system", "gatekeeper-system", True),
        ("kube-*", "default", False),
        ("default", "default", True),
        ("*", "anything", True),
    ],
)
def test_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_matches(pattern, value) is expected


def test_match_semantics() -> None:
    ns_obj = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "prod", "labels": {"env": "prod"}},
    }
    namespaces = {"prod": ns_obj}
    p = pod("a", "x", namespace="prod", labels={"app": "web"})
    assert Match.from_spec({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}).matches(p, namespaces)
    assert not Match.from_spec({"kinds": [{"apiGroups": ["apps"], "kinds": ["*"]}]}).matches(p, namespaces)
    assert Match.from_spec({"kinds": [{"apiGroups": ["*"], "kinds": ["Pod"]}]}).matches(p, namespaces)
    assert not Match.from_spec({"excludedNamespaces": ["pro*"]}).matches(p, namespaces)
    assert Match.from_spec({"namespaces": ["*od"]}).matches(p, namespaces)
    assert not Match.from_spec({"scope": "Cluster"}).matches(p, namespaces)
    assert Match.from_spec({"scope": "Cluster"}).matches(ns_obj, namespaces)
    sel = {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}
    assert Match.from_spec(sel).matches(p, namespaces)
    assert not Match.from_spec({"labelSelector": {"matchLabels": {"app": "db"}}}).matches(p, namespaces)
    assert Match.from_spec({"namespaceSelector": {"matchLabels": {"env": "prod"}}}).matches(p, namespaces)
    assert not Match.from_spec({"namespaceSelector": {"matchLabels": {"env": "dev"}}}).matches(p, namespaces)
    assert Match.from_spec({"name": "a*"}).matches(p, namespaces)
    with pytest.raises(MatchError):
        Match.from_spec({"namespaceSelector": {"matchLabels": {"env": "prod"}}}).matches(
            pod("b", "x", "other"), {}
        )


def test_non_matching_pairs_give_no_result() -> None:
    match = {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}
    assert evaluate([template()], [constraint(match=match, prefix="x")], [pod("a", "nginx")]) == []


def test_compile_error_fails_closed() -> None:
    (result,) = evaluate(
        [template('package bad\nviolation[{"msg": m}] { m := }\n')], [constraint()], [pod("a", "x")]
    )
    assert result.outcome is Outcome.ERROR


def test_missing_template_fails_closed() -> None:
    (result,) = evaluate([], [constraint()], [pod("a", "x")])
    assert result.outcome is Outcome.ERROR and "no ConstraintTemplate" in result.message


@pytest.mark.parametrize(
    ("rego", "feature"),
    [
        ('package h\nviolation[{"msg": "m"}] { http.send({"method": "get", "url": "x"}) }\n', "http.send"),
        (
            'package h\nviolation[{"msg": "m"}] { external_data({"provider": "p", "keys": []}) }\n',
            "external_data",
        ),
        (
            'package h\nviolation[{"msg": "m"}] { net.cidr_contains("10.0.0.0/8", "10.0.0.1") }\n',
            "builtin net.cidr_contains",
        ),
        ('package h\nin := 3\nviolation[{"msg": "m"}] { true }\n', "rego-v0-rewrite"),
    ],
)
def test_unsupported_features_are_named(rego: str, feature: str) -> None:
    (result,) = evaluate([template(rego, "H")], [constraint("H")], [pod("a", "x")])
    assert result.outcome is Outcome.UNSUPPORTED
    assert result.feature == feature


def test_cel_only_template_is_evaluated_by_cel() -> None:
    check = {"expression": "variables.anyObject.kind != 'Pod'", "message": "no pods"}
    tmpl = template("", "Cel", code=[{"engine": "K8sNativeValidation", "source": {"validations": [check]}}])
    (result,) = evaluate([tmpl], [constraint("Cel")], [pod("a", "x")])
    assert (result.outcome, result.message) == (Outcome.FAIL, "no pods")


def test_cel_template_with_live_lookup_is_unsupported() -> None:
    check = {"expression": "http.Get('https://x').ok"}
    tmpl = template("", "Cel", code=[{"engine": "K8sNativeValidation", "source": {"validations": [check]}}])
    (result,) = evaluate([tmpl], [constraint("Cel")], [pod("a", "x")])
    assert result.outcome is Outcome.UNSUPPORTED and "http" in result.feature


def test_code_rego_v1_is_used_as_is() -> None:
    v1 = 'package v\nviolation contains {"msg": "always"} if { input.review.object.kind == "Pod" }\n'
    tmpl = template("", "V", code=[{"engine": "Rego", "source": {"rego": v1, "version": "v1"}}])
    (result,) = evaluate([tmpl], [constraint("V")], [pod("a", "x")])
    assert (result.outcome, result.message) == (Outcome.FAIL, "always")


def test_compat_hoists_wildcards_out_of_call_arguments() -> None:
    src = 'package t\np if { startswith("abc", input.xs[_]) }\nq if { not startswith("zzz", input.xs[_]) }\n'
    out, _ = regopy_compat(src.split("\nq")[0] + "\n")
    assert "__sg_w0 := input.xs[_];" in out
    policy = CompiledPolicy({"m.rego": src.split("\nq")[0] + "\n"}, ["t/p"])
    assert policy.query("t/p", {"xs": ["z", "a"]}) is True
    with pytest.raises(RegoUnsupported):
        regopy_compat(src)


def test_sprintf_matches_opa_for_computed_strings_and_missing_arguments() -> None:
    src = 'package t\na := sprintf("<%v>", [concat(",", ["x", "y"])])\nb := sprintf("%v %v", [1])\n'
    policy = CompiledPolicy({"m.rego": src}, ["t/a", "t/b"])
    assert policy.query("t/a", {}) == "<x,y>"
    assert policy.query("t/b", {}) == "1 %!v(MISSING)"


def test_negated_call_binds_its_ref_arguments_first_as_opa_does() -> None:
    """OPA rewrites `not f(input.x)` to `t = input.x; not f(t)` (open-policy-agent/opa#1877): with
    `input.x` undefined the body fails; rego-cpp alone would negate the undefined call."""
    src = 'package t\nf("a", _) := true\np if { not f(input.kind, input.ranges) }\n'
    out, _ = regopy_compat(src)
    assert "__sg_n0 := input.kind; __sg_n1 := input.ranges; not f(__sg_n0, __sg_n1)" in out
    policy = CompiledPolicy({"m.rego": src}, ["t/p"])
    assert policy.query("t/p", {"kind": "b", "ranges": []}) is True
    assert policy.query("t/p", {"kind": "b"}) is not True  # undefined argument: the body fails
