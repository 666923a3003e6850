"""checks/objects.py: objects/duplicate-id."""

from __future__ import annotations

from typing import Any

from sggitops.checks.objects import check_duplicates
from sggitops.findings import Severity


def cm(name: str, namespace: str = "x", api_version: str = "v1") -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
    }


def test_unique_ids_pass() -> None:
    assert list(check_duplicates([cm("a"), cm("b"), cm("a", "y")])) == []


def test_duplicate_is_reported_once_per_id() -> None:
    findings = list(
        check_duplicates(
            [cm("a"), cm("a"), cm("a"), cm("b")], cluster="run-dev", locate=lambda rid: ("f.yaml", 2, 1)
        )
    )
    assert len(findings) == 1
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.file, finding.line) == (
        "objects/duplicate-id",
        Severity.ERROR,
        "f.yaml",
        2,
    )
    assert finding.resource == "ConfigMap/x/a"
    assert finding.cluster == "run-dev"
    assert "more than once" in finding.message


def test_same_kind_in_different_groups_is_not_a_duplicate() -> None:
    a = {"apiVersion": "example.com/v1", "kind": "Config", "metadata": {"name": "a"}}
    b = {"apiVersion": "other.io/v1", "kind": "Config", "metadata": {"name": "a"}}
    assert list(check_duplicates([a, b])) == []


def test_group_is_named_in_the_message() -> None:
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "n"}}
    (finding,) = check_duplicates([dep, dep])
    assert "(group apps)" in finding.message
