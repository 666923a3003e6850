"""sggitops' built-in repo rules, in Python (they read a handful of Argo CD fields; handing every
object of a cluster to the Rego engine for them cost most of a cold run).

deny: an Application on a run cluster without automated sync (the repo would not converge).
    PASS: spec.syncPolicy.automated: {}  FAIL: no spec.syncPolicy.automated, cluster.role == "run"

Rego truth is kept: `automated: false` or a missing field (or any step that is not a mapping) fails,
`automated: {}` or `null` passes. An Application in the `default` AppProject is reported once, by
`argocd/default-project` (one problem, one rule), not again here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sggitops.policy.rego.repo_rules import RepoMessage

PACKAGE = "sggitops.argocd"
SOURCE = "builtin/argocd"
_MISSING = object()


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _text(value: Any) -> str:
    """Rego's `sprintf("%s", [v])`: strings as they are, other values as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _applications(objects: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for obj in objects:
        api = obj.get("apiVersion")
        if obj.get("kind") == "Application" and isinstance(api, str) and api.startswith("argoproj.io/"):
            yield obj


def builtin_messages(objects: Iterable[Mapping[str, Any]], cluster: Mapping[str, Any]) -> list[RepoMessage]:
    """Messages of the built-in rules for one cluster's objects, sorted and without duplicates."""
    if cluster.get("role") != "run":
        return []
    out: set[RepoMessage] = set()
    for app in _applications(objects):
        name = _path(app, "metadata", "name")
        if name is _MISSING:
            continue  # Rego: the message is undefined, the rule does not fire
        namespace = _path(app, "metadata", "namespace")
        automated = _path(app, "spec", "syncPolicy", "automated")
        if automated is _MISSING or automated is False:
            full = f"{'' if namespace is _MISSING else _text(namespace)}/{_text(name)}"
            message = (
                f"Application {full} on run cluster {_text(cluster.get('name', ''))} has no automated sync;"
                " set spec.syncPolicy.automated"
            )
            out.add(RepoMessage("error", PACKAGE, "deny", message, SOURCE))
    return sorted(out)
