"""Inline suppression: `# sggitops: ignore[rule-id]` on the offending line or alone on the line above."""

from __future__ import annotations

from pathlib import Path

from sggitops import suppress
from sggitops.findings import Finding, Severity

KNOWN = {"secrets/plaintext", "schema/invalid", "api/deprecated"}


def finding(line: int, rule: str = "secrets/plaintext", file: str = "a.yaml") -> Finding:
    return Finding(file, line, 1, rule, Severity.ERROR, f"problem at {line}")


def test_marks_on_the_line_and_alone_above() -> None:
    text = "a: 1  # sggitops: ignore[secrets/plaintext]\n# sggitops: ignore[schema/invalid, api/deprecated]\nb: 2\n"
    marks = list(suppress.marks_in("a.yaml", text))
    assert [(m.line, m.rules, m.lines) for m in marks] == [
        (1, ("secrets/plaintext",), (1,)),
        (2, ("schema/invalid", "api/deprecated"), (2, 3)),
    ]


def test_a_suppressed_finding_is_counted_not_dropped() -> None:
    marks = list(suppress.marks_in("a.yaml", "x: 1\n# sggitops: ignore[secrets/plaintext]\ndata: 2\n"))
    out = suppress.apply([finding(3), finding(1), finding(3, "schema/invalid")], marks, KNOWN)
    rules = sorted((f.rule, f.line) for f in out)
    assert rules == [("schema/invalid", 3), ("secrets/plaintext", 1), ("suppress/applied", 2)]
    (applied,) = [f for f in out if f.rule == "suppress/applied"]
    assert applied.severity is Severity.INFO
    assert applied.message.startswith("1 finding suppressed by this comment (secrets/plaintext)")


def test_a_comment_after_code_covers_only_its_own_line() -> None:
    marks = list(suppress.marks_in("a.yaml", "data: 1  # sggitops: ignore[secrets/plaintext]\nb: 2\n"))
    out = suppress.apply([finding(2)], marks, KNOWN)
    assert [f.rule for f in out] == ["secrets/plaintext"]


def test_other_files_are_not_suppressed() -> None:
    marks = list(suppress.marks_in("a.yaml", "data: 1  # sggitops: ignore[secrets/plaintext]\n"))
    out = suppress.apply([finding(1, file="b.yaml")], marks, KNOWN)
    assert [(f.file, f.rule) for f in out] == [("b.yaml", "secrets/plaintext")]


def test_an_unknown_rule_id_is_a_warning_and_suppresses_nothing() -> None:
    marks = list(suppress.marks_in("a.yaml", "data: 1  # sggitops: ignore[secrets/plain-text]\n"))
    out = suppress.apply([finding(1)], marks, KNOWN)
    assert sorted((f.rule, f.severity.value) for f in out) == [
        ("secrets/plaintext", "error"),
        ("suppress/unknown-rule", "warning"),
    ]
    assert "secrets/plain-text" in next(f.message for f in out if f.rule == "suppress/unknown-rule")


def test_repo_marks_skips_hidden_dirs_and_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "overlays").mkdir()
    (tmp_path / "overlays" / "a.yaml").write_text("k: v  # sggitops: ignore[schema/invalid]\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "b.yaml").write_text("k: v  # sggitops: ignore[schema/invalid]\n")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe # sggitops: ignore[x/y]")
    (tmp_path / "notes.txt").write_text("# sggitops: ignore[x/y]\n")
    assert [(m.file, m.line) for m in suppress.repo_marks(tmp_path)] == [("overlays/a.yaml", 1)]


def test_an_unknown_rule_id_is_reported_once_across_shards() -> None:
    marks = list(suppress.marks_in("a.yaml", "data: 1  # sggitops: ignore[secrets/plain-text]\n"))
    assert [f.rule for f in suppress.apply([], marks, KNOWN, repo_level=False)] == []
    assert [f.rule for f in suppress.apply([], marks, KNOWN)] == ["suppress/unknown-rule"]
