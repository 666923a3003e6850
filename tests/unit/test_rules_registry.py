"""The rule registry is complete: every rule id the code can emit is declared (with a summary), has a
golden case under tests/cases/ (or names the test that pins it), and the README table is current."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ruamel.yaml import YAML

from sggitops.checks import rules
from sggitops.findings import Severity

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sggitops"
CASES = ROOT / "tests" / "cases"
FAMILIES = frozenset(r.family for r in rules.REGISTRY.values())
RULE_ID = re.compile(r"^([a-z]+)/[a-z0-9]+(?:-[a-z0-9]+)*$")
# A Kubernetes group/version (`policy/v1beta1`, `batch/v1`) is data, not a rule id: the version part of
# an apiVersion is `v<major>` with an optional alpha/beta suffix, and no rule id looks like that.
API_VERSION = re.compile(r"^[a-z0-9.-]+/v\d+(?:(?:alpha|beta)\d+)?$")


def emitted_ids() -> Iterator[tuple[str, str]]:
    """(rule id, file:line) for every string literal in sggitops/ shaped like a rule id of a known family."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            match = RULE_ID.match(node.value)
            if match and match.group(1) in FAMILIES and not API_VERSION.match(node.value):
                yield node.value, f"{path.relative_to(ROOT)}:{node.lineno}"


def golden_rules() -> set[str]:
    out: set[str] = set()
    for expected in CASES.glob("*/expected.yaml"):
        data = YAML(typ="safe").load(expected.read_text("utf-8")) or {}
        out |= {str(f["rule"]) for f in data.get("findings") or ()}
    return out


def test_the_scan_sees_the_emitters() -> None:
    """The static scan itself works: it finds ids emitted outside checks/ and skips apiVersions."""
    found = {rule for rule, _where in emitted_ids()}
    assert {"yaml/syntax", "spec/read", "schema/bad-schema-file", "policy/suite", "build/yaml-bomb"} <= found
    assert "policy/v1beta1" not in found and "policy/v1" not in found


def test_every_emitted_rule_id_is_registered() -> None:
    unknown = sorted({f"{rule} ({where})" for rule, where in emitted_ids() if rule not in rules.REGISTRY})
    assert not unknown, "rule ids not declared in any module's RULES: " + ", ".join(unknown)


def test_build_limit_rules_built_by_fstring_are_registered() -> None:
    """`build/{limit}-limit` is formatted (render/kustomize.py), so the literal scan cannot see it."""
    assert {"build/memory-limit", "build/output-limit"} <= set(rules.REGISTRY)


def test_every_rule_is_documented() -> None:
    for rule in rules.REGISTRY.values():
        assert rule.summary.strip() and not rule.summary.endswith("."), rule.id
        assert isinstance(rule.severity, Severity), rule.id
        assert RULE_ID.match(rule.id), rule.id
    assert rules.rule_docs() == {r.id: r.summary for r in rules.REGISTRY.values()}


def test_every_rule_has_a_golden_case_or_a_pinning_test() -> None:
    golden = golden_rules()
    problems = []
    for rule in rules.REGISTRY.values():
        if rule.id in golden:
            continue
        if not rule.pinned_by:
            problems.append(f"{rule.id}: no golden case under tests/cases/ and no pinned_by")
            continue
        file, _, name = rule.pinned_by.partition("::")
        path = ROOT / file
        if not path.is_file() or not re.search(rf"^def {re.escape(name)}\(", path.read_text("utf-8"), re.M):
            problems.append(f"{rule.id}: pinned_by {rule.pinned_by} names no test")
    assert not problems, "\n".join(problems)


def test_golden_cases_name_only_registered_rules() -> None:
    assert not golden_rules() - set(rules.REGISTRY)


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert rules.with_table(readme) == readme, (
        "README.md's rule table is stale: run `python -m sggitops.checks.rules --write-readme`"
    )
