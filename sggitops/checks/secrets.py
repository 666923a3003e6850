"""secrets/* rules: no Secret value is committed in plaintext.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio
from sggitops.checks import credentials
from sggitops.checks.context import RepoContext
from sggitops.checks.credentials import yaml_files
from sggitops.checks.walk import Placed, Sources, mapping, shared_sources, text
from sggitops.findings import Finding, Severity
from sggitops.redact import is_plaintext, is_sops_value
from sggitops.resource import ResourceId
from sggitops.rules import Rule

RULE = "secrets/plaintext"
HINT = "encrypt it with SOPS (`sops --encrypt --in-place FILE`), or deliver it with an ExternalSecret"
SOPS_MARK = "ENC[AES256_GCM,"


RULES = (
    Rule(
        id="secrets/plaintext",
        severity=Severity.ERROR,
        summary="a plaintext credential: an unencrypted Secret, or a credential value anywhere else",
        details="a `v1 Secret` with `data` or `stringData` values that are not SOPS-encrypted, found in a render or in any YAML file of the repo (outside `.git` and tool caches); or a kustomize `secretGenerator` entry with `literals`, `files` or `envs` whose content is not SOPS-encrypted (reported at the generator entry). A document with a top-level `sops:` key is encrypted; so is a value written `ENC[AES256_GCM,...]`. A Secret with no data, empty values or Helm template expressions (`{{ ... }}`) is fine. Messages name the keys, never the values.",
        passing=(
            "kind: Secret\n"
            "metadata: {name: db}\n"
            "stringData:\n"
            "  password: ENC[AES256_GCM,data:...]\n"
            "sops: {version: 3.9.0, ...}"
        ),
        failing=("kind: Secret\nmetadata: {name: db}\nstringData:\n  password: hunter2"),
    ),
)


def check(ctx: RepoContext) -> Iterator[Finding]:
    """secrets/plaintext for renders first (they know the cluster), then generators, then files."""
    sources = shared_sources(ctx)
    done: set[tuple[str, int, int]] = set()
    generators = {(k.file, g.line, g.col) for k in ctx.graph.kustomizations.values() for g in k.generated}
    generator_cluster: dict[tuple[str, int, int], str] = {}
    for root in sorted(ctx.targets):
        cluster = ctx.targets[root].cluster
        for obj in ctx.objects(root):
            if not _is_secret(obj):
                continue
            placed = sources.place(obj, root)
            where = (placed.file, placed.line, placed.col)
            if where in generators:  # judged from the generator entry: its files may be encrypted
                generator_cluster.setdefault(where, cluster)
            elif plaintext_keys(obj) and where not in done:
                done.add(where)
                yield _secret_finding(placed, cluster)
    for finding in _generators(ctx, sources):
        where = (finding.file, finding.line, finding.col)
        if where not in done:
            done.add(where)
            yield replace(finding, cluster=generator_cluster.get(where, ""))
    files = yaml_files(ctx.repo)
    for rel in files:
        for placed in sources.load(rel, rel) if _mentions_secret(ctx.repo / rel) else ():
            if (
                _is_secret(placed.obj)
                and plaintext_keys(placed.obj)
                and (rel, placed.line, placed.col) not in done
            ):
                done.add((rel, placed.line, placed.col))
                yield _secret_finding(placed, "")
    yield from credentials.check_files(ctx, files, done)


def plaintext_keys(obj: Mapping[str, Any]) -> list[str]:
    """The `data` / `stringData` keys of a Secret whose values are readable (see the module docstring)."""
    sops = obj.get("sops")
    keys: list[str] = []
    for field in ("data", "stringData"):
        values = obj.get(field)
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            if isinstance(sops, Mapping) and _left_in_clear(sops, field, str(key)):
                continue
            if isinstance(sops, Mapping) and is_sops_value(value):
                continue
            if is_plaintext(value):
                keys.append(str(key))
    return keys


def _left_in_clear(sops: Mapping[str, Any], field: str, key: str) -> bool:
    """Whether SOPS's own rules leave this key unencrypted (so a plaintext value is expected there)."""
    names = (field, key)
    suffix = sops.get("unencrypted_suffix", "_unencrypted")
    if isinstance(suffix, str) and suffix and key.endswith(suffix):
        return True
    encrypted_suffix = sops.get("encrypted_suffix")
    if isinstance(encrypted_suffix, str) and encrypted_suffix:
        return not key.endswith(encrypted_suffix)
    for option, clear_when in (("unencrypted_regex", True), ("encrypted_regex", False)):
        pattern = sops.get(option)
        if isinstance(pattern, str) and pattern:
            try:
                matched = any(re.search(pattern, n) for n in names)
            except re.error:
                return False
            return matched if clear_when else not matched
    return False


