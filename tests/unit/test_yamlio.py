from __future__ import annotations

import pytest

from sggitops import yamlio
from sggitops.errors import InputError


def test_positions_are_one_based() -> None:
    doc = yamlio.load_one("a: 1\nb:\n  - x\n  - y: 2\n", "f.yaml")
    assert yamlio.position(doc, "b") == (2, 1)
    assert yamlio.locate(doc, ["b", 1, "y"]) == (4, 5)
    assert yamlio.locate(doc, ["b", 7]) == (2, 1)


def test_dump_is_deterministic_and_uses_literal_blocks() -> None:
    data = {"kind": "ConfigMap", "data": {"values.yaml": "a: 1\nb: 2\n"}, "list": [{"a": 1}], "empty": {}}
    text = yamlio.dump(data)
    assert text == yamlio.dump(data)
    assert "values.yaml: |\n    a: 1\n    b: 2\n" in text
    assert yamlio.to_plain(yamlio.load_one(text, "x")) == data


def test_alias_bomb_is_refused_with_a_position() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(InputError) as err:
        yamlio.load_one("\n".join(lines) + "\n", "bomb.yaml")
    assert "alias" in err.value.lines()[0]
    assert err.value.lines()[0].startswith("bomb.yaml:1:1: error [yaml/syntax]")


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(InputError) as err:
        yamlio.load_one("a: 1\na: 2\n", "dup.yaml", rule="spec/yaml")
    assert err.value.lines()[0].startswith("dup.yaml:2:1: error [spec/yaml]")


def test_fast_loader_reads_yaml_1_2_flow_scalars_with_colons() -> None:
    docs = yamlio.load_plain_all("a: {url: https://x.mil/a.git, n: 1}\n---\nb: 2\n", "f.yaml")
    assert docs == [(1, 1, {"a": {"url": "https://x.mil/a.git", "n": 1}}), (3, 1, {"b": 2})]


def test_fast_loader_reports_syntax_errors_at_their_position() -> None:
    with pytest.raises(InputError) as err:
        yamlio.load_plain_all("a: 1\nb: [\n", "bad.yaml")
    assert err.value.lines()[0].startswith("bad.yaml:3:1: error [yaml/syntax]")


def test_texts_are_parsed_once_and_handed_out_as_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "items:\n" + "".join(f"  - {{name: item-{i}, url: 'https://x/{i}'}}\n" for i in range(20))
    first = yamlio.load_plain_all(text, "big.yaml")
    calls: list[str] = []
    original = yamlio._load_plain_all
    monkeypatch.setattr(yamlio, "_load_plain_all", lambda *a: calls.append("x") or original(*a))
    second = yamlio.load_plain_all(text, "big.yaml")
    assert second == first and calls == []
    second[0][2]["items"][0]["name"] = "changed"  # a caller changing its copy changes nothing else
    second[0][2]["items"].clear()
    assert yamlio.load_plain_all(text, "big.yaml") == first
    with pytest.raises(InputError):
        yamlio.load_plain_all(text + "bad: [\n", "big.yaml")


def test_the_parse_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO_LIMIT", 100)
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO_BYTES", [0])
    for i in range(50):
        assert yamlio.load_plain_all(f"name: item-{i}\n", "f.yaml") == [(1, 1, {"name": f"item-{i}"})]
    assert yamlio._PLAIN_MEMO_BYTES[0] <= 100 and len(yamlio._PLAIN_MEMO) < 50
