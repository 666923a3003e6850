"""Kubernetes built-in kinds, validated against the JSON schemas bundled in `kubernetes-validate`.

The package ships one directory per Kubernetes minor (`v1.34.0-local`, and a `-strict` twin whose
objects are closed with `additionalProperties: false`), each holding `_definitions.json` (every
OpenAPI definition under `$defs`, tagged with `x-kubernetes-group-version-kind`) plus one small file per
type that only `$ref`s into it. `kubernetes_validate.validate()` re-reads and re-parses the 1.5 MB
definitions file and builds a new validator on every call. Here the definitions of one version are
loaded once, indexed by (apiVersion, kind) from their GVK tags, registered once in a `referencing`
registry, and one compiled validator per (version, apiVersion, kind) is cached.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
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
        definitions = _load_definitions(self.match.used, strict)
        self._defs: dict[str, Any] = definitions["$defs"]
        self._index = _gvk_index(self._defs)
        resource = Resource.from_contents(definitions, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(DEFINITIONS_URI, resource)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def knows(self, api_version: str, kind: str) -> bool:
        """Whether this Kubernetes version serves `kind` at `api_version`."""
        return (api_version, kind) in self._index

    def validator(self, api_version: str, kind: str) -> Draft202012Validator | None:
        """The cached validator for a built-in kind, or None when the version does not serve it."""
        key = (api_version, kind)
        if key not in self._validators:
            name = self._index.get(key)
            self._validators[key] = None if name is None else self._compile(name)
        return self._validators[key]

    def _compile(self, definition: str) -> Draft202012Validator:
        schema = {"$schema": DRAFT_2020_12, "$ref": f"{DEFINITIONS_URI}#/$defs/{definition}"}
        return Draft202012Validator(schema, registry=self._registry)


@cache
def kube_schemas(version: str, strict: bool = True) -> KubeSchemas:
    """One KubeSchemas per (version, strictness) for the life of the process."""
    return KubeSchemas(version, strict=strict)


@cache
def _load_definitions(used: str, strict: bool) -> dict[str, Any]:
    folder = f"v{used}.0-local" + ("-strict" if strict else "")
    text = _schema_root().joinpath(folder, "_definitions.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


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
