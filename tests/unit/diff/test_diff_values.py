"""Big Bang values diff by dotted key."""

from __future__ import annotations

from sggitops.diff.values import MISSING, diff_values, dotted, format_change, parse_values, values_keys


def test_changed_added_and_removed_leaves_by_dotted_key() -> None:
    before = {"addons": {"gitlab": {"enabled": True}, "old": {"x": 1}}, "domain": "a.mil"}
    after = {"addons": {"gitlab": {"enabled": False}, "new": {"y": [1, {"z": "q"}]}}, "domain": "a.mil"}
    lines = [format_change(c) for c in diff_values(before, after)]
    assert lines == [
        "~ addons.gitlab.enabled: true -> false",
        "+ addons.new.y[0]: 1",
        "+ addons.new.y[1].z: q",
        "- addons.old.x: 1",
    ]


def test_type_change_and_list_items() -> None:
    changes = diff_values({"a": [1, 2], "b": "1"}, {"a": [1, 2, 3], "b": 1})
    assert [(c.key, c.before, c.after, c.status) for c in changes] == [
        ("a[2]", MISSING, 3, "added"),
        ("b", "1", 1, "changed"),
    ]
    assert format_change(changes[1]) == "~ b: 1 -> 1"  # same text, different type: still listed


def test_dotted_quotes_keys_with_dots() -> None:
    assert dotted(["metadata", "annotations", "a.b/c", 0]) == 'metadata.annotations."a.b/c"[0]'


def test_parse_values_accepts_mappings_only() -> None:
    assert parse_values("# only a comment\n") == {}
    assert parse_values("a: 1\n") == {"a": 1}
    assert parse_values("- 1\n") is None
    assert parse_values("a: [\n") is None
    assert parse_values(3) is None


def test_values_keys_reads_helmrelease_valuesfrom() -> None:
    release = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "bigbang", "namespace": "bigbang"},
        "spec": {
            "valuesFrom": [
                {"kind": "ConfigMap", "name": "common"},
                {"kind": "ConfigMap", "name": "env", "valuesKey": "overrides.yaml"},
                {"kind": "Secret", "name": "creds"},
            ]
        },
    }
    assert values_keys([release]) == {
        ("bigbang", "common"): {"values.yaml"},
        ("bigbang", "env"): {"overrides.yaml"},
    }
