"""Big Bang's HelmReleases per version (catalog data written from chart/templates at the tags)."""

from __future__ import annotations

from sggitops.bigbang.packages_crds import (
    bigbang_release,
    bigbang_releases,
    chart_crd_groups,
    enabled,
    release_for_key,
)


def _names(version: str) -> set[str]:
    return {r.name for r in bigbang_releases(version) if not r.pattern}


def test_istio_helmreleases_change_names_across_versions() -> None:
    assert {"istio", "istio-operator"} <= _names("2.50.0") and "istiod" not in _names("2.50.0")
    assert {"istio", "istio-operator", "istio-crds", "istiod"} <= _names("2.54.0")
    assert "istio" not in _names("3.31.0") and {"istio-crds", "istiod"} <= _names("3.31.0")


def test_prometheus_operator_crds_move_out_of_monitoring_in_3_4() -> None:
    monitoring = bigbang_release("3.3.0", "monitoring")
    assert monitoring is not None and "monitoring.coreos.com" in monitoring.crds
    assert bigbang_release("3.3.0", "prometheus-operator-crds") is None
    crds = bigbang_release("3.4.0", "prometheus-operator-crds")
    assert crds is not None and crds.crds == ("monitoring.coreos.com",)
    later = bigbang_release("3.4.0", "monitoring")
    assert later is not None and later.crds == ()


def test_policy_engines_and_argocd_install_their_crd_groups() -> None:
    for version in ("2.0.0", "2.54.0", "3.31.0"):
        kyverno, gatekeeper = release_for_key(version, "kyverno"), release_for_key(version, "gatekeeper")
        argocd = release_for_key(version, "addons.argocd")
        assert kyverno is not None and "kyverno.io" in kyverno.crds and kyverno.namespace == "kyverno"
        assert gatekeeper is not None and "templates.gatekeeper.sh" in gatekeeper.crds
        assert argocd is not None and argocd.crds == ("argoproj.io",)


def test_gateway_names_come_from_values() -> None:
    assert bigbang_release("3.31.0", "public-ingressgateway") is not None
    assert bigbang_release("3.31.0", "public") is None


def test_known_charts_and_enabled_flags() -> None:
    assert chart_crd_groups("cert-manager") == ("cert-manager.io", "acme.cert-manager.io")
    assert chart_crd_groups("no-such-chart") is None
    values = {"addons": {"argocd": {"enabled": True}}, "kyverno": {"enabled": False}}
    assert enabled(values, "addons.argocd") is True
    assert enabled(values, "kyverno") is False
    assert enabled(values, "gatekeeper") is None
