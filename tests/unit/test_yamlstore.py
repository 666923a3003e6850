"""Parsed YAML kept between runs (yamlstore) and how `yamlio.load_plain_all` uses it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sggitops import yamlio, yamlstore
from sggitops.errors import InputError
from sggitops.render import kustomization


@pytest.fixture(autouse=True)
def fresh_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: nothing parsed yet."""
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO_BYTES", [0])


def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = yamlio._load_plain_all
    monkeypatch.setattr(yamlio, "_load_plain_all", lambda text, *a: calls.append(text) or real(text, *a))
    return calls


TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\ndata: {k: dg==}\n"


def test_a_text_parsed_in_one_run_is_read_back_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "cache" / "parsed.json"
    with yamlstore.persisted(store):
        first = yamlio.load_plain_all(TEXT, "a.yaml")
    assert store.is_file()
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})  # a new process
    calls = parses(monkeypatch)
    with yamlstore.persisted(store):
        again = yamlio.load_plain_all(TEXT, "a.yaml")
    assert calls == [] and again == first
    assert first[1] == (5, 1, {"kind": "Secret", "data": {"k": "dg=="}})


def test_the_store_hands_out_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "parsed.json"
    with yamlstore.persisted(store):
        yamlio.load_plain_all(TEXT, "a.yaml")
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})
    with yamlstore.persisted(store):
        got = yamlio.load_plain_all(TEXT, "a.yaml")
        got[0][2]["metadata"]["name"] = "changed"
        assert yamlio.load_plain_all(TEXT, "a.yaml")[0][2]["metadata"]["name"] == "a"


def test_entries_no_run_used_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "parsed.json"
    with yamlstore.persisted(store):
        yamlio.load_plain_all("a: 1\n", "a.yaml")
        yamlio.load_plain_all("b: 2\n", "b.yaml")
    assert len(json.loads(store.read_text())["texts"]) == 2
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})
    with yamlstore.persisted(store):
        yamlio.load_plain_all("b: 2\n", "b.yaml")
    assert len(json.loads(store.read_text())["texts"]) == 1


def test_data_json_cannot_keep_exactly_is_parsed_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`{1: x}` would come back from JSON as `{"1": x}`; `.nan` as nothing JSON has."""
    store = tmp_path / "parsed.json"
    text = "ports: {80: http}\nratio: .nan\n"
    with yamlstore.persisted(store):
        first = yamlio.load_plain_all(text, "a.yaml")
    assert first[0][2]["ports"] == {80: "http"}
    monkeypatch.setattr(yamlio, "_PLAIN_MEMO", {})
    calls = parses(monkeypatch)
    with yamlstore.persisted(store):
        again = yamlio.load_plain_all(text, "a.yaml")
    assert calls == [text] and again[0][2]["ports"] == {80: "http"}


@pytest.mark.parametrize(
    "content",
    ["", "not json", "[]", '{"version": 99, "texts": {}}', '{"version": 1, "texts": {"%s": [[1]]}}'],
)
def test_an_unreadable_or_foreign_store_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    store = tmp_path / "parsed.json"
    digest = hashlib.sha256(b"a: 1\n").hexdigest()
    store.write_text(content.replace("%s", digest))
    calls = parses(monkeypatch)
    with yamlstore.persisted(store):
        assert yamlio.load_plain_all("a: 1\n", "a.yaml") == [(1, 1, {"a": 1})]
    assert calls == ["a: 1\n"]


def test_a_syntax_error_is_never_stored(tmp_path: Path) -> None:
    store = tmp_path / "parsed.json"
    with yamlstore.persisted(store), pytest.raises(InputError):
        yamlio.load_plain_all("a: [\n", "bad.yaml")
    assert not store.exists() or json.loads(store.read_text())["texts"] == {}


def test_one_off_texts_are_neither_memoised_nor_stored(tmp_path: Path) -> None:
    store = tmp_path / "parsed.json"
    with yamlstore.persisted(store):
        yamlio.load_plain_all("a: 1\n", "rendered", keep=False)
    assert yamlio._PLAIN_MEMO == {}
    assert not store.exists()


def test_a_cache_dir_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with yamlstore.persisted(blocker / "parsed.json"):
        assert yamlio.load_plain_all("a: 1\n", "a.yaml") == [(1, 1, {"a": 1})]


def test_a_kustomization_read_back_from_the_store_is_the_one_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text's part (paths, positions, generators) comes from the store; the file system's part (is
    it a folder, a file, remote?) is asked again: a folder created since changes how a path counts."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "kustomization.yaml").write_text(
        "resources:\n  - deploy.yaml\n  - ../base\n  - github.com/x/y\n"
        "configMapGenerator:\n  - name: env\n    files: [values.yaml]\n"
    )
    store = tmp_path / "parsed.json"
    with yamlstore.persisted(store):
        first = kustomization.parse(repo, repo / "app" / "kustomization.yaml")
    calls: list[str] = []
    real = kustomization._Raw.of_text
    monkeypatch.setattr(kustomization._Raw, "of_text", lambda t, r: calls.append(r) or real(t, r))
    with yamlstore.persisted(store):
        again = kustomization.parse(repo, repo / "app" / "kustomization.yaml")
    assert calls == [] and again == first
    assert [(r.path, r.kind.value, r.line, r.col) for r in first.refs] == [
        ("app/deploy.yaml", "file", 2, 5),
        ("base", "dir", 3, 5),
        ("github.com/x/y", "remote", 4, 5),
        ("app/values.yaml", "file", 7, 13),
    ]
    (repo / "app" / "github.com" / "x" / "y").mkdir(parents=True)  # now a local folder to kustomize
    with yamlstore.persisted(store):
        third = kustomization.parse(repo, repo / "app" / "kustomization.yaml")
    assert calls == []
    assert (third.refs[2].kind.value, third.refs[2].path) == ("dir", "app/github.com/x/y")
