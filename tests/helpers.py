"""Helpers shared by tests: a small valid spec to mutate, and running the CLI in-process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from sggitops.cli import main

SMALL_SPEC = """\
apiVersion: sggitops.io/v1alpha1
kind: Platform
metadata:
  name: acme
spec:
  repo:
    url: https://gitlab.build.acme.mil/platform/gitops.git
  bigbang:
    version: "3.31.0"
  choices:
    policyEngine: kyverno
    tracing: tempo
  sso:
    keycloakCluster: build
  policy:
    sets: [baseline]
    exceptions:
      - policy: disallow-privileged-containers
        namespaces: [gitlab-runner]
        reason: runners build images
        expires: "2030-01-01"
  environments:
    dev: {values: {}}
  clusters:
    - name: build
      role: build
      environment: prod
      domain: build.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
    - name: run-dev
      role: run
      environment: dev
      domain: dev.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
  projects:
    - name: mission-a
      sourceRepos: ["https://gitlab.build.acme.mil/mission-a/*"]
      namespaces: ["mission-a-*"]
      groups: ["/mission-a/developers"]
  apps:
    - name: web
      project: mission-a
      repoURL: https://gitlab.build.acme.mil/mission-a/web.git
      path: deploy/overlays/{environment}
      targetRevision: v1.4.2
      namespace: mission-a-web
      environments: [dev]
"""


def run_cli(root: Path, *args: str) -> Result:
    """Run `sggitops -C root ARGS` in-process; exceptions propagate (catch_exceptions=False)."""
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root (outside .git), as bytes, keyed by POSIX relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
