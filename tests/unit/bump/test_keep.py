"""bump/keep.py: dropped values stay as comments in place; lost comments come back; data unchanged."""

from __future__ import annotations

from sggitops import yamlio
from sggitops.bump.keep import Dropped, comments, keep_everything

BEFORE = """\
spec:
  bigbang:
    values:
      # the mesh
      istio:
        enabled: true
        values:
          meshConfig:
            accessLogFile: /dev/stdout   # mesh for every namespace
      banner: |
        # not a comment: block scalar content
        hello
      jaeger: {enabled: true, x: 1}   # tracing
"""
AFTER = """\
spec:
  bigbang:
    values:
      istiod:
        enabled: true
      banner: |
        # not a comment: block scalar content
        hello
"""


def _data(text: str) -> object:
    return yamlio.to_plain(yamlio.load_one(text, "platform.yaml"))


def test_dropped_blocks_are_commented_out_and_the_data_is_unchanged() -> None:
    dropped = [
        Dropped(("spec", "bigbang", "values", "istio", "values"), 3, "3.0.0", "no equivalent"),
        Dropped(("spec", "bigbang", "values", "jaeger", "x"), 3, "3.0.0", "gone"),
    ]
    out = keep_everything(BEFORE, AFTER, dropped)
    assert _data(out) == _data(AFTER)
    assert "      # istio:\n      #   enabled: true\n      #   values:\n" in out
    assert "      #       accessLogFile: /dev/stdout   # mesh for every namespace\n" in out
    assert "Big Bang 3.0.0 has no equivalent for istio.values" in out
    assert "# jaeger: {enabled: true, x: 1}" in out
    # the block scalar still holds exactly its two lines
    assert (
        _data(out)["spec"]["bigbang"]["values"]["banner"] == "# not a comment: block scalar content\nhello\n"
    )  # type: ignore[index]


def test_lost_comments_come_back_on_their_own_line() -> None:
    out = keep_everything(BEFORE, AFTER, [])
    for _line, _indent, comment in comments(BEFORE):
        assert comment in out, comment
    assert _data(out) == _data(AFTER)


def test_comments_skip_quotes_and_block_scalars() -> None:
    text = 'a: "x # y"  # real\nb: |\n  # content\nc: it\'s # also real\n'
    assert [c for _n, _i, c in comments(text)] == ["# real", "# also real"]
