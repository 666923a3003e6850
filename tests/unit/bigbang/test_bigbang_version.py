"""Big Bang version tags: strict parsing, ordering and the minor releases an upgrade skips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sggitops.bigbang.version import Version, VersionError, minors_between


def test_parse_and_str_round_trip() -> None:
    v = Version.parse("3.31.0")
    assert (v.major, v.minor, v.patch) == (3, 31, 0)
    assert str(v) == "3.31.0"


@pytest.mark.parametrize(
    "text", ["v3.31.0", "3.31", "3.31.0-rc.1", "3.31.0.1", "03.1.0", "", " 3.31.0", "3.x.0", "latest"]
)
def test_parse_refuses_anything_but_a_plain_tag(text: str) -> None:
    with pytest.raises(ValueError, match="invalid Big Bang version"):
        Version.parse(text)


def test_leading_v_gets_a_hint() -> None:
    with pytest.raises(VersionError, match="invalid Big Bang version") as info:
        Version.parse("v3.31.0")
    assert info.value.hint == "Big Bang tags have no 'v' prefix: use '3.31.0'"


def test_ordering_is_numeric_not_textual() -> None:
    assert Version.parse("2.9.1") < Version.parse("2.10.0") < Version.parse("2.54.0") < Version.parse("3.0.0")
    assert sorted(["3.10.0", "3.9.2", "2.54.1"], key=Version.parse) == ["2.54.1", "3.9.2", "3.10.0"]


def test_minors_between_within_a_line() -> None:
    assert minors_between("3.28.1", "3.31.0") == ["3.29.0", "3.30.0"]
    assert minors_between("3.31.0", "3.28.0") == ["3.29.0", "3.30.0"]
    assert minors_between("3.30.0", "3.31.2") == []
    assert minors_between("3.31.0", "3.31.4") == []


def test_minors_between_crosses_the_end_of_the_2x_line() -> None:
    assert minors_between("2.52.3", "3.2.0") == ["2.53.0", "2.54.0", "3.0.0", "3.1.0"]
    assert minors_between("2.54.0", "3.0.0") == []
    assert minors_between("2.53.0", "3.0.1", last_minor={2: 53}) == []


def test_minors_between_needs_the_last_minor_of_a_skipped_line() -> None:
    with pytest.raises(ValueError, match=r"last minor release of Big Bang 1\.x is unknown"):
        minors_between("1.57.0", "2.1.0", last_minor={2: 54})


@given(
    st.tuples(st.integers(3, 3), st.integers(0, 31), st.integers(0, 5)),
    st.tuples(st.integers(3, 3), st.integers(0, 31), st.integers(0, 5)),
)
def test_minors_between_counts_the_gap(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    low, high = sorted((Version(*a), Version(*b)))
    steps = minors_between(low, high)
    assert len(steps) == max(0, high.minor - low.minor - 1)
    assert all(low < Version.parse(s) < high for s in steps)
