"""`sggitops init`: a starter platform.yaml, and a git repository when the folder is not in one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from sggitops.errors import SggitopsError, ToolError
from sggitops.generate.write import atomic_write
from sggitops.paths import CACHE_DIR_NAME
from sggitops.spec.load import SPEC_FILE

STARTER = """\
# platform.yaml: the one input of sggitops. Describe the fleet here, then run `sggitops generate`.
# Reference: schemas/platform.schema.json (editors can use it for completion).
apiVersion: sggitops.io/v1alpha1
kind: Platform
metadata:
  name: example                      # DNS-1123 label
spec:
  repo:                              # where this GitOps repo lives (the Flux / Argo CD source)
    url: https://gitlab.example.mil/platform/gitops.git
    revision: main
  bigbang:
    version: "3.31.0"                # fleet default; environments and clusters may pin another
    values: {}                       # raw Big Bang values merged into every cluster
  choices:
    policyEngine: kyverno            # kyverno | gatekeeper
    runtimeSecurity: neuvector       # neuvector | twistlock
    tracing: tempo                   # tempo | jaeger (jaeger only before Big Bang 3.0)
    certManager: false
  sso:
    keycloakCluster: build           # the build cluster that runs Keycloak
    realm: baby-yoda
  policy:
    sets: [baseline, restricted, best-practices]
    allowedRegistries: [registry1.dso.mil]
  clusters:
    - name: build
      role: build                    # GitLab, GitLab Runner, Mattermost, Keycloak + the core
      environment: prod
      domain: build.example.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
    - name: run-dev
      role: run                      # Argo CD, AuthService + the core; hosts mission apps
      environment: dev
      domain: dev.example.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
  projects: []                       # tenants: Argo CD AppProjects on run clusters
  apps: []                           # mission applications: child Applications
"""


@dataclass(frozen=True)
class StarterResult:
    spec: Path
    git_initialised: bool


class SpecExists(SggitopsError):
    """init would overwrite an existing platform.yaml."""

    exit_code = 1


def write_starter(root: Path, *, force: bool = False) -> StarterResult:
    """Write `platform.yaml` into `root` (creating it), and `git init` when it is not inside a repo."""
    spec = root / SPEC_FILE
    if spec.exists() and not force:
        raise SpecExists(f"{spec} exists already; not overwriting it (use --force to replace it)")
    root.mkdir(parents=True, exist_ok=True)
    atomic_write(spec, STARTER.encode("utf-8"))
    _ignore_cache(root)
    return StarterResult(spec=spec, git_initialised=_git_init(root))


def _ignore_cache(root: Path) -> None:
    """Keep the render cache out of git (it is rebuilt, and CI caches it between pipelines)."""
    path = root / ".gitignore"
    current = path.read_text("utf-8") if path.is_file() else ""
    if f"{CACHE_DIR_NAME}/" in current.splitlines():
        return
    prefix = current if not current or current.endswith("\n") else current + "\n"
    atomic_write(path, (prefix + f"{CACHE_DIR_NAME}/\n").encode("utf-8"))


def _git_init(root: Path) -> bool:
    try:
        git.Repo(root, search_parent_directories=True)
        return False
    except git.InvalidGitRepositoryError:
        pass
    except git.NoSuchPathError:
        pass
    try:
        git.Repo.init(root, initial_branch="main")
    except git.GitCommandError as err:
        raise ToolError(f"git init failed: {err.stderr.strip()}", hint="is git installed?") from None
    return True
