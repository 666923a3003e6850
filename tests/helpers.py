"""Helpers shared by tests: a small valid spec to mutate, and running the CLI in-process."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from click.testing import CliRunner, Result

from sggitops.cli import main
from sggitops.context.repo import RepoContext, Target, normalize_repo_url
from sggitops.context.settings import RunMemo
from sggitops.render import Renderer, scan_repo

SMALL_SPEC = """\
apiVersion: sggitops.io/v1alpha1
kind: Platform
metadata:
  name: acme
spec:
  repo:
    url: https://gitlab.build.acme.mil/platform/gitops.git
  bigbang:
    version: "3.31.0"
  choices:
    policyEngine: kyverno
    tracing: tempo
  sso:
    keycloakCluster: build
  policy:
    sets: [baseline]
    exceptions:
      - policy: disallow-privileged-containers
        namespaces: [gitlab-runner]
        reason: runners build images
        expires: "2030-01-01"
  environments:
    dev: {values: {}}
  clusters:
    - name: build
      role: build
      environment: prod
      domain: build.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
    - name: run-dev
      role: run
      environment: dev
      domain: dev.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
  projects:
    - name: mission-a
      sourceRepos: ["https://gitlab.build.acme.mil/mission-a/*"]
      namespaces: ["mission-a-*"]
      groups: ["/mission-a/developers"]
  apps:
    - name: web
      project: mission-a
      repoURL: https://gitlab.build.acme.mil/mission-a/web.git
      path: deploy/overlays/{environment}
      targetRevision: v1.4.2
      namespace: mission-a-web
      environments: [dev]
"""


def run_cli(root: Path, *args: str) -> Result:
    """Run `sggitops -C root ARGS` in-process; exceptions propagate (catch_exceptions=False)."""
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root (outside .git), as bytes, keyed by POSIX relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def fleet_spec(run_clusters: int, *, version: str = "3.31.0", engine: str = "kyverno", apps: int = 2) -> str:
    """A spec with one build cluster and `run_clusters` run clusters spread over dev/staging/prod."""
    envs = ["dev", "staging", "prod"]
    lines = [
        "apiVersion: sggitops.io/v1alpha1",
        "kind: Platform",
        "metadata: {name: fleet}",
        "spec:",
        "  repo: {url: https://gitlab.build.fleet.mil/platform/gitops.git, revision: main}",
        f'  bigbang: {{version: "{version}"}}',
        f"  choices: {{policyEngine: {engine}}}",
        "  sso: {keycloakCluster: build}",
        "  policy: {sets: [baseline, restricted, best-practices, registries], allowedRegistries: [registry1.dso.mil]}",
        "  clusters:",
        "    - {name: build, role: build, environment: prod, domain: build.fleet.mil, kubernetesVersion: '1.34',"
        " cloud: {provider: aws, region: us-gov-west-1}}",
    ]
    for i in range(run_clusters):
        env = envs[i % 3]
        lines.append(
            f"    - {{name: run-{i:03d}, role: run, environment: {env}, domain: run-{i:03d}.fleet.mil,"
            " kubernetesVersion: '1.34', cloud: {provider: aws, region: us-gov-west-1}}"
        )
    lines += [
        "  projects:",
        "    - {name: team, sourceRepos: ['https://gitlab.build.fleet.mil/team/*'], namespaces: ['team-*'],"
        " groups: [/team/devs]}",
        "  apps:",
    ]
    for j in range(apps):
        lines.append(
            f"    - {{name: app-{j}, project: team, repoURL: https://gitlab.build.fleet.mil/team/app-{j}.git,"
            f" path: 'deploy/{{environment}}', targetRevision: v1.0.{j}, namespace: team-app-{j},"
            f" environments: [{', '.join(envs[: max(1, min(3, run_clusters))])}]}}"
        )
    if apps == 0:
        lines[-1] = "  apps: []"
    return "\n".join(lines) + "\n"


def render_context(repo: Path, targets: Iterable[Target], *, repo_url: str = "") -> RepoContext:
    """A RepoContext as `validate` builds it: the repo graph, each target rendered with the real kustomize
    (cache beside the repo), the renderer shared with the families, and this repo's URL."""
    graph = scan_repo(repo)
    renderer = Renderer(repo, graph=graph, cache_dir=repo.parent / "cache")
    chosen = {t.root: t for t in targets}
    return RepoContext(
        repo=repo.resolve(),
        graph=graph,
        targets=chosen,
        renders=renderer.render_many(list(chosen), jobs=1),
        repo_urls=(normalize_repo_url(repo_url),) if repo_url else (),
        memo=RunMemo(renderer=renderer),
    )
