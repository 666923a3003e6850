"""A 200-cluster repo: a change to one cluster renders only that cluster's affected leaf overlay(s)."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from sggitops.diff import diff_refs, to_json
from tests.helpers import fleet_spec, run_cli

pytestmark = pytest.mark.integration

CLUSTER = "    - {name: run-123, role: run, environment: dev, domain: run-123.fleet.mil,"


def test_one_cluster_change_renders_at_most_two_overlays_per_side(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    spec = root / "platform.yaml"
    spec.write_text(fleet_spec(199))
    assert run_cli(root, "generate").exit_code == 0
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "test")
        config.set_value("user", "email", "test@example.com")
    repo.git.add("-A")
    repo.git.commit("-q", "-m", "fleet")
    base = repo.head.commit.hexsha

    text = spec.read_text()
    assert CLUSTER in text
    spec.write_text(text.replace(CLUSTER, CLUSTER + " values: {grafana: {values: {replicas: 2}}},"))
    assert run_cli(root, "generate").exit_code == 0
    repo.git.add("-A")
    repo.git.commit("-q", "-m", "run-123: two grafana replicas")

    doc = json.loads(to_json(diff_refs(root, base, "HEAD", cache_dir=tmp_path / "cache", jobs=4)))
    # `rendered` counts leaf overlay renders per side: the changed cluster's overlays/run-123 only.
    assert doc["rendered"]["base"] <= 2 and doc["rendered"]["head"] <= 2
    assert doc["rendered"] == {"base": 1, "head": 1}
    assert list(doc["clusters"]) == ["run-123"]
    (change,) = doc["clusters"]["run-123"]["changed"]
    assert change["diff"].endswith("+ grafana.values.replicas: 2\n")
