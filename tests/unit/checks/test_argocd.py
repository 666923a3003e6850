"""checks/argocd.py and checks/globs.py: Applications as Argo CD sees them, on small repos rendered for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from sggitops.checks import argocd
from sggitops.checks.argocd import revision_problem
from sggitops.checks.context import Target
from sggitops.checks.globs import destination_permitted, glob_match, normalize_git_url, source_permitted
from sggitops.findings import Finding, Severity
from tests.helpers import render_context

URL = "https://git.example/platform/gitops.git"
IN_CLUSTER = "https://kubernetes.default.svc"


def app(
    name: str,
    *,
    project: str = "mission",
    repo: str = "https://git.example/mission/web.git",
    revision: str = "v1.0.0",
    path: str = "deploy",
    namespace: str = "mission-web",
) -> str:
    """An Application; lines: project 7, repoURL 9, targetRevision 10, path 11, destination 12."""
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: {project}
  source:
    repoURL: {repo}
    targetRevision: {revision}
    path: {path}
  destination:
    server: {IN_CLUSTER}
    namespace: {namespace}
"""


PROJECTS = f"""\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: platform
  namespace: argocd
spec:
  sourceRepos: ["{URL}"]
  destinations: [{{server: "{IN_CLUSTER}", namespace: argocd}}]
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: mission
  namespace: argocd
spec:
  sourceRepos: SOURCE_REPOS
  destinations: [{{server: "*", namespace: "mission-*"}}]
"""


MISSION_REPOS = '["https://git.example/mission/*"]'


def kustomization(*resources: str) -> str:
    return "resources:\n" + "".join(f"  - {r}\n" for r in resources)


def fleet(tmp_path: Path, overrides: dict[str, str] | None = None) -> Path:
    """overlays/c1 (root Application -> overlays/c1/apps, AppProjects) and apps/ with Application `web`."""
    files = {
        "overlays/c1/kustomization.yaml": kustomization("root.yaml", "projects.yaml"),
        "overlays/c1/root.yaml": app(
            "root", project="platform", repo=URL, revision="main", path="overlays/c1/apps", namespace="argocd"
        ),
        "overlays/c1/projects.yaml": PROJECTS.replace("SOURCE_REPOS", MISSION_REPOS),
        "overlays/c1/apps/kustomization.yaml": kustomization("web.yaml"),
        "overlays/c1/apps/web.yaml": app("web"),
    }
    files.update(overrides or {})
    repo = tmp_path / "repo"
    for rel, content in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content, encoding="utf-8")
    return repo


def run(repo: Path, *, environment: str = "prod") -> list[Finding]:
    target = Target("overlays/c1", "c1", "1.34", role="run", environment=environment)
    return list(argocd.check(render_context(repo, [target], repo_url=URL)))


