"""Values migrations across Big Bang upgrades: renames, removals, passthrough, refusal of downgrades."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sggitops.bigbang.migrations import Migration, migrate_values
from tests.unit.bigbang.charts import chart, errors, merge


def legacy_values() -> dict[str, Any]:
    """A 2.54.0 values block using keys that 3.x removed or renamed."""
    return {
        "domain": "dev.acme.mil",
        "istio": {
            "enabled": True,
            "mtls": {"mode": "STRICT"},
            "gateways": {"public": {"hosts": ["*.dev.acme.mil"]}},
            "values": {"meshConfig": {"accessLogFile": "/dev/stdout"}},
        },
        "istioOperator": {"enabled": True, "values": {"hub": "registry1.dso.mil"}},
        "promtail": {"enabled": True, "values": {"config": {"clients": []}}},
        "jaeger": {"enabled": True, "sso": {"enabled": False, "client_id": "", "client_secret": ""}},
        "tempo": {"enabled": False},
        "clusterAuditor": {"enabled": False},
        "addons": {
            "anchore": {
                "enabled": True,
                "adminPassword": "s3cret",
                "git": {
                    "repo": "https://repo1.dso.mil/big-bang/product/packages/anchore.git",
                    "tag": "2.0.0",
                },
                "values": {"anchoreConfig": {"log_level": "INFO"}},
            },
            "gitlab": {"enabled": True},
        },
    }


def by_before(migrations: list[Migration]) -> dict[str, Migration]:
    return {m.path_before: m for m in migrations}


def test_migrate_2_54_to_3_31_moves_and_drops() -> None:
    original = legacy_values()
    result = migrate_values(original, "2.54.0", "3.31.0")
    values = result.values
    assert original == legacy_values(), "input must not be modified"
    for gone in ("istio", "istioOperator", "promtail", "jaeger", "clusterAuditor"):
        assert gone not in values
    assert values["istioCRDs"] == values["istiod"] == values["istioGateway"] == {"enabled": True}
    assert values["alloy"] == {"enabled": True}
    assert values["tempo"] == {
        "enabled": False,
        "sso": {"enabled": False, "client_id": "", "client_secret": ""},
    }
    assert "anchore" not in values["addons"]
    anchore = values["addons"]["anchoreEnterprise"]
    assert anchore == {
        "enabled": True,
        "adminPassword": "s3cret",
        "values": {"anchoreConfig": {"log_level": "INFO"}},
    }
    assert values["addons"]["gitlab"] == {"enabled": True} and values["domain"] == "dev.acme.mil"

    moves = by_before(result.migrations)
    assert moves["istio.enabled"] == Migration(
        "istio.enabled", "istioGateway.enabled", "3.0.0", moves["istio.enabled"].note
    )
    assert (
        moves["promtail.enabled"].path_after == "alloy.enabled"
        and moves["promtail.enabled"].version == "3.5.0"
    )
    assert (
        moves["jaeger.enabled"].path_after is None
        and "tempo.enabled is already set" in moves["jaeger.enabled"].note
    )
    assert moves["jaeger.sso"].path_after == "tempo.sso"
    assert moves["addons.anchore.adminPassword"].path_after == "addons.anchoreEnterprise.adminPassword"
    assert moves["addons.anchore.git"].path_after is None
    assert "removed" in moves["clusterAuditor.enabled"].note
    dropped = {m.path_before for m in result.dropped}
    assert {
        "istio.values",
        "istio.gateways",
        "istio.mtls",
        "istioOperator.enabled",
        "promtail.values",
    } <= dropped
    assert "review" in moves["istio.values"].note
    assert [m.version for m in result.migrations] == sorted(
        (m.version for m in result.migrations), key=lambda v: tuple(int(x) for x in v.split("."))
    )


def test_migrated_values_are_valid_for_3_31(reference: Path) -> None:
    defaults, validator = chart(reference, "3.31.0")
    migrated = migrate_values(legacy_values(), "2.54.0", "3.31.0").values
    assert errors(validator, merge(defaults, migrated)) == []
    assert errors(validator, merge(defaults, legacy_values())) != []  # the unmigrated block is not


def test_legacy_values_are_valid_for_2_54(reference: Path) -> None:
    defaults, validator = chart(reference, "2.54.0")
    assert errors(validator, merge(defaults, legacy_values())) == []


def test_steps_within_one_line_only_touch_crossed_releases() -> None:
    values = {"promtail": {"enabled": True}, "disableAutomaticPassthroughValues": False}
    assert migrate_values(values, "3.1.0", "3.4.0").values == values
    result = migrate_values(values, "3.4.0", "3.30.0")
    assert result.values == {"alloy": {"enabled": True}}
    assert [(m.path_before, m.version) for m in result.migrations] == [
        ("promtail.enabled", "3.5.0"),
        ("disableAutomaticPassthroughValues", "3.30.0"),
    ]


def test_addons_alloy_moves_to_top_level_alloy() -> None:
    values = {"addons": {"alloy": {"enabled": True, "values": {"a": 1}}}}
    result = migrate_values(values, "2.40.0", "2.53.0")
    assert result.values == {"addons": {}, "alloy": {"enabled": True, "values": {"a": 1}}}


def test_package_turning_passthrough_moves_values_under_upstream() -> None:
    values = {
        "istiod": {"enabled": True, "values": {"global": {"hub": "x"}, "upstream": {"pilot": {"cpu": 1}}}}
    }
    result = migrate_values(copy.deepcopy(values), "2.52.0", "2.54.0")
    assert result.values["istiod"]["values"] == {"upstream": {"pilot": {"cpu": 1}, "global": {"hub": "x"}}}
    [move] = result.migrations
    assert (move.path_before, move.path_after, move.version) == (
        "istiod.values.global",
        "istiod.values.upstream.global",
        "2.54.0",
    )
    assert migrate_values(values, "2.54.0", "3.31.0").values == values  # already passthrough


def test_same_version_is_a_copy() -> None:
    values = {"istio": {"enabled": True}}
    result = migrate_values(values, "2.54.0", "2.54.0")
    assert result.values == values and result.values is not values and result.migrations == []


def test_downgrade_is_refused() -> None:
    with pytest.raises(ValueError, match=r"from 3\.31\.0 down to 2\.54\.0") as info:
        migrate_values({}, "3.31.0", "2.54.0")
    assert "downgrades are not migrated" in getattr(info.value, "hint", "")


def test_versions_outside_the_catalog_are_refused() -> None:
    with pytest.raises(ValueError, match="newer than this catalog"):
        migrate_values({}, "3.31.0", "3.40.0")


def test_a_key_that_comes_back_is_kept() -> None:
    values = {"addons": {"fortify": {"enabled": True}}}
    assert migrate_values(values, "2.9.1", "2.11.0").values == values
    [dropped] = migrate_values(values, "2.9.1", "2.10.0").migrations
    assert dropped.path_after is None and dropped.version == "2.10.0"


def test_old_istio_block_is_dropped_even_though_istio_returns_in_3_22() -> None:
    result = migrate_values({"istio": {"enabled": False}}, "2.54.0", "3.31.0")
    assert "istio" not in result.values
    assert result.values["istiod"] == {"enabled": False}
