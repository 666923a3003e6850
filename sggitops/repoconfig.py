"""`.sggitops.yaml`: what a repo cannot say about itself (schema: `schemas/sggitops-config.schema.json`).

    hermetic: true                    # remote bases are errors (generated repos promise air-gap)
    repo: {urls: [...], branches: [...]}   # more URLs / branches that mean this checkout
    sources:                          # Flux sources that exist only on the cluster
      - {kind: GitRepository, name: flux-system, namespace: flux-system}
    clusters:                         # names and Kubernetes versions per entry point
      - {path: clusters/prod, name: prod, kubernetesVersion: "1.31"}
    variables: {CLUSTER_NAME: prod}   # Flux postBuild variables the cluster provides
    rules: {disable: [argocd/default-project]}
    ignore: [tests/fixtures/]         # paths validate does not report on

A missing file is the empty config. A file that is not valid YAML or breaks the schema raises
InputError (exit 3) with file:line:col for every problem.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from sggitops import fsguard, yamlio
from sggitops.errors import InputError, Location
from sggitops.paths import CONFIG_FILE as CONFIG_FILE


@dataclass(frozen=True)
class ClusterEntry:
    path: str
    name: str = ""
    kubernetes_version: str = ""
    server: str = ""


@dataclass(frozen=True)
class RepoConfig:
    hermetic: bool = False
    urls: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    sources: tuple[tuple[str, str, str], ...] = ()  # (kind, name, namespace)
    clusters: tuple[ClusterEntry, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    ignore: tuple[str, ...] = ()

    def ignores(self, rel: str) -> bool:
        """Whether findings in repo file `rel` are not reported."""
        rel = rel.strip("/")
        return any(
            fnmatch.fnmatchcase(rel, p.strip("/")) or rel.startswith(p.strip("/") + "/") for p in self.ignore
        )

    def cluster_named(self, name: str) -> ClusterEntry | None:
        return next((e for e in self.clusters if e.name and e.name == name), None) or self.cluster_for(name)

    def cluster_for(self, path: str) -> ClusterEntry | None:
        """The entry of a cluster whose entry point is `path` (a repo dir, `x/**` or a file)."""
        key = path.removesuffix("/**").strip("/")
        for entry in self.clusters:
            if entry.path.strip("./").rstrip("/") == key:
                return entry
        return None


@cache
def config_schema() -> dict[str, Any]:
    text = resources.files("sggitops.schemas").joinpath("sggitops-config.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_config(root: Path) -> RepoConfig:
    """The repo's `.sggitops.yaml`, or the empty config when there is none."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return RepoConfig()
    try:
        text = fsguard.read_text(path, root)
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(
            f"{CONFIG_FILE} cannot be read: {err}",
            location=Location(CONFIG_FILE, 1, 1),
            rule="config/schema",
            hint="make it a regular UTF-8 file inside the repo",
        ) from None
    doc = yamlio.load_one(text, CONFIG_FILE, rule="config/schema")
    if doc is None:
        return RepoConfig()
    plain = yamlio.to_plain(doc)
    problems = [
        InputError(
            f"{'.'.join(str(p) for p in err.absolute_path) or '(top level)'}: {err.message}",
            location=Location(CONFIG_FILE, *yamlio.locate(doc, list(err.absolute_path))),
            rule="config/schema",
            hint="see schemas/sggitops-config.schema.json",
        )
        for err in sorted(
            Draft202012Validator(config_schema()).iter_errors(plain), key=lambda e: [str(p) for p in e.path]
        )
    ]
    if problems:
        raise InputError(
            f"{CONFIG_FILE} does not match its schema",
            location=problems[0].location,
            rule="config/schema",
            problems=problems,
        )
    return _config(plain)


def _config(plain: dict[str, Any]) -> RepoConfig:
    repo = plain.get("repo") or {}
    return RepoConfig(
        hermetic=bool(plain.get("hermetic", False)),
        urls=tuple(repo.get("urls") or ()),
        branches=tuple(repo.get("branches") or ()),
        sources=tuple((s["kind"], s["name"], s.get("namespace", "")) for s in plain.get("sources") or ()),
        clusters=tuple(
            ClusterEntry(c["path"], c.get("name", ""), c.get("kubernetesVersion", ""), c.get("server", ""))
            for c in plain.get("clusters") or ()
        ),
        variables={
            str(k): str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in (plain.get("variables") or {}).items()
        },
        disabled=frozenset((plain.get("rules") or {}).get("disable") or ()),
        ignore=tuple(plain.get("ignore") or ()),
    )
