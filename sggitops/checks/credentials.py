"""secrets/plaintext outside plain Secret documents: credential values wherever they sit in repo files.

Every `.yaml`/`.yml`/`.json` file of the repo is read (listed by a kustomization or not; `.git`, caches
and ignored paths excepted), and each document, each item of a `kind: List` and each YAML/JSON text
inside a value (Big Bang values in a ConfigMap, a `last-applied-configuration` annotation) is searched
for credential leaves (`sggitops.redact.credential_leaves`): a finding per plaintext value, at its line,
naming the path and never the value. `platform.yaml` is searched too (its values blocks reach the
`common` and `environment` ConfigMaps in plaintext); generated files whose content still matches the
lock are skipped (their values come from `platform.yaml`, reported there). Top-level Secret documents
are judged by `secrets.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.checks.context import RepoContext
from sggitops.checks.walk import SKIP_DIRS
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity
from sggitops.generate.lock import digest, read_lock
from sggitops.redact import (
    EMBEDDED,
    Leaf,
    Scrubber,
    credential_leaves,
    is_credential_key,
    is_plaintext,
    scrubber_for,
)
from sggitops.render.ignore import ignored
from sggitops.spec.load import SPEC_FILE

RULE = "secrets/plaintext"
SPEC_HINT = (
    "move it into the SOPS-encrypted `common-bb` (fleet) or `environment-bb` (cluster) Secret that Big "
    "Bang reads values from, and remove it from platform.yaml"
)
VALUE_HINT = (
    "move it into a SOPS-encrypted Secret (Big Bang values: the `*-bb` Secret) and reference that, "
    "or encrypt this file with SOPS"
)
MAX_BYTES = 5_000_000
_PREFILTER = re.compile(r"pass|pwd|secret|token|credential|key", re.I)

Path_ = tuple[str | int, ...]


def check_files(ctx: RepoContext, files: list[str], done: set[tuple[str, int, int]]) -> Iterator[Finding]:
    """secrets/plaintext for each plaintext credential of these repo files (not already in `done`)."""
    owned = _unedited_generated(ctx.repo)
    for rel in files:
        if rel in owned:
            continue
        for finding in file_findings(ctx.repo, rel):
            where = (finding.file, finding.line, finding.col)
            if where not in done:
                done.add(where)
                yield finding


def file_findings(repo: Path, rel: str) -> Iterator[Finding]:
    """The plaintext credentials of one file (nothing for a file that cannot be read or parsed)."""
    text = _read(repo / rel, repo)
    if text is None or not _PREFILTER.search(text) or not _has_plaintext(text, rel):
        return
    try:
        docs = yamlio.load_all(text, rel)
    except InputError:
        return
    hint = SPEC_HINT if rel == SPEC_FILE else VALUE_HINT
    for doc in docs:
        for item, prefix, top in _items(doc):
            for leaf in _leaves(item):
                if (leaf.in_secret and top and EMBEDDED not in leaf.path) or not is_plaintext(leaf.value):
                    continue
                line, col = _position(item, leaf.path)
                yield Finding(
                    rel,
                    line,
                    col,
                    RULE,
                    Severity.ERROR,
                    f"{_what(item)} holds a plaintext credential at `{_dotted((*prefix, *leaf.path))}`",
                    hint=hint,
                    resource=_resource(item),
                )


def yaml_files(repo: Path) -> list[str]:
    """Every `.yaml`/`.yml`/`.json` file of the repo (hidden directories included; `.git` and caches not)."""
    out: list[str] = []
    base = os.fspath(repo)
    skip = len(base.rstrip(os.sep)) + 1
    for current, dirs, files in os.walk(base):
        here = current[skip:].replace(os.sep, "/")  # "" at the top
        prefix = f"{here}/" if here else ""
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not ignored(repo, prefix + d))
        out += (prefix + name for name in sorted(files) if name.endswith((".yaml", ".yml", ".json")))
    return out


def _read(path: Path, repo: Path) -> str | None:
    """The file's text when it is a regular file inside the repo and not too large (fsguard reports the rest)."""
    try:
        return fsguard.read_text(path, repo, max_bytes=MAX_BYTES)
    except (OSError, UnicodeDecodeError):
        return None


def _has_plaintext(text: str, rel: str) -> bool:
    """The fast pass: plain data without positions, parsed again with positions only when needed."""
    try:
        docs = yamlio.load_plain_all(text, rel)
    except InputError:
        return False
    for _line, _col, doc in docs:
        for item, _prefix, top in _items(doc):
            for leaf in _leaves(item):
                if not (leaf.in_secret and top and EMBEDDED not in leaf.path) and is_plaintext(leaf.value):
                    return True
    return False


