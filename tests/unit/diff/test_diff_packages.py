"""bigbang/packages.py and diff/packages.py on hand-made renders: the package set, rows, redaction."""

from __future__ import annotations

import base64
import json
from typing import Any

from sggitops.bigbang.packages import PackageRelease, kebab, packages_from_render
from sggitops.diff.model import ClusterDiff, ValueChange
from sggitops.diff.packages import (
    compare_packages,
    is_secret_value,
    markdown_table,
    redact_change,
    secret_strings,
    text_lines,
)
from sggitops.redact import CHANGED, REDACTED

VALUES = {
    "istiod": {
        "enabled": True,
        "git": {"repo": "https://repo1.dso.mil/big-bang/product/packages/istiod.git", "tag": "1.0.0-bb.0"},
    },
    "kiali": {
        "enabled": False,
        "git": {"repo": "https://repo1.dso.mil/big-bang/product/packages/kiali.git", "tag": "2.0.0-bb.1"},
    },
    "networkPolicies": {"enabled": True},
    "addons": {
        "gitlabRunner": {
            "enabled": False,
            "sourceType": "helmRepo",
            "git": {"repo": "https://x/gitlab-runner.git", "tag": "1"},
            "helmRepo": {"repoName": "registry1", "chartName": "gitlab-runner", "tag": "0.88.3-bb.2"},
        }
    },
}


def rendered(tag: str = "1.0.0-bb.0", values: str = "a: 1\n") -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "istiod", "namespace": "bigbang"},
            "spec": {
                "url": "https://repo1.dso.mil/big-bang/product/packages/istiod.git",
                "ref": {"tag": tag},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "bigbang-istiod-values", "namespace": "bigbang"},
            "stringData": {"common": "", "defaults": "b: 2\n", "overlays": values},
        },
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "istiod", "namespace": "bigbang"},
            "spec": {
                "targetNamespace": "istio-system",
                "chart": {
                    "spec": {
                        "chart": "./chart",
                        "sourceRef": {"kind": "GitRepository", "name": "istiod", "namespace": "bigbang"},
                    }
                },
                "valuesFrom": [
                    {"kind": "Secret", "name": "bigbang-istiod-values", "valuesKey": k}
                    for k in ("common", "defaults", "overlays")
                ],
                "dependsOn": [{"name": "istio-crds", "namespace": "bigbang"}],
            },
        },
    ]


def test_package_set_from_a_render() -> None:
    packages = {p.package: p for p in packages_from_render(rendered(), VALUES)}
    assert sorted(packages) == ["addons.gitlabRunner", "istiod", "kiali"]  # networkPolicies is no package
    istiod = packages["istiod"]
    assert (istiod.name, istiod.enabled, istiod.version, istiod.target_namespace) == (
        "istiod",
        True,
        "1.0.0-bb.0",
        "istio-system",
    )
    assert istiod.depends_on == ("bigbang/istio-crds",) and istiod.chart == "./chart"
    assert istiod.values == {"a": 1, "b": 2} and istiod.secret_values == ("bigbang-istiod-values",)
    assert (packages["kiali"].enabled, packages["kiali"].version) == (False, "2.0.0-bb.1")
    runner = packages["addons.gitlabRunner"]
    assert (runner.source_kind, runner.chart, runner.version, runner.name) == (
        "HelmRepository",
        "gitlab-runner",
        "0.88.3-bb.2",
        "gitlab-runner",
    )


def test_kebab_names_match_big_bangs_release_names() -> None:
    assert [kebab(k) for k in ("istioCRDs", "gitlabRunner", "prometheusOperatorCRDs", "istiod")] == [
        "istio-crds",
        "gitlab-runner",
        "prometheus-operator-crds",
        "istiod",
    ]


