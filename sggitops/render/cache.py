"""Content-addressed render cache shared across processes.

The key of a render is a sha256 over the kustomize version, its flags, the root and every
`(relative path, sha256 of content)` of the root's input closure, so any edit to any file the build reads
gives a new key and nothing else does. Entries are the rendered YAML, written atomically (temp file in
the same directory + `os.replace`), so concurrent processes never see a half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sggitops import fsguard
from sggitops.paths import cache_root

MISSING = "missing"
"""The digest recorded for a closure path that does not exist (creating it changes the key)."""


def default_cache_dir(repo: Path) -> Path:
    """`render/` in the cache dir (`$SGGITOPS_CACHE_DIR`, else `<repo>/.sggitops-cache`)."""
    return cache_root(repo) / "render"


def cache_key(version: str, flags: Iterable[str], root: str, files: Iterable[tuple[str, str]]) -> str:
    """sha256 over the tool version, flags, root and the sorted `(path, digest)` pairs."""
    h = hashlib.sha256()
    for part in ("sggitops-render-v1", version, "\0".join(flags), root):
        h.update(part.encode())
        h.update(b"\n")
    for path, digest in sorted(files):
        h.update(f"{path}\0{digest}\n".encode())
    return h.hexdigest()


class FileDigests:
    """sha256 of files by path, memoized by stat for one run (many overlays share the same bases)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._memo: dict[tuple[str, int, int, int, int], str] = {}
        self._links: dict[str, bool] = {}
        self._lock = threading.Lock()

    def digest(self, rel: str) -> str:
        path = self.repo / rel
        try:
            st = path.stat()
        except OSError:
            return MISSING
        memo_key = (rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        with self._lock:
            if memo_key in self._memo:
                return self._memo[memo_key]
        try:
            value = hashlib.sha256(fsguard.read_bytes(path, self.repo)).hexdigest()
        except OSError:
            value = MISSING
        with self._lock:
            self._memo[memo_key] = value
        return value

    def linked(self, rel: str) -> bool:
        """Whether `rel` or a directory on its way is a symlink (memoized for the run)."""
        with self._lock:
            hit = self._links.get(rel)
        if hit is None:
            path = os.path.join(self.repo, rel)
            hit = os.path.realpath(path) != os.path.normpath(path)
            with self._lock:
                self._links[rel] = hit
        return hit

    def pairs(self, files: Iterable[str]) -> list[tuple[str, str]]:
        return [(f, self.digest(f)) for f in files]


class RenderCache:
    """Rendered YAML by key under one directory (`<dir>/<key[:2]>/<key>.yaml`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.yaml"

    def get(self, key: str) -> str | None:
        """The cached text, or None on a miss (an unreadable entry is a miss)."""
        try:
            return self._path(key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def get_objects(self, key: str) -> tuple[dict[str, Any], ...] | None:
        """The parsed objects stored beside the text (JSON reads far faster than YAML), or None."""
        try:
            data = json.loads(self._path(key).with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(data, list) or not all(isinstance(o, dict) for o in data):
            return None
        return tuple(data)

    def put_objects(self, key: str, objects: tuple[dict[str, Any], ...]) -> None:
        self._write(
            self._path(key).with_suffix(".json"), key, json.dumps(list(objects), separators=(",", ":"))
        )

    def put(self, key: str, text: str) -> None:
        """Store atomically; a cache that cannot be written is skipped, never an error."""
        self._write(self._path(key), key, text)

    def _write(self, path: Path, key: str, text: str) -> None:
        write_entry(path, key, text)


def write_entry(path: Path, key: str, text: str) -> None:
    """Write a cache entry atomically (temp file + rename); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:8]}-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
