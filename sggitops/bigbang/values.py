"""Big Bang values as Flux computes them: chart defaults, then the HelmRelease `valuesFrom` in order,
then inline `spec.values` — read from the objects of a render."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import YAMLError

from sggitops import yamlio
from sggitops.spec.resolve import deep_merge


@dataclass(frozen=True)
class ValuesSource:
    """One layer of a HelmRelease's values, and whether it could be read from the render."""

    kind: str  # ConfigMap | Secret | inline
    name: str
    key: str
    values: Mapping[str, Any]
    found: bool
    optional: bool = False
    problem: str = ""  # why the layer could not be read (not YAML, not a mapping, encrypted)


def helm_releases(objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        o
        for o in objects
        if o.get("kind") == "HelmRelease"
        and str(o.get("apiVersion", "")).startswith("helm.toolkit.fluxcd.io/")
    ]


def _index(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for obj in objects:
        meta = obj.get("metadata") or {}
        if obj.get("kind") in {"ConfigMap", "Secret"} and isinstance(meta, Mapping):
            out[(str(obj["kind"]), str(meta.get("namespace") or ""), str(meta.get("name") or ""))] = obj
    return out


def _text_of(obj: Mapping[str, Any], key: str) -> tuple[str | None, str]:
    if obj.get("kind") == "ConfigMap":
        data = obj.get("data") or {}
        return (str(data[key]), "") if key in data else (None, f"has no key {key!r}")
    if "sops" in obj:
        return None, "is SOPS-encrypted; its values are not checked"
    string_data = obj.get("stringData") or {}
    if key in string_data:
        return str(string_data[key]), ""
    data = obj.get("data") or {}
    if key not in data:
        return None, f"has no key {key!r}"
    try:
        return base64.b64decode(str(data[key]), validate=True).decode("utf-8"), ""
    except (binascii.Error, UnicodeDecodeError):
        return None, f"key {key!r} is not base64 UTF-8"


def _parse(text: str, where: str) -> tuple[Mapping[str, Any], str]:
    try:
        doc = yamlio.to_plain(yamlio.load_one(text, where))
    except YAMLError as err:  # pragma: no cover - load_one maps YAML errors to InputError
        return {}, f"is not YAML: {err}"
    except Exception as err:  # InputError carries the position inside the values text
        return {}, f"is not valid YAML: {err}"
    if doc is None:
        return {}, ""
    if not isinstance(doc, Mapping):
        return {}, "is not a mapping of values"
    return doc, ""


def value_sources(release: Mapping[str, Any], objects: Iterable[Mapping[str, Any]]) -> list[ValuesSource]:
    """The layers of one HelmRelease, lowest precedence first (valuesFrom in order, then spec.values)."""
    index = _index(objects)
    spec = release.get("spec") or {}
    namespace = str((release.get("metadata") or {}).get("namespace") or "")
    layers: list[ValuesSource] = []
    for ref in spec.get("valuesFrom") or []:
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        key = str(ref.get("valuesKey") or "values.yaml")
        optional = bool(ref.get("optional", False))
        obj = index.get((kind, namespace, name))
        if obj is None:
            layers.append(ValuesSource(kind, name, key, {}, found=False, optional=optional))
            continue
        text, problem = _text_of(obj, key)
        values: Mapping[str, Any] = {}
        if text is not None:
            values, problem = _parse(text, f"{kind}/{name}:{key}")
        if ref.get("targetPath") and not problem:
            values = _at_path(
                str(ref["targetPath"]), yamlio.to_plain(yamlio.load_one(text or "", "x")) if text else None
            )
        layers.append(ValuesSource(kind, name, key, values, found=True, optional=optional, problem=problem))
    inline = spec.get("values")
    if isinstance(inline, Mapping) and inline:
        layers.append(ValuesSource("inline", "spec.values", "", inline, found=True))
    return layers


def _at_path(path: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def merged_values(chart_defaults: Mapping[str, Any], layers: Iterable[ValuesSource]) -> dict[str, Any]:
    """Chart defaults coalesced with every readable layer, in order (what Helm validates).

    As in Helm, a `null` in a later layer deletes the key."""
    return _drop_nulls(deep_merge(chart_defaults, *(layer.values for layer in layers)))


def _drop_nulls(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = _drop_nulls(value) if isinstance(value, dict) else value
    return out
