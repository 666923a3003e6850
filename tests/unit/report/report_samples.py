"""Findings of each severity with the awkward cases every report format must survive (line 0, unicode, XML specials)."""

from __future__ import annotations

from sggitops.findings import Finding, Severity

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
