"""validate --app-sources: each child Application's own repo is fetched at its targetRevision (a local
file:// mirror here) and rendered, so the cluster's policies are evaluated against the mission app."""

from __future__ import annotations

import json
from pathlib import Path

import git

from tests.helpers import SMALL_SPEC, run_cli

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/name: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry1.dso.mil/mission-a/web:1.4.2
          securityContext: {privileged: true}
"""


def _app_repo(path: Path) -> str:
    overlay = path / "deploy" / "overlays" / "dev"
    overlay.mkdir(parents=True)
    (overlay / "deployment.yaml").write_text(DEPLOYMENT)
    (overlay / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    repo = git.Repo.init(path, initial_branch="main")
    repo.git.add(A=True)
    repo.index.commit("web")
    repo.create_tag("v1.4.2")
    return path.as_uri()


def test_app_sources_are_fetched_rendered_and_checked_against_policies(tmp_path: Path) -> None:
    url = _app_repo(tmp_path / "web")
    spec = SMALL_SPEC.replace("https://gitlab.build.acme.mil/mission-a/web.git", url).replace(
        '"https://gitlab.build.acme.mil/mission-a/*"', f'"{url}"'
    )
    root = tmp_path / "gitops"
    root.mkdir()
    (root / "platform.yaml").write_text(spec)
    assert run_cli(root, "generate").exit_code == 0
    base = ["validate", "--bigbang-repo", str(tmp_path / "none"), "-o", "json"]
    without = run_cli(root, *base)
    assert without.exit_code == 0, without.output
    result = run_cli(root, *base, "--app-sources")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    violations = [f for f in findings if f["rule"] == "policy/violation"]
    assert violations, findings
    assert {f["cluster"] for f in violations} == {"run-dev"}
    assert any("disallow-privileged-containers" in f["message"] for f in violations)
    assert all(f["file"].startswith(url) for f in violations)


def test_unreachable_app_source_is_a_warning_not_a_pass(tmp_path: Path) -> None:
    root = tmp_path / "gitops"
    root.mkdir()
    (root / "platform.yaml").write_text(SMALL_SPEC)
    assert run_cli(root, "generate").exit_code == 0
    result = run_cli(
        root, "validate", "--bigbang-repo", str(tmp_path / "none"), "-o", "json", "--app-sources"
    )
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings if f["rule"] == "policy/app-source"] == ["policy/app-source"]
