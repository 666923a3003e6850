"""Conftest-style repo rules: Rego v1 `deny` and `warn` rules over the whole GitOps repo.

The input is `{"objects": [...], "cluster": {...}, "spec": {...}}` (one cluster's rendered objects,
its entry in the platform spec, and the spec). `deny` gives errors and `warn` warnings; each is a set
of messages, or of objects with a `msg`. Users add rules in `policies/repo/*.rego` of the GitOps repo
(sggitops' own built-in rules are Python: `sggitops.policy.repo_builtin`). Files must be Rego v1: a
file with v0 rule forms is refused rather than misread.

Only what the rules read is handed to the engine: `input_keys` lists the top-level input fields the
modules name (`input.spec`, `input["cluster"]`); a module that uses `input` as a whole gets it all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sggitops import fsguard
from sggitops.policy.rego.engine import UNDEFINED, CompiledPolicy, defined_names
from sggitops.policy.rego.errors import RegoSyntaxError, RegoUnsupported
from sggitops.policy.rego.rewrite import declares_v1, to_v1
from sggitops.policy.rego.tokens import Kind, tokenize

SEVERITIES = {"deny": "error", "warn": "warning"}


@dataclass(frozen=True, order=True)
class RepoMessage:
    """One message of a repo rule."""

    severity: str  # "error" (deny) | "warning" (warn)
    package: str  # e.g. "sggitops.argocd"
    rule: str  # "deny" | "warn"
    message: str
    source: str  # module: the file path, or builtin/argocd


def load_modules(directory: Path, root: Path | None = None) -> dict[str, str]:
    """Every `*.rego` under `directory` (sorted), keyed by path (relative to `root` when given: the repo
    path a finding's hint names); an absent directory gives none."""
    if not directory.is_dir():
        return {}
    out: dict[str, str] = {}
    for path in sorted(directory.rglob("*.rego")):
        try:  # a FIFO, a device or a link out of the repo is not read (the repo scan reports it)
            text = fsguard.read_text(path, root or directory)
        except (OSError, UnicodeDecodeError):
            continue
        out[path.relative_to(root).as_posix() if root is not None else str(path)] = text
    return out


def _package(source: str) -> str:
    toks = [t for t in tokenize(source) if not t.trivia]
    for i, tok in enumerate(toks):
        if tok.is_name("package"):
            parts: list[str] = []
            for t in toks[i + 1 :]:
                if t.kind is Kind.NEWLINE:
                    break
                if t.kind is Kind.NAME:
                    parts.append(t.text)
            return ".".join(parts)
    raise RegoSyntaxError("a Rego module needs a package")


def input_keys(sources: Iterable[str]) -> frozenset[str] | None:
    """The top-level `input` fields the modules read; None when one uses `input` as a whole."""
    keys: set[str] = set()
    for source in sources:
        toks = [t for t in tokenize(source) if not t.trivia and t.kind is not Kind.NEWLINE]
        for i, tok in enumerate(toks):
            if not tok.is_name("input") or (i and toks[i - 1].is_op(".")):
                continue
            nxt = toks[i + 1 : i + 3]
            if len(nxt) == 2 and nxt[0].is_op(".") and nxt[1].kind is Kind.NAME:
                keys.add(nxt[1].text)
            elif len(nxt) == 2 and nxt[0].is_op("[") and nxt[1].kind is Kind.STRING:
                keys.add(str(json.loads(nxt[1].text)))
            else:
                return None
    return frozenset(keys)


def _require_v1(name: str, source: str) -> None:
    if declares_v1(source):
        return
    if to_v1(source) != source:
        raise RegoUnsupported(
            "rego-v0", f"{name}: repo rules must be Rego v1 (`deny contains msg if {{ ... }}`), not v0"
        )


class RepoRules:
    """Repo rule modules compiled once; `evaluate(input)` gives their messages, sorted."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self.entries: list[tuple[str, str, str]] = []  # (entrypoint, package, rule)
        self.sources: dict[str, str] = {}
        for name, source in modules.items():
            _require_v1(name, source)
            package = _package(source)
            for rule in sorted(SEVERITIES.keys() & defined_names(source)):
                entry = (package.replace(".", "/") + "/" + rule, package, rule)
                if entry not in self.entries:
                    self.entries.append(entry)
                    self.sources[entry[0]] = name
        self.policy = CompiledPolicy(dict(modules), [e for e, _, _ in self.entries]) if self.entries else None
        self.input_keys = input_keys(modules.values())

    def reads(self, key: str) -> bool:
        """True when a rule may read the top-level input field `key`."""
        return self.policy is not None and (self.input_keys is None or key in self.input_keys)

    def digest(self) -> str:
        """A digest of the rule sources (part of cache keys)."""
        data = "\0".join(f"{name}\0{source}" for name, source in sorted(self.sources.items()))
        return hashlib.sha256(data.encode()).hexdigest()

    @classmethod
    def load(cls, directory: Path | None = None, root: Path | None = None) -> RepoRules:
        """The rules under `directory` (none when it is None or absent), named relative to `root`."""
        return cls(load_modules(directory, root) if directory is not None else {})

    def evaluate(self, input_doc: Mapping[str, Any]) -> list[RepoMessage]:
        """Messages of every deny/warn rule; raises RegoEvalError (callers fail closed)."""
        if self.policy is None:
            return []
        doc = (
            input_doc
            if self.input_keys is None
            else {k: input_doc[k] for k in self.input_keys if k in input_doc}
        )
        out: list[RepoMessage] = []
        for entry, package, rule in self.entries:
            value = self.policy.query(entry, doc)
            if value is UNDEFINED:
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                out.append(RepoMessage(SEVERITIES[rule], package, rule, _message(item), self.sources[entry]))
        return sorted(out)


def _message(item: Any) -> str:
    if isinstance(item, Mapping) and "msg" in item:
        return str(item["msg"])
    if isinstance(item, str):
        return item
    return json.dumps(item, sort_keys=True)