def test_rows_show_version_enabled_and_values_changes_only() -> None:
    before = packages_from_render(rendered("1.0.0-bb.0", "a: 1\n"), VALUES)
    after = packages_from_render(rendered("1.1.0-bb.0", "a: 5\n"), VALUES)
    rows = {r.package: r for r in compare_packages(before, after, set())}
    assert sorted(rows) == ["istiod"]  # kiali and gitlabRunner are disabled on both sides: not shown
    assert (rows["istiod"].before, rows["istiod"].after) == ("1.0.0-bb.0", "1.1.0-bb.0")
    assert [(v.key, v.before, v.after) for v in rows["istiod"].values] == [("a", 1, 5)]
    assert compare_packages(before, before, set()) == ()


def test_a_package_that_stops_rendering_is_disabled() -> None:
    """Big Bang renders a package's HelmRelease exactly when it is enabled."""
    off = {**VALUES, "istiod": {**VALUES["istiod"], "enabled": False}}
    (row,) = compare_packages(packages_from_render(rendered(), VALUES), packages_from_render([], off), set())
    assert (row.package, row.enabled_before, row.enabled_after, row.values) == ("istiod", True, False, ())
    assert "[disabled]" in text_lines(ClusterDiff("c", packages=(row,)))[1]


def test_volatile_values_are_not_compared() -> None:
    before = packages_from_render(rendered(values="pw: abc\n"), VALUES)
    after = packages_from_render(rendered(values="pw: xyz\n"), VALUES)
    assert compare_packages(before, after, set(), {("istiod", "pw")}) == ()


def test_credential_keys_and_known_secret_strings_are_redacted() -> None:
    assert is_secret_value("sso.client_secret", "x", set())
    assert is_secret_value("registryCredentials.password", "x", set())
    assert is_secret_value('upstream.secret.data."a.yaml".users[0].password', "x", set())
    assert not is_secret_value("networkPolicies.from.authservice-waypoint.to", "x", set())
    assert not is_secret_value("x.monkey", "banana", set())
    assert not is_secret_value("global.imagePullSecrets[0].name", "private-registry", set())
    assert is_secret_value("harmless.name", "prefix-HUNTER22-suffix", {"HUNTER22"})
    change = redact_change(ValueChange("a.token", "old-1", "new-2", "changed"), set())
    assert (change.before, change.after) == (REDACTED, CHANGED)
    added = redact_change(ValueChange("a.password", None, "new-2", "added"), set())
    assert added.after == REDACTED


def test_secret_strings_reads_decoded_data_and_yaml_leaves() -> None:
    docker = json.dumps({"auths": {"r": {"username": "robot", "password": "PLANTED-REG-1"}}})
    objects = [
        {"kind": "Secret", "data": {".dockerconfigjson": base64.b64encode(docker.encode()).decode()}},
        {"kind": "Secret", "stringData": {"values.yaml": "sso:\n  client_secret: PLANTED-SSO-2\n"}},
        {"kind": "ConfigMap", "data": {"values.yaml": "domain: not-a-secret.mil\n"}},
    ]
    found = secret_strings(objects)
    assert {"PLANTED-REG-1", "PLANTED-SSO-2", "robot"} <= found
    assert "not-a-secret.mil" not in found


def test_tables_print_no_secret() -> None:
    row_values = (
        redact_change(ValueChange("sso.client_secret", "PLANTED-A", "PLANTED-B", "changed"), set()),
        ValueChange("replicas", 1, 2, "changed"),
    )
    from sggitops.diff.model import PackageChange

    diff = ClusterDiff(
        "c",
        packages=(PackageChange("istiod", "1", "2", True, True, row_values),),
        bigbang=("3.28.0", "3.30.0"),
    )
    text = "\n".join(text_lines(diff)) + markdown_table(diff)
    assert "PLANTED" not in text
    assert "istiod: 1 -> 2, 2 value(s) changed" in text and "~ replicas: 1 -> 2" in text
    assert "| istiod | 1 | 2 |  | `sso.client_secret`, `replicas` |" in text


def test_package_release_is_hashable_and_ordered() -> None:
    a = PackageRelease("istiod", "istiod", True, "1")
    assert a == PackageRelease("istiod", "istiod", True, "1", values={"x": 1})
