"""generate / generate --check on real temp repos: determinism, drift, ownership, removal."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import SMALL_SPEC, fleet_spec, run_cli, tree


def _repo(tmp_path: Path, spec: str = SMALL_SPEC) -> Path:
    (tmp_path / "platform.yaml").write_text(spec)
    return tmp_path


def test_generate_twice_is_byte_identical(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    first = run_cli(repo, "generate")
    assert first.exit_code == 0, first.output
    snapshot = tree(repo)
    second = run_cli(repo, "generate")
    assert second.exit_code == 0
    assert tree(repo) == snapshot
    assert "0 created, 0 updated, 0 removed" in second.output


def test_same_spec_gives_same_bytes_in_another_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for repo in (a, b):
        _repo(repo, fleet_spec(5))
        assert run_cli(repo, "generate").exit_code == 0
    assert tree(a) == tree(b)


def test_layout_of_generated_repo(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert run_cli(repo, "generate").exit_code == 0
    files = set(tree(repo))
    for expected in [
        ".sggitops/lock.yaml",
        ".gitlab-ci.yml",
        "bases/bigbang/kustomization.yaml",
        "bases/bigbang/helmrelease.yaml",
        "bases/bigbang/gitrepository.yaml",
        "overlays/build/kustomization.yaml",
        "overlays/build/bootstrap.yaml",
        "overlays/run-dev/kustomization.yaml",
        "overlays/run-dev/argocd/kustomization.yaml",
        "overlays/run-dev/argocd/apps/web.yaml",
    ]:
        assert expected in files, expected
    assert not any(p.startswith("overlays/build/argocd") for p in files), "build clusters have no app-of-apps"


def test_check_is_0_after_generate_and_1_after_hand_edit(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert run_cli(repo, "generate").exit_code == 0
    clean = run_cli(repo, "generate", "--check")
    assert clean.exit_code == 0, clean.output
    target = repo / "overlays/run-dev/values.yaml"
    target.write_text(target.read_text() + "extra: true\n")
    before = tree(repo)
    drift = run_cli(repo, "generate", "--check")
    assert drift.exit_code == 1
    assert "--- a/overlays/run-dev/values.yaml" in drift.output
    assert "-extra: true" in drift.output
    assert tree(repo) == before, "--check writes nothing"


def test_hand_edit_is_left_alone_unless_forced(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert run_cli(repo, "generate").exit_code == 0
    target = repo / "overlays/run-dev/values.yaml"
    edited = target.read_text() + "mine: true\n"
    target.write_text(edited)
    result = run_cli(repo, "generate")
    assert result.exit_code == 1
    assert "overlays/run-dev/values.yaml:1:1: error [drift/edited]" in result.stderr
    assert target.read_text() == edited
    again = run_cli(repo, "generate")
    assert again.exit_code == 1, "the edit is still reported on the next run"
    forced = run_cli(repo, "generate", "--force")
    assert forced.exit_code == 0
    assert "mine: true" not in target.read_text()
    assert run_cli(repo, "generate", "--check").exit_code == 0


def test_unowned_files_are_never_touched(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "overlays/run-dev").mkdir(parents=True)
    mine = repo / "overlays/run-dev/notes.md"
    mine.write_text("my notes\n")
    (repo / "README.md").write_text("mine\n")
    assert run_cli(repo, "generate").exit_code == 0
    assert mine.read_text() == "my notes\n"
    assert (repo / "README.md").read_text() == "mine\n"


def test_user_file_in_the_way_is_a_conflict(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "overlays/run-dev").mkdir(parents=True)
    theirs = repo / "overlays/run-dev/values.yaml"
    theirs.write_text("written: by hand\n")
    result = run_cli(repo, "generate")
    assert result.exit_code == 1
    assert theirs.read_text() == "written: by hand\n"


def test_removed_cluster_loses_its_owned_files_only(tmp_path: Path) -> None:
    repo = _repo(tmp_path, fleet_spec(4))
    assert run_cli(repo, "generate").exit_code == 0
    assert (repo / "overlays/run-003/kustomization.yaml").is_file()
    (repo / "overlays/run-003/keep.txt").write_text("user file\n")
    _repo(repo, fleet_spec(3))
    result = run_cli(repo, "generate")
    assert result.exit_code == 0, result.output
    assert not (repo / "overlays/run-003/kustomization.yaml").exists()
    assert not (repo / "overlays/run-003/argocd").exists()
    assert (repo / "overlays/run-003/keep.txt").read_text() == "user file\n"
    assert run_cli(repo, "generate", "--check").exit_code == 0


def test_version_pin_patch_only_where_the_version_differs(tmp_path: Path) -> None:
    spec = SMALL_SPEC.replace("    dev: {values: {}}\n", '    dev: {bigbang: {version: "3.30.0"}}\n')
    repo = _repo(tmp_path, spec)
    assert run_cli(repo, "generate").exit_code == 0, "generate"
    pin = repo / "overlays/run-dev/bigbang-version.yaml"
    assert pin.is_file()
    assert "tag: 3.30.0" in pin.read_text()
    assert not (repo / "overlays/build/bigbang-version.yaml").exists()


def test_comment_edit_in_spec_is_not_drift(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert run_cli(repo, "generate").exit_code == 0
    (repo / "platform.yaml").write_text("# a new comment\n" + SMALL_SPEC)
    assert run_cli(repo, "generate", "--check").exit_code == 0
