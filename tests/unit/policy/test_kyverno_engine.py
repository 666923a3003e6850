"""The Kyverno engine on small inline policies: match/exclude, autogen, deny + JMESPath, foreach,
preconditions, context variables, PolicyExceptions, actions, and unsupported features (never a pass)."""

from __future__ import annotations

from typing import Any

import pytest

from sggitops.policy.kyverno import (
    KyvernoPolicy,
    KyvernoPolicyError,
    PolicyException,
    evaluate,
    evaluate_many,
)
from sggitops.policy.results import Outcome


def policy(
    rules: list[dict[str, Any]], *, annotations: dict[str, str] | None = None, **spec: Any
) -> KyvernoPolicy:
    return KyvernoPolicy.from_manifest(
        {
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {"name": "p", "annotations": annotations or {}},
            "spec": {"validationFailureAction": "Audit", **spec, "rules": rules},
        }
    )


def rule(
    validate: dict[str, Any], *, kinds: list[str] | None = None, name: str = "r", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "match": {"any": [{"resources": {"kinds": kinds or ["Pod"]}}]},
        "validate": validate,
        **extra,
    }


def pod(name: str = "web", namespace: str = "team-a", **spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "c", "image": "nginx:1.25"}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"containers": containers, **spec},
    }


def deployment(template_spec: dict[str, Any], name: str = "d") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": template_spec}},
    }


def cronjob(template_spec: dict[str, Any], name: str = "cj") -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": template_spec}}}},
    }


def outcomes(p: KyvernoPolicy, resource: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    return {r.rule: r.outcome.value for r in evaluate([p], resource, **kwargs)}


NO_PRIVILEGED = {"pattern": {"spec": {"containers": [{"=(securityContext)": {"=(privileged)": "false"}}]}}}
PRIVILEGED = [{"name": "c", "image": "x:1", "securityContext": {"privileged": True}}]


def test_pattern_pass_and_fail_with_message_and_action() -> None:
    p = policy([rule({**NO_PRIVILEGED, "message": "no privileged in {{ request.object.metadata.name }}"})])
    assert outcomes(p, pod()) == {"r": "pass"}
    [result] = evaluate([p], pod("bad", containers=PRIVILEGED))
    assert result.outcome is Outcome.FAIL
    assert "no privileged in bad" in result.message
    assert result.action == "audit"
    assert str(result.resource) == "Pod/team-a/bad"


def test_per_rule_failure_action_overrides_the_policy() -> None:
    p = policy([rule({**NO_PRIVILEGED, "failureAction": "Enforce"})])
    assert evaluate([p], pod())[0].action == "enforce"


def test_autogen_covers_controllers_and_cronjobs() -> None:
    p = policy([rule(NO_PRIVILEGED)])
    names = [r.name for r in p.rules]
    assert names == ["r", "autogen-r", "autogen-cronjob-r"]
    assert outcomes(p, deployment({"containers": PRIVILEGED})) == {"autogen-r": "fail"}
    assert outcomes(p, deployment({"containers": [{"name": "c", "image": "x"}]})) == {"autogen-r": "pass"}
    assert outcomes(p, cronjob({"containers": PRIVILEGED})) == {"autogen-cronjob-r": "fail"}


def test_autogen_rewrites_request_object_paths_in_deny() -> None:
    deny = {
        "deny": {
            "conditions": {
                "any": [
                    {
                        "key": "{{ request.object.spec.hostNetwork || `false` }}",
                        "operator": "Equals",
                        "value": True,
                    }
                ]
            }
        }
    }
    p = policy([rule(deny)])
    assert outcomes(p, cronjob({"hostNetwork": True, "containers": []})) == {"autogen-cronjob-r": "fail"}
    assert outcomes(p, deployment({"containers": []})) == {"autogen-r": "pass"}


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("none", ["r"]),
        ("Deployment", ["r", "autogen-r"]),
        ("Deployment,CronJob", ["r", "autogen-r", "autogen-cronjob-r"]),
    ],
)
def test_autogen_annotation(annotation: str, expected: list[str]) -> None:
    p = policy([rule(NO_PRIVILEGED)], annotations={"pod-policies.kyverno.io/autogen-controllers": annotation})
    assert [r.name for r in p.rules] == expected
    if "autogen-r" in expected:
        assert [k.kind for k in p.rules[1].match.any[0].kinds] == ["Deployment"]


