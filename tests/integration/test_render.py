"""The renderer against the real kustomize (`kubectl kustomize` from the venv) on small repos."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from sggitops.errors import ToolError
from sggitops.render import Command, Kustomize, Renderer, RepoGraph, find_kustomize, scan_repo
from sggitops.render.command import Result
from sggitops.resource import ResourceId

pytestmark = pytest.mark.integration

BASE = {
    "bases/bigbang/kustomization.yaml": (
        "namespace: bigbang\n"
        "resources:\n"
        "  - namespace.yaml\n"
        "  - release.yaml\n"
        "configMapGenerator:\n"
        "  - name: common\n"
        "    files: [values.yaml]\n"
    ),
    "bases/bigbang/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bigbang\n",
    "bases/bigbang/release.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: bigbang\n"
        "spec:\n"
        "  valuesFrom:\n"
        "    - kind: ConfigMap\n"
        "      name: common\n"
    ),
    "bases/bigbang/values.yaml": "domain: example.mil\n",
}


def overlay(name: str, value: str = "1") -> dict[str, str]:
    return {
        f"overlays/{name}/kustomization.yaml": (
            "resources:\n"
            "  - ../../bases/bigbang\n"
            "configMapGenerator:\n"
            "  - name: environment\n"
            "    namespace: bigbang\n"
            "    files: [values.yaml]\n"
        ),
        f"overlays/{name}/values.yaml": f"cluster: {name}\nreplicas: {value}\n",
    }


def write(repo: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return repo


@pytest.fixture(scope="module")
def kustomize() -> Kustomize:
    try:
        return find_kustomize()
    except ToolError as err:
        pytest.skip(f"no kustomize available: {err.message}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return write(root, {**BASE, **overlay("build"), **overlay("run-dev")})


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every subprocess Command run during the test, as `str(command)`."""
    calls: list[str] = []
    real = Command.run

    def spy(self: Command) -> Result:
        calls.append(str(self))
        return real(self)

    monkeypatch.setattr(Command, "run", spy)
    yield calls


def renderer(
    repo: Path,
    kustomize: Kustomize,
    *,
    graph: RepoGraph | None = None,
    use_cache: bool = True,
    timeout: float = 120.0,
) -> Renderer:
    """A renderer with its cache beside the repo (shared by every renderer of the test, like processes)."""
    return Renderer(
        repo,
        graph=graph,
        kustomize=kustomize,
        cache_dir=repo.parent / "cache",
        use_cache=use_cache,
        timeout=timeout,
    )


def test_good_overlay_renders(repo: Path, kustomize: Kustomize) -> None:
    result = renderer(repo, kustomize).render("overlays/build")
    assert result.ok and not result.cached and result.findings == ()
    ids = [str(ResourceId.of(o)) for o in result.objects]
    assert ids[0] == "Namespace//bigbang"  # kustomize's output order is kept
    assert "HelmRelease/bigbang/bigbang" in ids
    env = next(o for o in result.objects if o["metadata"]["name"].startswith("environment-"))
    assert env["data"] == {"values.yaml": "cluster: build\nreplicas: 1\n"}
    assert result.text.startswith("apiVersion: v1\nkind: Namespace\n")
    # a rendered, hash-suffixed generator output maps back to its generator entry
    graph = scan_repo(repo)
    assert graph.locate(ResourceId.of(env), "overlays/build") == ("overlays/build/kustomization.yaml", 4, 5)


def test_broken_base_is_a_finding_at_the_right_file(repo: Path, kustomize: Kustomize) -> None:
    write(repo, {"bases/bigbang/kustomization.yaml": "resources:\n  - namespace.yaml\n  - gone.yaml\n"})
    result = renderer(repo, kustomize).render(repo / "overlays" / "build")
    assert not result.ok and result.objects == ()
    [finding] = result.findings
    assert (finding.rule, finding.file, finding.line, finding.col) == (
        "build/failed",
        "bases/bigbang/kustomization.yaml",
        3,
        5,
    )
    assert "`bases/bigbang/gone.yaml` does not exist" in finding.message


