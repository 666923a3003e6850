"""Gatekeeper constraint `spec.match`, with Gatekeeper's semantics (pkg/mutation/match).

kinds (apiGroups/kinds, `*` for any), scope (Cluster | Namespaced | `*`), namespaces and
excludedNamespaces (exact, `prefix*` or `*suffix` globs), labelSelector, namespaceSelector (the
labels of the object's Namespace, or of the object itself when it is a Namespace) and name (glob).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sggitops.policy.rego.errors import RegoError


class MatchError(RegoError):
    """The match criteria cannot be decided (bad selector, Namespace object unknown)."""


def wildcard_matches(pattern: str, value: str) -> bool:
    """Gatekeeper's Wildcard: `*suffix`, `prefix*` or an exact name (`*` matches everything)."""
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A Kubernetes LabelSelector (matchLabels AND matchExpressions); `{}` matches everything."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if key not in labels or str(labels[key]) != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key = str(expr.get("key", ""))
        operator = str(expr.get("operator", ""))
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if operator == "In":
            ok = present and str(labels[key]) in values
        elif operator == "NotIn":
            ok = not present or str(labels[key]) not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            raise MatchError(f"label selector operator {operator!r} is not valid")
        if not ok:
            return False
    return True


def _group_version(obj: Mapping[str, Any]) -> tuple[str, str]:
    api_version = str(obj.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    return group, version


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def _meta(obj: Mapping[str, Any], key: str) -> str:
    meta = obj.get("metadata") or {}
    return str(meta.get(key) or "") if isinstance(meta, Mapping) else ""


def is_namespace(obj: Mapping[str, Any]) -> bool:
    """A core/v1 Namespace."""
    return obj.get("kind") == "Namespace" and _group_version(obj)[0] == ""


@dataclass(frozen=True)
class Match:
    """A constraint's `spec.match`; an absent criterion matches everything."""

    kinds: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    scope: str = "*"
    namespaces: tuple[str, ...] = ()
    excluded_namespaces: tuple[str, ...] = ()
    label_selector: Mapping[str, Any] | None = field(default=None, hash=False)
    namespace_selector: Mapping[str, Any] | None = field(default=None, hash=False)
    name: str = ""

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None) -> Match:
        """From a `spec.match` mapping (None or `{}` match everything)."""
        spec = spec or {}
        kinds = tuple(
            (tuple(str(g) for g in k.get("apiGroups") or []), tuple(str(x) for x in k.get("kinds") or []))
            for k in spec.get("kinds") or []
            if isinstance(k, Mapping)
        )
        return cls(
            kinds=kinds,
            scope=str(spec.get("scope") or "*"),
            namespaces=tuple(str(n) for n in spec.get("namespaces") or []),
            excluded_namespaces=tuple(str(n) for n in spec.get("excludedNamespaces") or []),
            label_selector=spec.get("labelSelector"),
            namespace_selector=spec.get("namespaceSelector"),
            name=str(spec.get("name") or ""),
        )

    def matches(self, obj: Mapping[str, Any], namespaces: Mapping[str, Mapping[str, Any]]) -> bool:
        """Whether `obj` is in scope; `namespaces` maps names to Namespace objects (for namespaceSelector)."""
        namespace = _meta(obj, "namespace")
        return (
            self._kind_ok(obj)
            and self._scope_ok(obj, namespace)
            and self._namespaces_ok(obj, namespace)
            and (self.label_selector is None or selector_matches(self.label_selector, _labels(obj)))
            and self._namespace_selector_ok(obj, namespace, namespaces)
            and (not self.name or wildcard_matches(self.name, _meta(obj, "name")))
        )

    def _kind_ok(self, obj: Mapping[str, Any]) -> bool:
        if not self.kinds:
            return True
        group, kind = _group_version(obj)[0], str(obj.get("kind") or "")
        for groups, kinds in self.kinds:
            if (not kinds or "*" in kinds or kind in kinds) and (
                not groups or "*" in groups or group in groups
            ):
                return True
        return False

    def _scope_ok(self, obj: Mapping[str, Any], namespace: str) -> bool:
        if self.scope == "Cluster":
            return is_namespace(obj) or not namespace
        if self.scope == "Namespaced":
            return not is_namespace(obj) and bool(namespace)
        return True

    def _namespaces_ok(self, obj: Mapping[str, Any], namespace: str) -> bool:
        ns = _meta(obj, "name") if is_namespace(obj) else namespace
        if not ns:  # cluster-scoped: neither list can disqualify it
            return True
        if self.namespaces and not any(wildcard_matches(p, ns) for p in self.namespaces):
            return False
        return not any(wildcard_matches(p, ns) for p in self.excluded_namespaces)

    def _namespace_selector_ok(
        self, obj: Mapping[str, Any], namespace: str, namespaces: Mapping[str, Mapping[str, Any]]
    ) -> bool:
        if self.namespace_selector is None:
            return True
        if is_namespace(obj):
            return selector_matches(self.namespace_selector, _labels(obj))
        if not namespace:
            return True
        ns_obj = namespaces.get(namespace)
        if ns_obj is None:
            raise MatchError(f"namespaceSelector needs the Namespace {namespace!r}, which is not known")
        return selector_matches(self.namespace_selector, _labels(ns_obj))


def namespace_index(objects: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Namespace objects by name."""
    return {_meta(o, "name"): o for o in objects if is_namespace(o)}
