"""The reconcile graph: what Flux and Argo CD apply to each cluster, in which order, and what they wait for.

`sggitops.reconcile.graph.build_graph` fills it from a repo; the reconcile/* rules and `sggitops
rollout` read only these types, so the collector can change without touching them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Where = tuple[str, int, int]  # (file, line, col), file relative to the repo root
Locate = Callable[[tuple[str | int, ...]], Where]  # a field path of the object -> where it is


def _nowhere(_path: tuple[str | int, ...]) -> Where:
    return ("", 0, 0)


@dataclass(frozen=True)
class Obj:
    """An object some actor applies, and where its source is."""

    obj: Mapping[str, Any]
    where: Where
    at: Locate = _nowhere

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or "")

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def name(self) -> str:
        meta = self.obj.get("metadata")
        return str(meta.get("name") or "") if isinstance(meta, Mapping) else ""

    @property
    def namespace(self) -> str:
        meta = self.obj.get("metadata")
        return str(meta.get("namespace") or "") if isinstance(meta, Mapping) else ""

    @property
    def annotations(self) -> Mapping[str, Any]:
        meta = self.obj.get("metadata")
        found = meta.get("annotations") if isinstance(meta, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def label(self) -> str:
        """`Kind/namespace/name` as findings name resources."""
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Ref:
    """A reference to an object by group, kind, namespace and name (a dependsOn or healthChecks entry)."""

    group: str
    kind: str
    namespace: str
    name: str
    field: tuple[str | int, ...]  # where the entry is in the referring object
    optional: bool = False

    def label(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass
class Applier:
    """A Flux Kustomization or an Argo CD Application: it applies `objects` as one sync."""

    kind: str  # "Kustomization" | "Application"
    namespace: str
    name: str
    source: Obj  # the Kustomization / Application object itself
    applied_by: str = ""  # key of the applier that creates this one; "" when applied by hand (bootstrap)
    path: str | None = None  # repo path it applies; None when its source is not this repo
    objects: tuple[Obj, ...] = ()  # what it applies (empty when the path is elsewhere)
    depends_on: tuple[Ref, ...] = ()
    health_checks: tuple[Ref, ...] = ()
    wait: bool = False
    decryption: bool = False
    substitute: Mapping[str, str] | None = None  # postBuild.substitute; None without postBuild
    substitute_from: tuple[Ref, ...] = ()
    # Argo CD
    project: str = ""
    wave: int = 0
    sync_options: frozenset[str] = frozenset()
    destination_namespace: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def label(self) -> str:
        return f"{self.kind} `{self.name}`"


@dataclass
class ClusterGraph:
    """One cluster: its appliers (by key), what an admin applies by hand, and the docs of its bootstrap."""

    name: str
    appliers: dict[str, Applier] = field(default_factory=dict)
    by_hand: tuple[Obj, ...] = ()  # bootstrap files and roots no applier of the repo points at
    documented_secrets: frozenset[tuple[str, str]] = frozenset()  # (namespace, name); "" namespace: any

    def kustomizations(self) -> list[Applier]:
        return [a for a in self.appliers.values() if a.kind == "Kustomization"]

    def applications(self) -> list[Applier]:
        return [a for a in self.appliers.values() if a.kind == "Application"]

    def all_objects(self) -> list[tuple[str, Obj]]:
        """(applier key or "" for by hand, object) for everything the cluster gets from the repo."""
        out = [("", o) for o in self.by_hand]
        for key, applier in self.appliers.items():
            out.extend((key, o) for o in applier.objects)
        return out

    def find_kustomization(self, namespace: str, name: str) -> Applier | None:
        return self.appliers.get(f"Kustomization/{namespace}/{name}")


@dataclass
class ReconcileGraph:
    clusters: dict[str, ClusterGraph] = field(default_factory=dict)
