"""Validate reads what git would commit: a git-ignored path (a local venv, build output) is not scanned."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sggitops.render.ignore import ignored


def test_git_ignored_paths_are_ignored_and_tracked_ones_are_not(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".venv-ci" / "lib").mkdir(parents=True)
    (repo / "overlays" / "dev").mkdir(parents=True)
    (repo / ".gitignore").write_text(".venv-ci/\n*.log\n")
    (repo / ".venv-ci" / "lib" / "schema.json").write_text('{"token": "abc"}\n')
    (repo / "overlays" / "dev" / "kustomization.yaml").write_text("resources: []\n")
    (repo / "overlays" / "dev" / "run.log").write_text("x\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert ignored(repo, ".venv-ci")
    assert ignored(repo, ".venv-ci/lib/schema.json")
    assert ignored(repo, "overlays/dev/run.log")
    assert not ignored(repo, "overlays/dev/kustomization.yaml")
    assert not ignored(repo, "overlays")
    assert not ignored(repo, ".venv-ci-other/lib/x.yaml")  # a folder named like it is another folder


def test_outside_git_nothing_is_ignored_but_sggitopsignore(tmp_path: Path) -> None:
    (tmp_path / ".sggitopsignore").write_text("fixtures/\n")
    assert ignored(tmp_path, "fixtures/a.yaml")
    assert not ignored(tmp_path, "overlays/dev/kustomization.yaml")
