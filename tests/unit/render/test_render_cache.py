from __future__ import annotations

import os
from pathlib import Path

import pytest

from sggitops.render.cache import MISSING, FileDigests, RenderCache, cache_key, default_cache_dir


def test_key_depends_on_version_flags_root_and_every_file() -> None:
    files = [("a.yaml", "1"), ("b.yaml", "2")]
    key = cache_key("kubectl v1", (), "ov", files)
    assert key == cache_key("kubectl v1", (), "ov", list(reversed(files)))  # order-independent
    assert (
        len(
            {
                key,
                cache_key("kubectl v2", (), "ov", files),
                cache_key("kubectl v1", ("--enable-helm",), "ov", files),
                cache_key("kubectl v1", (), "ov2", files),
                cache_key("kubectl v1", (), "ov", [("a.yaml", "1"), ("b.yaml", "3")]),
                cache_key("kubectl v1", (), "ov", [("a.yaml", "1")]),
                cache_key("kubectl v1", (), "ov", [("a.yaml", "1"), ("c.yaml", "2")]),
            }
        )
        == 7
    )


def test_file_digests_follow_content_and_existence(tmp_path: Path) -> None:
    digests = FileDigests(tmp_path)
    assert digests.digest("x.yaml") == MISSING
    (tmp_path / "x.yaml").write_text("a: 1\n")
    first = digests.digest("x.yaml")
    assert first != MISSING and digests.digest("x.yaml") == first
    (tmp_path / "x.yaml").write_text("a: 2\n")
    assert digests.digest("x.yaml") != first
    (tmp_path / "d").mkdir()
    assert digests.pairs(["d"]) == [("d", MISSING)]


def test_cache_round_trip_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "c")
    key = "ab" + "0" * 62
    assert cache.get(key) is None
    cache.put(key, "kind: X\n")
    cache.put(key, "kind: Y\n")
    assert cache.get(key) == "kind: Y\n"
    assert [p.name for p in (tmp_path / "c" / "ab").iterdir()] == [f"{key}.yaml"]


def test_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = RenderCache(blocker)  # a file where the directory should be
    cache.put("ab" * 32, "x")
    assert cache.get("ab" * 32) is None


def test_default_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SGGITOPS_CACHE_DIR", raising=False)
    assert default_cache_dir(tmp_path) == tmp_path / ".sggitops-cache" / "render"
    monkeypatch.setenv("SGGITOPS_CACHE_DIR", os.fspath(tmp_path / "shared"))
    assert default_cache_dir(tmp_path) == tmp_path / "shared" / "render"  # the variable names the cache root
