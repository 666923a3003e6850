"""Checks of a spec against what sggitops knows beyond it: the Big Bang versions of the catalog (their
choices and packages) and the built-in policies a policy exception may name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sggitops.bigbang.catalog import load_catalog
from sggitops.errors import SpecError
from sggitops.policy.catalogue import all_policy_names
from sggitops.spec.checks import located
from sggitops.spec.model import Platform
from sggitops.spec.resolve import cluster_version


def _version_path(platform: Platform, doc: Any, cluster_index: int) -> list[Any]:
    cluster = platform.clusters[cluster_index]
    if cluster.bigbang_version:
        return ["spec", "clusters", cluster_index, "bigbang", "version"]
    env = platform.environments.get(cluster.environment)
    if env is not None and env.bigbang_version:
        return ["spec", "environments", cluster.environment, "bigbang", "version"]
    return ["spec", "bigbang", "version"]


def catalog_problems(platform: Platform, doc: Any, name: str) -> Iterator[SpecError]:
    """Versions the catalog does not know, choices a version cannot serve, unknown package toggles."""
    catalog = load_catalog()
    reported: set[tuple[str, ...]] = set()
    choice_keys = {"policyEngine", "runtimeSecurity", "tracing", "certManager"}
    for i, cluster in enumerate(platform.clusters):
        version = cluster_version(platform, cluster.name)
        vpath = _version_path(platform, doc, i)
        try:
            catalog.check_version(version)
        except ValueError as err:
            key = ("version", *map(str, vpath))
            if key not in reported:
                reported.add(key)
                yield SpecError(
                    str(err), location=located(doc, vpath, name), rule="spec/version", hint=_hint_of(err)
                )
            continue
        for problem in catalog.choice_problems(version, platform.choices):
            key = ("choice", problem.field, version)
            if key in reported:
                continue
            reported.add(key)
            path = ["spec", "choices", problem.field] if problem.field in choice_keys else vpath
            yield SpecError(
                f"{problem.message} (Big Bang {version}, used by cluster '{cluster.name}')",
                location=located(doc, path, name),
                rule="spec/choice",
                hint=problem.hint,
            )
        for package in cluster.packages:
            if package not in catalog.logical_packages:
                yield SpecError(
                    f"cluster '{cluster.name}': unknown package '{package}'",
                    location=located(doc, ["spec", "clusters", i, "packages", package], name),
                    rule="spec/package",
                    hint=f"logical packages: {', '.join(sorted(catalog.logical_packages))}",
                )
    yield from _exception_problems(platform, doc, name)


def _exception_problems(platform: Platform, doc: Any, name: str) -> Iterator[SpecError]:
    if not platform.policy.exceptions:
        return
    engine = platform.choices.policy_engine
    known = all_policy_names(engine)
    for i, exc in enumerate(platform.policy.exceptions):
        if exc.policy not in known:
            yield SpecError(
                f"policy exception names '{exc.policy}', which is not a {engine} policy of sggitops",
                location=located(doc, ["spec", "policy", "exceptions", i, "policy"], name),
                rule="spec/reference",
                hint=f"known policies: {', '.join(sorted(known))}",
            )


def _hint_of(err: ValueError) -> str:
    hint = getattr(err, "hint", "")
    return str(hint) if hint else "Big Bang versions are x.y.z tags from 2.0.0 to 3.31.0"
