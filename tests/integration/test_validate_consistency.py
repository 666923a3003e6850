"""One fleet, three ways to validate it: cold (empty cache), warm (answered by the run cache) and sharded
(`--shard 1/2` + `--shard 2/2`). The findings must be the same (a cache or a shard never hides or adds
one). Timings live in benchmarks/bench_validate.py, never here."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from sggitops.findings import Finding
from sggitops.validate import ValidateOptions, Validator
from tests.helpers import fleet_spec, run_cli

pytestmark = pytest.mark.integration


def per_cluster(findings: list[Finding]) -> set[tuple[object, ...]]:
    """Findings with merged clusters split again (a shard sees only its clusters)."""
    return {
        (f.file, f.line, f.col, f.rule, f.severity, f.message, cluster)
        for f in findings
        for cluster in (f.cluster.split(",") if f.cluster else [""])
    }


def test_cold_warm_and_sharded_runs_agree(tmp_path: Path, bigbang_mirror: Path) -> None:
    repo = tmp_path / "fleet"
    repo.mkdir()
    (repo / "platform.yaml").write_text(fleet_spec(3, version="3.30.0", apps=1))
    assert run_cli(repo, "generate").exit_code == 0
    (repo / ".gitignore").write_text(".sggitops-cache/\n")
    g = git.Repo.init(repo, initial_branch="main")
    g.git.add(A=True)
    g.index.commit("fleet")
    cache = tmp_path / "cache"
    options = ValidateOptions(cache_dir=cache, bigbang_repo=str(bigbang_mirror))
    cold = Validator(repo, options).run()
    assert cold.renders and len(cold.clusters) == 4
    warm = Validator(repo, options).run()
    assert not warm.renders  # answered by the run cache: nothing rendered
    assert warm.findings == cold.findings
    shards = [
        Validator(
            repo,
            ValidateOptions(cache_dir=tmp_path / f"shard{i}", bigbang_repo=str(bigbang_mirror), shard=(i, 2)),
        ).run()
        for i in (1, 2)
    ]
    assert sorted(shards[0].clusters + shards[1].clusters) == sorted(cold.clusters)
    assert per_cluster(shards[0].findings) | per_cluster(shards[1].findings) == per_cluster(cold.findings)
    uncached = Validator(repo, ValidateOptions(use_cache=False, bigbang_repo=str(bigbang_mirror))).run()
    assert per_cluster(uncached.findings) == per_cluster(cold.findings)


def test_a_run_from_the_per_file_caches_agrees_with_a_cold_one(tmp_path: Path) -> None:
    """With the whole-run answer gone, a run rebuilds its findings from the render cache, the findings
    caches and the parsed-YAML store (yamlstore): the same findings, planted problems included; and a
    `--changed-since` run finds the same for the cluster it renders."""
    repo = tmp_path / "fleet"
    repo.mkdir()
    (repo / "platform.yaml").write_text(fleet_spec(3, apps=1))
    assert run_cli(repo, "generate").exit_code == 0
    (repo / ".gitignore").write_text(".sggitops-cache/\n")
    (repo / "notes").mkdir()
    (repo / "notes" / "db.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n"
    )
    g = git.Repo.init(repo, initial_branch="main")
    g.git.add(A=True)
    g.index.commit("fleet")
    cache = tmp_path / "cache"
    cold = Validator(repo, ValidateOptions(cache_dir=cache)).run()
    assert (cache / "parsed.json").is_file()
    assert "secrets/plaintext" in {f.rule for f in cold.findings}
    for entry in (cache / "runs").glob("*.json"):
        entry.unlink()
    again = Validator(repo, ValidateOptions(cache_dir=cache)).run()
    assert again.renders  # not the whole-run answer: the run was made again, from the caches
    assert again.findings == cold.findings
    values = repo / "overlays" / "run-001" / "values.yaml"
    values.write_text(values.read_text().replace("domain: run-001.fleet.mil", "domain: hand.fleet.mil"))
    changed = Validator(repo, ValidateOptions(cache_dir=cache, changed_since="HEAD")).run()
    fresh = Validator(repo, ValidateOptions(use_cache=False, changed_since="HEAD")).run()
    assert changed.findings == fresh.findings
    # the run's caches went to the cache dir given, none into the repo (and none at all with --no-cache;
    # generate's lock and the Big Bang chart cache are not run caches)
    assert {p.name for p in (repo / ".sggitops-cache").iterdir()} <= {"generate.lock", "bigbang"}
    assert "drift/edited" in {f.rule for f in changed.findings}
