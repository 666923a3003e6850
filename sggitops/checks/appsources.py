"""`validate --app-sources`: fetch each child Application's own source (git, bounded; cached; local paths
and file:// mirrors work offline) at its targetRevision and render it, so the cluster's policies are also
evaluated against the mission apps they would admit or reject."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.checks.context import RepoContext, normalize_repo_url
from sggitops.errors import ToolError
from sggitops.findings import Finding, Severity
from sggitops.render import Renderer
from sggitops.render.command import Command
from sggitops.resource import ResourceId
from sggitops.rules import Rule

CLONE_TIMEOUT = 300.0
"""Seconds for one clone or checkout of an app source."""

IMMUTABLE = re.compile(r"^([0-9a-f]{40}|v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?)$")


RULES = (
    Rule(
        id="policy/app-source",
        severity=Severity.WARNING,
        summary="a child Application's source could not be fetched or rendered",
    ),
)


def _sources(app: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = app.get("spec") or {}
    if isinstance(spec.get("source"), Mapping):
        return [spec["source"]]
    return [s for s in spec.get("sources") or [] if isinstance(s, Mapping)]


def checkout(url: str, revision: str, cache: Path) -> Path:
    """A working copy of `url` at `revision` under `cache` (reused for commits and version tags); git
    runs bounded (time, memory) like every tool: a source that never answers is a finding, not a hang."""
    key = hashlib.sha256(f"{url}@{revision}".encode()).hexdigest()[:24]
    dest = cache / "apps" / key
    if dest.is_dir() and IMMUTABLE.match(revision):
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        if revision and revision != "HEAD" and not re.fullmatch(r"[0-9a-f]{7,40}", revision):
            _git("clone", "--depth=1", "--single-branch", "--branch", revision, "--", url, str(tmp))
        else:
            _git("clone", "--", url, str(tmp))
            if revision and revision != "HEAD":
                _git("-C", str(tmp), "checkout", revision)
    except ToolError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(dest)
    return dest


def _git(*args: str) -> None:
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    Command(
        ("git", *args), timeout=CLONE_TIMEOUT, env=env, hint="check the URL, the revision and access"
    ).run()


def _plain_manifests(directory: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.y*ml")):
        for doc in yamlio.load_all(fsguard.read_text(path, directory), str(path)):
            plain = yamlio.to_plain(doc)
            if isinstance(plain, dict) and plain.get("kind"):
                out.append(plain)
    return out


def app_source_objects(
    ctx: RepoContext, cluster: str, objects: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[str, dict[str, Any]]], list[Finding]]:
    """(placed objects, findings) for the external sources of the cluster's Applications."""
    cache = ctx.settings.cache_dir_of(ctx.repo)
    placed: list[tuple[str, dict[str, Any]]] = []
    findings: list[Finding] = []
    for app in objects:
        if app.get("kind") != "Application" or not str(app.get("apiVersion", "")).startswith("argoproj.io/"):
            continue
        rid = ResourceId.of(app)
        for source in _sources(app):
            url = str(source.get("repoURL", ""))
            if not url or normalize_repo_url(url) in ctx.repo_urls or source.get("chart"):
                continue
            revision = str(source.get("targetRevision") or "HEAD")
            path = str(source.get("path") or ".")
            label = f"{url}@{revision}/{path}"
            try:
                found = _fetch(url, revision, path, cache)
            except Exception as err:  # any fetch/render failure is reported, never a silent pass
                file, line, col = ctx.locate(rid, None)
                findings.append(
                    Finding(
                        file,
                        line,
                        col,
                        "policy/app-source",
                        Severity.WARNING,
                        f"{rid}: could not fetch or render {label}: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
                        hint="policies were not evaluated against this app; check the URL, revision and credentials",
                        cluster=cluster,
                        resource=str(rid),
                    )
                )
                continue
            namespace = str((app.get("spec") or {}).get("destination", {}).get("namespace") or "")
            placed += [(f"app:{label}", _in_namespace(obj, namespace)) for obj in found]
    return placed, findings


def _fetch(url: str, revision: str, path: str, cache: Path) -> list[dict[str, Any]]:
    """The objects at `path` of `url` at `revision`: built with kustomize, or the plain manifests."""
    work = checkout(url, revision, cache)
    target = (work / path).resolve()
    if ".." in PurePosixPath(path).parts or not target.is_dir():
        raise FileNotFoundError(f"path {path} not found at {revision}")
    if any((target / n).is_file() for n in ("kustomization.yaml", "kustomization.yml", "Kustomization")):
        render = Renderer(work).render(path)
        if not render.ok:
            raise RuntimeError("; ".join(f.message for f in render.findings))
        return [dict(o) for o in render.objects]
    return _plain_manifests(target)


def _in_namespace(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """`obj` in the Application's destination namespace unless it names one or is cluster-scoped."""
    meta = obj.setdefault("metadata", {})
    if (
        namespace
        and not meta.get("namespace")
        and obj.get("kind")
        not in {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
    ):
        meta["namespace"] = namespace
    return obj
