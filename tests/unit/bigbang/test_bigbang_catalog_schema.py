"""Catalog output against the real Big Bang charts: schema-valid on chart defaults, and only real keys."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from sggitops.bigbang.catalog import Catalog, load_catalog
from sggitops.spec.model import Choices
from tests.unit.bigbang.charts import chart, errors, merge

CHOICES = [
    Choices(policy_engine=engine, runtime_security=runtime, tracing=tracing, cert_manager=cert)
    for engine, runtime, tracing, cert in itertools.product(
        ("kyverno", "gatekeeper"), ("neuvector", "twistlock"), ("tempo", "jaeger"), (False, True)
    )
]


def cluster_values(catalog: Catalog, version: str, role: str, choices: Choices) -> dict[str, Any]:
    packages = catalog.packages(version, role, choices, {"sonarqube": True})
    values = catalog.enabled_values(version, packages, choices)
    values = merge(values, catalog.sso_values(version, "keycloak.build.acme.mil", "baby-yoda"))
    return dict(merge(values, catalog.gateway_values(version, "dev.acme.mil")))


@pytest.mark.parametrize("version", ["2.54.0", "3.31.0"])
def test_chart_defaults_alone_are_valid(reference: Path, version: str) -> None:
    defaults, validator = chart(reference, version)
    assert errors(validator, defaults) == []


@pytest.mark.parametrize("version", ["2.54.0", "3.31.0"])
@pytest.mark.parametrize("role", ["build", "run"])
def test_every_combination_is_schema_valid(reference: Path, version: str, role: str) -> None:
    catalog = load_catalog()
    defaults, validator = chart(reference, version)
    checked = 0
    for choices in CHOICES:
        if catalog.choice_problems(version, choices):
            assert version == "3.31.0" and choices.tracing == "jaeger"
            continue
        values = merge(defaults, cluster_values(catalog, version, role, choices))
        assert errors(validator, values) == [], choices
        checked += 1
    assert checked == (16 if version == "2.54.0" else 8)


def test_schema_catches_a_stale_key(reference: Path) -> None:
    """The check above has teeth: the 3.31.0 schema refuses a 2.x key."""
    defaults, validator = chart(reference, "3.31.0")
    assert any("promtail" in e for e in errors(validator, merge(defaults, {"promtail": {"enabled": True}})))


def leaf_paths(values: Any, prefix: str = "") -> list[str]:
    if isinstance(values, dict) and values:
        return [p for k, v in values.items() for p in leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))]
    return [prefix]


def known(path: str, keys: set[str]) -> bool:
    """`path` is in the depth-3 key list, or lies under a free-form `.values` (or `packages.<name>`) map."""
    parts = path.split(".")
    if parts[0] == "packages" and len(parts) > 1:
        parts[1] = "sample"  # the chart documents extra packages with the `packages.sample` example
    prefixes = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    if any(p.endswith(".values") and p in keys for p in prefixes):
        return True
    return ".".join(parts[:3]) in keys


@pytest.mark.parametrize("version", ["2.0.0", "2.54.0", "3.0.0", "3.30.0", "3.31.0"])
def test_every_emitted_path_exists_in_that_release(reference: Path, version: str) -> None:
    catalog = load_catalog()
    text = (reference / "bigbang" / f"values-keys-{version}.txt").read_text(encoding="utf-8")
    keys = {line.strip() for line in text.splitlines() if line.strip()}
    emitted: set[str] = set()
    for role, choices in itertools.product(("build", "run"), CHOICES):
        if catalog.choice_problems(version, choices):
            continue
        states = catalog.packages(version, role, choices, {})
        for package in states:  # every package both on and off
            for on in (True, False):
                emitted.update(leaf_paths(catalog.enabled_values(version, {**states, package: on}, choices)))
        emitted.update(leaf_paths(cluster_values(catalog, version, role, choices)))
    assert {"sso.url", "domain", "addons.gitlab.enabled"} <= emitted
    missing = sorted(p for p in emitted if not known(p, keys))
    assert missing == []
