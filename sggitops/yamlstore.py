"""Parsed YAML kept between runs, by the sha256 of the text: the plain documents (`get`/`put`, for
`yamlio.load_plain_all`), and under prefixed keys other parses that depend on the text alone
(`lookup`/`keep`: `yamlpos.load_one`'s positioned documents, a kustomization's named paths).

A validate run reads the same repo files as the run before it (the entry files, the Argo CD and Flux
objects, every YAML file the secrets scan reads); parsing them is most of a one-cluster run. With
`persisted(path)` active, the readers look a text up here before parsing it, and the run ends by
writing the entries it used to one JSON file (atomically; entries no run used are dropped, so the file
stays the size of the repo). JSON reads about ten times faster than YAML parses.

Only data that JSON keeps exactly is stored (string keys, finite numbers); anything else is parsed
each time. A cache that cannot be read or written is a miss, never an error. Like the render cache,
the file is trusted as far as the cache dir is: a digest names the exact text it was parsed from.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Docs = list[tuple[int, int, Any]]

VERSION = 1


class Store:
    """The documents of texts by digest, loaded from and saved to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._added = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("version") == VERSION and isinstance(data.get("texts"), dict):
            self._entries = data["texts"]

    def lookup(self, key: str) -> Any:
        """The JSON value kept under `key` (None when there is none); the caller checks its shape."""
        value = self._entries.get(key)
        if value is not None:
            with self._lock:
                self._used.add(key)
        return value

    def keep(self, key: str, value: Any) -> None:
        """Keep a JSON value under `key` for the next run (the caller makes sure JSON keeps it exactly)."""
        with self._lock:
            self._entries[key] = value
            self._used.add(key)
            self._added = True

    def get(self, digest: str) -> Docs | None:
        raw = self._entries.get(digest)
        if not isinstance(raw, list):
            return None
        docs: Docs = []
        for item in raw:
            if not (isinstance(item, list) and len(item) == 3 and all(isinstance(n, int) for n in item[:2])):
                return None
            docs.append((item[0], item[1], item[2]))
        with self._lock:
            self._used.add(digest)
        return docs

    def put(self, digest: str, docs: Docs) -> None:
        if not all(_exact(doc) for _line, _col, doc in docs):
            return
        with self._lock:
            self._entries[digest] = [[line, col, doc] for line, col, doc in docs]
            self._used.add(digest)
            self._added = True

    def save(self) -> None:
        """Write the entries this run used (when it added any, or some went unused)."""
        with self._lock:
            if not self._added and self._used == set(self._entries):
                return
            texts = {d: self._entries[d] for d in sorted(self._used) if d in self._entries}
        payload = json.dumps({"version": VERSION, "texts": texts}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".parsed-", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(payload)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _exact(node: Any) -> bool:
    """Whether JSON gives `node` back exactly (string keys; no NaN or infinity)."""
    if isinstance(node, dict):
        return all(isinstance(k, str) and _exact(v) for k, v in node.items())
    if isinstance(node, list):
        return all(_exact(v) for v in node)
    if isinstance(node, float):
        return math.isfinite(node)
    return node is None or isinstance(node, (str, int, bool))


_ACTIVE: list[Store] = []


def active() -> Store | None:
    """The store of the run in progress, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextlib.contextmanager
def persisted(path: Path | None) -> Iterator[Store | None]:
    """Use (and at the end save) the store at `path` for the enclosed run; `None` uses none."""
    if path is None:
        yield None
        return
    store = Store(path)
    _ACTIVE.append(store)
    try:
        yield store
    finally:
        _ACTIVE.remove(store)
        store.save()
