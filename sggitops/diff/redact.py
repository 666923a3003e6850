"""Secret values never leave the diff engine: they are replaced before anything is compared or printed.

Redacted: every value under `data` and `stringData` of a `Secret`, and of any object with a top-level
`sops:` key (a SOPS-encrypted file, whatever its kind), and the `last-applied-configuration` annotation
of such objects (it holds a copy of the data). Placeholders carry no digest (a hash of a short password
can be guessed), only whether the value changed: the same key with the same value is `<redacted>` on
both sides; a value that differs is `<redacted>` on the base side and `<redacted: changed>` on the head.
The `sops` metadata block (MAC, wrapped data keys) is replaced by `<redacted>` too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"
CHANGED = "<redacted: changed>"
SECRET_FIELDS = ("data", "stringData")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def is_secret(obj: Mapping[str, Any] | None) -> bool:
    """A Secret, or any SOPS-encrypted object."""
    return obj is not None and (obj.get("kind") == "Secret" or "sops" in obj)


def redact_pair(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Copies of both sides of one resource with secret values replaced (either side may be absent)."""
    if not (is_secret(before) or is_secret(after)):
        return _copy(before), _copy(after)
    old = _copy(before)
    new = _copy(after)
    for field in SECRET_FIELDS:
        old_values = _values(old, field)
        new_values = _values(new, field)
        if old is not None and old_values is not None:
            old[field] = dict.fromkeys(old_values, REDACTED)
        if new is not None and new_values is not None:
            new[field] = {
                key: CHANGED
                if old_values is not None and key in old_values and old_values[key] != value
                else REDACTED
                for key, value in new_values.items()
            }
    for side in (old, new):
        if side is not None:
            _redact_metadata(side)
    if new is not None and _sops_changed(before, after):
        new["sops"] = CHANGED
    return old, new


def redact(obj: Mapping[str, Any]) -> dict[str, Any]:
    """One object on its own (an added or removed resource)."""
    out, _ = redact_pair(obj, None)
    assert out is not None
    return out


def _sops_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> bool:
    if before is None or after is None or "sops" not in before or "sops" not in after:
        return False
    return bool(before["sops"] != after["sops"])


def _copy(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return copy.deepcopy(dict(obj)) if obj is not None else None


def _values(obj: dict[str, Any] | None, field: str) -> dict[str, Any] | None:
    if obj is None or field not in obj:
        return None
    value = obj[field]
    if isinstance(value, Mapping):
        return dict(value)
    obj[field] = REDACTED  # not a mapping: still never shown
    return None


def _redact_metadata(obj: dict[str, Any]) -> None:
    if "sops" in obj:
        obj["sops"] = REDACTED
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        annotations[LAST_APPLIED] = REDACTED