def _is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def _protected(value: Any) -> bool:
    """An encrypted, empty, referenced or public value (nothing secret is readable in it)."""
    return not is_plaintext(text(value))


def _mentions_secret(path: Path) -> bool:
    try:
        return "Secret" in fsguard.read_text(path)
    except (OSError, UnicodeDecodeError):
        return False


def _secret_finding(placed: Placed, cluster: str) -> Finding:
    keys = plaintext_keys(placed.obj)
    field = (
        "data"
        if isinstance(placed.obj.get("data"), Mapping)
        and any(k in mapping(placed.obj.get("data")) for k in keys)
        else "stringData"
    )
    rid = placed.rid
    return Finding(
        *placed.at(field),
        RULE,
        Severity.ERROR,
        f"Secret `{rid.namespace or '-'}/{rid.name}` holds plaintext values in `{field}` "
        f"(keys: {', '.join(sorted(keys))})",
        hint=HINT,
        cluster=cluster,
        resource=str(rid),
    )


def _generators(ctx: RepoContext, sources: Sources) -> Iterator[Finding]:
    for k in ctx.graph.kustomizations.values():
        if not any(g.kind == "Secret" for g in k.generated):
            continue  # no secretGenerator: nothing to parse
        docs = sources.documents(k.file) or []
        doc = docs[0] if docs and isinstance(docs[0], Mapping) else {}
        entries = doc.get("secretGenerator")
        default_ns = text(doc.get("namespace"))
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, Mapping):
                continue
            why = _generator_problem(ctx, k.dir, entry)
            if why:
                name, namespace = text(entry.get("name")), text(entry.get("namespace")) or default_ns
                rid = ResourceId("", "Secret", namespace, name)
                yield Finding(
                    k.file,
                    *yamlio.position(entries, i),
                    RULE,
                    Severity.ERROR,
                    f"secretGenerator `{name}` makes a Secret from {why}",
                    hint=HINT,
                    resource=str(rid),
                )


def _generator_problem(ctx: RepoContext, directory: str, entry: Mapping[str, Any]) -> str:
    """What in a generator entry is plaintext ("" when nothing is)."""
    literals = [text(x) for x in entry.get("literals") or [] if isinstance(x, str)]
    plain = [
        lit.split("=", 1)[0] for lit in literals if not _protected(lit.split("=", 1)[1] if "=" in lit else "")
    ]
    if plain:
        return f"plaintext literals (keys: {', '.join(plain)})"
    files = [text(x).split("=", 1)[-1] for x in entry.get("files") or [] if isinstance(x, str)]
    files += [text(x) for x in entry.get("envs") or [] if isinstance(x, str)]
    if isinstance(entry.get("env"), str):
        files.append(text(entry["env"]))
    unencrypted = [f for f in files if not _encrypted_file(ctx.repo / directory / f)]
    if unencrypted:
        return f"unencrypted files ({', '.join(unencrypted)})"
    return ""


def _encrypted_file(path: Path) -> bool:
    """A SOPS-encrypted file (any format), or one that cannot be read (the build reports that)."""
    try:
        return SOPS_MARK in fsguard.read_text(path)
    except (OSError, UnicodeDecodeError):
        return True
