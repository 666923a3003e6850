"""The Flux half of the reconcile/* rules, on the reconcile graph (see sggitops.checks.reconcile)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping

from sggitops.findings import Finding, Severity
from sggitops.reconcile.model import Applier, ClusterGraph, Obj, Ref, Where
from sggitops.reconcile.providers import (
    ANY_KIND,
    CONSTRAINTS_GROUP,
    Api,
    Availability,
    Provider,
    Providers,
    api_of,
    needs_crd,
)

SUBSTITUTE_OFF = "kustomize.toolkit.fluxcd.io/substitute"
_VAR = re.compile(r"(?<!\$)\$\{([_a-zA-Z][_a-zA-Z0-9]*)(:?[-=+?][^}]*)?\}")
CREATED_ONLY_BY_REPO = frozenset(
    {"HelmRelease", "Kustomization", "GitRepository", "HelmRepository", "OCIRepository", "Bucket"}
)


def finding(
    applier: Applier, where: Where, rule: str, severity: Severity, message: str, hint: str, cluster: str
) -> Finding:
    return Finding(
        *where, rule, severity, message, hint=hint, cluster=cluster, resource=applier.source.label()
    )


def by_api(objects: tuple[Obj, ...]) -> dict[Api, list[Obj]]:
    """Custom resources of an applier grouped by (group, kind)."""
    out: dict[Api, list[Obj]] = {}
    for obj in objects:
        if needs_crd(obj):
            out.setdefault(api_of(obj), []).append(obj)
    return out


def example(objs: list[Obj]) -> str:
    first = objs[0]
    more = f" and {len(objs) - 1} more" if len(objs) > 1 else ""
    return f"{first.label()} ({first.where[0]}:{first.where[1]}){more}"


def crd_findings(
    cluster: ClusterGraph, providers: Providers, avail: Availability, applier: Applier
) -> Iterator[Finding]:
    """reconcile/crd-not-ready and reconcile/crd-unknown for one Kustomization."""
    for api, objs in sorted(by_api(applier.objects).items()):
        if avail.has(applier, api, same_sync=True):
            continue
        group, kind = api
        found = providers.for_api(api)
        if not found:
            yield unknown_crd(cluster, avail, applier, api, objs)
            continue
        yield finding(
            applier,
            applier.source.where,
            "reconcile/crd-not-ready",
            Severity.ERROR,
            f"{applier.label} applies {kind} ({group}): {example(objs)}, but its CRD does not exist yet "
            f"when Flux dry-runs it (installed by {found[0].label()}); the dry-run fails and nothing "
            "of this Kustomization is applied",
            fix_hint(cluster, applier, found[0]),
            cluster.name,
        )


def unknown_crd(
    cluster: ClusterGraph, avail: Availability, applier: Applier, api: Api, objs: list[Obj]
) -> Finding:
    """No provider in the repo: a warning ("cannot tell"), or an info when the Kustomization waits for
    content the model cannot see that may well install the CRD (an unknown chart, upstream manifests)."""
    group, kind = api
    opaque = avail.opaque_wait(applier)
    what = f"{applier.label} applies {kind} ({group}): {example(objs)}, and the model cannot tell what installs its CRD"
    if opaque:
        return finding(
            applier,
            applier.source.where,
            "reconcile/crd-unknown",
            Severity.INFO,
            f"{what}; it may be {opaque}, whose content sggitops cannot see",
            "list the CRD's chart in the repo, or declare it, to have this checked",
            cluster.name,
        )
    return finding(
        applier,
        applier.source.where,
        "reconcile/crd-unknown",
        Severity.WARNING,
        f"{what} (no CRD, ConstraintTemplate or known chart in this cluster's repo)",
        "add the CRD to the repo, or make this Kustomization depend on the one that installs it",
        cluster.name,
    )


def fix_hint(cluster: ClusterGraph, applier: Applier, provider: Provider) -> str:
    """Which dependsOn / healthCheck to add, or which object to move."""
    owner = cluster.appliers.get(provider.applier)
    if provider.what == "ConstraintTemplate":
        if provider.applier == applier.key:
            return (
                "move the constraints to their own Kustomization that dependsOn this one (Gatekeeper makes "
                "a constraint's CRD only after it has processed the template)"
            )
        return f"add `dependsOn: [{{name: {_name(owner)}}}]` (the Kustomization that applies the templates)"
    if provider.what == "HelmRelease":
        check = f"`healthChecks: [{{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: {provider.name}, namespace: {provider.namespace}}}]`"
        if provider.applier == applier.key:
            return (
                f"move these objects to a Kustomization that dependsOn this one, and give this one {check} "
                "(or `wait: true`)"
            )
        return f"add `dependsOn: [{{name: {_name(owner)}}}]` here, and {check} to `{_name(owner)}`"
    return f"add `dependsOn: [{{name: {_name(owner)}}}]` (the Kustomization that applies the CRD)"


def _name(owner: Applier | None) -> str:
    return (
        owner.name
        if owner is not None and owner.kind == "Kustomization"
        else "<the Kustomization that applies it>"
    )


def cycle_findings(cluster: ClusterGraph) -> Iterator[Finding]:
    """reconcile/depends-on-cycle: one finding per cycle, at its first member's dependsOn entry."""
    reported: set[frozenset[str]] = set()
    for start in sorted(cluster.kustomizations(), key=lambda a: a.source.where):
        path = _cycle_from(cluster, start)
        if path is None or frozenset(a.key for a in path) in reported:
            continue
        reported.add(frozenset(a.key for a in path))
        ref = next(
            r
            for r in start.depends_on
            if cluster.find_kustomization(r.namespace, r.name) is path[1 % len(path)]
        )
        names = " -> ".join(a.name for a in [*path, path[0]])
        yield finding(
            start,
            start.source.at(ref.field),
            "reconcile/depends-on-cycle",
            Severity.ERROR,
            f"Kustomizations wait for each other in a cycle ({names}): none of them ever runs",
            "remove one of the dependsOn entries of the cycle",
            cluster.name,
        )


