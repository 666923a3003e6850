"""Big Bang's values as the repo holds them: its valuesFrom layers merged, and the packages they enable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError
from sggitops.reconcile.model import Obj
from sggitops.spec.resolve import deep_merge


def enabled_packages(values: Mapping[str, Any]) -> dict[str, Any]:
    """Big Bang's `packages.<name>` entries that are not disabled, by their release name."""
    found = values.get("packages")
    if not isinstance(found, Mapping):
        return {}
    return {
        re.sub(r"\W+", "-", str(k)).strip("-").lower(): v
        for k, v in found.items()
        if not (isinstance(v, Mapping) and v.get("enabled") is False)
    }


def bigbang_values(bigbang: Obj, everything: Iterable[tuple[str, Obj]]) -> dict[str, Any]:
    """Big Bang's values as its valuesFrom layers merge them (layers the repo holds in plain text)."""
    merged: dict[str, Any] = {}
    spec = bigbang.obj.get("spec")
    layers = spec.get("valuesFrom") if isinstance(spec, Mapping) else None
    by_name = {(o.kind, o.name): o for _a, o in everything if o.kind in ("ConfigMap", "Secret")}
    for layer in layers if isinstance(layers, list) else []:
        if not isinstance(layer, Mapping):
            continue
        found = by_name.get((str(layer.get("kind")), str(layer.get("name"))))
        if found is None or "sops" in found.obj:
            continue
        data = found.obj.get("data") if found.kind == "ConfigMap" else found.obj.get("stringData")
        text = data.get(str(layer.get("valuesKey") or "values.yaml")) if isinstance(data, Mapping) else None
        if isinstance(text, str):
            merged = deep_merge(merged, _values_doc(text))
    return merged


@lru_cache(maxsize=256)
def _values_doc(text: str) -> dict[str, Any]:
    """A values layer parsed once (clusters of a fleet share most layers); {} when not a mapping."""
    try:
        docs = yamlio.load_plain_all(text, "values.yaml")
    except InputError:
        return {}
    doc = docs[0][2] if len(docs) == 1 else None
    return doc if isinstance(doc, dict) else {}
