"""The deprecated/removed apiVersion table."""

from __future__ import annotations

import pytest

from sggitops.schema.apis import CHANGES, ApiState, api_state
from sggitops.schema.kube import kube_schemas, parse_minor


@pytest.mark.parametrize(
    ("api_version", "kind", "k8s", "state"),
    [
        ("extensions/v1beta1", "Deployment", "1.15", ApiState.DEPRECATED),
        ("extensions/v1beta1", "Deployment", "1.16", ApiState.REMOVED),
        ("extensions/v1beta1", "Ingress", "1.21", ApiState.DEPRECATED),
        ("extensions/v1beta1", "Ingress", "1.22", ApiState.REMOVED),
        ("policy/v1beta1", "PodSecurityPolicy", "1.24", ApiState.DEPRECATED),
        ("policy/v1beta1", "PodSecurityPolicy", "1.25", ApiState.REMOVED),
        ("batch/v1beta1", "CronJob", "1.20", ApiState.SERVED),
        ("batch/v1beta1", "CronJob", "1.25", ApiState.REMOVED),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25", ApiState.DEPRECATED),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", ApiState.REMOVED),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29", ApiState.REMOVED),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.31", ApiState.DEPRECATED),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32", ApiState.REMOVED),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", ApiState.REMOVED),
        ("v1", "Endpoints", "1.34", ApiState.DEPRECATED),
        ("v1", "Endpoints", "1.32", ApiState.SERVED),
        ("apps/v1", "Deployment", "1.34", ApiState.SERVED),
    ],
)
def test_api_state(api_version: str, kind: str, k8s: str, state: ApiState) -> None:
    assert api_state(api_version, kind, k8s)[0] is state


def test_rows_are_consistent() -> None:
    keys = [(c.api_version, c.kind) for c in CHANGES]
    assert len(keys) == len(set(keys))
    for change in CHANGES:
        assert change.replacement
        if change.deprecated and change.removed:
            assert parse_minor(change.deprecated) < parse_minor(change.removed)


@pytest.mark.parametrize("version", ["1.25", "1.30", "1.34"])
def test_removed_apis_are_not_in_the_bundled_schemas(version: str) -> None:
    """The table agrees with kubernetes-validate: nothing removed by `version` is still served there."""
    schemas = kube_schemas(version)
    for change in CHANGES:
        if change.removed and parse_minor(change.removed) <= parse_minor(version):
            assert not schemas.knows(change.api_version, change.kind), change


def test_replacements_exist_in_current_kubernetes() -> None:
    schemas = kube_schemas("1.34")
    for change in CHANGES:
        if change.replacement.startswith("no replacement") or change.replacement.startswith("policy/v1beta1"):
            continue
        api_version, kind = change.replacement.split(" ")
        assert schemas.knows(api_version, kind), change
