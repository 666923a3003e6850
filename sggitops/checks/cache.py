"""A content-addressed cache of findings, so a warm `validate` does not re-check what did not change.

Keys are digests of everything a result depends on (render keys, Kubernetes version, sggitops version,
policy inputs); values are the findings as JSON. Writes are atomic; a corrupt entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from sggitops import __version__
from sggitops.findings import Finding


def findings_key(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in (__version__, *parts):
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\0")
    return digest.hexdigest()


class FindingsCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / "findings" if directory is not None else None

    def _path(self, family: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / family / key[:2] / f"{key}.json"

    def get(self, family: str, key: str) -> list[Finding] | None:
        path = self._path(family, key)
        if path is None:
            return None
        try:
            items = json.loads(path.read_text("utf-8"))
            return [Finding.from_json(i) for i in items]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, family: str, key: str, findings: list[Finding]) -> None:
        path = self._path(family, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([f.to_json() for f in findings], handle)
            os.replace(tmp, path)
        except OSError:
            return  # a read-only cache only costs speed
