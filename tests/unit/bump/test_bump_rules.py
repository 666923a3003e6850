"""Bump rules: downgrades, skipped minors (catalog and repo tags), shared values, and the versions matrix."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from sggitops.bump.bump import plan_bump
from sggitops.bump.plan import BumpRefused
from sggitops.bump.versions import fleet_matrix, render_matrix_text
from sggitops.checks.skew import skew_findings
from sggitops.specfile import parse_spec
from tests.helpers import fleet_spec


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "platform.yaml").write_text(text)
    return tmp_path


def _no_repo(tmp_path: Path) -> str:
    return str(tmp_path / "no-bigbang-repo")


def test_downgrade_refused_unless_allowed(tmp_path: Path) -> None:
    root = _write(tmp_path, fleet_spec(3, version="3.31.0"))
    with pytest.raises(BumpRefused, match="downgrade"):
        plan_bump(root, "3.30.0", bigbang_repo=_no_repo(tmp_path))
    bump = plan_bump(root, "3.30.0", allow_downgrade=True, bigbang_repo=_no_repo(tmp_path))
    assert {m.direction for m in bump.moved} == {-1}


def test_skipping_minors_needs_allow_skip_and_lists_them(tmp_path: Path) -> None:
    root = _write(tmp_path, fleet_spec(3, version="3.28.0"))
    with pytest.raises(BumpRefused, match=r"3\.29\.0, 3\.30\.0"):
        plan_bump(root, "3.31.0", bigbang_repo=_no_repo(tmp_path))
    assert plan_bump(root, "3.29.0", bigbang_repo=_no_repo(tmp_path)).skipped == ()


def test_skipped_versions_come_from_repo_tags_when_reachable(tmp_path: Path) -> None:
    bb = git.Repo.init(tmp_path / "bigbang")
    (tmp_path / "bigbang" / "README.md").write_text("x")
    bb.index.add(["README.md"])
    bb.index.commit("init")
    for tag in ("3.28.0", "3.29.0", "3.29.3", "3.30.1", "3.31.0", "not-a-version"):
        bb.create_tag(tag)
    (tmp_path / "fleet").mkdir()
    root = _write(tmp_path / "fleet", fleet_spec(3, version="3.28.0"))
    bump = plan_bump(root, "3.31.0", allow_skip=True, bigbang_repo=str(tmp_path / "bigbang"))
    assert bump.skipped == ("3.29.3", "3.30.1")
    assert bump.skipped_from.startswith("tags of ")
    with pytest.raises(BumpRefused, match="no release tag"):
        plan_bump(root, "3.30.0", allow_skip=True, bigbang_repo=str(tmp_path / "bigbang"))


def test_unknown_names_refused(tmp_path: Path) -> None:
    root = _write(tmp_path, fleet_spec(3, version="3.30.0"))
    with pytest.raises(BumpRefused, match="no cluster is in environment 'qa'"):
        plan_bump(root, "3.31.0", environments=["qa"], bigbang_repo=_no_repo(tmp_path))
    with pytest.raises(BumpRefused, match="unknown cluster"):
        plan_bump(root, "3.31.0", clusters=["nope"], bigbang_repo=_no_repo(tmp_path))
    with pytest.raises(BumpRefused, match="does not exist"):
        plan_bump(root, "2.60.0", bigbang_repo=_no_repo(tmp_path))


def test_shared_fleet_values_are_not_migrated_for_one_environment(tmp_path: Path) -> None:
    text = fleet_spec(3, version="3.4.0").replace(
        '  bigbang: {version: "3.4.0"}',
        '  bigbang: {version: "3.4.0", values: {promtail: {enabled: true}}}\n'
        "  environments:\n    dev:\n      values:\n        promtail:\n          enabled: true",
    )
    root = _write(tmp_path, text)
    bump = plan_bump(root, "3.5.0", environments=["dev"], bigbang_repo=_no_repo(tmp_path))
    after = parse_spec(bump.spec_after)
    assert after.bigbang.values == {"promtail": {"enabled": True}}  # shared with staging and prod
    assert after.environments["dev"].values == {"alloy": {"enabled": True}}
    assert after.environments["dev"].bigbang_version == "3.5.0"
    (shared,) = [w for w in bump.warnings if w.startswith("shared stale key")]
    assert "spec.bigbang.values.promtail" in shared and "run-001 (3.4.0)" in shared
    assert [m.cluster for m in bump.moved] == ["run-000"]


def test_fleet_bump_keeps_pinned_waves_and_says_so(tmp_path: Path) -> None:
    text = fleet_spec(3, version="3.30.0").replace(
        "  clusters:", '  environments:\n    prod: {bigbang: {version: "3.30.0"}}\n  clusters:'
    )
    root = _write(tmp_path, text)
    bump = plan_bump(root, "3.31.0", bigbang_repo=_no_repo(tmp_path))
    assert sorted(m.cluster for m in bump.moved) == ["run-000", "run-001"]
    assert any("build stays at Big Bang 3.30.0" in w for w in bump.warnings)


def test_versions_matrix_and_skew_warnings() -> None:
    text = fleet_spec(3, version="3.31.0").replace(
        "  clusters:",
        "  environments:\n"
        '    dev: {bigbang: {version: "3.30.0"}}\n'
        '    prod: {bigbang: {version: "3.27.0"}}\n'
        "  clusters:",
    )
    platform = parse_spec(text)
    rows = fleet_matrix(platform)
    assert [(r.cluster, r.environment, r.bigbang, r.pinned_by) for r in rows] == [
        ("run-000", "dev", "3.30.0", "environment"),
        ("run-001", "staging", "3.31.0", "fleet"),
        ("build", "prod", "3.27.0", "environment"),
        ("run-002", "prod", "3.27.0", "environment"),
    ]
    warnings = list(skew_findings(platform))
    messages = " | ".join(w.message for w in warnings)
    assert "staging runs Big Bang 3.31.0, ahead of the earlier wave(s) dev (3.30.0)" in messages
    assert "4 minor releases behind" in messages
    assert not any("behind" in w.message for w in skew_findings(platform, max_behind=4))
    table = render_matrix_text(rows, warnings)
    assert table.splitlines()[0].split() == [
        "CLUSTER",
        "ENVIRONMENT",
        "BIG",
        "BANG",
        "KUBERNETES",
        "PINNED",
        "BY",
    ]
    assert "warning [bigbang/version-skew]" in table


def test_mixed_versions_inside_an_environment() -> None:
    text = fleet_spec(3, version="3.31.0").replace(
        "environment: prod, domain: run-002",
        'environment: prod, bigbang: {version: "3.30.0"}, domain: run-002',
    )
    messages = [w.message for w in skew_findings(parse_spec(text))]
    assert len(messages) == 1 and "environment prod runs several Big Bang versions" in messages[0]
