"""`--changed-since`: changed files from a real git repository, and the roots that read them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import git
import pytest

from sggitops.errors import ToolError
from sggitops.render import changed_files_since, changed_roots, scan_repo

pytestmark = pytest.mark.integration

FILES = {
    "platform.yaml": "kind: Platform\n",
    "bases/bigbang/kustomization.yaml": "resources: [release.yaml]\n",
    "bases/bigbang/release.yaml": "kind: HelmRelease\n",
    "components/tls/kustomization.yaml": "kind: Component\npatches:\n- path: tls.yaml\n",
    "components/tls/tls.yaml": "kind: ConfigMap\n",
    "overlays/build/kustomization.yaml": (
        "resources: [../../bases/bigbang]\ncomponents: [../../components/tls]\n"
        "configMapGenerator:\n- name: environment\n  files: [values.yaml]\n"
    ),
    "overlays/build/values.yaml": "a: 1\n",
    "overlays/run-dev/kustomization.yaml": "resources: [../../bases/bigbang]\n",
}


def write(repo: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message)


@pytest.fixture
def gitrepo(tmp_path: Path) -> git.Repo:
    path = tmp_path / "repo"
    path.mkdir()
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test")
        cfg.set_value("user", "email", "test@example.mil")
        cfg.set_value("commit", "gpgsign", "false")
    write(path, FILES)
    commit_all(repo, "initial")
    repo.create_tag("v1")
    return repo


def test_changed_roots_follow_the_input_closure(tmp_path: Path) -> None:
    write(tmp_path, FILES)
    graph = scan_repo(tmp_path)
    roots = graph.roots
    assert roots == ["bases/bigbang", "overlays/build", "overlays/run-dev"]
    assert changed_roots(graph, roots, ["overlays/build/values.yaml"]) == {"overlays/build"}
    assert changed_roots(graph, roots, ["components/tls/tls.yaml"]) == {"overlays/build"}
    assert changed_roots(tmp_path, roots, ["bases/bigbang/release.yaml"]) == set(roots)
    assert changed_roots(graph, roots, ["platform.yaml", "README.md"]) == set()
    assert changed_roots(graph, roots, ["./overlays/run-dev/kustomization.yaml"]) == {"overlays/run-dev"}
    # a file the build names but that does not exist yet still counts once it is added
    write(tmp_path, {"overlays/run-dev/kustomization.yaml": "resources: [../../bases/bigbang, new.yaml]\n"})
    graph = scan_repo(tmp_path)
    assert changed_roots(graph, roots, ["overlays/run-dev/new.yaml"]) == {"overlays/run-dev"}


def test_changed_files_include_uncommitted_untracked_and_renamed(gitrepo: git.Repo) -> None:
    path = Path(str(gitrepo.working_tree_dir))
    assert changed_files_since(path, "v1") == set()
    write(path, {"overlays/build/values.yaml": "a: 2\n"})  # committed below
    commit_all(gitrepo, "bump")
    gitrepo.git.mv("components/tls/tls.yaml", "components/tls/cert.yaml")  # staged rename
    write(path, {"bases/bigbang/release.yaml": "kind: HelmRelease # edited\n"})  # unstaged
    write(path, {"overlays/new/kustomization.yaml": "resources: []\n"})  # untracked
    write(path, {".sggitops-cache/render/ab/ab12.yaml": "kind: X\n"})  # the render cache: not a change
    changed = changed_files_since(path, "v1")
    assert changed == {
        "overlays/build/values.yaml",
        "components/tls/tls.yaml",
        "components/tls/cert.yaml",
        "bases/bigbang/release.yaml",
        "overlays/new/kustomization.yaml",
    }
    graph = scan_repo(path)
    assert changed_roots(graph, graph.roots, changed) == set(graph.roots)


def test_changed_files_are_relative_to_a_subdirectory(gitrepo: git.Repo) -> None:
    path = Path(str(gitrepo.working_tree_dir))
    write(path, {"overlays/build/values.yaml": "a: 3\n", "platform.yaml": "kind: Platform # x\n"})
    assert changed_files_since(path / "overlays", "v1") == {"build/values.yaml"}


def test_unknown_ref_and_no_repository(gitrepo: git.Repo, tmp_path: Path) -> None:
    with pytest.raises(ToolError) as err:
        changed_files_since(Path(str(gitrepo.working_tree_dir)), "origin/nope")
    assert "`origin/nope` does not exist" in err.value.message
    assert "git fetch" in err.value.hint
    assert err.value.exit_code == 4
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(ToolError, match="not in a git repository"):
        changed_files_since(outside, "main")
