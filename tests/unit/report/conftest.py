"""Fixtures: a small validate run with one finding of each severity and the awkward cases every report
format must survive (a finding without a line, unicode, XML special characters), and a clean run."""

from __future__ import annotations

import pytest

from sggitops.findings import Finding, Severity
from sggitops.report import Report

REMOTE_BASE = Finding(
    file="overlays/run-dev/kustomization.yaml",
    line=12,
    col=3,
    rule="build/remote-base",
    severity=Severity.ERROR,
    message='remote base "https://git.example/x?a=1&b=<2>" is not hermetic',
    hint="vendor it under bases/",
    cluster="run-dev",
    resource="Kustomization//run-dev",
)
UNKNOWN_CLUSTER = Finding(
    file="platform.yaml",
    line=0,
    col=0,
    rule="spec/reference",
    severity=Severity.WARNING,
    message="app “wéb” ☃ targets cluster 'run-qa' & <nothing> else",
)
EXPIRING = Finding(
    file="platform.yaml",
    line=41,
    col=9,
    rule="policy/expired-exception",
    severity=Severity.INFO,
    message="exception for disallow-privileged-containers expires in 10 days",
    hint="renew or remove it",
    cluster="build",
)
PLAINTEXT = Finding(
    file="overlays/build/secret.yaml",
    line=1,
    col=1,
    rule="secrets/plaintext",
    severity=Severity.ERROR,
    message="Secret gitlab/root-password is not SOPS-encrypted",
    cluster="build",
    resource="Secret/gitlab/root-password",
)

RULE_DOCS = {
    "build/remote-base": "Kustomizations must not load remote bases",
    "secrets/plaintext": "No plaintext Secret objects",
    "drift/edited": "Generator-owned file edited by hand",
}


@pytest.fixture
def samples() -> dict[str, Finding]:
    return {
        "remote_base": REMOTE_BASE,
        "unknown_cluster": UNKNOWN_CLUSTER,
        "expiring": EXPIRING,
        "plaintext": PLAINTEXT,
    }


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