def test_load_restrictor_failure_matches_the_static_finding(repo: Path, kustomize: Kustomize) -> None:
    write(repo, {"overlays/build/kustomization.yaml": "resources:\n  - ../../bases/bigbang/release.yaml\n"})
    graph = scan_repo(repo)
    [static] = graph.findings
    result = renderer(repo, kustomize, graph=graph).render("overlays/build")
    [finding] = result.findings
    assert static.rule == "build/load-restrictor"
    assert (finding.file, finding.line, finding.col) == (static.file, static.line, static.col)
    assert "load restrictor" in finding.message


def test_remote_base_fails_offline_and_is_never_cached(repo: Path, kustomize: Kustomize) -> None:
    write(
        repo, {"overlays/build/kustomization.yaml": "resources:\n  - https://github.com/x/y//deploy?ref=v1\n"}
    )
    r = renderer(repo, kustomize)
    assert r.key("overlays/build") == ""
    result = r.render("overlays/build")
    [finding] = result.findings
    assert finding.rule == "build/failed"
    assert "cannot be fetched" in finding.message
    assert result.seconds < 10


def test_second_render_is_served_from_the_cache(repo: Path, kustomize: Kustomize, builds: list[str]) -> None:
    first = renderer(repo, kustomize).render("overlays/build")
    assert len(builds) == 1 and "kustomize" in builds[0]
    second = renderer(repo, kustomize).render("overlays/build")  # a new renderer: as another process
    assert len(builds) == 1
    assert second.cached and second.objects == first.objects and second.text == first.text
    assert second.key == first.key
    assert list((repo.parent / "cache").rglob("*.yaml")) != []


def test_cache_is_shared_across_processes(repo: Path, kustomize: Kustomize, builds: list[str]) -> None:
    cache = repo.parent / "cache"
    code = (
        "import sys; from pathlib import Path; from sggitops.render import Renderer, find_kustomize; "
        "r = Renderer(Path(sys.argv[1]), kustomize=find_kustomize(sys.argv[3]), cache_dir=Path(sys.argv[2]))"
        ".render('overlays/run-dev'); assert r.ok and not r.cached"
    )
    subprocess.run([sys.executable, "-c", code, str(repo), str(cache), kustomize.argv[0]], check=True)
    result = renderer(repo, kustomize).render("overlays/run-dev")
    assert result.cached and result.ok and builds == []


def test_changing_one_overlay_invalidates_only_that_overlay(
    repo: Path, kustomize: Kustomize, builds: list[str]
) -> None:
    roots = ["overlays/build", "overlays/run-dev"]
    renderer(repo, kustomize).render_many(roots, jobs=2)
    assert len(builds) == 2
    write(repo, {"overlays/run-dev/values.yaml": "cluster: run-dev\nreplicas: 3\n"})
    again = renderer(repo, kustomize).render_many(roots, jobs=2)
    assert len(builds) == 3 and str(repo / "overlays" / "run-dev") in builds[-1]
    assert again["overlays/build"].cached and not again["overlays/run-dev"].cached
    write(repo, {"bases/bigbang/values.yaml": "domain: other.mil\n"})  # shared by both
    third = renderer(repo, kustomize).render_many(roots, jobs=2)
    assert len(builds) == 5
    assert not any(r.cached for r in third.values())


def test_failed_builds_are_not_cached(repo: Path, kustomize: Kustomize, builds: list[str]) -> None:
    write(repo, {"overlays/build/kustomization.yaml": "x: [\n"})
    r = renderer(repo, kustomize)
    assert not r.render("overlays/build").ok
    assert not r.render("overlays/build").ok, "within one run a root is built once"
    assert len(builds) == 1
    assert not renderer(repo, kustomize).render("overlays/build").ok
    assert len(builds) == 2, "a failed build is never served from the cache to a later run"


