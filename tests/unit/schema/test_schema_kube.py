"""Built-in Kubernetes kinds: version matching, strictness, caching, agreement with kubernetes-validate."""

from __future__ import annotations

import copy
import time
from typing import Any

import kubernetes_validate
import pytest

from sggitops.schema.kube import KubeSchemas, bundled_versions, kube_schemas, match_version, parse_minor


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "mission-a", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "registry1.dso.mil/web:1.0",
                            "ports": [{"containerPort": 8080}],
                            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                        }
                    ]
                },
            },
        },
    }


def test_bundled_versions_are_sorted_numerically() -> None:
    versions = bundled_versions()
    assert "1.34" in versions
    assert [parse_minor(v) for v in versions] == sorted(parse_minor(v) for v in versions)


def test_exact_version_is_used() -> None:
    match = match_version("1.34")
    assert (match.used, match.exact, match.note) == ("1.34", True, "")


def test_patch_and_v_prefix_are_accepted() -> None:
    assert match_version("v1.34.2").used == "1.34"


def test_newer_version_falls_back_to_nearest_lower_and_says_so() -> None:
    match = match_version("1.99")
    assert match.used == bundled_versions()[-1]
    assert not match.exact
    assert "1.99" in match.note and match.used in match.note


def test_older_version_falls_back_to_lowest() -> None:
    match = match_version("1.9")
    assert match.used == bundled_versions()[0]
    assert not match.exact


def test_bad_version_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        match_version("latest")


def test_valid_deployment_has_no_errors() -> None:
    validator = kube_schemas("1.34").validator("apps/v1", "Deployment")
    assert validator is not None
    assert list(validator.iter_errors(deployment())) == []


def test_strict_rejects_unknown_field_and_lenient_accepts_it() -> None:
    obj = deployment()
    obj["spec"]["replicaz"] = 3
    strict = kube_schemas("1.34", True).validator("apps/v1", "Deployment")
    lenient = kube_schemas("1.34", False).validator("apps/v1", "Deployment")
    assert strict is not None and lenient is not None
    errors = list(strict.iter_errors(obj))
    assert [e.validator for e in errors] == ["additionalProperties"]
    assert "replicaz" in errors[0].message
    assert list(lenient.iter_errors(obj)) == []


def test_wrong_type_deep_in_pod_template() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    validator = kube_schemas("1.34").validator("apps/v1", "Deployment")
    assert validator is not None
    (error,) = validator.iter_errors(obj)
    assert list(error.absolute_path) == [
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "ports",
        0,
        "containerPort",
    ]


def test_kind_not_served_by_the_version_has_no_validator() -> None:
    schemas = kube_schemas("1.34")
    assert schemas.validator("batch/v1beta1", "CronJob") is None
    assert not schemas.knows("policy/v1beta1", "PodSecurityPolicy")
    assert schemas.knows("batch/v1", "CronJob")
    assert schemas.validator("example.com/v1", "Widget") is None


def test_validators_are_cached_per_version_and_kind() -> None:
    schemas = kube_schemas("1.34")
    assert kube_schemas("1.34") is schemas
    assert schemas.validator("v1", "Service") is schemas.validator("v1", "Service")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "replicas"), "two"),
        (("spec", "selector", "matchLabelz"), {"a": "b"}),
        (("metadata", "labels", "app"), 1),
        (("spec", "template", "spec", "containers"), "web"),
        (("spec", "strategy", "rollingUpdate", "maxSurge"), True),
        (("spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"), [1]),
        (("spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"), 2),
        (("spec", "template", "spec", "hostNetwork"), True),
    ],
)
def test_agrees_with_kubernetes_validate(path: tuple[Any, ...], value: Any) -> None:
    obj = copy.deepcopy(deployment())
    node: Any = obj
    for step in path[:-1]:
        node = node.setdefault(step, {}) if isinstance(step, str) else node[step]
    node[path[-1]] = value
    ours = not list(KubeSchemas("1.34").validator("apps/v1", "Deployment").iter_errors(obj))  # type: ignore[union-attr]
    try:
        kubernetes_validate.validate(obj, "1.34", strict=True)
        theirs = True
    except kubernetes_validate.ValidationError:
        theirs = False
    assert ours == theirs


def test_cached_validation_is_much_faster_than_kubernetes_validate() -> None:
    validator = kube_schemas("1.34").validator("apps/v1", "Deployment")
    assert validator is not None
    obj = deployment()
    start = time.perf_counter()
    for _ in range(200):
        assert not list(validator.iter_errors(obj))
    ours = (time.perf_counter() - start) / 200
    start = time.perf_counter()
    for _ in range(10):
        kubernetes_validate.validate(obj, "1.34", strict=True)
    theirs = (time.perf_counter() - start) / 10
    # benchmarks/bench_schema.py measures the real ratio (>= 10x); a loaded CI box gets some slack here
    assert theirs / ours >= 5
