"""`.sggitops.yaml`: schema'd, with file:line:col for every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.errors import InputError
from sggitops.repoconfig import RepoConfig, load_config


def test_missing_file_is_the_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path) == RepoConfig()


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / ".sggitops.yaml").write_text(
        "hermetic: true\n"
        "sources:\n  - {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
        "clusters:\n  - {path: clusters/prod, name: prod, kubernetesVersion: '1.31'}\n"
        "variables: {CLUSTER: prod, REPLICAS: 2, ON: true}\n"
        "rules: {disable: [argocd/default-project]}\n"
        "ignore: [tests/fixtures/]\n"
    )
    config = load_config(tmp_path)
    assert config.hermetic
    assert config.sources == (("GitRepository", "flux-system", "flux-system"),)
    entry = config.cluster_for("clusters/prod/**")
    assert entry is not None and entry.name == "prod" and entry.kubernetes_version == "1.31"
    assert config.variables == {"CLUSTER": "prod", "REPLICAS": "2", "ON": "true"}
    assert "argocd/default-project" in config.disabled
    assert config.ignores("tests/fixtures/a.yaml") and not config.ignores("tests/other.yaml")


def test_schema_errors_point_at_the_line(tmp_path: Path) -> None:
    (tmp_path / ".sggitops.yaml").write_text("hermetic: true\nsourcez: []\nclusters:\n  - {name: prod}\n")
    with pytest.raises(InputError) as info:
        load_config(tmp_path)
    lines = info.value.lines()
    assert any(line.startswith(".sggitops.yaml:1:1:") or ".sggitops.yaml:2:" in line for line in lines)
    assert any(".sggitops.yaml:4:" in line and "path" in line for line in lines)