def test_parallel_render_of_twenty_overlays_equals_serial(tmp_path: Path, kustomize: Kustomize) -> None:
    files: dict[str, str] = dict(BASE)
    names = [f"c{i:02d}" for i in range(20)]
    for i, name in enumerate(names):
        files.update(overlay(name, str(i)))
    repo = write(tmp_path / "repo", files)
    roots = [f"overlays/{n}" for n in reversed(names)]
    seen: list[tuple[int, int]] = []
    serial = renderer(repo, kustomize, use_cache=False).render_many(roots, jobs=1)
    parallel = renderer(repo, kustomize, use_cache=False).render_many(
        [*roots, roots[0]], jobs=8, progress=lambda done, total: seen.append((done, total))
    )
    assert list(parallel) == roots == list(serial)  # input order, duplicates rendered once
    assert seen == [(i, 20) for i in range(1, 21)]
    for root in roots:
        assert parallel[root].text == serial[root].text
        assert parallel[root].objects == serial[root].objects
        assert parallel[root].ok and not parallel[root].cached
    assert len({parallel[r].text for r in roots}) == 20


def test_roots_with_the_same_inputs_at_the_same_relative_paths_are_built_once(
    repo: Path, kustomize: Kustomize, builds: list[str]
) -> None:
    """Fleet overlays that name the same bases with the same files build the same output: one build,
    each root gets its own copy, and a later run finds every root in the cache."""
    same = "cluster: twin\nreplicas: 1\n"
    write(repo, {"overlays/build/values.yaml": same, "overlays/run-dev/values.yaml": same})
    roots = ["overlays/build", "overlays/run-dev"]
    first = renderer(repo, kustomize, use_cache=False).render_many(roots, jobs=2)
    assert len(builds) == 1
    a, b = (first[r] for r in roots)
    assert a.ok and b.ok and a.objects == b.objects and a.text == b.text
    assert a.objects[0] is not b.objects[0]  # never shared mutable data
    renderer(repo, kustomize).render_many(roots, jobs=2)
    assert len(builds) == 2  # with the cache on: one build, stored under both roots
    assert all(r.cached for r in renderer(repo, kustomize).render_many(roots, jobs=2).values())
    assert len(builds) == 2


def test_a_failed_build_is_not_shared_between_twin_roots(
    repo: Path, kustomize: Kustomize, builds: list[str]
) -> None:
    same = "x: [\n"
    write(repo, {"overlays/build/values.yaml": "a: 1\n", "overlays/run-dev/values.yaml": "a: 1\n"})
    write(repo, {"overlays/build/kustomization.yaml": same, "overlays/run-dev/kustomization.yaml": same})
    out = renderer(repo, kustomize, use_cache=False).render_many(
        ["overlays/build", "overlays/run-dev"], jobs=2
    )
    assert len(builds) == 2  # each root gets its own error, naming its own files
    assert [f.file for r in out.values() for f in r.findings] == [
        "overlays/build/kustomization.yaml",
        "overlays/run-dev/kustomization.yaml",
    ]


def test_a_symlink_in_the_inputs_is_never_shared(repo: Path, kustomize: Kustomize, builds: list[str]) -> None:
    """The load restrictor judges where a link leads, which differs per root: no sharing then."""
    same = "cluster: twin\n"
    write(repo, {"overlays/build/values.yaml": same, "overlays/run-dev/values.yaml": same})
    (repo / "overlays/run-dev/values.yaml").unlink()
    (repo / "overlays/run-dev/values.yaml").symlink_to("../build/values.yaml")
    r = renderer(repo, kustomize, use_cache=False)
    assert r.content_key("overlays/run-dev") == ""
    r.render_many(["overlays/build", "overlays/run-dev"], jobs=2)
    assert len(builds) == 2


def test_missing_root_directory(repo: Path, kustomize: Kustomize, builds: list[str]) -> None:
    result = renderer(repo, kustomize).render("overlays/nope")
    [finding] = result.findings
    assert finding.rule == "build/failed" and "does not exist" in finding.message
    assert builds == []


def test_timeout_is_a_finding(repo: Path, tmp_path: Path) -> None:
    slow = tmp_path / "slow-kustomize"
    slow.write_text("#!/bin/sh\nexec sleep 5\n", encoding="utf-8")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    tool = Kustomize((str(slow),), "slow v0")
    result = renderer(repo, tool, timeout=0.3).render("overlays/build")
    [finding] = result.findings
    assert (finding.rule, finding.file) == ("build/timeout", "overlays/build/kustomization.yaml")
    assert "timed out after 0.3 s" in finding.message
    assert result.seconds < 4 and not result.ok
