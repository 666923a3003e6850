"""Resource identity: a frozen, ordered id used as key and sort order for every manifest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class ResourceId:
    """`group, kind, namespace, name`; printed as `Kind/namespace/name` (namespace empty for cluster scope)."""

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ResourceId:
        """The id of a manifest dict; tolerant of missing fields (they become empty strings)."""
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        return cls(
            group=group,
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
        )

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"
