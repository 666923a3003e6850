"""Malformed specs: each exits 3 with `platform.yaml:line:col: error [spec/...] message (hint)`,
no traceback, and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import SMALL_SPEC, run_cli, tree

LINE = re.compile(r"^platform\.yaml:(\d+):(\d+): error \[(spec/[a-z-]+)\] (.+) \((.+)\)$")


def _bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(9):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _sub(old: str, new: str, count: int = 1) -> str:
    assert old in SMALL_SPEC, old
    return SMALL_SPEC.replace(old, new, count)


# (id, spec text or bytes, expected rule, expected line or None, text the message or hint must contain)
CASES: list[tuple[str, str | bytes, str, int | None, str]] = [
    ("bad-yaml", _sub("  sso:\n", "  sso: [\n"), "spec/yaml", None, "YAML"),
    (
        "tab-indent",
        _sub("  sso:\n    keycloakCluster: build\n", "  sso:\n\tkeycloakCluster: build\n"),
        "spec/yaml",
        14,
        "YAML",
    ),
    ("wrong-type", _sub('kubernetesVersion: "1.34"', "kubernetesVersion: 1.34"), "spec/schema", 29, "quote"),
    (
        "unknown-key",
        _sub("  environments:\n", "  enviroments:\n"),
        "spec/unknown-key",
        22,
        "did you mean 'environments'",
    ),
    ("misspelt-role", _sub("role: build", "role: biuld"), "spec/schema", 26, "did you mean 'build'"),
    ("unknown-env-in-app", _sub("environments: [dev]", "environments: [qa]"), "spec/reference", 49, "qa"),
    (
        "duplicate-cluster",
        _sub("name: run-dev", "name: build"),
        "spec/duplicate",
        31,
        "first defined at line 25",
    ),
    ("dotdot-name", _sub("name: run-dev", "name: ../x"), "spec/name", 31, "DNS-1123"),
    ("empty", "", "spec/empty", 1, "sggitops init"),
    ("comments-only", "# nothing here\n", "spec/empty", 1, "sggitops init"),
    ("alias-bomb", _bomb(), "spec/yaml", 1, "alias"),
    ("binary", b"\x00\x01\x02platform", "spec/encoding", 1, "UTF-8"),
    ("not-utf8", SMALL_SPEC.encode() + b"# \xff\xfe\n", "spec/encoding", 50, "UTF-8"),
    ("top-level-list", "- a\n- b\n", "spec/schema", 1, "apiVersion"),
    (
        "wrong-api-version",
        _sub("sggitops.io/v1alpha1", "sggitops.io/v2"),
        "spec/schema",
        1,
        "sggitops.io/v1alpha1",
    ),
    ("wrong-kind", _sub("kind: Platform", "kind: Fleet"), "spec/schema", 2, "Platform"),
    ("duplicate-key", _sub("  repo:\n", "  sso: {}\n  repo:\n"), "spec/yaml", None, "duplicate key"),
    ("multi-doc", SMALL_SPEC + "---\na: 1\n", "spec/yaml", 1, "---"),
    ("missing-clusters", SMALL_SPEC.split("  environments:")[0], "spec/schema", 5, "clusters"),
    (
        "keycloak-on-run",
        _sub("keycloakCluster: build", "keycloakCluster: run-dev"),
        "spec/reference",
        14,
        "build cluster",
    ),
    (
        "keycloak-missing",
        _sub("keycloakCluster: build", "keycloakCluster: idp"),
        "spec/reference",
        14,
        "build",
    ),
    ("bad-version", _sub('version: "3.31.0"', 'version: "3.31"'), "spec/version", 9, "semver"),
    ("unknown-project", _sub("project: mission-a", "project: mission-z"), "spec/reference", 44, "mission-a"),
    (
        "clusters-and-envs",
        _sub("environments: [dev]", "environments: [dev]\n      clusters: [run-dev]"),
        "spec/schema",
        43,
        "one of",
    ),
    (
        "ns-outside-project",
        _sub("namespace: mission-a-web", "namespace: kube-system"),
        "spec/reference",
        48,
        "mission-a-*",
    ),
    ("app-on-build", _sub("environments: [dev]", "clusters: [build]"), "spec/reference", 49, "run clusters"),
    (
        "duplicate-domain",
        _sub("domain: dev.acme.mil", "domain: build.acme.mil"),
        "spec/duplicate",
        34,
        "unique",
    ),
    ("bad-expires", _sub('expires: "2030-01-01"', 'expires: "next year"'), "spec/schema", 21, "ISO date"),
    (
        "unknown-policy-set",
        _sub("sets: [baseline]", "sets: [baseline, strict]"),
        "spec/schema",
        16,
        "restricted",
    ),
    ("uppercase-name", _sub("name: acme", "name: ACME"), "spec/name", 4, "DNS-1123"),
    ("bad-cloud", _sub("provider: aws", "provider: ibm", 1), "spec/schema", 30, "aws"),
    (
        "bad-url",
        _sub("url: https://gitlab.build.acme.mil/platform/gitops.git", "url: not a url"),
        "spec/schema",
        7,
        "schema",
    ),
]


@pytest.mark.parametrize(
    ("spec", "rule", "line", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_spec_exits_3_with_position(
    tmp_path: Path, spec: str | bytes, rule: str, line: int | None, needle: str
) -> None:
    path = tmp_path / "platform.yaml"
    path.write_bytes(spec if isinstance(spec, bytes) else spec.encode())
    before = tree(tmp_path)
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln]
    assert lines, "no error printed"
    parsed = [LINE.match(ln) for ln in lines]
    assert all(parsed), lines
    rules = [m.group(3) for m in parsed if m]
    assert rule in rules, lines
    match = next(m for m in parsed if m and m.group(3) == rule)
    if line is not None:
        assert int(match.group(1)) == line, lines
    assert needle in match.group(4) + match.group(5), lines
    assert tree(tmp_path) == before, "a failed generate must write nothing"


def test_huge_spec_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "platform.yaml"
    with path.open("wb") as handle:
        handle.write(SMALL_SPEC.encode())
        handle.write(b"#" * (50 * 1024 * 1024) + b"\n")
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 3
    assert re.match(r"^platform\.yaml:1:1: error \[spec/too-large\] .+ \(.+\)$", result.stderr.strip())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.yaml"]


def test_missing_spec_points_at_init(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 3
    assert "[spec/missing]" in result.stderr and "sggitops init" in result.stderr


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    spec = SMALL_SPEC.replace("role: build", "role: biuld").replace("  environments:\n", "  enviroments:\n")
    (tmp_path / "platform.yaml").write_text(spec)
    result = run_cli(tmp_path, "generate")
    assert result.exit_code == 3
    assert "[spec/unknown-key]" in result.stderr and "[spec/schema]" in result.stderr
