"""Helpers for render tests: build small kustomize repos inline."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

MakeRepo = Callable[[Mapping[str, str]], Path]


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write `{relative path: text}` under `root` and return `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """`make_repo({...})` writes the files into a fresh repo directory and returns it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    return lambda files: write_tree(repo, files)
