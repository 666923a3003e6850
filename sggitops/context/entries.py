"""The documents of the entry files (Flux bootstrap files, standalone Argo CD Applications) that
validate starts from, with a `yaml/syntax` error for each one that is not valid YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.errors import InputError
from sggitops.findings import Finding, Severity


def entry_documents(repo: Path, rels: list[str]) -> tuple[list[dict[str, Any]], list[Finding]]:
    """The mapping documents of the entry files, and a `yaml/syntax` error (at the parser's position)
    for each entry file that is not valid YAML: never a silent pass."""
    docs: list[dict[str, Any]] = []
    errors: list[Finding] = []
    for rel in rels:
        try:
            loaded = yamlio.load_plain_all(fsguard.read_text(repo / rel, repo), rel)
        except InputError as err:
            where = err.location
            errors.append(
                Finding(where.file, where.line, where.col, err.rule, Severity.ERROR, err.message, err.hint)
            )
            continue
        except (OSError, UnicodeDecodeError):
            continue  # the repo scan reports it (build/unsafe-path, build/too-large)
        docs += [doc for _line, _col, doc in loaded if isinstance(doc, dict)]
    return docs, errors
