"""api/* rules: apiVersions the cluster's Kubernetes version no longer serves, or has deprecated.

Uses the table in `sggitops.schema.apis` and each cluster's `kubernetesVersion`.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sggitops.checks.objects import Locate, where
from sggitops.findings import Finding, Severity
from sggitops.resource import ResourceId
from sggitops.rules import Rule
from sggitops.schema.apis import ApiState, api_state

RULES = (
    Rule(
        id="api/removed",
        severity=Severity.ERROR,
        summary="an apiVersion removed in the cluster's Kubernetes version",
        details="the cluster's Kubernetes version no longer serves this kind at this apiVersion; applying it fails. The hint names the replacement.",
        passing=("# Kubernetes 1.34\napiVersion: batch/v1\nkind: CronJob"),
        failing=("# Kubernetes 1.34\napiVersion: batch/v1beta1\nkind: CronJob"),
    ),
    Rule(
        id="api/deprecated",
        severity=Severity.WARNING,
        summary="an apiVersion deprecated in the cluster's Kubernetes version",
        details="still served, but deprecated in this version and due for removal.",
        passing=("# Kubernetes 1.23\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler"),
        failing=("# Kubernetes 1.23\napiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler"),
    ),
)


def check_apis(
    objects: Iterable[Mapping[str, Any]],
    kubernetes_version: str,
    *,
    locate: Locate | None = None,
    cluster: str = "",
) -> Iterator[Finding]:
    """api/removed and api/deprecated findings for `objects` on a cluster of `kubernetes_version`."""
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        state, change = api_state(api_version, kind, kubernetes_version)
        if state is ApiState.SERVED or change is None:
            continue
        rid = ResourceId.of(obj)
        file, line, col = where(locate, rid)
        if state is ApiState.REMOVED:
            rule, severity = "api/removed", Severity.ERROR
            message = (
                f"{kind} {api_version} is not served by Kubernetes {kubernetes_version} "
                f"(removed in {change.removed})"
            )
        else:
            rule, severity = "api/deprecated", Severity.WARNING
            removal = f"; removed in {change.removed}" if change.removed else ""
            message = f"{kind} {api_version} is deprecated since Kubernetes {change.deprecated}{removal}"
        replacement = change.replacement
        hint = replacement if replacement.startswith("no replacement") else f"use {replacement}"
        yield Finding(file, line, col, rule, severity, message, hint=hint, cluster=cluster, resource=str(rid))