def test_no_autogen_when_a_rule_selects_by_name_or_other_kinds() -> None:
    named = rule(NO_PRIVILEGED)
    named["match"]["any"][0]["resources"]["names"] = ["web*"]
    assert [r.name for r in policy([named]).rules] == ["r"]
    assert [r.name for r in policy([rule(NO_PRIVILEGED, kinds=["Pod", "Deployment"])]).rules] == ["r"]


def test_match_kinds_group_version_and_wildcards() -> None:
    deny_all = {"deny": {}}
    for kinds, matched in [
        (["apps/v1/Deployment"], True),
        (["apps/*/Deployment"], True),
        (["v1/Deployment"], True),
        (["batch/*/Deployment"], False),
        (["Deploy*"], True),
        (["Deployment/scale"], False),
        (["Pod"], False),
    ]:
        p = policy(
            [rule(deny_all, kinds=kinds)], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"}
        )
        assert bool(evaluate([p], deployment({}))) is matched, kinds


def test_match_names_namespaces_selectors_annotations_and_exclude() -> None:
    r = rule({"deny": {}})
    r["match"] = {
        "all": [
            {
                "resources": {
                    "kinds": ["Pod"],
                    "names": ["web*"],
                    "namespaces": ["team-*"],
                    "selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
                }
            }
        ]
    }
    r["exclude"] = {"any": [{"resources": {"annotations": {"skip.io/*": "yes"}}}]}
    p = policy([r], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})
    assert outcomes(p, pod("web-1")) == {"r": "fail"}
    assert outcomes(p, pod("api")) == {}
    assert outcomes(p, pod("web-1", namespace="prod")) == {}
    skipped = pod("web-2")
    skipped["metadata"]["annotations"] = {"skip.io/policy": "yes"}
    assert outcomes(p, skipped) == {}


def test_namespace_selector_reads_supplied_namespaces() -> None:
    r = rule({"deny": {}})
    r["match"]["any"][0]["resources"]["namespaceSelector"] = {"matchLabels": {"tier": "prod"}}
    p = policy([r], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})
    prod_ns = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team-a", "labels": {"tier": "prod"}},
    }
    assert outcomes(p, pod(), namespaces={"team-a": prod_ns}) == {"r": "fail"}
    assert outcomes(p, pod()) == {}


def test_operations_and_user_info_filters() -> None:
    update_only = rule({"deny": {}})
    update_only["match"]["any"][0]["resources"]["operations"] = ["UPDATE"]
    p = policy([update_only], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})
    assert outcomes(p, pod()) == {}
    assert outcomes(p, pod(), operation="UPDATE") == {"r": "fail"}
    by_role = rule({"deny": {}})
    by_role["match"] = {"any": [{"resources": {"kinds": ["Pod"]}, "clusterRoles": ["cluster-admin"]}]}
    assert outcomes(policy([by_role]), pod()) == {}  # admission-only filters never match here


def test_preconditions_skip_and_request_operation() -> None:
    pre = {
        "all": [{"key": "{{ request.operation || 'BACKGROUND' }}", "operator": "AnyIn", "value": ["UPDATE"]}]
    }
    p = policy([rule({"deny": {}}, preconditions=pre)])
    assert outcomes(p, pod()) == {"r": "skip"}
    assert outcomes(p, pod(), operation="UPDATE") == {"r": "fail"}
    legacy = policy(
        [
            rule(
                {"deny": {}},
                preconditions=[
                    {"key": "{{ request.object.metadata.name }}", "operator": "Equals", "value": "web*"}
                ],
            )
        ]
    )
    assert outcomes(legacy, pod("web-1")) == {"r": "fail"}
    assert outcomes(legacy, pod("api")) == {"r": "skip"}


def test_deny_with_custom_jmespath_functions() -> None:
    conditions = {
        "all": [
            {
                "key": "ALL",
                "operator": "AnyNotIn",
                "value": "{{ request.object.spec.containers[].securityContext.capabilities.drop[].to_upper(@) || `[]` }}",
            },
        ]
    }
    p = policy([rule({"deny": {"conditions": conditions}})])
    dropped = [{"name": "c", "image": "x", "securityContext": {"capabilities": {"drop": ["all"]}}}]
    assert outcomes(p, pod(containers=dropped)) == {"r": "pass"}
    assert outcomes(p, pod()) == {"r": "fail"}


