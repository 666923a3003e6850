"""The platform spec as frozen dataclasses, after schema validation and precedence resolution.

`Platform` is what `load_spec` returns; `ResolvedCluster` is one cluster with every precedence layer
applied (see sggitops.spec.resolve). Raw Big Bang values stay plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sggitops.errors import Location

Values = dict[str, Any]


@dataclass(frozen=True)
class Repo:
    url: str
    revision: str = "main"
    secret_ref: str | None = "private-git"  # Flux credentials for the repo; None for a public repo


@dataclass(frozen=True)
class BigBang:
    version: str
    repo: str = "https://repo1.dso.mil/big-bang/bigbang.git"
    values: Values = field(default_factory=dict)
    secret_ref: str | None = None  # Flux credentials for a private Big Bang mirror


@dataclass(frozen=True)
class Sops:
    """SOPS decryption of the Flux Kustomizations (Big Bang's template: Secret `sops-gpg`)."""

    secret_ref: str | None = "sops-gpg"  # None: no decryption


@dataclass(frozen=True)
class Choices:
    policy_engine: str = "kyverno"  # kyverno | gatekeeper
    runtime_security: str = "neuvector"  # neuvector | twistlock
    tracing: str = "tempo"  # tempo | jaeger
    cert_manager: bool = False


@dataclass(frozen=True)
class Sso:
    keycloak_cluster: str
    realm: str = "baby-yoda"


@dataclass(frozen=True)
class PolicyException:
    policy: str
    namespaces: tuple[str, ...]
    reason: str
    expires: str  # ISO date YYYY-MM-DD
    location: Location | None = None


@dataclass(frozen=True)
class Policy:
    sets: tuple[str, ...] = ("baseline", "restricted", "best-practices")
    allowed_registries: tuple[str, ...] = ("registry1.dso.mil",)
    exceptions: tuple[PolicyException, ...] = ()
    kyverno_api: str = "auto"  # auto | ValidatingPolicy | ClusterPolicy


@dataclass(frozen=True)
class Environment:
    name: str
    bigbang_version: str | None = None
    values: Values = field(default_factory=dict)


@dataclass(frozen=True)
class Cloud:
    provider: str
    region: str


@dataclass(frozen=True)
class Cluster:
    name: str
    role: str  # build | run
    environment: str
    domain: str
    kubernetes_version: str
    cloud: Cloud
    packages: dict[str, bool] = field(default_factory=dict)
    values: Values = field(default_factory=dict)
    bigbang_version: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class Project:
    name: str
    source_repos: tuple[str, ...]
    namespaces: tuple[str, ...]
    groups: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class SyncPolicy:
    automated: bool = True
    prune: bool = True
    self_heal: bool = True


@dataclass(frozen=True)
class App:
    name: str
    project: str
    repo_url: str
    path: str
    target_revision: str
    namespace: str
    clusters: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    sync: SyncPolicy = field(default_factory=SyncPolicy)


@dataclass(frozen=True)
class GitlabCi:
    enabled: bool = True
    image: str = ""
    sggitops_version: str = ""
    shard_threshold: int = 50
    shards: int = 4


@dataclass(frozen=True)
class Platform:
    name: str
    repo: Repo
    bigbang: BigBang
    choices: Choices
    sso: Sso
    policy: Policy
    environments: dict[str, Environment]
    clusters: tuple[Cluster, ...]
    projects: tuple[Project, ...] = ()
    apps: tuple[App, ...] = ()
    ci: GitlabCi = field(default_factory=GitlabCi)
    source: str = "platform.yaml"
    sops: Sops = field(default_factory=Sops)

    def cluster(self, name: str) -> Cluster:
        for c in self.clusters:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class ResolvedCluster:
    """One cluster with precedence applied: role defaults < spec values < environment values < cluster."""

    cluster: Cluster
    bigbang_version: str  # the effective pin: cluster > environment > fleet
    packages: dict[str, bool]  # logical package -> enabled, after role defaults, choices and toggles
    values: Values  # merged raw values: spec.bigbang.values < environment values < cluster values

    @property
    def name(self) -> str:
        return self.cluster.name
