"""The whole-run cache: an unchanged repo is answered from the cache; any change to what a run reads is not."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from sggitops.findings import Finding, Severity
from sggitops.runcache import CachedRun, RunCache, run_key
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
