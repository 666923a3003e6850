"""checks/apis.py: api/removed and api/deprecated for the cluster's Kubernetes version."""

from __future__ import annotations

from typing import Any

from sggitops.checks.apis import check_apis
from sggitops.findings import Severity


def obj(api_version: str, kind: str, name: str = "x") -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "ns"}}


def test_removed_api_is_an_error_with_the_replacement() -> None:
    (finding,) = check_apis(
        [obj("batch/v1beta1", "CronJob")], "1.34", cluster="build", locate=lambda rid: ("a.yaml", 4, 1)
    )
    assert (finding.rule, finding.severity, finding.file, finding.line) == (
        "api/removed",
        Severity.ERROR,
        "a.yaml",
        4,
    )
    assert finding.message == "CronJob batch/v1beta1 is not served by Kubernetes 1.34 (removed in 1.25)"
    assert finding.hint == "use batch/v1 CronJob"
    assert (finding.cluster, finding.resource) == ("build", "CronJob/ns/x")


def test_deprecated_api_is_a_warning() -> None:
    (finding,) = check_apis([obj("autoscaling/v2beta2", "HorizontalPodAutoscaler")], "1.24")
    assert (finding.rule, finding.severity) == ("api/deprecated", Severity.WARNING)
    assert (
        finding.message
        == "HorizontalPodAutoscaler autoscaling/v2beta2 is deprecated since Kubernetes 1.23; removed in 1.26"
    )
    assert finding.hint == "use autoscaling/v2 HorizontalPodAutoscaler"


def test_api_without_replacement_says_so() -> None:
    (finding,) = check_apis([obj("policy/v1beta1", "PodSecurityPolicy")], "1.30")
    assert finding.hint.startswith("no replacement")


def test_deprecated_without_removal_date() -> None:
    (finding,) = check_apis([obj("v1", "Endpoints")], "1.34")
    assert finding.message == "Endpoints v1 is deprecated since Kubernetes 1.33"


def test_current_apis_and_older_clusters_are_clean() -> None:
    objects = [
        obj("apps/v1", "Deployment"),
        obj("batch/v1", "CronJob"),
        obj("networking.k8s.io/v1", "Ingress"),
    ]
    assert list(check_apis(objects, "1.34")) == []
    assert list(check_apis([obj("batch/v1beta1", "CronJob")], "1.20")) == []
