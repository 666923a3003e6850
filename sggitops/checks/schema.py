"""schema/* rules: every rendered object against the schema of its kind.

Schemas come from a `SchemaRegistry` (Kubernetes built-ins of the cluster's version, the project's
schemas, CRDs in the repo, `--schema-dir` catalogs). Unknown fields are errors.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sggitops import yamlio
from sggitops.checks.objects import Locate, where
from sggitops.findings import Finding, Severity
from sggitops.resource import ResourceId
from sggitops.rules import Rule
from sggitops.schema import memo
from sggitops.schema.apis import ApiState, api_state
from sggitops.schema.registry import SchemaRegistry

NodeOf = Callable[[str, int, int], Any]
"""(file, line, col) of a source document -> its round-trip node (for per-field lines), or None."""


RULES = (
    Rule(
        id="schema/invalid",
        severity=Severity.ERROR,
        summary="an object that breaks the schema of its kind",
        details="the object breaks its schema. The message names the JSON path and the problem, e.g. `spec.replicas: expected integer or null, got string`, or `spec.replicaz: unknown field 'replicaz' (did you mean 'replicas'?)`.",
        passing=(
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata: {name: web}\n"
            "spec:\n"
            "  replicas: 2\n"
            "  selector: {matchLabels: {app: web}}\n"
            "  template: ..."
        ),
        failing=(
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata: {name: web}\n"
            "spec:\n"
            "  replicaz: 2\n"
            "  selector: {matchLabels: {app: web}}\n"
            "  template: ..."
        ),
    ),
    Rule(
        id="schema/unknown-kind",
        severity=Severity.WARNING,
        summary="no schema known for the object's apiVersion and kind",
        details="Severity: warning; error with `strict`. No source has a schema for the object's apiVersion and kind, so it cannot be checked.",
        passing=("apiVersion: v1\nkind: ConfigMap"),
        failing=("apiVersion: example.com/v1\nkind: Widget"),
    ),
    Rule(
        id="schema/version-fallback",
        severity=Severity.INFO,
        summary="no bundled schemas for the cluster's Kubernetes version; the nearest is used",
        details="kubernetes-validate bundles no schemas for the cluster's Kubernetes version; the nearest lower one (or the lowest) is used instead. Reported once per call.",
        passing='kubernetesVersion: "1.34"',
        failing='kubernetesVersion: "1.99"',
    ),
)


def check_objects(
    objects: Iterable[Mapping[str, Any]],
    registry: SchemaRegistry,
    *,
    locate: Locate | None = None,
    cluster: str = "",
    strict: bool = False,
    node_of: NodeOf | None = None,
) -> Iterator[Finding]:
    """schema/* findings for `objects` (plain dicts, or ruamel nodes for per-field positions)."""
    match = registry.version_match
    if not match.exact:
        yield Finding(
            "",
            0,
            0,
            "schema/version-fallback",
            Severity.INFO,
            match.note,
            hint="upgrade kubernetes-validate for schemas of newer Kubernetes versions",
            cluster=cluster,
        )
    for obj in objects:
        if isinstance(obj, Mapping):
            yield from _check_one(obj, registry, locate, cluster, strict, node_of)


def _check_one(
    obj: Mapping[str, Any],
    registry: SchemaRegistry,
    locate: Locate | None,
    cluster: str,
    strict: bool,
    node_of: NodeOf | None = None,
) -> Iterator[Finding]:
    rid = ResourceId.of(obj)
    file, line, col = where(locate, rid)
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        missing = [
            k for k, v in (("apiVersion", api_version), ("kind", kind)) if not isinstance(v, str) or not v
        ]
        yield Finding(
            file,
            line,
            col,
            "schema/invalid",
            Severity.ERROR,
            f"object has no {' and no '.join(missing)}",
            hint="every Kubernetes object needs a string apiVersion and kind",
            cluster=cluster,
            resource=str(rid),
        )
        return
    validator = registry.validator_for(api_version, kind)
    if validator is None:
        if api_state(api_version, kind, registry.version_match.requested)[0] is ApiState.REMOVED:
            return  # api/removed says it, with the replacement; no second finding
        yield Finding(
            file,
            line,
            col,
            "schema/unknown-kind",
            Severity.ERROR if strict else Severity.WARNING,
            f"no schema for {kind} at {api_version} (Kubernetes {registry.version_match.used}); not validated",
            hint="add the CRD to the repo, or pass --schema-dir DIR holding {group}/{kind}_{version}.json",
            cluster=cluster,
            resource=str(rid),
        )
        return
    if "sops" in obj:  # a SOPS-encrypted file: its `sops` metadata is not part of the object
        obj = {k: v for k, v in obj.items() if k != "sops"}
    yield from _problems(obj, validator, (file, line, col), node_of, cluster, str(rid))


def _problems(
    obj: Mapping[str, Any],
    validator: Any,
    where_: tuple[str, int, int],
    node_of: NodeOf | None,
    cluster: str,
    resource: str,
) -> Iterator[Finding]:
    """One `schema/invalid` finding per schema problem, at the field's line when positions are known."""
    file, line, col = where_
    node = None
    for problem in memo.problems(validator, obj):
        at_line, at_col = line, col
        if hasattr(obj, "lc") and line:
            at_line, at_col = yamlio.locate(obj, problem.path)
        elif node_of is not None and line:
            node = node if node is not None else node_of(file, line, col)
            if node is not None:
                at_line, at_col = yamlio.locate(node, problem.path)
        yield Finding(
            file,
            at_line,
            at_col,
            "schema/invalid",
            Severity.ERROR,
            str(problem),
            hint=f"schema: {validator.source}",
            cluster=cluster,
            resource=resource,
        )
