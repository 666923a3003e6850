"""Admission-style matching (`matchConstraints` / `matchResources`) for CEL policies.

`resourceRules` name API groups, versions, plural resources and operations (`*` everywhere allowed);
`excludeResourceRules` remove; `namespaceSelector` reads the labels of the object's Namespace;
`objectSelector` the object's own labels. Shared by Kyverno ValidatingPolicy and Kubernetes
ValidatingAdmissionPolicy (+ Binding).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sggitops.policy.celcontext import namespace_of
from sggitops.policy.kinds import plural
from sggitops.policy.kyverno.match import LabelSelector, MatchInput, MatchSpecError, metadata


@dataclass(frozen=True)
class ResourceRule:
    groups: tuple[str, ...]
    versions: tuple[str, ...]
    resources: tuple[str, ...]
    operations: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Any) -> ResourceRule:
        if not isinstance(raw, Mapping):
            raise MatchSpecError("a resourceRules item must be a mapping")

        def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = raw.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else default

        return cls(
            strings("apiGroups", ("*",)),
            strings("apiVersions", ("*",)),
            strings("resources", ()),
            tuple(o.upper() for o in strings("operations", ("*",))),
        )

    def matches(self, group: str, version: str, resource: str, operation: str) -> bool:
        return (
            _any(self.groups, group)
            and _any(self.versions, version)
            and any(r == "*" or r == resource or r == "*/*" for r in self.resources)
            and _any(self.operations, operation)
        )

    def targets_pods(self) -> bool:
        return "" in self.groups and any(r in ("pods", "*") for r in self.resources)


def _any(allowed: tuple[str, ...], value: str) -> bool:
    return "*" in allowed or value in allowed


@dataclass(frozen=True)
class Constraints:
    include: tuple[ResourceRule, ...]
    exclude: tuple[ResourceRule, ...]
    namespace_selector: LabelSelector | None
    object_selector: LabelSelector | None

    @classmethod
    def parse(cls, raw: Any) -> Constraints:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise MatchSpecError("matchConstraints must be a mapping")
        ns, objs = raw.get("namespaceSelector"), raw.get("objectSelector")
        return cls(
            tuple(ResourceRule.parse(r) for r in raw.get("resourceRules") or []),
            tuple(ResourceRule.parse(r) for r in raw.get("excludeResourceRules") or []),
            LabelSelector.parse(ns) if ns else None,
            LabelSelector.parse(objs) if objs else None,
        )

    def targets_pods(self) -> bool:
        return any(r.targets_pods() for r in self.include)

    def matches(
        self, obj: Mapping[str, Any], given: MatchInput, *, as_kind: str = "", as_api: str = ""
    ) -> bool:
        """Whether the request for `obj` is matched (`as_kind`/`as_api` match it as another type)."""
        api = as_api or str(obj.get("apiVersion") or "")
        group, _, version = api.rpartition("/")
        resource = plural(as_kind or str(obj.get("kind") or ""))
        operation = given.operation
        if not any(r.matches(group, version, resource, operation) for r in self.include):
            return False
        if any(r.matches(group, version, resource, operation) for r in self.exclude):
            return False
        labels = {str(k): str(v) for k, v in (metadata(obj).get("labels") or {}).items()}
        if self.object_selector is not None and not self.object_selector.matches(labels):
            return False
        selector = self.namespace_selector
        if selector is None or str(obj.get("kind")) == "Namespace" or not namespace_of(obj):
            return True
        return selector.matches(given.namespace_labels(obj))
