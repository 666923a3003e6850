"""The whole-run cache: an unchanged repo is answered from the cache; any change to what a run reads is not."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import git
import pytest

from sggitops.findings import Finding, Severity
from sggitops.model.identity import CI_BRANCH_VARIABLES
from sggitops.runcache import CachedRun, RunCache, run_key, tracked_files
from sggitops.validate import ValidateOptions, Validator

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n"
SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData: {password: hunter2}\n"
)
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db, namespace: apps}\ndata: {mode: dev}\n"


def make_repo(root: Path) -> Path:
    (root / "overlays" / "dev").mkdir(parents=True)
    (root / "overlays" / "dev" / "kustomization.yaml").write_text(KUSTOMIZATION)
    (root / "overlays" / "dev" / "cm.yaml").write_text(CONFIGMAP)
    return root


def key(root: Path, options: ValidateOptions | None = None) -> str:
    options = options or ValidateOptions()
    return run_key(root, root / ".sggitops-cache", dataclasses.asdict(options), ("kustomize 5.8",))


def test_key_is_stable_and_moves_with_any_change(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    first = key(root)
    assert key(root) == first
    (root / "overlays" / "dev" / "cm.yaml").write_text(CONFIGMAP.replace("dev", "prod"))
    second = key(root)
    assert second != first
    (root / "notes.txt").write_text("a new file anywhere\n")
    third = key(root)
    assert third != second
    os.chmod(root / "notes.txt", 0o600)
    assert key(root) != third


def test_key_ignores_the_cache_dir_and_git_objects_but_not_remotes(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    before = key(root)
    (root / ".sggitops-cache" / "render").mkdir(parents=True)
    (root / ".sggitops-cache" / "render" / "entry").write_text("x")
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "objects" / "pack").write_text("x")
    assert key(root) == before
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = https://example.com/fleet.git\n')
    assert key(root) != before


def test_key_moves_with_options_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path)
    before = key(root)
    assert key(root, ValidateOptions(shard=(1, 2))) != before
    monkeypatch.setenv("SGGITOPS_BIGBANG_REPO", str(tmp_path / "mirror"))
    assert key(root) != before


def test_cache_round_trip_and_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    runs = RunCache(tmp_path)
    finding = Finding("a.yaml", 3, 1, "secrets/plaintext", Severity.ERROR, "m", hint="h", cluster="dev")
    runs.put("k", CachedRun([finding], 2, 5, ["dev"]))
    hit = runs.get("k")
    assert hit is not None and hit.findings == [finding] and (hit.overlays, hit.objects) == (2, 5)
    (tmp_path / "runs" / "k.json").write_text("{not json")
    assert runs.get("k") is None


@pytest.mark.integration
def test_a_warm_run_is_served_whole_and_an_edit_is_seen(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    cold = Validator(root, ValidateOptions()).run()
    assert cold.findings == [] and cold.renders  # rendered for real
    warm = Validator(root, ValidateOptions()).run()
    assert warm.findings == cold.findings and not warm.renders  # nothing rendered
    assert (warm.overlays, warm.objects) == (cold.overlays, cold.objects)
    (root / "overlays" / "dev" / "cm.yaml").write_text(SECRET)
    edited = Validator(root, ValidateOptions()).run()
    assert [f.rule for f in edited.findings] == ["secrets/plaintext"]
    assert edited.renders  # the edit was rendered, not answered from the cache
    uncached = Validator(root, ValidateOptions(use_cache=False)).run()
    assert uncached.findings == edited.findings


def test_key_moves_with_the_checked_out_branch_and_ci_branch_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the repo model decides which Applications point at "this checkout" from the branch
    root = make_repo(tmp_path)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for name in CI_BRANCH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = key(root)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/feature\n")
    on_feature = key(root)
    assert on_feature != before
    for name in CI_BRANCH_VARIABLES:
        monkeypatch.setenv(name, "release")
        assert key(root) != on_feature, name
        monkeypatch.delenv(name)
    assert key(root) == on_feature


@pytest.mark.integration
def test_a_cache_dir_tracked_by_git_is_ignored_with_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    g = git.Repo.init(root, initial_branch="main")
    (root / ".sggitops-cache").mkdir()
    (root / ".sggitops-cache" / "generate.lock").write_text("")
    g.git.add(A=True, force=True)  # an empty lock file holds no data: tracking it is harmless
    assert tracked_files(root, root / ".sggitops-cache") == []
    clean = Validator(root, ValidateOptions()).run()
    assert clean.findings == []
    # a merge request commits a cache entry that answers this run with no findings at all
    (root / "overlays" / "dev" / "cm.yaml").write_text(SECRET)
    options = ValidateOptions()
    poisoned = run_key(root, root / ".sggitops-cache", dataclasses.asdict(options), ())
    RunCache(root / ".sggitops-cache").put(poisoned, CachedRun([], 1, 1, ["dev"]))
    g.git.add(A=True, force=True)
    assert tracked_files(root, root / ".sggitops-cache")
    result = Validator(root, options).run()
    assert [f.rule for f in result.findings] == ["validate/cache-tracked", "secrets/plaintext"]
    assert result.findings[0].severity is Severity.WARNING and result.renders


@pytest.mark.integration
def test_the_first_warm_run_is_a_hit_with_a_cache_dir_outside_the_repo(tmp_path: Path) -> None:
    # scan_repo keeps its source index under <repo>/.sggitops-cache whatever --cache-dir says: that
    # derived cache must not change the run key
    (tmp_path / "repo").mkdir()
    root = make_repo(tmp_path / "repo")
    options = ValidateOptions(cache_dir=tmp_path / "cache")
    cold = Validator(root, options).run()
    stages: list[str] = []
    warm = Validator(root, options, progress=lambda stage, done, total: stages.append(stage)).run()
    assert stages == ["cached"] and warm.findings == cold.findings
