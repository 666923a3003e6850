"""Danger flags."""

from __future__ import annotations

from typing import Any

from sggitops.diff.compare import index
from sggitops.diff.danger import changed_dangers, disabled_packages, immutable_changes, removed_dangers
from sggitops.diff.model import ResourceChange
from sggitops.resource import ResourceId


def test_removed_namespace_crd_and_pruning_application() -> None:
    ns = ResourceId("", "Namespace", "", "web")
    crd = ResourceId("apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com")
    app = ResourceId("argoproj.io", "Application", "argocd", "web")
    pruning = {"spec": {"syncPolicy": {"automated": {"prune": True}}}}
    rules = [
        d.rule for rid, obj in ((ns, {}), (crd, {}), (app, pruning)) for d in removed_dangers("c", rid, obj)
    ]
    assert rules == ["danger/namespace-removed", "danger/crd-removed", "danger/app-pruned"]
    assert list(removed_dangers("c", app, {"spec": {"syncPolicy": {"automated": {"prune": False}}}})) == []
    assert list(removed_dangers("c", ResourceId("", "ConfigMap", "x", "y"), {})) == []


def test_immutable_fields_by_kind() -> None:
    def change(resource: str, *paths: str) -> ResourceChange:
        return ResourceChange(resource, "", tuple(paths))

    assert immutable_changes(change("Deployment/web/web", "spec.selector.matchLabels.app")) == [
        "spec.selector"
    ]
    assert immutable_changes(change("Service/web/web", "spec.clusterIP")) == ["spec.clusterIP"]
    assert immutable_changes(change("PersistentVolumeClaim/web/data", "spec.storageClassName")) == [
        "spec.storageClassName"
    ]
    assert immutable_changes(change("Job/web/migrate", "spec.template.spec.containers[0].image")) == [
        "spec.template"
    ]
    assert immutable_changes(change("Deployment/web/web", "spec.template.spec.containers[0].image")) == []
    assert immutable_changes(change("Deployment/web/web", "spec.selectorX")) == []
    (danger,) = changed_dangers("c", change("StatefulSet/db/pg", "spec.volumeClaimTemplates[0].spec"))
    assert danger.rule == "danger/immutable-field" and "spec.volumeClaimTemplates" in danger.message


def _side(common: str, env: str) -> dict[ResourceId, Any]:
    def cm(name: str, text: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "bigbang"},
            "data": {"values.yaml": text},
        }

    release = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "bigbang", "namespace": "bigbang"},
        "spec": {
            "valuesFrom": [{"kind": "ConfigMap", "name": "common"}, {"kind": "ConfigMap", "name": "env"}]
        },
    }
    return index([cm("common", common), cm("env", env), release])[0]


def test_package_disabled_uses_the_merged_values() -> None:
    base = _side("addons: {gitlab: {enabled: true}}\nkiali: {enabled: true}\n", "")
    head = _side(
        "addons: {gitlab: {enabled: true}}\nkiali: {enabled: true}\n", "addons: {gitlab: {enabled: false}}\n"
    )
    (danger,) = disabled_packages("build", base, head)
    assert danger.rule == "danger/package-disabled"
    assert "addons.gitlab.enabled: true -> false" in danger.message
    # disabled in one layer but enabled again by a later one: no danger
    again = _side("kiali: {enabled: false}\n", "kiali: {enabled: true}\n")
    assert list(disabled_packages("b", _side("kiali: {enabled: true}\n", ""), again)) == []
