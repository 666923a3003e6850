"""Fixtures: a small validate run built from report_samples, and a clean one."""

from __future__ import annotations

import pytest
from report_samples import EXPIRING, PLAINTEXT, REMOTE_BASE, RULE_DOCS, UNKNOWN_CLUSTER

from sggitops.findings import Finding
from sggitops.report import Report


@pytest.fixture
def findings() -> list[Finding]:
    # Deliberately unsorted: every format must order them itself.
    return [REMOTE_BASE, EXPIRING, UNKNOWN_CLUSTER, PLAINTEXT]


@pytest.fixture
def report(findings: list[Finding]) -> Report:
    return Report(
        findings=findings,
        tool_version="0.1.0",
        overlays=3,
        objects=120,
        seconds=1.23456,
        checked=["run-prod", "build", "run-dev"],
        rule_docs=RULE_DOCS,
    )


@pytest.fixture
def clean_report() -> Report:
    return Report(
        findings=[], tool_version="0.1.0", overlays=2, objects=40, seconds=0.5, checked=["build", "run-dev"]
    )
