"""Which git URLs and branches mean "this checkout".

Owners clone with https or ssh, GitLab CI checks out with `https://gitlab-ci-token:<token>@host/...`,
and manifests spell the same repo with or without `.git`, in another case, or scp-style
(`git@host:org/repo.git`). `canonical_url` reduces every form to `host/path` (lower case, no user,
password, port or scheme, no `.git`, no trailing `/`), the way Argo CD's `git.NormalizeGitURL` compares
repos; `Identity` holds the canonical URLs of this checkout (the spec's repo, git's remotes,
`.sggitops.yaml`) and the branches that mean "this revision" (the checked-out branch, CI's branch
variables, the spec's revision, `main` and `master`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import git

_SCP = re.compile(r"^(?:[^@/]+@)?([^/:]+):(?!//)(.*)$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
CI_BRANCH_VARIABLES = (
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
)
DEFAULT_BRANCHES = frozenset({"main", "master"})


def canonical_url(url: str) -> str:
    """`host/path` of a git URL in any form ("" for an empty one)."""
    text = url.strip()
    if not text:
        return ""
    if _SCHEME.match(text):
        rest = text.split("://", 1)[1]
        host, _, path = rest.partition("/")
        host = host.rpartition("@")[2]  # drop user:password@
        host = host.split(":", 1)[0]  # drop :port
    else:
        scp = _SCP.match(text)
        if scp is None:
            host, _, path = text.partition("/")
        else:
            host, path = scp.group(1), scp.group(2)
    path = path.strip("/")
    if path.lower().endswith(".git"):
        path = path[:-4]
    return f"{host}/{path}".lower().rstrip("/")


def equivalent_urls(url: str) -> tuple[str, ...]:
    """Common spellings of one repo (https, ssh, scp-style; with and without `.git`)."""
    canon = canonical_url(url)
    if "/" not in canon:
        return ()
    host, path = canon.split("/", 1)
    forms = (
        f"https://{host}/{path}",
        f"ssh://git@{host}/{path}",
        f"git@{host}:{path}",
        f"http://{host}/{path}",
    )
    return forms


@dataclass(frozen=True)
class Identity:
    """This checkout: its canonical URLs and the branches that mean "this revision"."""

    urls: frozenset[str]
    branches: frozenset[str]

    def is_this_repo(self, url: str) -> bool:
        return bool(url) and canonical_url(url) in self.urls

    def is_this_revision(self, branch: str) -> bool:
        """A ref of a source of this repo: no branch (the default), or a branch of this revision."""
        return not branch or branch in self.branches


def checkout_identity(
    root: Path, extra_urls: Iterable[str] = (), extra_branches: Iterable[str] = ()
) -> Identity:
    """The identity of the git checkout at `root` (remotes and current branch), plus what the spec and
    `.sggitops.yaml` add. Not a git repo, or git missing: only the extras."""
    urls = {canonical_url(u) for u in extra_urls if u}
    branches = set(DEFAULT_BRANCHES) | {b for b in extra_branches if b}
    branches |= {os.environ[v] for v in CI_BRANCH_VARIABLES if os.environ.get(v)}
    try:
        repo = git.Repo(root, search_parent_directories=True)
        for remote in repo.remotes:
            urls |= {canonical_url(u) for u in remote.urls}
        if not repo.head.is_detached:
            branches.add(repo.active_branch.name)
    except Exception:  # not a git repo, no commit yet, or git missing: the extras are all we know
        pass
    urls.discard("")
    return Identity(frozenset(urls), frozenset(branches))
