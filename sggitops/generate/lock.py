"""`.sggitops/lock.yaml`: what produced the generated files, and the digest of every owned file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sggitops import fsguard, yamlio
from sggitops.errors import InputError, Location
from sggitops.paths import LOCK_PATH as LOCK_PATH


def digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Lock:
    version: str
    spec_digest: str
    files: dict[str, str] = field(default_factory=dict)  # path -> digest

    def render(self) -> str:
        head = "# Written by sggitops: the generator's record of the files it owns. Do not edit.\n"
        return head + yamlio.dump(
            {
                "generator": "sggitops",
                "version": self.version,
                "specDigest": self.spec_digest,
                "files": dict(sorted(self.files.items())),
            }
        )


def read_lock(root: Path) -> Lock | None:
    """The lock of a repo, None when there is none; a corrupt lock is an input error."""
    path = root / LOCK_PATH
    if not path.is_file():
        return None
    docs = yamlio.load_plain_all(fsguard.read_text(path, root), LOCK_PATH, rule="drift/lock")
    doc = docs[0][2] if len(docs) == 1 else None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(files, dict):
        raise InputError(
            "the lock file is not a mapping with `files:`",
            location=Location(LOCK_PATH, 1, 1),
            rule="drift/lock",
            hint="restore it from git, or delete it and run `sggitops generate --force`",
        )
    return Lock(
        version=str(doc.get("version", "")),
        spec_digest=str(doc.get("specDigest", "")),
        files={str(k): str(v) for k, v in files.items()},
    )
