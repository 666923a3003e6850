"""`match` / `exclude` blocks: which resources a rule (or a PolicyException) applies to.

Kinds are `Kind`, `version/Kind`, `group/version/Kind` (wildcards allowed, `Kind/subresource` never matches
a stored object). Names, namespaces, annotations and label selectors use wildcards; `namespaceSelector`
reads the labels of the Namespace objects given to the evaluation. Filters on the requesting user
(`subjects`, `roles`, `clusterRoles`) only apply to admission requests, so they never match here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sggitops.policy.kyverno.values import has_wildcard, wildcard_match

DEFAULT_OPERATIONS = ("CREATE", "UPDATE")


class MatchSpecError(ValueError):
    """A match/exclude block is malformed."""


@dataclass(frozen=True)
class KindSelector:
    group: str
    version: str
    kind: str
    subresource: str

    @classmethod
    def parse(cls, text: str) -> KindSelector:
        parts = text.split("/")
        if len(parts) == 1:
            return cls("*", "*", parts[0], "")
        if len(parts) == 2:
            if parts[0] == "*" or parts[0][:1].isupper():
                return cls("*", "*", parts[0], parts[1])
            return cls("*", parts[0], parts[1], "")
        if len(parts) == 3:
            if parts[1][:1].isupper():
                return cls("*", parts[0], parts[1], parts[2])
            return cls(parts[0], parts[1], parts[2], "")
        return cls(parts[0], parts[1], parts[2], "/".join(parts[3:]))

    def matches(self, group: str, version: str, kind: str) -> bool:
        return (
            wildcard_match(self.kind, kind)
            and wildcard_match(self.group, group)
            and wildcard_match(self.version, version)
            and wildcard_match(self.subresource, "")
        )


def gvk(resource: Mapping[str, Any]) -> tuple[str, str, str]:
    """(group, version, kind) of a manifest."""
    api_version = str(resource.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    return group, version, str(resource.get("kind") or "")


def metadata(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = resource.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector (wildcards allowed in matchLabels, as Kyverno allows)."""

    match_labels: tuple[tuple[str, str], ...]
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    @classmethod
    def parse(cls, raw: Any) -> LabelSelector:
        if not isinstance(raw, Mapping):
            raise MatchSpecError("a label selector must be a mapping")
        labels = tuple(sorted(_str_map(raw.get("matchLabels")).items()))
        expressions = []
        for expr in raw.get("matchExpressions") or []:
            if not isinstance(expr, Mapping) or "key" not in expr or "operator" not in expr:
                raise MatchSpecError("a matchExpressions item needs key and operator")
            values = tuple(str(v) for v in expr.get("values") or [])
            expressions.append((str(expr["key"]), str(expr["operator"]), values))
        return cls(labels, tuple(expressions))

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if has_wildcard(key) or has_wildcard(value):
                if not any(wildcard_match(key, k) and wildcard_match(value, v) for k, v in labels.items()):
                    return False
            elif labels.get(key) != value:
                return False
        for key, op, values in self.expressions:
            present = key in labels
            if op == "In" and not (present and labels[key] in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return False
        return True


@dataclass(frozen=True)
class MatchInput:
    """What filters look at besides the resource: namespace labels and the request operation."""

    namespaces: Mapping[str, Mapping[str, Any]]
    operation: str

    def namespace_labels(self, resource: Mapping[str, Any]) -> dict[str, str]:
        meta = metadata(resource)
        if resource.get("kind") == "Namespace":
            return _str_map(meta.get("labels"))
        namespace = self.namespaces.get(str(meta.get("namespace") or ""))
        return _str_map(metadata(namespace).get("labels")) if namespace else {}


@dataclass(frozen=True)
class ResourceFilter:
    """One item of `match.any` / `match.all` (or the legacy `match.resources` block)."""

    kinds: tuple[KindSelector, ...]
    names: tuple[str, ...]
    namespaces: tuple[str, ...]
    annotations: tuple[tuple[str, str], ...]
    selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    operations: tuple[str, ...]
    user_info: bool

    @classmethod
    def parse(cls, raw: Any) -> ResourceFilter:
        if not isinstance(raw, Mapping):
            raise MatchSpecError("a match/exclude filter must be a mapping")
        res = raw.get("resources") or {}
        if not isinstance(res, Mapping):
            raise MatchSpecError("`resources` must be a mapping")
        names = [str(n) for n in res.get("names") or []]
        if res.get("name"):
            names.append(str(res["name"]))
        selector = res.get("selector")
        ns_selector = res.get("namespaceSelector")
        return cls(
            kinds=tuple(KindSelector.parse(str(k)) for k in res.get("kinds") or []),
            names=tuple(names),
            namespaces=tuple(str(n) for n in res.get("namespaces") or []),
            annotations=tuple(sorted(_str_map(res.get("annotations")).items())),
            selector=LabelSelector.parse(selector) if selector is not None else None,
            namespace_selector=LabelSelector.parse(ns_selector) if ns_selector is not None else None,
            operations=tuple(str(o).upper() for o in res.get("operations") or []),
            user_info=any(raw.get(k) for k in ("subjects", "roles", "clusterRoles")),
        )

    def matches(self, resource: Mapping[str, Any], given: MatchInput) -> bool:
        if self.user_info:
            return False  # admission-request only: no user in background/CLI evaluation
        if given.operation not in (self.operations or DEFAULT_OPERATIONS):
            return False
        if self.kinds:
            group, version, kind = gvk(resource)
            if not any(k.matches(group, version, kind) for k in self.kinds):
                return False
        meta = metadata(resource)
        name = str(meta.get("name") or "")
        if self.names and not any(wildcard_match(n, name) for n in self.names):
            return False
        if self.namespaces:
            namespace = name if resource.get("kind") == "Namespace" else str(meta.get("namespace") or "")
            if not any(wildcard_match(n, namespace) for n in self.namespaces):
                return False
        if self.annotations:
            present = _str_map(meta.get("annotations"))
            for key, value in self.annotations:
                if not any(wildcard_match(key, k) and wildcard_match(value, v) for k, v in present.items()):
                    return False
        if self.selector is not None and not self.selector.matches(_str_map(meta.get("labels"))):
            return False
        return self.namespace_selector is None or self.namespace_selector.matches(
            given.namespace_labels(resource)
        )

    def literal_kinds(self) -> set[str] | None:
        """The exact kinds this filter can match, or None when a wildcard makes that open-ended."""
        if not self.kinds or any(has_wildcard(k.kind) for k in self.kinds):
            return None
        return {k.kind for k in self.kinds}


@dataclass(frozen=True)
class MatchBlock:
    """A whole `match` or `exclude`: any-of and all-of filters."""

    any: tuple[ResourceFilter, ...]
    all: tuple[ResourceFilter, ...]

    @classmethod
    def parse(cls, raw: Any) -> MatchBlock:
        if raw is None:
            return cls((), ())
        if not isinstance(raw, Mapping):
            raise MatchSpecError("match/exclude must be a mapping")
        any_of = tuple(ResourceFilter.parse(f) for f in raw.get("any") or [])
        all_of = tuple(ResourceFilter.parse(f) for f in raw.get("all") or [])
        legacy = {k: raw[k] for k in ("resources", "subjects", "roles", "clusterRoles") if raw.get(k)}
        if legacy:
            all_of = (*all_of, ResourceFilter.parse(legacy))
        return cls(any_of, all_of)

    @property
    def empty(self) -> bool:
        return not self.any and not self.all

    def matches(self, resource: Mapping[str, Any], given: MatchInput) -> bool:
        if self.empty:
            return False
        if self.any and not any(f.matches(resource, given) for f in self.any):
            return False
        return all(f.matches(resource, given) for f in self.all)

    def literal_kinds(self) -> set[str] | None:
        """The kinds this block can match (None: any kind may match)."""
        kinds: set[str] | None = None
        if self.any:
            kinds = set()
            for f in self.any:
                found = f.literal_kinds()
                if found is None:
                    kinds = None
                    break
                kinds |= found
        for f in self.all:
            found = f.literal_kinds()
            if found is not None:
                kinds = found if kinds is None else kinds & found
        return kinds
