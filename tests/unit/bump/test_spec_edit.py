"""Positional spec edits: pins in every layout, values rewrites, and bytes outside the edit untouched."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from sggitops import yamlio
from sggitops.bump import spec_edit
from sggitops.bump.spec_edit import SpecText, edit_values, version_style
from sggitops.bump.yamltext import Quoted
from tests.helpers import SMALL_SPEC, fleet_spec

CASES = Path(__file__).resolve().parents[2] / "cases"


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def pin_fleet(spec: SpecText, version: str) -> int:
    path = ("spec", "bigbang", "version")
    spec.set(path, Quoted(version, version_style(spec)))
    return spec.line_of(path)


def pin_environment(spec: SpecText, environment: str, version: str) -> int:
    path = ("spec", "environments", environment, "bigbang", "version")
    spec.set(path, Quoted(version, version_style(spec)))
    return spec.line_of(path)


def pin_cluster(spec: SpecText, index: int, version: str) -> int:
    path = ("spec", "clusters", index, "bigbang", "version")
    spec.set(path, Quoted(version, version_style(spec)))
    return spec.line_of(path)


def _plain(text: str) -> dict:  # type: ignore[type-arg]
    return yamlio.to_plain(yamlio.load_one(text, "platform.yaml"))  # type: ignore[no-any-return]


def test_fleet_pin_changes_one_token_and_keeps_quotes_and_comment() -> None:
    text = SMALL_SPEC.replace('version: "3.31.0"', "version: '3.30.0'   # fleet default")
    spec = SpecText(text)
    line = pin_fleet(spec, "3.31.0")
    removed, added = _changed_lines(text, spec.text)
    assert removed == ["    version: '3.30.0'   # fleet default"]
    assert added == ["    version: '3.31.0'   # fleet default"]
    assert spec.text.splitlines()[line - 1] == added[0]


def test_environment_pin_in_flow_mapping_and_new_environment() -> None:
    spec = SpecText(SMALL_SPEC)
    pin_environment(spec, "dev", "3.30.0")
    pin_environment(spec, "prod", "3.29.0")
    removed, added = _changed_lines(SMALL_SPEC, spec.text)
    assert removed == ["    dev: {values: {}}"]
    assert added == [
        '    dev: {bigbang: {version: "3.30.0"}, values: {}}',
        "    prod:",
        "      bigbang:",
        '        version: "3.29.0"',
    ]
    envs = _plain(spec.text)["spec"]["environments"]
    assert envs == {
        "dev": {"bigbang": {"version": "3.30.0"}, "values": {}},
        "prod": {"bigbang": {"version": "3.29.0"}},
    }


def test_environments_block_created_before_clusters_when_missing() -> None:
    text = fleet_spec(3)
    spec = SpecText(text)
    pin_environment(spec, "dev", "3.30.0")
    lines = spec.text.splitlines()
    at = lines.index("  environments:")
    assert lines[at : at + 4] == [
        "  environments:",
        "    dev:",
        "      bigbang:",
        '        version: "3.30.0"',
    ]
    assert lines[at + 4] == "  clusters:"
    assert _changed_lines(text, spec.text)[0] == []


def test_cluster_pin_in_block_and_flow_items() -> None:
    spec = SpecText(SMALL_SPEC)
    pin_cluster(spec, 1, "3.30.0")
    lines = spec.text.splitlines()
    at = lines.index("      environment: dev")
    assert lines[at + 1 : at + 4] == [
        "      bigbang:",
        '        version: "3.30.0"',
        "      domain: dev.acme.mil",
    ]
    flow = SpecText(fleet_spec(2))
    pin_cluster(flow, 2, "3.30.0")
    (item,) = [line for line in flow.text.splitlines() if "name: run-001" in line]
    assert 'environment: staging, bigbang: {version: "3.30.0"}, domain: run-001.fleet.mil' in item
    assert _plain(flow.text)["spec"]["clusters"][2]["bigbang"] == {"version": "3.30.0"}


def test_repinning_an_existing_pin_keeps_its_line() -> None:
    text = (CASES.parent.parent / "platform.yaml").read_text()
    spec = SpecText(text)
    pin_environment(spec, "prod", "3.31.0")
    removed, added = _changed_lines(text, spec.text)
    assert removed == [
        '        version: "3.30.0"        # prod trails one minor behind: the last rollout wave'
    ]
    assert added == ['        version: "3.31.0"        # prod trails one minor behind: the last rollout wave']


def test_values_rename_keeps_the_value_text_and_its_comments() -> None:
    text = """\
spec:
  values:
    # anchore settings
    addons:
      anchore:
        enabled: true   # on
        values: {ui: {replicaCount: 1}}
    monitoring: {enabled: true}
"""
    spec = SpecText(text)
    wanted = {
        "addons": {"anchoreEnterprise": {"enabled": True, "values": {"ui": {"replicaCount": 1}}}},
        "monitoring": {"enabled": True},
    }
    edit_values(
        spec, ("spec", "values"), wanted, [(("spec", "values", "addons"), "anchore", "anchoreEnterprise")]
    )
    assert spec.text == text.replace("anchore:", "anchoreEnterprise:")


def test_values_insert_after_sibling_delete_and_empty() -> None:
    text = "spec:\n  values:\n    istio:\n      enabled: true   # mesh\n    clusterAuditor:\n      enabled: false\n  other: 1\n"
    spec = SpecText(text)
    edit_values(spec, ("spec", "values"), {"istio": {"enabled": True}, "istiod": {"enabled": True}})
    assert spec.text == (
        "spec:\n  values:\n    istio:\n      enabled: true   # mesh\n    istiod:\n      enabled: true\n  other: 1\n"
    )
    edit_values(spec, ("spec", "values"), {})
    assert spec.text == "spec:\n  values: {}\n  other: 1\n"
    edit_values(spec, ("spec", "values"), {"tempo": {"enabled": True}})
    assert spec.text == "spec:\n  values:\n    tempo:\n      enabled: true\n  other: 1\n"


@pytest.mark.parametrize(
    "value",
    [
        "a, b",
        "yes",
        "#x",
        "3.31.0",
        "x: y",
        1,
        True,
        None,
        [1, "two", {"k": "v"}],
        {"nested": {"deep": ["a"]}},
    ],
)
def test_rendered_values_read_back_the_same(value: object) -> None:
    spec = SpecText("spec:\n  values:\n    keep: 1\n")
    edit_values(spec, ("spec", "values"), {"keep": 1, "new": value})
    assert _plain(spec.text)["spec"]["values"] == {"keep": 1, "new": value}
    assert spec.text.startswith("spec:\n  values:\n    keep: 1\n")


def test_indentation_step_is_detected() -> None:
    text = "spec:\n    values:\n        keep: 1\n"
    spec = SpecText(text)
    assert spec.step == 4
    edit_values(spec, ("spec", "values"), {"keep": 1, "tempo": {"enabled": True}})
    assert spec.text == text + "        tempo:\n            enabled: true\n"


def test_version_style_defaults_to_double_quotes_for_plain_pins() -> None:
    spec = SpecText(SMALL_SPEC.replace('version: "3.31.0"', "version: 3.31.0"))
    assert spec_edit.version_style(spec) == '"'
    pin_environment(spec, "staging", "3.30.0")
    assert _plain(spec.text)["spec"]["environments"]["staging"]["bigbang"]["version"] == "3.30.0"