def _leaves(doc: Any) -> Iterator[Leaf]:
    """The credential leaves of a document, plus `KEY=VALUE` literals of a kustomization's
    configMapGenerator whose KEY says credential (secretGenerator literals are judged by secrets.py)."""
    yield from credential_leaves(doc)
    generators = doc.get("configMapGenerator") if isinstance(doc, Mapping) else None
    for i, entry in enumerate(generators if isinstance(generators, list) else []):
        literals = entry.get("literals") if isinstance(entry, Mapping) else None
        for j, literal in enumerate(literals if isinstance(literals, list) else []):
            key, sep, value = str(literal).partition("=")
            if sep and is_credential_key(key.strip()):
                yield Leaf(("configMapGenerator", i, "literals", j), value, False)


def _items(doc: Any) -> Iterator[tuple[Any, Path_, bool]]:
    """The document, or the items of a `kind: List` (with their path and whether they are top level)."""
    if (
        isinstance(doc, Mapping)
        and str(doc.get("kind", "")).endswith("List")
        and isinstance(doc.get("items"), list)
    ):
        for i, item in enumerate(doc["items"]):
            yield item, ("items", i), False
        return
    yield doc, (), True


def _unedited_generated(repo: Path) -> set[str]:
    """Owned files whose content is still what the generator wrote (their values come from the spec)."""
    try:
        lock = read_lock(repo)
    except InputError:
        return set()
    if lock is None:
        return set()
    out = set()
    for rel, want in lock.files.items():
        try:
            if digest(fsguard.read_bytes(repo / rel, repo)) == want:  # never a FIFO, never outside
                out.add(rel)
        except OSError:
            continue
    return out


def _position(doc: Any, path: Path_) -> tuple[int, int]:
    """(line, col) of a leaf; inside an embedded text, the line of the text that names the leaf."""
    if EMBEDDED not in path:
        return yamlio.locate(doc, path)
    cut = path.index(EMBEDDED)
    outer = path[:cut]
    line, col = yamlio.locate(doc, outer)
    holder = _get(doc, outer)
    inner = path[cut + 1 :]
    if not isinstance(holder, str) or "\n" not in holder.strip():
        return line, col
    name = next((str(p) for p in reversed(inner) if isinstance(p, str) and p != EMBEDDED), "")
    for i, text_line in enumerate(holder.splitlines()):
        if name and re.search(rf"(^|[\s\"'{{,-]){re.escape(name)}[\"']?\s*:", text_line):
            return line + 1 + i, len(text_line) - len(text_line.lstrip()) + 1
    return line, col


def _get(doc: Any, path: Path_) -> Any:
    node = doc
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _dotted(path: Path_) -> str:
    out = ""
    for step in path:
        if step == EMBEDDED:
            out += " > "
        elif isinstance(step, int):
            out += f"[{step}]"
        else:
            out += str(step) if not out or out.endswith("> ") else f".{step}"
    return out


def _what(doc: Any) -> str:
    if isinstance(doc, Mapping) and doc.get("kind") == "Platform":
        return "the platform spec"
    if isinstance(doc, Mapping) and doc.get("kind"):
        return f"{doc.get('kind')} `{_resource(doc).split('/', 1)[1]}`"
    return "this document"


def _resource(doc: Any) -> str:
    if not isinstance(doc, Mapping) or not doc.get("kind"):
        return ""
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    return f"{doc.get('kind')}/{meta.get('namespace') or '-'}/{meta.get('name') or '-'}"


def repo_scrubber(repo: Path, objects: Iterable[Any]) -> Scrubber:
    """A scrubber for every credential value of these (rendered) objects and of the repo's files, so no
    report can quote one (a policy message interpolating a password, a build error echoing a value)."""
    scrub = scrubber_for(objects)
    owned = _unedited_generated(repo)  # their content is in the renders (and comes from the spec)
    for rel in yaml_files(repo):
        text = None if rel in owned else _read(repo / rel, repo)
        if text is None or not _PREFILTER.search(text):
            continue
        try:
            docs = yamlio.load_plain_all(text, rel)
        except InputError:
            continue
        for _line, _col, doc in docs:
            for leaf in _leaves(doc):
                scrub.add(leaf.value)
    return scrub
