from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sggitops import yamlio
from sggitops.yamlemit import emit, scalar


def _roundtrip(data: Any) -> Any:
    return yamlio.to_plain(yamlio.load_one(emit(data), "x.yaml"))


def test_yaml_1_1_lookalikes_are_quoted() -> None:
    for text in [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "N",
        "0777",
        "1:20",
        "2027-03-31",
        "1e3",
        ".5",
        "0x1F",
        "~",
        "null",
        "=",
        "<<",
    ]:
        assert scalar(text).startswith(("'", '"')), text


def test_plain_strings_stay_plain() -> None:
    for text in ["registry1.dso.mil", "bigbang", "v1.4.2", "https://x.mil/a.git", "overlays/run-dev", "a b"]:
        assert scalar(text) == text


def test_layout() -> None:
    data = {"a": {"b": [1, {"c": "d", "e": []}], "f": {}}, "g": "x\ny\n"}
    assert emit(data) == "a:\n  b:\n    - 1\n    - c: d\n      e: []\n  f: {}\ng: |\n  x\n  y\n"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=5))
def test_emit_roundtrips_through_a_yaml_reader(data: dict[str, Any]) -> None:
    assert _roundtrip(data) == data
