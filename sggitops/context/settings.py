"""What one validate run is asked to do (`RunSettings`, frozen) and what it computes once and shares
between the families (`RunMemo`, per run).

`validate.Validator.context()` fills both; the check families, the repo model and the reconcile graph
read them as typed attributes of `RepoContext.settings` and `RepoContext.memo`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sggitops.paths import cache_root
from sggitops.render.kustomize import Renderer
from sggitops.repoconfig import RepoConfig
from sggitops.resource import ResourceId

if TYPE_CHECKING:  # these modules import the checks: typing only
    from sggitops.bigbang.packages import PackageRelease
    from sggitops.context.walk import Sources
    from sggitops.model.build import RepoModel
    from sggitops.model.identity import Identity
    from sggitops.reconcile.model import ReconcileGraph

DEFAULT_TIMEOUT = 120.0  # seconds for one external tool call (kustomize, helm)


@dataclass(frozen=True)
class RunSettings:
    """The options of one run, as the families read them."""

    bigbang_repo: str | None = None  # --bigbang-repo: where Big Bang's chart is read from
    helm: str | None = None  # --helm: the helm binary (default: helm on PATH, else helm-python-sdk)
    jobs: int | None = None  # parallel renders (None: the number of cores)
    timeout: float = DEFAULT_TIMEOUT
    cache_dir: Path | None = None  # None: the repo's default cache dir
    findings_cache: Path | None = None  # None: findings are not cached (--no-cache)
    app_sources: bool = False  # --app-sources: read the apps' own repos
    schema_dirs: tuple[str, ...] = ()
    repo_level: bool = True  # this run reports repo-level findings (shard 1, or no shard)
    partial: bool = False  # --shard or --changed-since: only some clusters were chosen
    today: dt.date | None = None  # the day policy exceptions expire against (None: the real today)
    identity: Identity | None = None  # the URLs and branches by which the controllers read this repo
    config: RepoConfig = field(default_factory=RepoConfig)  # `.sggitops.yaml`

    def cache_dir_of(self, repo: Path) -> Path:
        """The cache dir of this run for `repo`."""
        return cache_root(repo, self.cache_dir)

    def day(self) -> dt.date:
        return self.today or dt.date.today()


@dataclass
class RunMemo:
    """What a run computes once and every family shares (built on first use)."""

    renderer: Renderer | None = None  # the kustomize renderer of the run, whose cache the walks share
    plain_locations: dict[tuple[str, ResourceId], tuple[str, int, int]] = field(default_factory=dict)
    entry_files: list[str] | None = None  # the Flux entry files of the repo
    sources: Sources | None = None  # each repo file read once
    model: RepoModel | None = None  # the repo as Flux and Argo CD walk it
    reconcile_graph: ReconcileGraph | None = None
    bigbang_packages: dict[str, list[PackageRelease]] = field(default_factory=dict)  # root -> packages
    bigbang_render_count: int = 0  # Big Bang charts rendered by helm in this run
    spec_doc: Any = None  # the raw spec document (bigbang/render locates keys in it)
    spec_doc_read: bool = False
