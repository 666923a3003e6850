"""The shard rule of `sggitops.checks.families`: repo-level findings (no `cluster`) only on shard 1."""

from __future__ import annotations

import json
from pathlib import Path

import git

from tests.helpers import fleet_spec, run_cli


def test_shards_split_cluster_findings_and_keep_repo_level_ones_on_shard_one(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "platform.yaml").write_text(fleet_spec(3))
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    assert run_cli(root, "generate").exit_code == 0
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add(A=True)
    repo.index.commit("fleet")
    # a cluster finding (a bogus key in one cluster's overlay) and a repo-level one (a plaintext secret
    # outside every cluster)
    app = root / "overlays/run-001/argocd/apps/app-0.yaml"
    app.write_text(app.read_text().replace("apiVersion:", "apiVersion: v1\nbogus: 1\napiVersionx:", 1))
    (root / "notes.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team}\nstringData: {password: hunter2x9}\n"
    )

    def findings(*args: str) -> set[tuple[str, str, int, str]]:
        result = run_cli(
            root, "validate", "--no-cache", "--bigbang-repo", str(tmp_path / "none"), "-o", "json", *args
        )
        assert result.exit_code in (0, 1), result.output
        return {
            (f["rule"], f["file"], f["line"], f["cluster"]) for f in json.loads(result.stdout)["findings"]
        }

    full = findings()
    first, second = findings("--shard", "1/2"), findings("--shard", "2/2")
    # a finding on several clusters is one finding in a full run (clusters merged): compare without them
    assert {f[:3] for f in first | second} == {f[:3] for f in full}
    assert {f for f in full if not f[3]}, (
        "the fleet must have a repo-level finding for this test to mean anything"
    )
    assert {f for f in full if f[3]}, "and a cluster finding"
    assert not {f for f in second if not f[3]}
    assert {f for f in full if not f[3]} <= first
