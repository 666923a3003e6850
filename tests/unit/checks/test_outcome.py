"""What validate does with the families' findings: one finding per problem, config filters, hermetic."""

from __future__ import annotations

from sggitops.checks.outcome import merge_clusters, remote_severity, reported
from sggitops.findings import Finding, Severity
from sggitops.repoconfig import RepoConfig


def _f(cluster: str, message: str = "m", rule: str = "schema/invalid", line: int = 3) -> Finding:
    return Finding("a.yaml", line, 1, rule, Severity.ERROR, message, cluster=cluster)


def test_one_problem_seen_from_several_clusters_is_one_finding() -> None:
    out = merge_clusters([_f("b"), _f("a"), _f("a,c"), _f("a", message="other")])
    assert [(f.message, f.cluster) for f in out] == [("m", "a,b,c"), ("other", "a")]


def test_a_broken_base_is_one_build_finding_naming_every_overlay() -> None:
    findings = [
        _f(c, f"kustomize build of overlays/{c} failed: `x` does not exist", rule="build/failed")
        for c in "ba"
    ]
    (one,) = merge_clusters(findings)
    assert one.message == "kustomize build of overlays/a, overlays/b failed: `x` does not exist"
    assert one.cluster == "a,b"


def test_config_disables_rules_and_ignores_paths() -> None:
    config = RepoConfig(disabled=frozenset({"schema/invalid"}), ignore=("vendor/",))
    assert not reported(_f("a"), config)
    assert not reported(Finding("vendor/x.yaml", 1, 1, "build/failed", Severity.ERROR, "m"), config)
    assert reported(Finding("x.yaml", 1, 1, "build/failed", Severity.ERROR, "m"), config)


def test_remote_base_is_an_error_only_when_hermetic() -> None:
    remote = _f("", rule="build/remote-base")
    assert remote_severity(remote, hermetic=False).severity is Severity.WARNING
    assert remote_severity(remote, hermetic=True).severity is Severity.ERROR
