"""Flux `postBuild` variable substitution, applied the way kustomize-controller applies it.

Flux renders each object to YAML, replaces `${NAME}` forms in the text and reads the YAML back, so a
`replicas: ${REPLICAS:=1}` becomes the integer the variable holds. Supported forms (fluxcd/pkg/envsubst):
`${VAR}`, `${VAR:=default}`, `${VAR:-default}`, `${VAR=default}`, `${VAR-default}`; `$${VAR}` is an
escaped literal `${VAR}`; `$VAR` (no braces) is never substituted. An object labelled or annotated
`kustomize.toolkit.fluxcd.io/substitute: disabled` is left alone.

Values come from `spec.postBuild.substituteFrom` (ConfigMaps and Secrets, in order; found in the repo)
overridden by `spec.postBuild.substitute`. A variable whose value cannot be known offline (its
ConfigMap or Secret lives only on the cluster) and that has no default is left as `${VAR}`: checks
treat such a field as "cannot tell" (`unresolved`), never as an error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError

DISABLED = "kustomize.toolkit.fluxcd.io/substitute"
_VAR = re.compile(r"(\$?)\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])([^}]*))?\}")
UNRESOLVED = re.compile(r"\$\{[_a-zA-Z][_a-zA-Z0-9]*\}")


def substitute_text(text: str, values: Mapping[str, str]) -> str:
    """Replace the `${...}` forms of `text`; unknown variables without a default stay as they are."""

    def repl(match: re.Match[str]) -> str:
        escaped, name, op, default = match.groups()
        if escaped:
            return match.group(0)[1:]
        if name in values and not (op and op.startswith(":") and values[name] == ""):
            return values[name]
        if op:
            return default or ""
        return match.group(0)

    return _VAR.sub(repl, text)


def disabled(obj: Mapping[str, Any]) -> bool:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return False
    for field in ("labels", "annotations"):
        marks = meta.get(field)
        if isinstance(marks, Mapping) and str(marks.get(DISABLED, "")).lower() == "disabled":
            return True
    return False


def substitute_object(obj: dict[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """`obj` after substitution (the same object when nothing changes)."""
    if disabled(obj):
        return obj
    out = _walk(obj, values)
    return out if isinstance(out, dict) else obj


def _walk(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _walk(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, values) for v in node]
    if isinstance(node, str) and "${" in node:
        return _scalar(node, substitute_text(node, values))
    return node


def _scalar(before: str, after: str) -> Any:
    """A plain scalar Flux would print unquoted (`${X}` alone on its line) is read back by YAML: `2`
    becomes an integer, `true` a boolean; text around a variable keeps it a string."""
    if after == before or not _VAR.fullmatch(before) or "\n" in after:
        return after
    try:
        docs = yamlio.load_plain_all(f"v: {after}\n", "(substituted)", keep=False)
    except InputError:
        return after
    value = docs[0][2].get("v") if docs and isinstance(docs[0][2], dict) else after
    return value if isinstance(value, (str, int, float, bool)) or value is None else after


def values_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """The variables a ConfigMap (data) or Secret (data base64, stringData) offers to substituteFrom."""
    out: dict[str, str] = {}
    data = obj.get("data")
    if isinstance(data, Mapping):
        for key, value in data.items():
            if obj.get("kind") == "Secret":
                try:
                    out[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    continue
            else:
                out[str(key)] = "" if value is None else str(value)
    string_data = obj.get("stringData")
    if obj.get("kind") == "Secret" and isinstance(string_data, Mapping):
        out.update({str(k): "" if v is None else str(v) for k, v in string_data.items()})
    return out


def unresolved_paths(obj: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """JSON paths of string values that still hold an unresolved `${VAR}`."""
    if isinstance(obj, Mapping):
        return [p for k, v in obj.items() for p in unresolved_paths(v, (*path, str(k)))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in unresolved_paths(v, (*path, i))]
    if isinstance(obj, str) and UNRESOLVED.search(obj):
        return [path]
    return []
