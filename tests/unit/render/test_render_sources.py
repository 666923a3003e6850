from __future__ import annotations

from pathlib import Path

from sggitops.render.graph import RepoGraph, scan_repo
from sggitops.render.sources import Source, SourceIndex
from sggitops.resource import ResourceId

from .conftest import MakeRepo

BASE = {
    "base/kustomization.yaml": (
        "namespace: bigbang\n"
        "resources:\n"
        "  - ns.yaml\n"
        "  - release.yaml\n"
        "configMapGenerator:\n"
        "  - name: common\n"
        "    files: [values.yaml]\n"
    ),
    "base/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bigbang\n",
    "base/release.yaml": (
        "# leading comment\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"
        "---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: bigbang\n"
        "  namespace: bigbang\n"
    ),
    "base/values.yaml": "a: 1\n",
    "ov/kustomization.yaml": (
        "resources: [../base, extra.yaml]\n"
        "namePrefix: dev-\n"
        "configMapGenerator:\n"
        "  - name: common\n"
        "    behavior: merge\n"
        "    literals: [b=2]\n"
        "  - name: environment\n"
        "    files: [values.yaml]\n"
    ),
    "ov/values.yaml": "c: 3\n",
    "ov/extra.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: tenant\n",
    "other/kustomization.yaml": "configMapGenerator:\n- name: environment\n  literals: [x=1]\n",
}


def test_locate_documents_and_generators(make_repo: MakeRepo) -> None:
    graph = scan_repo(make_repo(BASE))
    hr = ResourceId("helm.toolkit.fluxcd.io", "HelmRelease", "bigbang", "bigbang")
    assert graph.locate(hr) == ("base/release.yaml", 7, 1)
    assert graph.locate(ResourceId("", "ConfigMap", "bigbang", "other")) == ("base/release.yaml", 2, 1)
    assert graph.locate(ResourceId("", "Namespace", "", "bigbang")) == ("base/ns.yaml", 1, 1)
    # a generated ConfigMap with its hash suffix maps to the generator entry
    assert graph.locate(ResourceId("", "ConfigMap", "bigbang", "common-2c7b8tcg92")) == (
        "base/kustomization.yaml",
        6,
        5,
    )
    assert graph.locate(ResourceId("", "Deployment", "x", "nothing")) is None
    assert graph.locate(ResourceId("apps", "HelmRelease", "bigbang", "bigbang")) is None


def test_locate_within_a_root_prefers_its_nearest_files(make_repo: MakeRepo) -> None:
    graph = scan_repo(make_repo(BASE))
    # the overlay's own merge entry for `common` comes first in its closure, but the base's generator
    # is the one in the object's namespace
    common = ResourceId("", "ConfigMap", "bigbang", "dev-common-9f8d7k6m5t")
    assert graph.locate(common, "ov") == ("base/kustomization.yaml", 6, 5)
    assert graph.locate(ResourceId("", "ConfigMap", "elsewhere", "dev-common-9f8d7k6m5t"), "ov") == (
        "ov/kustomization.yaml",
        4,
        5,
    )
    # `environment` exists in two unrelated overlays: the root decides which one
    env = ResourceId("", "ConfigMap", "bigbang", "dev-environment-abcdefghij")
    assert graph.locate(env, "ov") == ("ov/kustomization.yaml", 7, 5)
    assert graph.locate(ResourceId("", "ConfigMap", "", "environment-abcdefghij"), "other") == (
        "other/kustomization.yaml",
        2,
        3,
    )
    # namePrefix: the longest contained source name wins
    assert graph.locate(ResourceId("", "Secret", "tenant", "dev-creds"), "ov") == ("ov/extra.yaml", 1, 1)
    # files outside the root's closure are not candidates
    assert graph.locate(ResourceId("", "Secret", "tenant", "creds"), "other") is None


def test_namespace_is_a_preference_when_present() -> None:
    def src(ns: str, file: str) -> Source:
        return Source(ResourceId("", "ConfigMap", ns, "x"), file, 1, 1)

    index = SourceIndex([src("a", "a.yaml"), src("", "none.yaml"), src("b", "b.yaml")])
    assert len(index) == 3
    assert index.locate(ResourceId("", "ConfigMap", "b", "x")) == ("b.yaml", 1, 1)
    assert index.locate(ResourceId("", "ConfigMap", "c", "x")) == ("none.yaml", 1, 1)
    assert SourceIndex([src("a", "a.yaml")]).locate(ResourceId("", "ConfigMap", "moved", "x")) == (
        "a.yaml",
        1,
        1,
    )


def test_unreadable_resource_files_are_skipped(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"ov/kustomization.yaml": "resources: [bad.yaml, gone.yaml]\n", "ov/bad.yaml": "kind: [\n"}
    )
    graph = scan_repo(repo)
    assert len(graph.sources) == 0
    assert graph.locate(ResourceId("", "ConfigMap", "", "x"), "ov") is None


def _every_id(graph: RepoGraph) -> list[ResourceId]:
    return sorted({s.id for items in graph.sources._by_kind.values() for s in items}, key=str)


def test_locating_within_a_root_reads_only_its_closure_and_finds_what_the_whole_index_finds() -> None:
    """Per root, the index holds only the sources of that root's closure (a one-cluster run does not
    read the fleet's files); every answer equals the whole index searched within the closure. Checked
    on every golden repo and the reference fleet."""
    here = Path(__file__).resolve().parents[3]
    repos = [p / "repo" for p in sorted((here / "tests" / "cases").iterdir()) if (p / "repo").is_dir()]
    checked = 0
    for repo in [*repos, here]:
        graph = scan_repo(repo)
        whole = scan_repo(repo)
        ids = _every_id(whole)
        probes = ids + [ResourceId(i.group, i.kind, "other-ns", f"x-{i.name}-abc") for i in ids]
        for root in graph.roots:
            within = whole.closure(root)
            for rid in probes:
                assert graph.locate(rid, root) == whole.sources.locate(rid, within), (repo, root, rid)
                checked += 1
        assert not graph.__dict__.get("sources"), "the whole index was never built"
    assert checked > 1000
