"""Move raw Big Bang values across an upgrade: renamed keys, removed keys, packages turned passthrough.

`migrate_values` is pure: it returns new values and one `Migration` record per moved or dropped key, in
release order, so `sggitops bump` can apply them and tell the admin what it did.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sggitops.bigbang.catalog import Catalog, KeySpan, load_catalog
from sggitops.bigbang.version import Version, VersionError

Values = dict[str, Any]

_REMOVAL, _PASSTHROUGH = 0, 1


@dataclass(frozen=True)
class Migration:
    """One key moved (`path_after` set) or dropped (`path_after` None) at Big Bang `version`."""

    path_before: str
    path_after: str | None
    version: str
    note: str


@dataclass(frozen=True)
class MigrationResult:
    values: Values
    migrations: list[Migration]

    @property
    def dropped(self) -> list[Migration]:
        """Migrations that removed values without a new home (need a human look)."""
        return [m for m in self.migrations if m.path_after is None]


def _parent(values: Values, key: str, *, create: bool) -> dict[str, Any] | None:
    """The mapping that holds `key` (`values` or `values["addons"]`)."""
    if not key.startswith("addons."):
        return values
    addons = values.get("addons")
    if not isinstance(addons, dict):
        if not create:
            return None
        addons = values["addons"] = {}
    return addons


def _leaf(key: str) -> str:
    return key.split(".", 1)[1] if key.startswith("addons.") else key


def _removal(values: Values, key: str, span: KeySpan, version: str) -> list[Migration]:
    parent = _parent(values, key, create=False)
    if parent is None or _leaf(key) not in parent:
        return []
    block = parent.pop(_leaf(key))
    hint = span.hint or f"{key} was removed in Big Bang {version}"
    if not isinstance(block, dict) or not block:
        return [Migration(key, None, version, f"removed in {version}: {hint}")]
    done: list[Migration] = []
    carried: set[str] = set()
    for target, subkeys in span.carry.items():
        wanted = list(block) if "*" in subkeys else [k for k in subkeys if k in block]
        if not wanted:
            continue
        holder = _parent(values, target, create=True)
        assert holder is not None
        dest = holder.setdefault(_leaf(target), {})
        for sub in wanted:
            carried.add(sub)
            if sub in dest:
                note = f"{target}.{sub} is already set; kept it and dropped {key}.{sub}"
                done.append(Migration(f"{key}.{sub}", None, version, note))
                continue
            dest[sub] = copy.deepcopy(block[sub])
            done.append(Migration(f"{key}.{sub}", f"{target}.{sub}", version, f"{key} is replaced: {hint}"))
    for sub in block:
        if sub not in carried:
            if span.replaced_by:
                note = f"no equivalent in {', '.join(span.replaced_by)} (a different chart); review and re-apply by hand"
            else:
                note = f"removed in {version}: {hint}"
            done.append(Migration(f"{key}.{sub}", None, version, note))
    return done


def _to_passthrough(values: Values, key: str, version: str) -> list[Migration]:
    parent = _parent(values, key, create=False)
    block = parent.get(_leaf(key)) if parent is not None else None
    if not isinstance(block, dict) or not isinstance(block.get("values"), dict):
        return []
    package_values = block["values"]
    moving = [k for k in package_values if k != "upstream"]
    if not moving:
        return []
    upstream = package_values.setdefault("upstream", {})
    done: list[Migration] = []
    note = (
        f"{key} takes upstream chart values under values.upstream from {version}; "
        "move Big Bang package settings back to values.* if the package chart defines them"
    )
    for sub in moving:
        value = package_values.pop(sub)
        before = f"{key}.values.{sub}"
        if sub in upstream:
            done.append(
                Migration(before, None, version, f"{key}.values.upstream.{sub} is already set; kept it")
            )
            continue
        upstream[sub] = value
        done.append(Migration(before, f"{key}.values.upstream.{sub}", version, note))
    return done


def _events(catalog: Catalog, low: Version, high: Version) -> list[tuple[Version, int, str, KeySpan | None]]:
    events: list[tuple[Version, int, str, KeySpan | None]] = []
    for key, spans in catalog.keys.items():
        back = next((s for s in spans if s.contains(high) and not s.children), None)
        for span in spans:
            if span.until is not None and low < span.until <= high and back is None:
                events.append((span.until, _REMOVAL, key, span))
    for key, since in catalog.passthrough_since.items():
        if low < since <= high and catalog.key_exists(key, low):
            events.append((since, _PASSTHROUGH, key, None))
    return sorted(events, key=lambda e: (e[0], e[1], e[2]))


def migrate_values(
    values: Values, from_version: str, to_version: str, *, catalog: Catalog | None = None
) -> MigrationResult:
    """Rewrite `values` written for `from_version` so they fit `to_version` (never a downgrade)."""
    catalog = catalog or load_catalog()
    low, high = catalog.check_version(from_version), catalog.check_version(to_version)
    if high < low:
        raise VersionError(
            f"cannot migrate Big Bang values from {low} down to {high}",
            hint="downgrades are not migrated; restore the values from the older revision instead",
        )
    result = copy.deepcopy(values)
    migrations: list[Migration] = []
    for version, kind, key, span in _events(catalog, low, high):
        if kind == _REMOVAL:
            assert span is not None
            migrations.extend(_removal(result, key, span, str(version)))
        else:
            migrations.extend(_to_passthrough(result, key, str(version)))
    return MigrationResult(result, migrations)
