"""Integrity of the packaged catalog.yaml: every reference in it points at a key that exists then."""

from __future__ import annotations

import itertools

import pytest

from sggitops.bigbang.catalog import Catalog, Span, key_of, load_catalog
from sggitops.bigbang.version import Version


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def releases(catalog: Catalog) -> list[Version]:
    """Every x.y.0 release the catalog covers."""
    out: list[Version] = []
    for major in range(catalog.first.major, catalog.last.major + 1):
        top = catalog.last_minor.get(major, catalog.last.minor)
        out += [Version(major, minor, 0) for minor in range(top + 1)]
    return out


def test_spans_are_ordered_and_disjoint(catalog: Catalog) -> None:
    groups: list[tuple[str, tuple[Span, ...]]] = list(catalog.keys.items())
    groups += [(f"{p}/{o}", s) for p, opts in catalog.mappings.items() for o, s in opts.items()]
    for name, spans in groups:
        for span in spans:
            assert span.until is None or span.since < span.until, name
            assert catalog.first <= span.since <= catalog.last, name
        for earlier, later in itertools.pairwise(spans):
            assert earlier.until is not None and earlier.until <= later.since, name


def test_mapped_keys_exist_in_every_release_of_their_span(catalog: Catalog) -> None:
    checked = 0
    for package, options in catalog.mappings.items():
        for spans in options.values():
            for span in spans:
                for version in (v for v in releases(catalog) if span.contains(v)):
                    for key in (*span.keys, *span.disable):
                        assert catalog.key_exists(key_of(key), version), (package, key, str(version))
                        checked += 1
    assert checked > 1000


def test_replacements_and_carry_targets_exist_after_the_removal(catalog: Catalog) -> None:
    for key, spans in catalog.keys.items():
        for span in spans:
            if span.until is None:
                continue
            for target in (*span.replaced_by, *span.carry):
                assert catalog.key_exists(target, span.until), (key, target)
            assert set(span.carry) <= set(span.replaced_by), key


def test_roles_choices_and_passthrough_name_known_things(catalog: Catalog) -> None:
    logical = set(catalog.logical_packages)
    assert {p for role in catalog.roles.values() for p in role} <= logical
    for spec in catalog.choices.values():
        assert {p for packages in spec["options"].values() for p in packages} <= logical
    for package, choice in catalog.package_choice.items():
        assert set(catalog.mappings[package]) == set(catalog.choices[choice]["options"])
    for key, since in catalog.passthrough_since.items():
        assert catalog.key_exists(key, since), key


def test_every_release_has_an_sso_and_gateway_shape(catalog: Catalog) -> None:
    for version in releases(catalog):
        assert catalog.sso_values(version, "keycloak.example.mil", "r")["sso"]["url"]
        assert catalog.gateway_values(version, "example.mil")["domain"] == "example.mil"
