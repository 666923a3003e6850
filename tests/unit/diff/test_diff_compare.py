"""Matching and comparing the objects of one cluster."""

from __future__ import annotations

from typing import Any

from sggitops.diff.compare import base_name, compare_cluster, index
from sggitops.redact import REDACTED
from sggitops.resource import ResourceId


def values_cm(name: str, text: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "bigbang"},
        "data": {"values.yaml": text},
    }


def release(*names: str) -> dict[str, Any]:
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "bigbang", "namespace": "bigbang"},
        "spec": {"valuesFrom": [{"kind": "ConfigMap", "name": n} for n in names]},
    }


def deployment(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
    }


def test_base_name_only_for_generator_hashes_of_configmaps_and_secrets() -> None:
    assert base_name(values_cm("environment-tcmdhkk6h7", "")) == "environment"
    assert base_name(values_cm("environment-aaaaaaaaaa", "")) is None  # `a` is not in kustomize's alphabet
    assert base_name(deployment("web-tcmdhkk6h7", "x")) is None


def test_index_normalizes_hashed_names_and_references() -> None:
    keyed, names = index([values_cm("environment-tcmdhkk6h7", "a: 1\n"), release("environment-tcmdhkk6h7")])
    rid = ResourceId("", "ConfigMap", "bigbang", "environment-<hash>")
    assert names[rid] == "ConfigMap/bigbang/environment-tcmdhkk6h7"
    hr = keyed[ResourceId("helm.toolkit.fluxcd.io", "HelmRelease", "bigbang", "bigbang")]
    assert hr["spec"]["valuesFrom"][0]["name"] == "environment-<hash>"


def test_new_hash_is_matched_and_only_the_values_change_is_reported() -> None:
    base = [
        values_cm("environment-tcmdhkk6h7", "addons:\n  gitlab:\n    enabled: true\n"),
        release("environment-tcmdhkk6h7"),
        deployment("web", "a:1"),
    ]
    head = [
        values_cm("environment-k8b2fm7g9c", "# reordered\naddons: {gitlab: {enabled: false}}\n"),
        release("environment-k8b2fm7g9c"),
        deployment("web", "a:1"),
    ]
    added, removed, changed, _old, _new = compare_cluster(base, head)
    assert (added, removed) == ([], [])
    assert [c.resource for c in changed] == ["ConfigMap/bigbang/environment-k8b2fm7g9c"]
    assert (
        changed[0].diff == "@@ Big Bang values: data.values.yaml @@\n~ addons.gitlab.enabled: true -> false\n"
    )
    assert [(v.key, v.before, v.after) for v in changed[0].values] == [("addons.gitlab.enabled", True, False)]


def test_reformatted_values_are_no_change() -> None:
    base = [values_cm("env-tcmdhkk6h7", "a: 1\nb: 2\n"), release("env-tcmdhkk6h7")]
    head = [values_cm("env-k8b2fm7g9c", "b: 2\n# c\na: 1\n"), release("env-k8b2fm7g9c")]
    assert compare_cluster(base, head)[2] == []


def test_other_changes_are_a_unified_diff_with_paths() -> None:
    added, removed, changed, _o, _n = compare_cluster(
        [deployment("web", "registry1.dso.mil/web:1"), deployment("gone", "x")],
        [deployment("web", "registry1.dso.mil/web:2"), deployment("new", "x")],
    )
    assert added == ["Deployment/web/new"] and removed == ["Deployment/web/gone"]
    (change,) = changed
    assert change.paths == ("spec.template.spec.containers[0].image",)
    assert change.diff.startswith("--- a/Deployment/web/web\n+++ b/Deployment/web/web\n")
    assert (
        "-          image: registry1.dso.mil/web:1\n+          image: registry1.dso.mil/web:2\n"
        in change.diff
    )


def test_secret_values_never_reach_the_change() -> None:
    def secret(value: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": "x"},
            "stringData": {"password": value},
        }

    _a, _r, changed, _o, _n = compare_cluster([secret("hunter2")], [secret("s3cr3t-value")])
    (change,) = changed
    assert "hunter2" not in repr(change) and "s3cr3t-value" not in repr(change)
    assert f"-  password: '{REDACTED}'" in change.diff or f"-  password: {REDACTED}" in change.diff
    assert "changed" in change.diff
