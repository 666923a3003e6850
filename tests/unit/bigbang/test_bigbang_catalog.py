"""The Big Bang catalog API: versions, choices, role defaults, package states, key status, passthrough."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.bigbang.catalog import Catalog, CatalogError, load_catalog
from sggitops.bigbang.version import VersionError
from sggitops.spec.model import Choices

VERSIONS = ["2.0.0", "2.54.0", "3.0.0", "3.30.0", "3.31.0"]
CORE = {"istio", "kiali", "monitoring", "grafana", "loggingAgent", "loki", "tracing", "runtimeSecurity"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_load_catalog_is_cached(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    assert (str(catalog.first), str(catalog.last)) == ("2.0.0", "3.31.0")
    assert catalog.last_minor == {2: 54}


@pytest.mark.parametrize("version", ["2.0.0", "2.54.3", "3.0.0", "3.31.0", "3.31.2"])
def test_check_version_accepts_covered_releases(catalog: Catalog, version: str) -> None:
    assert str(catalog.check_version(version)) == version


@pytest.mark.parametrize(
    ("version", "message", "hint"),
    [
        ("1.57.0", r"older than 2\.0\.0", "upgrade Big Bang first"),
        ("3.32.0", r"newer than this catalog", "upgrade sggitops"),
        ("4.0.0", r"newer than this catalog", "knows Big Bang 2.0.0 to 3.31.x"),
        ("2.55.0", r"does not exist: the 2\.x line ended at 2\.54", "the release after 2.54.x is 3.0.0"),
        ("v3.31.0", r"invalid Big Bang version 'v3\.31\.0'", "no 'v' prefix"),
    ],
)
def test_check_version_refuses_with_a_reason(catalog: Catalog, version: str, message: str, hint: str) -> None:
    with pytest.raises(VersionError, match=message) as info:
        catalog.check_version(version)
    assert isinstance(info.value, ValueError)
    assert hint in info.value.hint


def test_jaeger_is_refused_from_3_0(catalog: Catalog) -> None:
    assert catalog.choice_problems("2.54.0", Choices(tracing="jaeger")) == []
    [problem] = catalog.choice_problems("3.0.0", Choices(tracing="jaeger"))
    assert problem.field == "tracing"
    assert problem.message == "tracing: jaeger was removed from Big Bang in 3.0.0"
    assert problem.hint == "use tracing: tempo"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_supported_combination_has_no_problem(catalog: Catalog, version: str) -> None:
    for engine in ("kyverno", "gatekeeper"):
        for runtime in ("neuvector", "twistlock"):
            choices = Choices(policy_engine=engine, runtime_security=runtime, tracing="tempo")
            assert catalog.choice_problems(version, choices) == []


def test_unknown_choice_values_are_problems(catalog: Catalog) -> None:
    problems = catalog.choice_problems("3.31.0", Choices(policy_engine="opa", runtime_security="falco"))
    assert [(p.field, p.message) for p in problems] == [
        ("policyEngine", "policyEngine: unknown option 'opa'"),
        ("runtimeSecurity", "runtimeSecurity: unknown option 'falco'"),
    ]
    assert problems[0].hint == "use one of kyverno, gatekeeper"


def test_role_defaults_build_and_run(catalog: Catalog) -> None:
    build = catalog.role_defaults("build")
    run = catalog.role_defaults("run")
    assert set(build) == set(run) == set(catalog.logical_packages)
    policy = {"kyverno", "kyvernoPolicies", "kyvernoReporter"}
    assert {p for p, on in build.items() if on} == CORE | policy | {
        "gitlab",
        "gitlabRunner",
        "mattermost",
        "keycloak",
    }
    assert {p for p, on in run.items() if on} == CORE | policy | {"argocd", "authservice"}
    assert build["sonarqube"] is False and build["certManager"] is False and build["gatekeeper"] is False


def test_role_defaults_follow_the_choices(catalog: Catalog) -> None:
    states = catalog.role_defaults("run", Choices(policy_engine="gatekeeper", cert_manager=True))
    assert states["gatekeeper"] and states["certManager"]
    assert not (states["kyverno"] or states["kyvernoPolicies"] or states["kyvernoReporter"])


@pytest.mark.parametrize("role", ["core", "edge", ""])
def test_unknown_role(catalog: Catalog, role: str) -> None:
    with pytest.raises(CatalogError, match="unknown cluster role") as info:
        catalog.role_defaults(role)
    assert info.value.hint == "expected one of build, run"


def test_packages_apply_toggles_last(catalog: Catalog) -> None:
    states = catalog.packages("3.31.0", "build", Choices(), {"sonarqube": True, "mattermost": False})
    assert states["sonarqube"] is True and states["mattermost"] is False and states["gitlab"] is True


def test_packages_refuse_unknown_names(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"unknown logical package\(s\) nexus") as info:
        catalog.packages("3.31.0", "build", Choices(), {"nexus": True})
    assert (
        "sonarqube" in info.value.hint
        and "'" not in info.value.hint
        and info.value.hint.startswith("valid names are")
    )


def test_enabled_values_gatekeeper_disables_kyverno_and_new_istio_disables_legacy(catalog: Catalog) -> None:
    choices = Choices(policy_engine="gatekeeper", runtime_security="twistlock")
    values = catalog.enabled_values("2.54.0", catalog.packages("2.54.0", "run", choices, {}), choices)
    assert values["gatekeeper"] == {"enabled": True}
    for key in ("kyverno", "kyvernoPolicies", "kyvernoReporter", "neuvector", "istio", "istioOperator"):
        assert values[key] == {"enabled": False}, key
    assert values["twistlock"] == {"enabled": True}
    assert values["istiod"] == values["istioCRDs"] == values["istioGateway"] == {"enabled": True}
    assert values["promtail"] == {"enabled": True} and "alloy" not in values
    assert values["addons"]["argocd"] == {"enabled": True} and values["addons"]["gitlab"] == {
        "enabled": False
    }


def test_enabled_values_follow_the_version(catalog: Catalog) -> None:
    choices = Choices()
    old = catalog.enabled_values("2.0.0", catalog.packages("2.0.0", "build", choices, {}), choices)
    assert old["istio"] == old["istioOperator"] == {"enabled": True}
    assert "istiod" not in old and "grafana" not in old  # grafana is part of monitoring before 2.7.0
    new = catalog.enabled_values("3.31.0", catalog.packages("3.31.0", "build", choices, {}), choices)
    assert "istio" not in new and "promtail" not in new and "jaeger" not in new
    assert new["alloy"] == {"enabled": True} and new["grafana"] == {"enabled": True}


def test_cert_manager_is_an_extra_package(catalog: Catalog) -> None:
    choices = Choices(cert_manager=True)
    values = catalog.enabled_values("3.31.0", {"certManager": True}, choices)
    entry = values["packages"]["cert-manager"]
    assert entry["enabled"] is True and entry["sourceType"] == "git"
    assert entry["git"]["repo"].endswith("/maintained/cert-manager.git")
    assert (
        "sourceType"
        not in catalog.enabled_values("2.0.0", {"certManager": True}, choices)["packages"]["cert-manager"]
    )
    assert catalog.enabled_values("3.31.0", {"certManager": False}, choices) == {
        "packages": {"cert-manager": {"enabled": False}}
    }


def test_sso_values(catalog: Catalog) -> None:
    assert catalog.sso_values("2.0.0", "keycloak.build.acme.mil", "baby-yoda") == {
        "sso": {"url": "https://keycloak.build.acme.mil/auth/realms/baby-yoda"}
    }
    with pytest.raises(CatalogError, match="invalid Keycloak host"):
        catalog.sso_values("3.31.0", "https://keycloak.build.acme.mil", "baby-yoda")
    with pytest.raises(CatalogError, match="invalid Keycloak realm"):
        catalog.sso_values("3.31.0", "keycloak.build.acme.mil", "")


def test_gateway_values_per_version(catalog: Catalog) -> None:
    old = catalog.gateway_values("2.50.0", "dev.acme.mil")
    assert old == {"domain": "dev.acme.mil", "istio": {"gateways": {"public": {"hosts": ["*.dev.acme.mil"]}}}}
    new = catalog.gateway_values("3.31.0", "dev.acme.mil")
    servers = new["istioGateway"]["values"]["gateways"]["public"]["gateway"]["servers"]
    assert {h for s in servers for h in s["hosts"]} == {"*.dev.acme.mil"}
    assert [s["port"]["number"] for s in servers] == [8080, 8443]
    with pytest.raises(CatalogError, match="invalid cluster domain"):
        catalog.gateway_values("3.31.0", "*.dev.acme.mil")


@pytest.mark.parametrize(
    ("path", "version", "exists", "replaced_by", "hint"),
    [
        ("promtail.values.config", "3.5.0", False, ("alloy",), "Alloy"),
        ("promtail.enabled", "3.4.2", True, (), ""),
        ("istio.enabled", "3.0.0", False, ("istioCRDs", "istiod", "istioGateway"), "istioCRDs"),
        ("istio.enabled", "3.31.0", False, ("istioCRDs", "istiod", "istioGateway"), "global settings"),
        ("istio.ambient.enabled", "3.31.0", True, (), ""),
        ("istioOperator", "3.31.0", False, ("istioCRDs", "istiod", "istioGateway"), "operator"),
        ("jaeger.enabled", "3.0.0", False, ("tempo",), "tempo"),
        ("addons.anchore.enabled", "3.0.0", False, ("addons.anchoreEnterprise",), "anchoreEnterprise"),
        ("addons.anchoreEnterprise.enabled", "2.54.0", False, (), "addons.anchore"),
        ("clusterAuditor.enabled", "3.0.0", False, (), "without replacement"),
        ("addons.alloy.enabled", "2.53.0", False, ("alloy",), "top-level alloy"),
        ("addons.fortify", "2.10.0", False, (), "returns in 2.11.0"),
        ("grafana.enabled", "2.6.0", False, (), "part of the monitoring package"),
        ("disableAutomaticPassthroughValues", "3.30.0", False, (), "values.upstream"),
        ("packages.podinfo.enabled", "2.0.0", True, (), ""),
    ],
)
def test_key_status(
    catalog: Catalog, path: str, version: str, exists: bool, replaced_by: tuple[str, ...], hint: str
) -> None:
    status = catalog.key_status(path, version)
    assert status is not None
    assert (status.exists, status.replaced_by) == (exists, replaced_by)
    assert hint in status.hint


def test_key_status_unknown_key_is_none(catalog: Catalog) -> None:
    assert catalog.key_status("notABigBangKey.enabled", "3.31.0") is None


def test_passthrough(catalog: Catalog) -> None:
    assert catalog.passthrough("istiod", "2.54.0") and catalog.passthrough("istiod", "3.31.0")
    assert not catalog.passthrough("istiod", "2.53.0")
    assert catalog.passthrough("addons.mimir", "3.31.0") and not catalog.passthrough("addons.mimir", "3.30.0")
    assert not catalog.passthrough("kiali", "3.31.0")


def _top_keys(path: Path) -> set[str]:
    keys: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(".")
        if parts[0]:
            keys.add(parts[0])
            if parts[0] == "addons" and len(parts) > 1:
                keys.add(f"addons.{parts[1]}")
    return keys


@pytest.mark.parametrize("version", VERSIONS)
def test_key_lifetimes_match_the_chart(catalog: Catalog, reference: Path, version: str) -> None:
    expected = _top_keys(reference / "bigbang" / f"values-keys-{version}.txt")
    assert catalog.existing_keys(version) == expected
