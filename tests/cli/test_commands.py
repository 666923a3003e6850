"""The commands wired in cli.py, run for real on small git repos: diff, bump bigbang, versions,
generate --commit --push, validate's exit codes and report files."""

from __future__ import annotations

import json
from pathlib import Path

import git

from tests.helpers import SMALL_SPEC, run_cli


def _repo(tmp_path: Path, spec: str = SMALL_SPEC) -> tuple[Path, git.Repo]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "platform.yaml").write_text(spec)
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    assert run_cli(root, "generate").exit_code == 0
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add(A=True)
    repo.index.commit("fleet")
    return root, repo


def test_diff_shows_only_the_changed_cluster_as_values_by_key(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    spec = SMALL_SPEC.replace(
        "      domain: dev.acme.mil\n",
        "      domain: dev.acme.mil\n      values: {kiali: {enabled: false}}\n",
    )
    (root / "platform.yaml").write_text(spec)
    assert run_cli(root, "generate").exit_code == 0
    result = run_cli(root, "diff", "--base", "HEAD", "-o", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc["clusters"]) == ["run-dev"]
    assert doc["rendered"] == {"base": 1, "head": 1}
    md = run_cli(root, "diff", "--base", "HEAD", "-o", f"markdown={tmp_path / 'note.md'}")
    assert md.exit_code == 0
    note = (tmp_path / "note.md").read_text()
    assert note.startswith("<!-- sggitops-diff -->")
    assert "kiali.enabled" in note


def test_diff_with_an_unknown_ref_exits_4(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    result = run_cli(root, "diff", "--base", "no-such-ref")
    assert result.exit_code == 4
    assert "no-such-ref" in result.stderr


def test_versions_prints_the_matrix(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    result = run_cli(root, "versions")
    assert result.exit_code == 0
    assert "run-dev" in result.stdout and "3.31.0" in result.stdout


def test_bump_dev_wave_commits_and_pushes_one_commit(tmp_path: Path) -> None:
    remote = git.Repo.init(tmp_path / "remote.git", bare=True)
    root, repo = _repo(tmp_path, SMALL_SPEC.replace('version: "3.31.0"', 'version: "3.30.0"', 1))
    repo.create_remote("origin", str(tmp_path / "remote.git"))
    result = run_cli(
        root,
        "bump",
        "bigbang",
        "3.31.0",
        "--environment",
        "dev",
        "--bigbang-repo",
        str(tmp_path / "none"),
        "--commit",
        "--push",
    )
    assert result.exit_code == 0, result.output
    branch = "sggitops/bump-bigbang-3.31.0-dev"
    head = remote.commit(branch)
    assert head.parents[0].hexsha == repo.commit("main").hexsha
    changed = set(head.stats.files)
    assert "platform.yaml" in changed
    assert any(p.startswith("overlays/run-dev/") for p in changed)
    assert not any(p.startswith("overlays/build/") for p in changed)


def test_commit_refuses_a_dirty_tree(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    (root / "platform.yaml").write_text(SMALL_SPEC + "# edited\n")
    result = run_cli(root, "generate", "--commit")
    assert result.exit_code == 2
    assert (
        "commit" in result.output.lower()
        or "dirty" in result.output.lower()
        or "uncommitted" in result.output.lower()
    )


def test_validate_writes_several_reports_and_exits_by_severity(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    (root / "overlays/run-dev/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: bigbang}\nstringData: {password: hunter2}\n"
    )
    kustomization = root / "overlays/run-dev/kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("resources:\n", "resources:\n  - secret.yaml\n")
    )
    result = run_cli(
        root,
        "validate",
        "--bigbang-repo",
        str(tmp_path / "none"),
        "-o",
        f"json={tmp_path / 'r.json'}",
        "-o",
        f"junit={tmp_path / 'r.xml'}",
        "-o",
        "text",
    )
    assert result.exit_code == 1
    doc = json.loads((tmp_path / "r.json").read_text())
    rules = {f["rule"] for f in doc["findings"]}
    assert {"secrets/plaintext", "drift/edited"} <= rules
    assert (
        "hunter2" not in (tmp_path / "r.json").read_text() + (tmp_path / "r.xml").read_text() + result.output
    )
    assert "overlays/run-dev/secret.yaml:4:1: error [secrets/plaintext]" in result.stdout


def test_shards_together_equal_a_full_run(tmp_path: Path) -> None:
    from tests.helpers import fleet_spec

    root, _ = _repo(tmp_path, fleet_spec(8))
    for path in [
        root / "overlays/run-002/kustomization.yaml",
        root / "overlays/run-005/argocd/apps/app-0.yaml",
    ]:
        path.write_text(path.read_text().replace("apiVersion:", "apiVersion: v1\nbogus: 1\napiVersionx:", 1))

    def findings(*args: str) -> set[tuple[str, str, int]]:
        result = run_cli(root, "validate", "--bigbang-repo", str(tmp_path / "none"), "-o", "json", *args)
        assert result.exit_code in (0, 1), result.output
        return {(f["rule"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]}

    full = findings()
    parts = [findings("--shard", f"{i}/3") for i in (1, 2, 3)]
    assert set().union(*parts) == full
    assert len(full) > 3
