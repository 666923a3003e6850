"""`bump` end to end with real git, kustomize and the real Big Bang chart schema (from ../shared/reference)."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

from sggitops.bump.bump import apply_bump, plan_bump
from sggitops.bump.check import cluster_values, values_errors
from sggitops.bump.vcs import DirtyTree, commit_bump, ensure_clean
from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from sggitops.render import Renderer
from tests.helpers import fleet_spec, tree

CASE = Path(__file__).resolve().parents[1] / "cases" / "bump-comments"
_SPEC_AND_LOCK = ("platform.yaml", ".sggitops/lock.yaml")
_DEV_PIN = (*_SPEC_AND_LOCK, "overlays/run-000/bigbang-version.yaml", "overlays/run-000/kustomization.yaml")


def _repo(root: Path, spec: str) -> git.Repo:
    root.mkdir(parents=True, exist_ok=True)
    (root / "platform.yaml").write_text(spec)
    _platform, planned = plan_repo(root)
    write.apply(root, planned)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.mil")
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    repo.git.add("-A")
    repo.git.commit("-m", "initial fleet")
    return repo


def _bigbang_mirror(tmp_path: Path, reference: Path) -> Path:
    """A local Big Bang repo (tags 2.54.0 and 3.31.0 carry the real charts), built at test time."""
    path = tmp_path / "bigbang"
    repo = git.Repo.init(path)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.mil")
    (path / "chart").mkdir()
    for tag, chart in (("2.54.0", "chart-2.54.0"), ("3.0.0", "chart-3.31.0"), ("3.31.0", "chart-3.31.0")):
        for name in ("values.yaml", "values.schema.json"):
            shutil.copy(reference / "bigbang" / chart / name, path / "chart" / name)
        (path / "VERSION").write_text(tag)
        repo.git.add("-A")
        repo.git.commit("-m", tag)
        repo.create_tag(tag)
    return path


@pytest.mark.integration
def test_bumping_dev_changes_only_dev_overlays(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    _repo(root, fleet_spec(3, version="3.30.0"))
    before = tree(root)
    bump = plan_bump(root, "3.31.0", environments=["dev"], bigbang_repo=str(tmp_path / "none"))
    result = apply_bump(root, bump, cache_dir=tmp_path / "cache", validate=False)
    after = tree(root)
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert all(p in _SPEC_AND_LOCK or p.startswith("overlays/run-000/") for p in changed), changed
    assert set(_DEV_PIN) <= set(changed)
    assert [m.cluster for m in bump.moved] == ["run-000"]
    assert result.rendered is not None and set(result.rendered.clusters) == {"run-000"}
    assert "3.31.0" in (root / "overlays/run-000/bigbang-version.yaml").read_text()


@pytest.mark.integration
def test_254_fleet_bumped_to_331_is_valid_against_the_real_chart_schema(
    tmp_path: Path, reference: Path
) -> None:
    root = tmp_path / "fleet"
    _repo(root, (CASE / "platform.yaml").read_text())
    mirror = _bigbang_mirror(tmp_path, reference)
    bump = plan_bump(root, "3.31.0", allow_skip=True, bigbang_repo=str(mirror))
    assert bump.skipped == ("3.0.0",)  # the mirror's tags between 2.54 and 3.31
    assert [(c.field, c.before, c.after) for c in bump.choice_changes] == [("tracing", "jaeger", "tempo")]
    assert any("choices.tracing: jaeger -> tempo" in w for w in bump.warnings)
    result = apply_bump(root, bump, cache_dir=tmp_path / "cache")
    assert result.schema_errors == {} and result.ok, result.schema_errors
    # and independently: render each overlay, merge onto the real 3.31.0 chart values, validate
    import json

    from sggitops import yamlio

    chart = reference / "bigbang" / "chart-3.31.0"
    defaults = yamlio.to_plain(yamlio.load_one((chart / "values.yaml").read_text(), "values.yaml"))
    schema = json.loads((chart / "values.schema.json").read_text())
    renderer = Renderer(root, cache_dir=tmp_path / "cache" / "render")
    for cluster in ("build", "run-dev", "run-staging"):
        render = renderer.render(f"overlays/{cluster}")
        assert render.ok, render.findings
        values = cluster_values(render.objects, defaults)
        assert values is not None
        assert values_errors(values, schema) == [], cluster
        assert "istio" not in values or set(values["istio"]) <= {"ambient"}
        assert "promtail" not in values and "jaeger" not in values
        assert values["tempo"]["enabled"] is True and values["alloy"]["enabled"] is True


@pytest.mark.integration
def test_commit_and_push_one_commit_on_the_bump_branch(tmp_path: Path) -> None:
    remote = git.Repo.init(tmp_path / "remote.git", bare=True)
    root = tmp_path / "fleet"
    repo = _repo(root, fleet_spec(3, version="3.30.0"))
    repo.create_remote("origin", str(tmp_path / "remote.git"))
    repo.git.push("origin", "main")
    base = repo.head.commit.hexsha

    ensure_clean(root)
    bump = plan_bump(root, "3.31.0", environments=["dev"], bigbang_repo=str(tmp_path / "none"))
    result = apply_bump(root, bump, cache_dir=tmp_path / "cache", validate=False)
    info = commit_bump(root, bump, result, push=True)

    assert info.branch == "sggitops/bump-bigbang-3.31.0-dev" and info.pushed_to == "origin"
    pushed = remote.commit(f"refs/heads/{info.branch}")
    assert pushed.hexsha == info.sha and [p.hexsha for p in pushed.parents] == [base]
    files = sorted(pushed.stats.files)
    assert set(_DEV_PIN) <= set(files)
    assert all(p in _SPEC_AND_LOCK or p.startswith("overlays/run-000/") for p in files), files
    message = str(pushed.message)
    assert message.startswith("Bump Big Bang to 3.31.0") and "run-000 (dev): 3.30.0 -> 3.31.0" in message
    assert not repo.is_dirty(untracked_files=False)


@pytest.mark.integration
def test_dirty_tree_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    _repo(root, fleet_spec(3, version="3.30.0"))
    (root / "overlays/run-000/values.yaml").write_text("# edited\n")
    with pytest.raises(DirtyTree, match=r"uncommitted changes \(overlays/run-000/values.yaml\)"):
        ensure_clean(root)
