"""`diff_refs` on real git repositories of a generated fleet, rendered with the real kustomize."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import git
import pytest

from sggitops.diff import diff_refs, to_json, to_markdown, to_text
from sggitops.errors import ToolError
from tests.helpers import SMALL_SPEC, run_cli

pytestmark = pytest.mark.integration

RUN_DEV = """      domain: dev.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
"""


def commit(repo: git.Repo, message: str) -> str:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message)
    return str(repo.head.commit.hexsha)


def set_run_dev_values(root: Path, values: str) -> None:
    spec = root / "platform.yaml"
    text = spec.read_text()
    assert RUN_DEV in text
    spec.write_text(text.replace(RUN_DEV, RUN_DEV + f"      values: {values}\n"))
    assert run_cli(root, "generate").exit_code == 0


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[Path, git.Repo, str]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "platform.yaml").write_text(SMALL_SPEC)
    assert run_cli(root, "generate").exit_code == 0
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "test")
        config.set_value("user", "email", "test@example.com")
    return root, repo, commit(repo, "generate")


def test_one_cluster_values_change_shows_only_that_cluster_by_key(
    fleet: tuple[Path, git.Repo, str], tmp_path: Path
) -> None:
    root, repo, base = fleet
    set_run_dev_values(root, "{kiali: {enabled: false}, monitoring: {values: {retention: 30d}}}")
    head = commit(repo, "run-dev: no kiali")
    cache = tmp_path / "cache"
    result = diff_refs(root, base, head, cache_dir=cache, jobs=2)

    assert list(result.clusters) == ["run-dev"]
    cluster = result.clusters["run-dev"]
    assert (cluster.added, cluster.removed) == ((), ())
    assert [c.resource.rsplit("-", 1)[0] for c in cluster.changed] == ["ConfigMap/bigbang/environment"]
    change = cluster.changed[0]
    assert change.diff.splitlines() == [
        "@@ Big Bang values: data.values.yaml @@",
        "~ kiali.enabled: true -> false",
        "+ monitoring.values.retention: 30d",
    ]
    assert result.rendered == {"base": 1, "head": 1}
    assert [d.rule for d in result.dangers] == ["danger/package-disabled"]
    assert "`kiali`" in result.dangers[0].message

    doc = json.loads(to_json(result))
    assert set(doc["clusters"]) == {"run-dev"}
    assert doc["clusters"]["run-dev"]["changed"][0]["diff"] == change.diff
    note = to_markdown(result)
    assert note.startswith("<!-- sggitops-diff -->")
    assert note.index("danger/package-disabled") < note.index("| run-dev | 0 | 0 | 1 |")
    assert "~ kiali.enabled: true -> false" in to_text(result)

    # A second run reuses the exported trees and the render cache.
    again = diff_refs(root, base, head, cache_dir=cache, jobs=2)
    assert again.cached == {"base": 1, "head": 1} and again.rendered == {"base": 1, "head": 1}
    assert [p.name for p in (cache / "trees").iterdir()] == [base]  # head is the clean checkout
    assert again.clusters == result.clusters

    # An untracked file: the working tree is no longer the head commit, so head is exported.
    (root / "notes.txt").write_text("scratch\n")
    exported = diff_refs(root, base, head, cache_dir=cache, jobs=2)
    assert sorted(p.name for p in (cache / "trees").iterdir()) == sorted([base, head])
    assert exported.clusters == result.clusters


def test_working_tree_head_and_no_change(fleet: tuple[Path, git.Repo, str], tmp_path: Path) -> None:
    root, _repo, base = fleet
    same = diff_refs(root, base, None, cache_dir=tmp_path / "cache", jobs=1)
    assert same.empty and same.rendered == {"base": 0, "head": 0} and same.head is None
    set_run_dev_values(root, "{addons: {gitlab: {enabled: true}}}")  # uncommitted edit
    result = diff_refs(root, base, None, cache_dir=tmp_path / "cache", jobs=1)
    assert list(result.clusters) == ["run-dev"]
    assert result.clusters["run-dev"].changed[0].diff.endswith("~ addons.gitlab.enabled: false -> true\n")
    assert result.dangers == ()


def test_spec_change_without_regenerating_is_noted(fleet: tuple[Path, git.Repo, str], tmp_path: Path) -> None:
    root, repo, base = fleet
    spec = root / "platform.yaml"
    spec.write_text(spec.read_text().replace(RUN_DEV, RUN_DEV + "      values: {kiali: {enabled: false}}\n"))
    head = commit(repo, "spec only")
    result = diff_refs(root, base, head, cache_dir=tmp_path / "cache", jobs=1)
    assert result.empty
    assert result.rendered == {"base": 1, "head": 1}  # overlays/run-dev counts through the plan
    assert any("sggitops generate" in n and "overlays/run-dev/values.yaml" in n for n in result.notes)


def test_removed_cluster_and_app_are_flagged(fleet: tuple[Path, git.Repo, str], tmp_path: Path) -> None:
    root, repo, base = fleet
    spec = root / "platform.yaml"
    text = spec.read_text()
    start = text.index("    - name: run-dev")
    spec.write_text(text[:start] + "  projects: []\n  apps: []\n")
    generated = run_cli(root, "generate")
    assert generated.exit_code == 0, generated.output
    head = commit(repo, "drop run-dev")
    result = diff_refs(root, base, head, cache_dir=tmp_path / "cache", jobs=2)
    cluster = result.clusters["run-dev"]
    assert cluster.changed == () and cluster.added == ()
    assert "Namespace//bigbang" in cluster.removed
    assert "Application/argocd/apps" in cluster.removed
    rules = {(d.rule, d.resource) for d in result.dangers if d.cluster == "run-dev"}
    assert ("danger/namespace-removed", "Namespace//bigbang") in rules
    assert ("danger/app-pruned", "Application/argocd/apps") in rules
    assert result.rendered["head"] <= result.rendered["base"] == 4  # overlay, policies, argocd, argocd/apps


SECRET = "planted-S3cret-value"
OTHER = "another-h1dden-value"


def _secret_files(root: Path, value: str, sops_mac: str) -> None:
    overlay = root / "overlays" / "run-dev"
    b64 = base64.b64encode(value.encode()).decode()
    (overlay / "db-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: bigbang}\n"
        f"stringData:\n  password: {value}\ndata:\n  token: {b64}\n"
    )
    (overlay / "sops-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: sops, namespace: bigbang}\n"
        f"data:\n  key: ENC[AES256_GCM,data:{b64},type:str]\n"
        f"sops:\n  mac: ENC[AES256_GCM,data:{sops_mac}]\n  lastmodified: '2025-01-01T00:00:00Z'\n"
    )
    k = overlay / "kustomization.yaml"
    text = k.read_text()
    if "db-secret.yaml" not in text:
        text = text.replace("resources:\n", "resources:\n  - db-secret.yaml\n  - sops-secret.yaml\n")
        text += f"secretGenerator:\n  - name: generated\n    namespace: bigbang\n    literals:\n      - api-key={value}\n"
    else:
        text = text.replace("api-key=" + SECRET, "api-key=" + value)
    k.write_text(text)


def test_secret_values_never_appear_in_any_format(fleet: tuple[Path, git.Repo, str], tmp_path: Path) -> None:
    root, repo, base = fleet
    _secret_files(root, SECRET, "mac-one")
    with_secret = commit(repo, "plant secrets")
    _secret_files(root, OTHER, "mac-two")
    changed = commit(repo, "rotate secrets")

    added = diff_refs(root, base, with_secret, cache_dir=tmp_path / "cache", jobs=2)
    rotated = diff_refs(root, with_secret, changed, cache_dir=tmp_path / "cache", jobs=2)
    assert {r.split("-")[0] for r in added.clusters["run-dev"].added} >= {
        "Secret/bigbang/db",
        "Secret/bigbang/sops",
        "Secret/bigbang/generated",
    }
    changes = {
        c.resource.rsplit("-", 1)[0] if "generated" in c.resource else c.resource: c
        for c in rotated.clusters["run-dev"].changed
    }
    assert set(changes) == {"Secret/bigbang/db", "Secret/bigbang/sops", "Secret/bigbang/generated"}
    assert "+  password: '<redacted: changed>'" in changes["Secret/bigbang/db"].diff
    assert "sops: '<redacted: changed>'" in changes["Secret/bigbang/sops"].diff

    forbidden = [SECRET, OTHER, "mac-one", "mac-two"]
    forbidden += [base64.b64encode(v.encode()).decode() for v in (SECRET, OTHER)]
    for result in (added, rotated):
        for output in (to_json(result), to_markdown(result), to_text(result), repr(result)):
            for value in forbidden:
                assert value not in output


def test_unknown_ref_is_a_tool_error(fleet: tuple[Path, git.Repo, str], tmp_path: Path) -> None:
    root, _repo, _base = fleet
    with pytest.raises(ToolError) as info:
        diff_refs(root, "no-such-branch", None, cache_dir=tmp_path / "cache", jobs=1)
    assert "git fetch" in info.value.hint
    with pytest.raises(ToolError, match="not in a git repository"):
        diff_refs(tmp_path, "HEAD", None, cache_dir=tmp_path / "cache", jobs=1)