@pytest.mark.parametrize(
    ("key", "op", "value", "denied"),
    [
        ("{{ split(request.object.metadata.name, '-')[0] }}", "Equals", "web", True),
        ("{{ length(request.object.spec.containers) }}", "GreaterThan", 0, True),
        ("{{ base64_decode('aGVsbG8=') }}", "Equals", "hello", True),
        ("{{ parse_yaml('a: 1').a }}", "Equals", 1, True),
        ("{{ parse_json('[1,2]') }}", "AllIn", [1, 2, 3], True),
        ("{{ truncate(request.object.metadata.name, `3`) }}", "Equals", "web", True),
        ("{{ regex_match('^web-[0-9]+$', request.object.metadata.name) }}", "Equals", True, True),
        ('{{ label_match(`{"app": "web-1"}`, request.object.metadata.labels) }}', "Equals", True, True),
        ("{{ add(`1`, `2`) }}", "Equals", 3, True),
        ("{{ subtract('2Gi', '1Gi') }}", "GreaterThan", "512Mi", True),
        ("{{ semver_compare('1.2.3', '>=1.2.0') }}", "Equals", True, True),
        ("{{ to_lower('ABC') }}", "NotEquals", "abc", False),
        (
            "{{ request.object.metadata.labels.missing }}",
            "Equals",
            "",
            True,
        ),  # unresolved in a condition -> ""
        ("2h", "DurationGreaterThan", "90m", True),
        ("1Gi", "LessThan", "2Gi", True),
        ("{{ request.object.spec.containers[].image }}", "AllIn", ["nginx:*"], True),
        ("8080", "AnyIn", "8000-9000", True),
        ("8080", "AnyNotIn", "8000-9000", False),
    ],
)
def test_condition_operators_and_functions(key: str, op: str, value: Any, denied: bool) -> None:
    p = policy([rule({"deny": {"conditions": {"all": [{"key": key, "operator": op, "value": value}]}}})])
    assert outcomes(p, pod("web-1")) == {"r": "fail" if denied else "pass"}


def test_unknown_operator_is_a_malformed_policy() -> None:
    with pytest.raises(KyvernoPolicyError):
        policy([rule({"deny": {"conditions": {"all": [{"key": 1, "operator": "Bigger", "value": 0}]}}})])


def test_foreach_with_patterns_deny_preconditions_and_nesting() -> None:
    foreach = {
        "foreach": [
            {
                "list": "request.object.spec.containers",
                "preconditions": {
                    "all": [{"key": "{{ element.name }}", "operator": "NotEquals", "value": "istio-proxy"}]
                },
                "pattern": {"image": "registry.io/*"},
            }
        ]
    }
    p = policy([rule(foreach)], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})
    ok = [{"name": "a", "image": "registry.io/a"}, {"name": "istio-proxy", "image": "docker.io/istio"}]
    assert outcomes(p, pod(containers=ok)) == {"r": "pass"}
    assert outcomes(p, pod(containers=[{"name": "a", "image": "docker.io/a"}])) == {"r": "fail"}
    assert outcomes(p, pod(containers=[{"name": "istio-proxy", "image": "x"}])) == {"r": "skip"}
    nested = {
        "foreach": [
            {
                "list": "request.object.spec.containers",
                "foreach": [
                    {
                        "list": "element.ports",
                        "deny": {
                            "conditions": {
                                "any": [
                                    {
                                        "key": "{{ element.containerPort }}",
                                        "operator": "LessThan",
                                        "value": 1024,
                                    }
                                ]
                            }
                        },
                    }
                ],
            }
        ]
    }
    p2 = policy([rule(nested)], annotations={"pod-policies.kyverno.io/autogen-controllers": "none"})
    assert outcomes(p2, pod(containers=[{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}])) == {
        "r": "fail"
    }
    assert outcomes(
        p2, pod(containers=[{"name": "a", "image": "x", "ports": [{"containerPort": 8080}]}])
    ) == {"r": "pass"}


def test_anypattern_passes_when_one_pattern_matches() -> None:
    any_pattern = {
        "anyPattern": [
            {"spec": {"securityContext": {"runAsNonRoot": True}}},
            {"spec": {"containers": [{"securityContext": {"runAsNonRoot": True}}]}},
        ]
    }
    p = policy([rule(any_pattern)])
    assert outcomes(p, pod(securityContext={"runAsNonRoot": True})) == {"r": "pass"}
    assert outcomes(p, pod()) == {"r": "fail"}