def where(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return [(f.rule, f.file, f.line) for f in findings]


def test_a_consistent_app_of_apps_passes(tmp_path: Path) -> None:
    # the root tracks `main` of this repo itself: exempt from the pinned-revision rule
    assert run(fleet(tmp_path)) == []


def test_missing_path_is_reported_at_the_path_field(tmp_path: Path) -> None:
    root = app(
        "root", project="platform", repo=URL, revision="main", path="overlays/c1/nope", namespace="argocd"
    )
    (finding,) = run(fleet(tmp_path, {"overlays/c1/root.yaml": root}))
    assert where([finding]) == [("argocd/path-missing", "overlays/c1/root.yaml", 11)]
    assert (finding.cluster, finding.resource) == ("c1", "Application/argocd/root")
    assert "`overlays/c1/nope` does not exist" in finding.message


@pytest.mark.parametrize("path", ["../elsewhere", "/overlays/c1/apps"])
def test_path_leaving_the_repo_or_absolute_is_missing(tmp_path: Path, path: str) -> None:
    root = app("root", project="platform", repo=URL, revision="main", path=path, namespace="argocd")
    assert where(run(fleet(tmp_path, {"overlays/c1/root.yaml": root}))) == [
        ("argocd/path-missing", "overlays/c1/root.yaml", 11)
    ]


def test_path_that_does_not_build_is_unbuildable(tmp_path: Path) -> None:
    repo = fleet(tmp_path, {"overlays/c1/apps/kustomization.yaml": kustomization("web.yaml", "gone.yaml")})
    (finding,) = run(repo)
    assert where([finding]) == [("argocd/path-unbuildable", "overlays/c1/root.yaml", 11)]
    assert "does not build" in finding.message


def test_plain_manifest_directory_is_followed(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    (repo / "overlays/c1/apps/kustomization.yaml").unlink()
    (repo / "overlays/c1/apps/web.yaml").write_text(app("web", project="missing"), encoding="utf-8")
    assert where(run(repo)) == [("argocd/project-missing", "overlays/c1/apps/web.yaml", 7)]


def test_directory_without_manifests_is_unbuildable(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    (repo / "overlays/c1/apps/kustomization.yaml").unlink()
    (repo / "overlays/c1/apps/web.yaml").rename(repo / "overlays/c1/apps/README.md")
    assert where(run(repo)) == [("argocd/path-unbuildable", "overlays/c1/root.yaml", 11)]


def test_app_of_apps_cycle_is_reported_once_at_the_closing_app(tmp_path: Path) -> None:
    back = app("back", project="platform", repo=URL, revision="main", path="overlays/c1", namespace="argocd")
    repo = fleet(
        tmp_path,
        {
            "overlays/c1/apps/kustomization.yaml": kustomization("web.yaml", "back.yaml"),
            "overlays/c1/apps/back.yaml": back,
        },
    )
    (finding,) = run(repo)
    assert where([finding]) == [("argocd/app-cycle", "overlays/c1/apps/back.yaml", 11)]
    assert "overlays/c1 -> overlays/c1/apps -> overlays/c1" in finding.message


def test_self_managed_root_is_not_a_cycle(tmp_path: Path) -> None:
    root = app("root", project="platform", repo=URL, revision="main", path="overlays/c1", namespace="argocd")
    assert run(fleet(tmp_path, {"overlays/c1/root.yaml": root})) == []


def test_project_missing(tmp_path: Path) -> None:
    (finding,) = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", project="misson")}))
    assert where([finding]) == [("argocd/project-missing", "overlays/c1/apps/web.yaml", 7)]
    assert "mission, platform" in finding.hint


def test_default_project_is_a_warning_only(tmp_path: Path) -> None:
    (finding,) = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", project="default")}))
    assert where([finding]) == [("argocd/default-project", "overlays/c1/apps/web.yaml", 7)]
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("repo_url", "source_repos"),
    [
        ("https://git.example/other/web.git", MISSION_REPOS),  # another group
        ("https://git.example/mission/sub/web.git", MISSION_REPOS),  # `*` stops at `/`
        ("https://git.example/mission/bad.git", '["!https://git.example/mission/bad", "*"]'),  # denied
    ],
)
def test_source_not_permitted(tmp_path: Path, repo_url: str, source_repos: str) -> None:
    repo = fleet(
        tmp_path,
        {
            "overlays/c1/apps/web.yaml": app("web", repo=repo_url),
            "overlays/c1/projects.yaml": PROJECTS.replace("SOURCE_REPOS", source_repos),
        },
    )
    assert where(run(repo)) == [("argocd/source-not-permitted", "overlays/c1/apps/web.yaml", 9)]


def test_source_permitted_regardless_of_case_and_dot_git(tmp_path: Path) -> None:
    repo_url = "HTTPS://GIT.EXAMPLE/Mission/Web"
    assert run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", repo=repo_url)})) == []


def test_destination_not_permitted(tmp_path: Path) -> None:
    findings = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", namespace="kube-system")}))
    assert where(findings) == [("argocd/destination-not-permitted", "overlays/c1/apps/web.yaml", 12)]


def test_duplicate_app_in_one_cluster(tmp_path: Path) -> None:
    # kustomize refuses a duplicate within one build; two roots of one cluster can still collide
    repo = fleet(
        tmp_path,
        {
            "overlays/c1/kustomization.yaml": kustomization("root.yaml", "projects.yaml", "copy.yaml"),
            "overlays/c1/copy.yaml": app("web", path="deploy/other"),
        },
    )
    (finding,) = run(repo)
    assert where([finding]) == [("argocd/duplicate-app", "overlays/c1/apps/web.yaml", 4)]
    assert "also at overlays/c1/copy.yaml:1" in finding.message


def test_source_and_sources_both_set(tmp_path: Path) -> None:
    both = app("web").replace(
        "  destination:",
        "  sources:\n    - repoURL: https://git.example/mission/web.git\n      targetRevision: v1.0.0\n  destination:",
    )
    findings = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": both}))
    assert where(findings) == [("argocd/source-and-sources", "overlays/c1/apps/web.yaml", 12)]


def test_neither_source_nor_sources(tmp_path: Path) -> None:
    lines = app("web").splitlines(keepends=True)
    neither = "".join(lines[:7] + lines[11:])  # drop `source:` and its fields
    findings = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": neither}))
    assert where(findings) == [("argocd/source-and-sources", "overlays/c1/apps/web.yaml", 6)]


def test_destination_name_and_server(tmp_path: Path) -> None:
    both = app("web").replace(
        "    namespace: mission-web", "    namespace: mission-web\n    name: in-cluster"
    )
    findings = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": both}))
    assert where(findings) == [("argocd/destination-name-and-server", "overlays/c1/apps/web.yaml", 13)]


@pytest.mark.parametrize("revision", ["main", "HEAD", "'1.2.*'", "release/1.2", "''"])
def test_unpinned_revision_on_prod(tmp_path: Path, revision: str) -> None:
    findings = run(fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", revision=revision)}))
    assert where(findings) == [("argocd/unpinned-revision", "overlays/c1/apps/web.yaml", 10)]


def test_unpinned_revision_is_fine_outside_prod(tmp_path: Path) -> None:
    repo = fleet(tmp_path, {"overlays/c1/apps/web.yaml": app("web", revision="main")})
    assert run(repo, environment="dev") == []
    assert run(repo, environment="") == []


@pytest.mark.parametrize(
    ("revision", "pinned"),
    [
        ("v1.4.2", True),
        ("1.4.2", True),
        ("stable-2024.1", True),
        ("0123456789abcdef0123456789abcdef01234567", True),
        ("main", False),
        ("master", False),
        ("develop", False),
        ("HEAD", False),
        ("", False),
        ("*", False),
        ("^1.2.0", False),
        (">=1.0.0 <2.0.0", False),
        ("1.x", False),
        ("refs/heads/feature", False),
    ],
)
def test_revision_problem(revision: str, pinned: bool) -> None:
    assert (revision_problem(revision) == "") is pinned


@pytest.mark.parametrize(
    ("pattern", "text", "separators", "matches"),
    [
        ("mission-*", "mission-web", "", True),
        ("mission-*", "mission-a/b", "", True),  # no separators: `*` crosses `/`
        ("https://h/g/*", "https://h/g/r", "/", True),
        ("https://h/g/*", "https://h/g/s/r", "/", False),
        ("https://h/g/**", "https://h/g/s/r", "/", True),
        ("https://h/g/?", "https://h/g/r", "/", True),
        ("https://h/g/?", "https://h/g//", "/", False),
        ("ns-[a-c]", "ns-b", "", True),
        ("ns-[!a-c]", "ns-b", "", False),
        ("ns-[!a-c]", "ns-d", "", True),
        ("{dev,prod}-*", "prod-web", "", True),
        ("{dev,prod}-*", "test-web", "", False),
        ("a{b,c{d,e}}f", "acef", "", True),
        ("lit\\*", "lit*", "", True),
        ("lit\\*", "litx", "", False),
        ("[unclosed", "[unclosed", "", False),  # gobwas refuses it: never matches
        ("{unclosed", "{unclosed", "", False),
    ],
)
def test_glob_match_follows_gobwas(pattern: str, text: str, separators: str, matches: bool) -> None:
    assert glob_match(pattern, text, separators) is matches


def test_normalize_git_url_like_argo_cd() -> None:
    assert normalize_git_url(" https://GitLab.Example/Org/Repo.git ") == "https://gitlab.example/org/repo"
    assert normalize_git_url("git@gitlab.example:org/repo.git") == "git@gitlab.example/org/repo"
    assert normalize_git_url("ssh://git@gitlab.example/org/repo") == "git@gitlab.example/org/repo"


def test_source_rules_allow_and_deny() -> None:
    assert source_permitted(["*"], "https://anything/at/all")
    assert not source_permitted([], "https://h/g/r")
    assert source_permitted(["!https://h/bad/*", "*"], "https://h/g/r")
    assert not source_permitted(["!https://h/bad/*", "*"], "https://h/bad/r")
    # Argo CD quirk kept on purpose: a `!` entry that does not exclude the repo counts as a match
    assert source_permitted(["!https://h/bad/*"], "https://h/g/r")


def test_destination_rules() -> None:
    dests = [{"server": "*", "namespace": "mission-*"}, {"server": "*", "namespace": "!mission-secret"}]
    assert destination_permitted(dests, server=IN_CLUSTER, name="", namespace="mission-web")
    assert not destination_permitted(dests, server=IN_CLUSTER, name="", namespace="mission-secret")
    # Argo CD quirk: the `!` entry matches every other namespace, so it also permits them
    assert destination_permitted(dests, server=IN_CLUSTER, name="", namespace="default")
    assert not destination_permitted(dests[:1], server=IN_CLUSTER, name="", namespace="default")
    by_name = [{"name": "in-cluster", "namespace": "*"}]
    assert destination_permitted(by_name, server="", name="in-cluster", namespace="x")
    assert not destination_permitted(by_name, server=IN_CLUSTER, name="", namespace="x")
