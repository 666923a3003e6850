"""One place for the repo's paths: the cache dir every command uses, and the cluster of a root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sggitops.checks.settings import RunSettings
from sggitops.paths import cache_root, cluster_of_root
from sggitops.render.cache import default_cache_dir


def test_cache_root_honours_the_flag_then_the_variable_then_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SGGITOPS_CACHE_DIR", raising=False)
    assert cache_root(tmp_path) == tmp_path / ".sggitops-cache"
    monkeypatch.setenv("SGGITOPS_CACHE_DIR", os.fspath(tmp_path / "ci"))
    assert cache_root(tmp_path) == tmp_path / "ci"
    assert cache_root(tmp_path, tmp_path / "flag") == tmp_path / "flag"
    # every cache of the run sits under it
    assert RunSettings().cache_dir_of(tmp_path) == tmp_path / "ci"
    assert default_cache_dir(tmp_path) == tmp_path / "ci" / "render"


@pytest.mark.parametrize(
    ("root", "cluster"),
    [
        ("overlays/run-dev", "run-dev"),
        ("overlays/run-dev/argocd/apps", "run-dev"),
        ("clusters/prod", "clusters/prod"),
        ("overlays", "overlays"),
        ("apps/overlays/x", "apps/overlays/x"),
    ],
)
def test_cluster_of_root(root: str, cluster: str) -> None:
    assert cluster_of_root(root) == cluster
