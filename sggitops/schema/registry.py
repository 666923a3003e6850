"""Where the schema of an (apiVersion, kind) comes from, and one cached validator per pair.

Lookup order (the first hit wins):

1. Kubernetes built-in kinds of the cluster's version (`kube.py`, from kubernetes-validate);
2. the project's own schemas, `sggitops/schemas/{group}/{kind}_{version}.json` (kind lower-cased);
3. CRDs found in the repo (`crd_objects`), converted per served version (`crd.py`); Gatekeeper
   ConstraintTemplates among them define their constraint kind, parameters included;
4. `--schema-dir` directories in the same `{group}/{kind}_{version}.json` layout (datreeio/CRDs-catalog);
5. group-wide fallbacks `{group}/_any_{version}.json` (project first, then schema dirs): the project
   ships one for `constraints.gatekeeper.sh`, whose kinds are named by each ConstraintTemplate.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import SchemaError, UnknownType
from jsonschema.protocols import Validator as JsonValidator
from jsonschema.validators import validator_for as jsonschema_validator_for
from referencing.exceptions import Unresolvable

from sggitops.errors import InputError, Location
from sggitops.findings import Severity
from sggitops.rules import Rule
from sggitops.schema import crd
from sggitops.schema.kube import VersionMatch, kube_schemas

CONSTRAINTS_GROUP = "constraints.gatekeeper.sh"
_MAX_MESSAGE = 240
_UNKNOWN_FIELD = ("additionalProperties", "unevaluatedProperties")


RULES = (
    Rule(
        id="schema/bad-schema-file",
        severity=Severity.ERROR,
        summary="a schema file (bundled, cached or given) that cannot be read",
        # a --schema-dir file lies outside the repo: a golden case cannot name its path
        pinned_by="tests/unit/schema/test_schema_registry.py::test_broken_schema_dir_file_is_an_input_error",
    ),
)


@dataclass(frozen=True, order=True)
class Problem:
    """One schema violation: where in the object (keys and indexes) and what is wrong."""

    path: tuple[str | int, ...]
    message: str

    @property
    def where(self) -> str:
        """The JSON path as `spec.containers[0].image` (`<root>` for the object itself)."""
        text = ""
        for step in self.path:
            text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
        return text or "<root>"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Validator:
    """A compiled schema for one (apiVersion, kind) and where it came from (for messages)."""

    api_version: str
    kind: str
    source: str
    compiled: JsonValidator = field(compare=False, repr=False)

    def problems(self, obj: Any) -> list[Problem]:
        """Every violation, unknown fields one by one, sorted by path."""
        found: list[Problem] = []
        try:
            for error in self.compiled.iter_errors(obj):
                found.extend(_problems(error))
        except (SchemaError, UnknownType, Unresolvable) as err:
            detail = str(err).splitlines()[0] if str(err) else type(err).__name__
            return [Problem((), f"cannot be checked: the schema from {self.source} is broken ({detail})")]
        return sorted(set(found))


class SchemaRegistry:
    """The schemas one cluster's objects are checked against (see the module docstring for the order).

    `strict` picks kubernetes-validate's closed built-in schemas (unknown fields are errors); CRD and
    project schemas are always closed where the CRD is. A broken `--schema-dir` file raises InputError.
    """

    def __init__(
        self,
        kubernetes_version: str,
        *,
        project_schemas: bool = True,
        crd_objects: Iterable[Mapping[str, Any]] = (),
        schema_dirs: Iterable[str | Path] = (),
        strict: bool = True,
    ) -> None:
        self._kube = kube_schemas(kubernetes_version, strict)
        self._project = project_schemas
        self._dirs = [Path(d) for d in schema_dirs]
        self._crds: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._templates: list[Mapping[str, Any]] = []
        for obj in crd_objects:
            self._add_crd(obj)
        self._cache: dict[tuple[str, str], Validator | None] = {}

    @property
    def version_match(self) -> VersionMatch:
        """The Kubernetes version asked for and the bundled one actually used."""
        return self._kube.match

    def validator_for(self, api_version: str, kind: str) -> Validator | None:
        """The validator for `kind` at `api_version`, or None when no source knows it."""
        key = (api_version, kind)
        if key not in self._cache:
            self._cache[key] = self._lookup(api_version, kind)
        return self._cache[key]

    def _add_crd(self, obj: Mapping[str, Any]) -> None:
        if crd.is_crd(obj):
            for version in crd.crd_schemas(obj):
                source = f"CustomResourceDefinition {version.crd_name}"
                self._crds.setdefault((version.api_version, version.kind), (source, version.schema))
        elif obj.get("kind") == "ConstraintTemplate" and str(obj.get("apiVersion", "")).startswith(
            "templates.gatekeeper.sh/"
        ):
            self._templates.append(obj)

    def _lookup(self, api_version: str, kind: str) -> Validator | None:
        kube = self._kube.validator(api_version, kind)
        if kube is not None:
            return Validator(api_version, kind, f"Kubernetes {self._kube.match.used}", kube)
        group, _, version = api_version.rpartition("/")
        if not group:
            return None
        file_name = f"{kind.lower()}_{version}.json"
        found = self._project_file(group, file_name)
        if found is None and (api_version, kind) in self._crds:
            found = self._crds[(api_version, kind)]
        if found is None and group == CONSTRAINTS_GROUP:
            found = self._constraint_from_template(version, kind)
        if found is None:
            found = self._dir_file(group, file_name)
        if found is None:
            found = self._project_file(group, f"_any_{version}.json") or self._dir_file(
                group, f"_any_{version}.json"
            )
        if found is None:
            return None
        source, schema = found
        cls = jsonschema_validator_for(schema, default=Draft202012Validator)
        return Validator(api_version, kind, source, cls(schema))

    def _project_file(self, group: str, name: str) -> tuple[str, dict[str, Any]] | None:
        if not self._project:
            return None
        return _project_schema(group, name)

    def _dir_file(self, group: str, name: str) -> tuple[str, dict[str, Any]] | None:
        for folder in self._dirs:
            path = folder / group / name
            if path.is_file():
                try:
                    return str(path), _read_json(path.read_text(encoding="utf-8"))
                except ValueError as err:
                    line, col = (err.lineno, err.colno) if isinstance(err, json.JSONDecodeError) else (1, 1)
                    raise InputError(
                        f"schema file is not a JSON object: {err}",
                        location=Location(str(path), line, col),
                        rule="schema/bad-schema-file",
                        hint="fix or remove the file in the --schema-dir directory",
                    ) from None
        return None

    def _constraint_from_template(self, version: str, kind: str) -> tuple[str, dict[str, Any]] | None:
        """A constraint kind named by a ConstraintTemplate in the repo: generic shape + its parameters."""
        base = _project_schema(CONSTRAINTS_GROUP, f"_any_{version}.json")
        if base is None:
            return None
        for template in self._templates:
            spec = template.get("spec") or {}
            names = ((spec.get("crd") or {}).get("spec") or {}).get("names") or {}
            if names.get("kind") != kind:
                continue
            schema = copy.deepcopy(base[1])
            schema["properties"]["kind"] = {"const": kind}
            validation = ((spec.get("crd") or {}).get("spec") or {}).get("validation") or {}
            parameters = validation.get("openAPIV3Schema")
            if isinstance(parameters, Mapping):
                schema["properties"]["spec"]["properties"]["parameters"] = crd.convert(parameters)
            name = (template.get("metadata") or {}).get("name", "")
            return f"ConstraintTemplate {name}", schema
        return None


_PROJECT_CACHE: dict[tuple[str, str], tuple[str, dict[str, Any]] | None] = {}


def _project_schema(group: str, name: str) -> tuple[str, dict[str, Any]] | None:
    """A schema shipped in `sggitops.schemas` as (source label, parsed JSON), cached for the process."""
    key = (group, name)
    if key not in _PROJECT_CACHE:
        entry = resources.files("sggitops.schemas").joinpath(group, name)
        _PROJECT_CACHE[key] = (
            (f"schemas/{group}/{name}", _read_json(entry.read_text(encoding="utf-8")))
            if entry.is_file()
            else None
        )
    return _PROJECT_CACHE[key]


def _read_json(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a schema file must hold a JSON object")
    return data


def _problems(error: ValidationError) -> list[Problem]:
    path = tuple(error.absolute_path)
    if error.validator in _UNKNOWN_FIELD and isinstance(error.instance, Mapping):
        return _unknown_fields(error, path)
    return [Problem(path, _message(error))]


def _unknown_fields(error: ValidationError, path: tuple[str | int, ...]) -> list[Problem]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = [str(k) for k in schema.get("properties") or {}]
    patterns = schema.get("patternProperties") or {}
    instance: Mapping[str, Any] = error.instance  # type: ignore[assignment]
    out: list[Problem] = []
    for key in instance:
        if key in known or any(_matches(p, str(key)) for p in patterns):
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        out.append(Problem((*path, str(key)), f"unknown field {str(key)!r}{hint}"))
    return out or [Problem(path, _message(error))]


def _matches(pattern: str, key: str) -> bool:
    return re.search(pattern, key) is not None


def _message(error: ValidationError) -> str:
    if error.validator == "type":
        wanted = error.validator_value
        wanted_text = " or ".join(wanted) if isinstance(wanted, list) else str(wanted)
        return f"expected {wanted_text}, got {_json_type(error.instance)}"
    if error.validator == "required" and isinstance(error.validator_value, list):
        instance: Any = error.instance
        missing = [k for k in error.validator_value if not isinstance(instance, Mapping) or k not in instance]
        return f"missing required field {', '.join(repr(k) for k in missing)}"
    message = error.message
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
