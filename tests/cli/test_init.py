from __future__ import annotations

from pathlib import Path

import git

from tests.helpers import run_cli


def test_init_writes_a_valid_starter_that_generates_and_validates(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    result = run_cli(repo, "init")
    assert result.exit_code == 0, result.output
    assert git.Repo(repo).git_dir
    assert ".sggitops-cache/" in (repo / ".gitignore").read_text().splitlines()
    assert run_cli(repo, "generate").exit_code == 0
    assert (repo / "overlays/run-dev/argocd/apps/kustomization.yaml").is_file()
    validated = run_cli(repo, "validate", "--bigbang-repo", str(tmp_path / "no-mirror"))
    assert validated.exit_code == 0, validated.output


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text("mine\n")
    result = run_cli(tmp_path, "init")
    assert result.exit_code == 1
    assert (tmp_path / "platform.yaml").read_text() == "mine\n"
    assert run_cli(tmp_path, "init", "--force").exit_code == 0
    assert "kind: Platform" in (tmp_path / "platform.yaml").read_text()
