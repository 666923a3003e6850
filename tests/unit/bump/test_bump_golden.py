"""Golden: a 2.54 -> 3.31 bump of a commented spec changes only the lines it must (tests/cases/bump-comments)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from sggitops.bump.bump import plan_bump

CASE = Path(__file__).resolve().parents[2] / "cases" / "bump-comments"


def test_comments_survive_byte_for_byte(tmp_path: Path) -> None:
    shutil.copy(CASE / "platform.yaml", tmp_path / "platform.yaml")
    bump = plan_bump(tmp_path, "3.31.0", allow_skip=True, bigbang_repo=str(tmp_path / "no-bigbang-repo"))
    expected = (CASE / "expected-platform.yaml").read_text()
    assert bump.spec_after == expected, "".join(
        difflib.unified_diff(
            expected.splitlines(True), bump.spec_after.splitlines(True), "expected", "actual"
        )
    )
    before = (CASE / "platform.yaml").read_text().splitlines()
    after = bump.spec_after.splitlines()
    comments_after = "\n".join(line[line.index("#") :] for line in after if "#" in line)
    # every comment survives (the dropped istioOperator block with its comment, commented out)
    for line in before:
        if "#" in line:
            assert line[line.index("#") :] in comments_after, line
    assert "      # istioOperator:" in after
    assert "      #   enabled: true   # goes away in 3.0" in after
    assert any("Big Bang 3.0.0 has no equivalent for istioOperator.enabled" in line for line in after)
    untouched = [line for line in before if line in after]
    assert len(untouched) >= len(before) - 12


def test_golden_migrations_point_at_their_lines(tmp_path: Path) -> None:
    shutil.copy(CASE / "platform.yaml", tmp_path / "platform.yaml")
    bump = plan_bump(tmp_path, "3.31.0", allow_skip=True, bigbang_repo=str(tmp_path / "no-bigbang-repo"))
    before = (CASE / "platform.yaml").read_text().splitlines()
    after = bump.spec_after.splitlines()
    for note in bump.migrations:
        old_key = note.path_before.split(".")[-1]
        assert old_key in before[note.line - 1], note
        if note.path_after is not None:
            assert note.after_line is not None
            assert note.path_after.split(".")[-1] in after[note.after_line - 1], note
    assert [(c.field, c.before, c.after) for c in bump.choice_changes] == [("tracing", "jaeger", "tempo")]
    assert bump.skipped[0] == "3.0.0" and bump.skipped[-1] == "3.30.0"
    assert bump.skipped_from == "the sggitops catalog"