def _cycle_from(cluster: ClusterGraph, start: Applier) -> list[Applier] | None:
    """A dependsOn path from `start` back to itself, or None."""
    stack: list[tuple[Applier, list[Applier]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for ref in node.depends_on:
            dep = cluster.find_kustomization(ref.namespace, ref.name)
            if dep is None:
                continue
            if dep.key == start.key:
                return path
            if dep.key not in seen:
                seen.add(dep.key)
                stack.append((dep, [*path, dep]))
    return None


def health_findings(cluster: ClusterGraph, providers: Providers, applier: Applier) -> Iterator[Finding]:
    """reconcile/health-check-missing: a health check on an object nothing in the cluster creates."""
    if applier.wait:
        return  # Flux ignores healthChecks when wait is true
    objects = {(o.kind, o.namespace, o.name) for _a, o in cluster.all_objects()}
    objects |= {(o.kind, "", o.name) for _a, o in cluster.all_objects()}
    # Kustomizations whose source is another repo (or a path not here) may create anything
    opaque = [a for a in cluster.kustomizations() if a.path is None]
    for ref in applier.health_checks:
        problem = _health_problem(cluster, providers, ref, objects)
        if not problem:
            continue
        certain = "Big Bang" in problem or not opaque
        yield finding(
            applier,
            applier.source.at(ref.field),
            "reconcile/health-check-missing",
            Severity.ERROR if certain else Severity.INFO,
            f"{applier.label} health-checks {ref.label()}, {problem}"
            + (
                ": it never becomes Ready, and the Kustomizations that depend on it never run"
                if certain
                else f" (cannot tell: {opaque[0].label} applies a source the model does not see)"
            ),
            "fix the name or namespace of the health check, or remove it",
            cluster.name,
        )


def _health_problem(
    cluster: ClusterGraph, providers: Providers, ref: Ref, objects: set[tuple[str, str, str]]
) -> str:
    if (ref.kind, ref.namespace, ref.name) in objects or (ref.kind, "", ref.name) in objects:
        return ""
    if ref.kind == "HelmRelease":
        bigbang = {v for (ns, _n), v in providers.bigbang.items() if ns == ref.namespace}
        if providers.release((ref.namespace, ref.name)) is not None:
            return ""
        if bigbang:
            names = [n for (ns, n) in providers.bigbang if ns == ref.namespace]
            near = difflib.get_close_matches(ref.name, names, n=3, cutoff=0.5)
            also = f" (its HelmReleases include {', '.join(sorted(near))})" if near else ""
            return f"which Big Bang {', '.join(sorted(bigbang))} does not create{also}"
        return "which nothing in this cluster's repo creates"
    if ref.kind == "CustomResourceDefinition":
        group = ref.name.partition(".")[2]
        kinds = {api for p in providers.crds for api in p.apis}
        if any(g == group for g, _k in kinds) or any(
            (group, ANY_KIND) in p.apis for p in providers.complete().releases.values()
        ):
            return ""
        if group == CONSTRAINTS_GROUP:
            return "which no ConstraintTemplate of this cluster makes"
        return "which nothing in this cluster's repo installs"
    if ref.kind in CREATED_ONLY_BY_REPO:
        return "which nothing in this cluster's repo creates"
    return ""


def sops_findings(cluster: ClusterGraph, applier: Applier) -> Iterator[Finding]:
    """reconcile/sops-no-decryption: SOPS-encrypted objects applied without decryption."""
    if applier.decryption:
        return
    encrypted = [o for o in applier.objects if "sops" in o.obj]
    if encrypted:
        yield finding(
            applier,
            applier.source.where,
            "reconcile/sops-no-decryption",
            Severity.ERROR,
            f"{applier.label} applies SOPS-encrypted {example(encrypted)} without decryption: "
            "the encrypted document is sent to the API server as is and rejected",
            "add `decryption: {provider: sops, secretRef: {name: sops-gpg}}` to the Kustomization spec",
            cluster.name,
        )


def substitution_findings(cluster: ClusterGraph, applier: Applier) -> Iterator[Finding]:
    """reconcile/substitution-undefined: `${VAR}` used, defined in no postBuild source."""
    if applier.substitute is None:
        return
    defined = set(applier.substitute)
    for ref in applier.substitute_from:
        keys = _source_keys(cluster, ref)
        if keys is None:
            return  # the source is not in the repo: the model cannot tell what it defines
        defined |= keys
    missing: dict[str, Obj] = {}
    for obj in applier.objects:
        if str(obj.annotations.get(SUBSTITUTE_OFF)) == "disabled":
            continue
        for match in _VAR.finditer(json.dumps(obj.obj)):
            if match.group(2) is None and match.group(1) not in defined:
                missing.setdefault(match.group(1), obj)
    for name, obj in sorted(missing.items()):
        yield finding(
            applier,
            applier.source.at(("spec", "postBuild")),
            "reconcile/substitution-undefined",
            Severity.ERROR,
            f"{applier.label} substitutes variables, and ${{{name}}} (in {obj.label()}, {obj.where[0]}:"
            f"{obj.where[1]}) is defined in none of its postBuild sources; Flux fails the build (strict "
            "substitution) or writes an empty string",
            f"define {name} in postBuild.substitute or a substituteFrom ConfigMap/Secret, or give it a "
            f"default (${{{name}:=value}})",
            cluster.name,
        )


def _source_keys(cluster: ClusterGraph, ref: Ref) -> set[str] | None:
    for _a, obj in cluster.all_objects():
        if obj.kind == ref.kind and obj.name == ref.name and obj.namespace in (ref.namespace, ""):
            keys: set[str] = set()
            for field in ("data", "stringData"):
                data = obj.obj.get(field)
                if isinstance(data, Mapping):
                    keys |= {str(k) for k in data}
            return keys
    return set() if ref.optional else None


def secret_findings(cluster: ClusterGraph) -> Iterator[Finding]:
    """reconcile/secret-undocumented: a GitRepository secretRef naming a Secret no one says to create."""
    secrets = {(o.namespace, o.name) for _a, o in cluster.all_objects() if o.kind == "Secret"}
    for _key, obj in cluster.all_objects():
        if obj.kind != "GitRepository":
            continue
        spec = obj.obj.get("spec")
        ref = spec.get("secretRef") if isinstance(spec, Mapping) else None
        name = str(ref.get("name") or "") if isinstance(ref, Mapping) else ""
        if not name or (obj.namespace, name) in secrets:
            continue
        if (obj.namespace, name) in cluster.documented_secrets or ("", name) in cluster.documented_secrets:
            continue
        where = obj.at(("spec", "secretRef", "name"))
        yield Finding(
            *(where if where[0] else obj.where),
            "reconcile/secret-undocumented",
            Severity.INFO,  # the Secret may exist on the cluster: the repo cannot tell
            f"GitRepository `{obj.name}` uses Secret `{obj.namespace}/{name}`, which the repo neither holds "
            "nor tells an admin to create (bootstrap file comments, README)",
            hint=f"document `kubectl create secret generic {name} -n {obj.namespace} ...` in the bootstrap "
            "file, or add the Secret SOPS-encrypted",
            cluster=cluster.name,
            resource=obj.label(),
        )
