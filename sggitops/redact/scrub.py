"""Redaction itself: a `Scrubber` that replaces known values in any text, and the structural redaction
of both sides of a resource for the diff (see the package docstring)."""

from __future__ import annotations

import base64
import copy
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError
from sggitops.findings import Finding
from sggitops.redact.model import (
    CHANGED,
    EMBEDDED,
    LAST_APPLIED,
    MIGHT_HOLD,
    MIN_SCRUB,
    REDACTED,
    Path,
    credential_leaves,
    decode_base64,
    is_secret_object,
)


def _forms(value: Any) -> Iterator[str]:
    """The texts under which a value may show up in an output."""
    text = str(value)
    if not text.strip():
        return
    yield text
    yield text.strip()
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    yield encoded
    yield encoded.rstrip("=")
    decoded = decode_base64(text)
    if decoded:
        yield decoded
        yield decoded.strip()
        yield from (line.strip() for line in decoded.splitlines())
    yield from (line.strip() for line in text.splitlines())


class Scrubber:
    """Replaces known secret values (and their base64 forms) in any text."""

    def __init__(self, values: Iterable[Any] = (), marks: Mapping[str, str] | None = None) -> None:
        self.marks: dict[str, str] = {}
        for value in values:
            self.add(value)
        for text, mark in (marks or {}).items():
            self.add(text, mark)
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: Any, mark: str = REDACTED) -> None:
        for form in _forms(value):
            if len(form) >= MIN_SCRUB and self.marks.get(form) != CHANGED:
                self.marks[form] = mark
        self._pattern = None

    def __bool__(self) -> bool:
        return bool(self.marks)

    def scrub(self, text: str) -> str:
        """`text` with every known value replaced by its placeholder."""
        if not self.marks or not text:
            return text
        if self._pattern is None:
            ordered = sorted(self.marks, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return self._pattern.sub(lambda m: self.marks[m.group(0)], text)

    def scrub_tree(self, node: Any) -> Any:
        """A copy of plain data with every string scrubbed (keys too)."""
        if isinstance(node, Mapping):
            return {self.scrub(k) if isinstance(k, str) else k: self.scrub_tree(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.scrub_tree(v) for v in node]
        if isinstance(node, str):
            return self.scrub(node)
        return node


def scrubber_for(objects: Iterable[Any]) -> Scrubber:
    """A scrubber that knows every credential value of these documents."""
    out = Scrubber()
    for obj in objects:
        for leaf in credential_leaves(obj):
            out.add(leaf.value)
    return out


# -- structural redaction (diff) -----------------------------------------------------------------------


def redact_pair(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Copies of both sides of one resource with every credential replaced (either side may be absent).

    The same key with the same value is `<redacted>` on both sides; a value that differs is `<redacted>`
    on the base side and `<redacted: changed>` on the head side."""
    old_leaves = {leaf.path: leaf.value for leaf in credential_leaves(before)} if before is not None else {}
    new_leaves = {leaf.path: leaf.value for leaf in credential_leaves(after)} if after is not None else {}
    old_scrub = Scrubber(old_leaves.values())
    new_scrub = Scrubber()
    for path, value in new_leaves.items():
        changed = path in old_leaves and old_leaves[path] != value
        new_scrub.add(value, CHANGED if changed else REDACTED)
    old = _redacted_copy(before, old_leaves, {}, old_scrub)
    new = _redacted_copy(after, new_leaves, old_leaves, new_scrub)
    if (
        new is not None
        and before is not None
        and after is not None
        and "sops" in before
        and "sops" in after
        and before["sops"] != after["sops"]
    ):
        new["sops"] = CHANGED
    return old, new


def redact(obj: Mapping[str, Any]) -> dict[str, Any]:
    """One object on its own (an added or removed resource)."""
    out, _ = redact_pair(obj, None)
    assert out is not None
    return out


def _redacted_copy(
    obj: Mapping[str, Any] | None, leaves: Mapping[Path, Any], other: Mapping[Path, Any], scrub: Scrubber
) -> dict[str, Any] | None:
    if obj is None:
        return None
    out = copy.deepcopy(dict(obj))
    for path, value in leaves.items():
        if EMBEDDED in path:
            continue  # inside a text: the scrubber replaces it there
        mark = CHANGED if path in other and other[path] != value else REDACTED
        _set(out, path, mark)
    out = dict(scrub.scrub_tree(out))
    if is_secret_object(obj):
        if "sops" in out:
            out["sops"] = REDACTED
        meta = out.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = REDACTED
    return out


def _set(node: Any, path: Path, value: Any) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def scrubber_for_texts(texts: Iterable[str]) -> Scrubber:
    """A scrubber for every credential value of these YAML (or JSON) texts; unparseable texts add none."""
    out = Scrubber()
    for text in texts:
        if not MIGHT_HOLD.search(text):
            continue
        try:
            docs = yamlio.load_plain_all(text, "text")
        except (InputError, RecursionError, ValueError):
            continue
        for _line, _col, doc in docs:
            for leaf in credential_leaves(doc):
                out.add(leaf.value)
    return out


def scrub_findings(findings: list[Finding], scrub: Scrubber) -> list[Finding]:
    """The findings with every known secret value replaced in their message and hint."""
    if not scrub:
        return findings
    return [
        dataclasses.replace(f, message=scrub.scrub(f.message), hint=scrub.scrub(f.hint)) for f in findings
    ]
