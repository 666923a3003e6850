"""Kubernetes built-in kinds, validated against the JSON schemas bundled in `kubernetes-validate`.

The package ships one directory per Kubernetes minor (`v1.34.0-local`, and a `-strict` twin whose
objects are closed with `additionalProperties: false`), each holding `_definitions.json` (every
OpenAPI definition under `$defs`, tagged with `x-kubernetes-group-version-kind`) plus one small file per
type that only `$ref`s into it. `kubernetes_validate.validate()` re-reads and re-parses the 1.5 MB
definitions file and builds a new validator on every call. Here the definitions of one version are
loaded once, indexed by (apiVersion, kind) from their GVK tags, and every `$ref` is resolved once up
front: it is replaced by the referenced definition itself, so the schema becomes a graph of dicts
(cyclic where the API is recursive, e.g. JSONSchemaProps) that the validator walks without any lookup.
One compiled validator per (version, apiVersion, kind) is then cached.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local$")


@dataclass(frozen=True)
class VersionMatch:
    """Which bundled schema version serves a requested Kubernetes version; `exact` is False on fallback."""

    requested: str
    used: str
    exact: bool

    @property
    def note(self) -> str:
        """Empty when exact, else a sentence saying which version is used instead."""
        if self.exact:
            return ""
        return (
            f"kubernetes-validate has no schemas for Kubernetes {self.requested}; "
            f"validating against {self.used} instead"
        )


def _schema_root() -> Any:
    return resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")


@cache
def bundled_versions() -> tuple[str, ...]:
    """The Kubernetes minors ("1.25", ...) whose schemas kubernetes-validate bundles, oldest first."""
    found: list[tuple[int, int]] = []
    for entry in _schema_root().iterdir():
        match = _VERSION_DIR.match(entry.name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def parse_minor(version: str) -> tuple[int, int]:
    """ "1.34", "v1.34.2" -> (1, 34); raises ValueError on anything else."""
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", version.strip())
    if not match:
        raise ValueError(f"not a Kubernetes version: {version!r} (expected MAJOR.MINOR, e.g. 1.34)")
    return int(match.group(1)), int(match.group(2))


def match_version(requested: str) -> VersionMatch:
    """The bundled version for `requested`: itself, else the nearest lower one, else the lowest."""
    wanted = parse_minor(requested)
    label = f"{wanted[0]}.{wanted[1]}"
    versions = bundled_versions()
    if not versions:
        raise ValueError("kubernetes-validate bundles no schemas")
    lower = [v for v in versions if parse_minor(v) <= wanted]
    used = lower[-1] if lower else versions[0]
    return VersionMatch(requested=label, used=used, exact=used == label)


class KubeSchemas:
    """Compiled validators for the built-in kinds of one Kubernetes version (see module docstring)."""

    def __init__(self, version: str, *, strict: bool = True) -> None:
        self.match = match_version(version)
        self.strict = strict
        self._defs = _resolved_definitions(self.match.used, strict)
        self._index = _gvk_index(self._defs)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def knows(self, api_version: str, kind: str) -> bool:
        """Whether this Kubernetes version serves `kind` at `api_version`."""
        return (api_version, kind) in self._index

    def validator(self, api_version: str, kind: str) -> Draft202012Validator | None:
        """The cached validator for a built-in kind, or None when the version does not serve it."""
        key = (api_version, kind)
        if key not in self._validators:
            name = self._index.get(key)
            self._validators[key] = None if name is None else Draft202012Validator(self._defs[name])
        return self._validators[key]


@cache
def kube_schemas(version: str, strict: bool = True) -> KubeSchemas:
    """One KubeSchemas per (version, strictness) for the life of the process."""
    return KubeSchemas(version, strict=strict)


def _resolved_definitions(used: str, strict: bool) -> dict[str, Any]:
    """The `$defs` of one bundled version with every `#/$defs/NAME` reference replaced by NAME's body."""
    folder = f"v{used}.0-local" + ("-strict" if strict else "")
    text = _schema_root().joinpath(folder, "_definitions.json").read_text(encoding="utf-8")
    defs: dict[str, Any] = json.loads(text)["$defs"]
    for body in defs.values():
        if isinstance(body, dict):
            _inline(body, defs)
    return defs


def _inline(node: dict[str, Any], defs: dict[str, Any]) -> None:
    """Replace, below `node`, each `{"$ref": "#/$defs/NAME", ...}` by the definition it names."""
    for key, value in node.items():
        if isinstance(value, dict):
            node[key] = _resolve(value, defs)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    value[index] = _resolve(item, defs)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):  # a property may be *named* "$ref" (JSONSchemaProps)
        _inline(node, defs)
        return node
    target: dict[str, Any] = defs[ref.rpartition("/")[2]]
    siblings = {k: v for k, v in node.items() if k not in ("$ref", "description")}
    if not siblings:
        return target
    _inline(siblings, defs)
    return {"allOf": [target], **siblings}


def _gvk_index(defs: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> definition name, from the `x-kubernetes-group-version-kind` tags.

    Types tagged with several GVKs (DeleteOptions, WatchEvent) are API plumbing, not objects one
    applies, and are left out.
    """
    index: dict[tuple[str, str], str] = {}
    for name, body in defs.items():
        gvks = body.get("x-kubernetes-group-version-kind") if isinstance(body, dict) else None
        if not isinstance(gvks, list) or len(gvks) != 1:
            continue
        gvk = gvks[0]
        group, version, kind = gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")
        api_version = f"{group}/{version}" if group else version
        index[(api_version, kind)] = name
    return index
