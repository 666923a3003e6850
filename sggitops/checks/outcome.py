"""What `validate` does with the findings of all families before reporting them: filter by
`.sggitops.yaml` (disabled rules, ignored paths), grade remote bases by hermetic mode, say when nothing
was checked, and merge one problem seen from several clusters into one finding."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sggitops.checks.context import RepoContext
from sggitops.findings import Finding, Severity
from sggitops.model import RepoModel
from sggitops.model.substitute import UNRESOLVED
from sggitops.repoconfig import RepoConfig
from sggitops.resource import ResourceId
from sggitops.rules import Rule

_BUILD_OF = re.compile(r"^kustomize build of (\S+) failed")


RULES = (
    Rule(
        id="validate/nothing-checked",
        severity=Severity.WARNING,
        summary="validate found nothing to check (no kustomization, Flux Kustomization or Application)",
    ),
    Rule(
        id="validate/cache-tracked",
        severity=Severity.WARNING,
        summary="the cache directory holds files tracked by git (a poisoned cache): it is not read",
    ),
)


def remote_severity(finding: Finding, *, hermetic: bool) -> Finding:
    """A remote base is an error only in hermetic mode (`.sggitops.yaml`, on for generated repos): Flux
    and Argo CD fetch remote bases unless an admin forbids them, so elsewhere it is a warning."""
    if finding.rule != "build/remote-base" or hermetic:
        return finding
    return dataclasses.replace(
        finding,
        severity=Severity.WARNING,
        hint=finding.hint + "; set `hermetic: true` in .sggitops.yaml to make this an error",
    )


def reported(finding: Finding, config: RepoConfig) -> bool:
    """Not a disabled rule, not in an ignored path."""
    return finding.rule not in config.disabled and not (finding.file and config.ignores(finding.file))


def nothing_checked(ctx: RepoContext, model: RepoModel) -> list[Finding]:
    """No silent pass: a run that found nothing to check says why."""
    if any(r.objects for r in ctx.renders.values()) or any(
        u.objects for us in model.fleet.clusters.values() for u in us
    ):
        return []
    if ctx.settings.partial or any(r.findings for r in ctx.renders.values()):
        return []  # a partial run, or a build that failed and says why
    why = (
        "no kustomization, no Flux Kustomization and no Argo CD Application of this repo was found"
        if not ctx.renders
        else "the kustomizations found render no objects"
    )
    return [
        Finding(
            "",
            0,
            0,
            "validate/nothing-checked",
            Severity.WARNING,
            f"nothing was checked: {why}",
            hint="point -C at the GitOps repo, or declare its entry points in .sggitops.yaml `clusters:`",
        )
    ]


def merge_clusters(findings: list[Finding]) -> list[Finding]:
    """One finding per problem: the same (place, rule, message) for several clusters is one finding whose
    `cluster` lists them, comma-joined and sorted. A build failure caused at one place (a base several
    overlays include) is one finding naming every overlay whose build it breaks."""
    merged: dict[tuple[Any, ...], tuple[Finding, set[str], list[str]]] = {}
    for f in findings:
        built = _BUILD_OF.match(f.message) if f.rule == "build/failed" and f.line else None
        message = _BUILD_OF.sub("kustomize build of {} failed", f.message, count=1) if built else f.message
        key = (f.file, f.line, f.col, f.rule, message, f.severity, f.resource)
        if key not in merged:
            merged[key] = (f, set(), [])
        merged[key][1].update(c for c in f.cluster.split(",") if c)
        if built and built.group(1) not in merged[key][2]:
            merged[key][2].append(built.group(1))
    out = []
    for (_f, _l, _c, _r, message, *_rest), (first, names, roots) in merged.items():
        text = message.replace("{}", ", ".join(sorted(roots)), 1) if roots else first.message
        out.append(dataclasses.replace(first, message=text, cluster=",".join(sorted(names))))
    return sorted(out, key=lambda f: (f.file, f.line, f.col, f.rule, f.message, f.cluster))


def flux_variables(finding: Finding, ctx: RepoContext, model: RepoModel) -> bool:
    """A `secrets/plaintext` finding on a Secret whose every value is a Flux variable that only the
    cluster fills (postBuild substituteFrom a Secret not in git): nothing secret is in the repo."""
    if finding.rule != "secrets/plaintext" or not model.substituted:
        return False
    for root in model.substituted:
        for obj in ctx.objects(root):
            if str(ResourceId.of(obj)) != finding.resource:
                continue
            values = [
                v
                for field in ("data", "stringData")
                if isinstance(obj.get(field), dict)
                for v in obj[field].values()
            ]
            if values and all(isinstance(v, str) and UNRESOLVED.fullmatch(v.strip()) for v in values):
                return True
    return False
