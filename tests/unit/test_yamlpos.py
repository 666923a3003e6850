"""The fast positioned loader gives the round-trip loader's shape and positions, and leaves anything
unusual (errors, merge keys, duplicate keys, several documents) to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sggitops import yamlio, yamlpos, yamlstore
from sggitops.errors import InputError

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
  - cm.yaml   # a comment
patches:
  - path: patch.yaml
    target: {kind: Deployment, name: web}
configMapGenerator:
  - name: settings
    files: [a.txt, "b.txt"]
    literals:
      - mode=dev
"""


def positions(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], tuple[int, int]]:
    out = {path: yamlio.position(node)}
    if isinstance(node, dict):
        for key, value in node.items():
            out[(*path, key, "key")] = yamlio.position(node, key)
            out[(*path, key, "value")] = yamlio.value_position(node, key)
            out.update(positions(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out[(*path, i)] = yamlio.position(node, i)
            out.update(positions(value, (*path, i)))
    return out


def test_same_data_and_positions_as_the_round_trip_loader() -> None:
    fast = yamlpos.load_one(KUSTOMIZATION, "k.yaml")
    slow = yamlio.load_one(KUSTOMIZATION, "k.yaml")
    assert yamlio.to_plain(fast) == yamlio.to_plain(slow)
    assert positions(fast) == positions(slow)
    assert yamlio.position(fast["resources"], 1) == (5, 5)


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2\n",  # merge key
        "a: 1\nb: !custom x\n",  # unknown tag
        "",  # empty
    ],
)
def test_unusual_documents_read_as_the_round_trip_loader_reads_them(text: str) -> None:
    fast, slow = yamlpos.load_one(text, "k.yaml"), yamlio.load_one(text, "k.yaml")
    assert repr(yamlio.to_plain(fast)) == repr(yamlio.to_plain(slow))  # TaggedScalar has no __eq__


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: [1\n", "a: 1\n---\nb: 2\n"])
def test_errors_are_the_round_trip_loaders(text: str) -> None:
    with pytest.raises(InputError) as slow:
        yamlio.load_one(text, "k.yaml", rule="build/failed")
    with pytest.raises(InputError) as fast:
        yamlpos.load_one(text, "k.yaml", rule="build/failed")
    assert (fast.value.message, fast.value.location, fast.value.rule) == (
        slow.value.message,
        slow.value.location,
        slow.value.rule,
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb:\n  - x\n  - {c: d, e: [1, 2.5, true, null]}\n",
        "repo: {url: https://x.mil/a.git, revision: main}\n# a comment\nlist: [a, b]\n",  # the rt fallback
    ],
)
def test_a_document_kept_for_the_next_run_comes_back_with_every_position(tmp_path: Path, text: str) -> None:
    with yamlstore.persisted(tmp_path / "parsed.json"):
        parsed = yamlpos.load_one(text, "f.yaml")
    with yamlstore.persisted(tmp_path / "parsed.json") as store:
        assert store is not None and store.lookup(next(k for k in store._entries if "positioned" in k))
        again = yamlpos.load_one(text, "f.yaml")
    assert yamlio.to_plain(again) == yamlio.to_plain(parsed)
    assert positions(again) == positions(parsed)


@pytest.mark.parametrize(
    "text",
    [
        "when: 2026-01-01\n",  # a date: JSON has none
        "ports: {80: http}\n",  # a key that is not a string
        "a: &x [1, 2, 3, 4, 5, 6, 7, 8]\nb: [*x, *x, *x, *x, *x, *x, *x, *x]\n",  # aliases expand past the text
    ],
)
def test_documents_json_cannot_keep_are_parsed_each_run(tmp_path: Path, text: str) -> None:
    with yamlstore.persisted(tmp_path / "parsed.json"):
        first = yamlpos.load_one(text, "f.yaml")
    with yamlstore.persisted(tmp_path / "parsed.json") as store:
        assert store is not None and not any("positioned" in k for k in store._entries)
        assert yamlio.to_plain(yamlpos.load_one(text, "f.yaml")) == yamlio.to_plain(first)