def test_context_variables() -> None:
    r = rule(
        {
            "deny": {
                "conditions": {
                    "any": [{"key": "{{ registry }}", "operator": "NotEquals", "value": "registry.io"}]
                }
            }
        },
        context=[
            {
                "name": "registry",
                "variable": {"jmesPath": "request.object.metadata.labels.registry", "default": "docker.io"},
            }
        ],
    )
    p = policy([r])
    assert outcomes(p, pod()) == {"r": "fail"}
    labelled = pod()
    labelled["metadata"]["labels"]["registry"] = "registry.io"
    assert outcomes(p, labelled) == {"r": "pass"}


def test_policy_exception_turns_a_result_into_skip() -> None:
    p = policy([rule(NO_PRIVILEGED)])
    exception = PolicyException.from_manifest(
        {
            "apiVersion": "kyverno.io/v2",
            "kind": "PolicyException",
            "metadata": {"name": "allow", "namespace": "kyverno"},
            "spec": {
                "exceptions": [{"policyName": "p", "ruleNames": ["r", "autogen-*"]}],
                "match": {"any": [{"resources": {"kinds": ["Pod", "Deployment"], "namespaces": ["team-a"]}}]},
            },
        }
    )
    bad = pod(containers=PRIVILEGED)
    assert outcomes(p, bad, exceptions=[exception]) == {"r": "skip"}
    assert outcomes(p, deployment({"containers": PRIVILEGED}), exceptions=[exception]) == {
        "autogen-r": "skip"
    }
    assert outcomes(p, pod(namespace="other", containers=PRIVILEGED), exceptions=[exception]) == {"r": "fail"}


@pytest.mark.parametrize(
    ("validate", "feature"),
    [
        ({"podSecurity": {"level": "restricted", "version": "latest"}}, "validate.podSecurity"),
        ({"cel": {"expressions": [{"expression": "http.Get('https://x').ok"}]}}, "http.*"),
        ({"pattern": {"metadata": {"+(labels)": {"a": "b"}}}}, "add-if-not-present"),
    ],
)
def test_unsupported_features_never_pass(validate: dict[str, Any], feature: str) -> None:
    [result] = evaluate([policy([rule(validate)])], pod())
    assert result.outcome is Outcome.UNSUPPORTED
    assert feature in result.feature


def test_unsupported_context_entries_are_named() -> None:
    r = rule({"deny": {}}, context=[{"name": "cm", "configMap": {"name": "x", "namespace": "y"}}])
    [result] = evaluate([policy([r])], pod())
    assert result.outcome is Outcome.UNSUPPORTED and result.feature == "context.configMap"


def test_mutate_and_generate_rules_are_reported_as_skip() -> None:
    mutate = {
        "name": "m",
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "mutate": {"patchStrategicMerge": {}},
    }
    [result] = evaluate([policy([mutate])], pod())
    assert result.outcome is Outcome.SKIP and result.feature == "mutate"


def test_malformed_policies_raise_a_typed_error() -> None:
    with pytest.raises(KyvernoPolicyError):
        KyvernoPolicy.from_manifest({"apiVersion": "v1", "kind": "ConfigMap"})
    with pytest.raises(KyvernoPolicyError):
        policy([{"name": "r", "validate": {"deny": {}}}])  # no match
    with pytest.raises(KyvernoPolicyError):
        policy([rule({"message": "nothing to check"})])


def test_evaluate_many_equals_evaluate_per_resource() -> None:
    p = policy([rule(NO_PRIVILEGED), rule({"deny": {}}, kinds=["Service"], name="svc")])
    resources = [pod(), pod("bad", containers=PRIVILEGED), deployment({"containers": PRIVILEGED})]
    resources.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "a"}})
    one_by_one = [r for res in resources for r in evaluate([p], res)]
    assert evaluate_many([p], resources) == one_by_one


def test_variables_inside_patterns_and_the_current_value() -> None:
    p = policy([rule({"pattern": {"metadata": {"labels": {"app": "{{ request.object.metadata.name }}"}}}})])
    assert outcomes(p, pod("web")) == {"r": "pass"}
    renamed = pod("web")
    renamed["metadata"]["labels"]["app"] = "other"
    assert outcomes(p, renamed) == {"r": "fail"}
    # `{{ @ }}` is the resource value at the pattern's position
    at = policy([rule({"pattern": {"metadata": {"name": "{{ @ }}", "namespace": "team-*"}}})])
    assert outcomes(at, pod("web")) == {"r": "pass"}
    assert outcomes(at, pod("web", namespace="prod")) == {"r": "fail"}
