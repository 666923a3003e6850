"""`validate` on repos built by an attacker: each shape listed by a kustomization, lying unlisted, and
standing in for a kustomization file; alias bombs and deep nesting; then every attack in one repo run
as a real subprocess, bounded in time and memory, with every report format."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli
from tests.hostile.shapes import OUTSIDE_SECRET, SHAPES, billion_laughs, deep_block, deep_flow, plant

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  color: blue\n"
EXIT_CODES = {0, 1, 2, 3, 4}
CLI = (sys.executable, "-m", "sggitops")


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    _write(
        repo,
        {
            "overlays/ok/kustomization.yaml": "resources:\n  - cm.yaml\n",
            "overlays/ok/cm.yaml": CONFIGMAP,
            "overlays/listed/kustomization.yaml": "resources:\n  - cm.yaml\n  - thing.yaml\n",
            "overlays/listed/cm.yaml": CONFIGMAP,
        },
    )
    return repo


def _validate(repo: Path, tmp_path: Path) -> tuple[int, str, list[dict[str, Any]]]:
    report = tmp_path / "report.json"
    junit = tmp_path / "junit.xml"
    start = time.monotonic()
    result = run_cli(repo, "validate", "-o", "text", "-o", f"json={report}", "-o", f"junit={junit}")
    assert time.monotonic() - start < 60
    assert result.exit_code in EXIT_CODES
    assert "Traceback" not in result.output
    text = result.output + report.read_text("utf-8") + junit.read_text("utf-8")
    assert "hunter2" not in text, "a file outside the repo was read into a report"
    return result.exit_code, text, json.loads(report.read_text("utf-8"))["findings"]


def _outside_untouched(tmp_path: Path, before: set[str]) -> None:
    after = {p.name for p in tmp_path.iterdir()} - {"report.json", "junit.xml"}
    assert after == before, "validate wrote beside the repo"
    assert (tmp_path / "outside" / "secret.yaml").read_text("utf-8") == OUTSIDE_SECRET


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_validate_refuses_shape_listed_unlisted_and_as_kustomization(tmp_path: Path, shape: str) -> None:
    repo = _repo(tmp_path)
    rule = plant(repo, "overlays/listed/thing.yaml", shape)
    plant(repo, "unlisted/thing.yaml", shape)
    plant(repo, "overlays/kfile/kustomization.yaml", shape)
    before = {p.name for p in tmp_path.iterdir()}
    code, _text, findings = _validate(repo, tmp_path)
    assert code == 1
    by_file = {(f["file"], f["rule"]) for f in findings}
    assert ("overlays/listed/kustomization.yaml", rule) in by_file  # at the entry that lists it
    assert ("unlisted/thing.yaml", rule) in by_file
    assert any(f["file"] == "overlays/kfile/kustomization.yaml" and f["rule"] == rule for f in findings)
    listed = [f for f in findings if f["file"] == "overlays/listed/kustomization.yaml"]
    assert any("overlays/listed/thing.yaml" in f["message"] for f in listed)
    ours = [f for f in findings if f["rule"] in set(SHAPES.values())]
    assert len(ours) == len({(f["file"], f["line"]) for f in ours}), "one finding per refused path"
    assert not [f for f in findings if f["file"].startswith("overlays/ok")]  # the run went on
    _outside_untouched(tmp_path, before)


BOMBS = {
    "billion-laughs": (billion_laughs(), "build/yaml-bomb"),
    "deep-flow": (deep_flow(5000), "build/yaml-bomb"),
    "deep-block": (deep_block(600), "build/yaml-bomb"),
    "laughs-small-ok": (billion_laughs(3), ""),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_validate_refuses_yaml_bombs_before_kustomize(tmp_path: Path, bomb: str) -> None:
    text, rule = BOMBS[bomb]
    repo = _repo(tmp_path)
    _write(repo, {"overlays/listed/thing.yaml": text, "unlisted/bomb.yaml": text})
    code, _text, findings = _validate(repo, tmp_path)
    refused = [f for f in findings if f["rule"] == "build/yaml-bomb"]
    if rule:
        assert code == 1
        assert [(f["file"], f["line"]) for f in refused] == [("overlays/listed/kustomization.yaml", 3)]
        assert "overlays/listed/thing.yaml" in refused[0]["message"]
    else:
        assert refused == []


def _all_attacks(tmp_path: Path) -> Path:
    repo = _repo(tmp_path)
    for i, shape in enumerate(sorted(SHAPES)):
        plant(repo, f"attacks/{shape}.yaml", shape)
        _write(repo, {f"overlays/a{i}/kustomization.yaml": f"resources:\n  - ../../attacks/{shape}.yaml\n"})
    _write(
        repo,
        {
            "overlays/zero/kustomization.yaml": "resources:\n  - /dev/zero\n",
            "overlays/bomb/kustomization.yaml": "resources:\n  - bomb.yaml\n",
            "overlays/bomb/bomb.yaml": billion_laughs(),
            "unlisted/bomb.yaml": billion_laughs(),
        },
    )
    return repo


@pytest.mark.slow
def test_every_attack_at_once_in_a_subprocess_is_bounded(tmp_path: Path) -> None:
    repo = _all_attacks(tmp_path)
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    done = subprocess.run(
        [*CLI, "-C", str(repo), "validate", "-o", "text", "-o", f"json={report}", "-o", f"junit={junit}"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    seconds = time.monotonic() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert seconds < 60
    assert peak < 1 << 30, f"peak {peak >> 20} MiB"
    findings = json.loads(report.read_text("utf-8"))["findings"]
    files = {f["file"] for f in findings}
    assert {"overlays/zero/kustomization.yaml", "overlays/bomb/kustomization.yaml"} <= files
    for i in range(len(SHAPES)):
        assert f"overlays/a{i}/kustomization.yaml" in files
    assert "hunter2" not in done.stdout + report.read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "shape"),
    [("kustomization.yml", "fifo"), ("Kustomization", "fifo"), ("Kustomization", "devzero")],
)
def test_a_shape_beside_the_kustomization_file_is_refused(tmp_path: Path, name: str, shape: str) -> None:
    """kustomize opens every kustomization file name it finds in a directory: a FIFO there blocks it."""
    repo = _repo(tmp_path)
    rule = plant(repo, f"overlays/ok/{name}", shape)
    code, _text, findings = _validate(repo, tmp_path)
    assert code == 1
    assert [(f["file"], f["rule"]) for f in findings if f["rule"] == rule] == [(f"overlays/ok/{name}", rule)]


GENERATED = "overlays/run-dev/values.yaml"  # a generated file the lock lists with its digest


def _generated_repo(tmp_path: Path) -> Path:
    """The reference fleet generated into tmp_path/repo, with GENERATED removed (a shape goes there)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "platform.yaml").write_text(
        (Path(__file__).resolve().parents[2] / "platform.yaml").read_text("utf-8"), encoding="utf-8"
    )
    assert run_cli(repo, "generate").exit_code == 0
    (repo / GENERATED).unlink()
    return repo


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_reader_of_a_generated_repo_refuses_shape(tmp_path: Path, shape: str) -> None:
    """The shapes where the other readers look: a generated file the lock lists (drift and the secrets
    scan digest it), a team's repo rule under policies/repo/, a file an ApplicationSet's files generator
    reads. The run ends in bounded time, reads nothing outside the repo and reports the path."""
    repo = _generated_repo(tmp_path)
    rule = plant(repo, GENERATED, shape)
    plant(repo, "policies/repo/team.rego", shape)
    plant(repo, "appset/config.json", shape)
    _write(
        repo,
        {
            "appset/appset.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: a, namespace: argocd}\n"
                "spec:\n  generators:\n    - git:\n        repoURL: https://gitlab.build.acme.mil/platform/gitops.git\n"
                "        revision: main\n        files: [{path: appset/*.json}]\n"
                "  template:\n    metadata: {name: '{{name}}'}\n"
                "    spec: {project: default, source: {repoURL: x, path: y}, destination: {server: z}}\n"
            )
        },
    )
    before = {p.name for p in tmp_path.iterdir()}
    code, _text, findings = _validate(repo, tmp_path)
    assert code == 1
    refused = {(f["file"], f["rule"]) for f in findings}
    assert (GENERATED, rule) in refused or any(
        f["rule"] == rule and GENERATED in f["message"] for f in findings
    ), sorted(refused)
    assert ("policies/repo/team.rego", rule) in refused
    _outside_untouched(tmp_path, before)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_generate_check_over_a_planted_generated_file_is_bounded(tmp_path: Path, shape: str) -> None:
    """`generate --check` (a merge-request job) over a generated file replaced by each shape: it ends,
    says the file differs from the plan, and reads nothing through it (it runs as a subprocess, so a
    read that blocks fails the test instead of hanging it)."""
    repo = _generated_repo(tmp_path)
    plant(repo, GENERATED, shape)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [*CLI, "-C", str(repo), "generate", "--check"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert "hunter2" not in done.stdout + done.stderr
