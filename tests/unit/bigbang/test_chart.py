"""Big Bang chart loading: blobs at a tag of a local repo, a file:// mirror, a shallow fetch, the cache."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import git
import pytest

from sggitops.bigbang import chart as chart_mod
from sggitops.bigbang.chart import ChartUnavailable, chart_source, forget_loaded, load_chart, local_path

SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"domain": {"type": "string"}}}


def make_bigbang_repo(
    path: Path, versions: dict[str, tuple[str, str]], *, annotated: bool = False, branch_commit: bool = True
) -> Path:
    """A fake Big Bang repo: one commit per version holding chart/values.yaml + schema, tagged `version`."""
    repo = git.Repo.init(path)
    with repo:
        with repo.config_writer() as cfg:
            cfg.set_value("user", "name", "test")
            cfg.set_value("user", "email", "test@example.com")
        (path / "chart").mkdir(exist_ok=True)
        for version, (values, schema) in versions.items():
            (path / "chart" / "values.yaml").write_text(values, encoding="utf-8")
            (path / "chart" / "values.schema.json").write_text(schema, encoding="utf-8")
            repo.index.add(["chart/values.yaml", "chart/values.schema.json"])
            repo.index.commit(f"release {version}")
            if annotated:
                repo.create_tag(version, message=f"Big Bang {version}")
            else:
                repo.create_tag(version)
        if branch_commit:  # the branch moves on after the tags: reads must use the tag, not HEAD
            (path / "chart" / "values.yaml").write_text("domain: head.example\n", encoding="utf-8")
            repo.index.add(["chart/values.yaml"])
            repo.index.commit("work after the release")
    return path


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    forget_loaded()


@pytest.fixture
def bigbang(tmp_path: Path) -> Path:
    return make_bigbang_repo(
        tmp_path / "bigbang",
        {
            "3.30.0": ("domain: old.example\n", json.dumps(SCHEMA)),
            "3.31.0": ("domain: bigbang.dev\nflux: {}\n", json.dumps(SCHEMA)),
        },
    )


def test_local_repo_reads_the_blobs_at_the_tag(bigbang: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    loaded = load_chart("3.31.0", source=str(bigbang), cache_dir=cache)
    assert loaded.values == {"domain": "bigbang.dev", "flux": {}}
    assert loaded.schema == SCHEMA
    assert loaded.version == "3.31.0"
    assert loaded.origin == str(bigbang)
    older = load_chart("3.30.0", source=str(bigbang), cache_dir=cache)
    assert older.values == {"domain": "old.example"}
    assert (cache / "bigbang" / "3.31.0" / "values.yaml").read_text() == "domain: bigbang.dev\nflux: {}\n"
    assert json.loads((cache / "bigbang" / "3.31.0" / "values.schema.json").read_text()) == SCHEMA
    # no checkout happened: the work tree still holds the branch head
    assert (bigbang / "chart" / "values.yaml").read_text() == "domain: head.example\n"
    assert not [p for p in (cache / "bigbang").iterdir() if p.name.startswith(".")]


def test_annotated_tags_and_bare_mirrors(tmp_path: Path) -> None:
    src = make_bigbang_repo(tmp_path / "src", {"3.31.0": ("a: 1\n", "{}")}, annotated=True)
    mirror = tmp_path / "mirror.git"
    git.Repo.clone_from(str(src), str(mirror), mirror=True).close()
    loaded = load_chart("3.31.0", source=str(mirror), cache_dir=tmp_path / "cache")
    assert loaded.values == {"a": 1}


def test_file_url_mirror_is_read_and_cached(bigbang: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    url = bigbang.as_uri()
    assert url.startswith("file://")
    assert local_path(url) == bigbang
    loaded = load_chart("3.31.0", source=url, cache_dir=cache)
    assert loaded.values["domain"] == "bigbang.dev"
    assert (cache / "bigbang" / "3.31.0" / "values.schema.json").is_file()


def test_shallow_fetch_of_one_tag(bigbang: Path, tmp_path: Path) -> None:
    """The remote path, exercised offline: git fetches `file://` URLs like any remote."""
    scratch = tmp_path / "cache" / "bigbang"
    values, schema = chart_mod._fetch_remote("3.31.0", bigbang.as_uri(), scratch, 20.0)
    assert values == "domain: bigbang.dev\nflux: {}\n"
    assert json.loads(schema) == SCHEMA
    assert list(scratch.iterdir()) == []  # the scratch bare repo is removed
    with pytest.raises(ChartUnavailable, match=r"has no tag 9\.9\.9") as info:
        chart_mod._fetch_remote("9.9.9", bigbang.as_uri(), scratch, 20.0)
    assert "'v'" in info.value.hint


def test_cache_hit_needs_no_source(bigbang: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_chart("3.31.0", source=str(bigbang), cache_dir=cache)
    shutil.rmtree(bigbang)
    forget_loaded()
    again = load_chart("3.31.0", source=str(bigbang), cache_dir=cache)
    assert again.values["domain"] == "bigbang.dev"
    assert again.origin.startswith("cache ")
    with pytest.raises(ChartUnavailable, match="does not exist"):
        load_chart("3.30.0", source=str(bigbang), cache_dir=cache)


def test_damaged_cache_is_read_again(bigbang: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = cache / "bigbang" / "3.31.0"
    folder.mkdir(parents=True)
    (folder / "values.yaml").write_text("domain: bigbang.dev\n")
    (folder / "values.schema.json").write_text("{not json")
    loaded = load_chart("3.31.0", source=str(bigbang), cache_dir=cache)
    assert loaded.schema == SCHEMA
    assert json.loads((folder / "values.schema.json").read_text()) == SCHEMA


def test_missing_tag(bigbang: Path, tmp_path: Path) -> None:
    with pytest.raises(ChartUnavailable) as info:
        load_chart("3.99.0", source=str(bigbang), cache_dir=tmp_path / "cache")
    assert info.value.version == "3.99.0"
    assert "has no tag 3.99.0" in info.value.reason
    assert "'v'" in info.value.hint
    assert not (tmp_path / "cache" / "bigbang" / "3.99.0").exists()


def test_tag_without_chart_files(tmp_path: Path) -> None:
    repo_dir = tmp_path / "other"
    repo = git.Repo.init(repo_dir)
    with repo:
        with repo.config_writer() as cfg:
            cfg.set_value("user", "name", "t")
            cfg.set_value("user", "email", "t@example.com")
        (repo_dir / "README.md").write_text("not big bang\n")
        repo.index.add(["README.md"])
        repo.index.commit("init")
        repo.create_tag("3.31.0")
    with pytest.raises(ChartUnavailable, match=r"has no chart/values\.yaml") as info:
        load_chart("3.31.0", source=str(repo_dir), cache_dir=tmp_path / "cache")
    assert "umbrella" in info.value.hint


def test_not_a_git_repo_and_bad_tag_names(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ChartUnavailable, match="not a git repository"):
        load_chart("3.31.0", source=str(plain), cache_dir=tmp_path / "cache")
    with pytest.raises(ChartUnavailable, match="not a valid git tag"):
        load_chart("../../etc", source=str(plain), cache_dir=tmp_path / "cache")


def test_unreachable_remote_fails_fast(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(ChartUnavailable) as info:
        load_chart("3.31.0", source="https://127.0.0.1:9/x.git", cache_dir=tmp_path / "cache", timeout=4)
    assert time.monotonic() - start < 5
    assert "cannot fetch https://127.0.0.1:9/x.git" in info.value.reason
    assert "--bigbang-repo" in info.value.hint and "SGGITOPS_BIGBANG_REPO" in info.value.hint
    assert "3.31.0" in info.value.message
    assert not [p for p in (tmp_path / "cache" / "bigbang").iterdir()]


def test_silent_remote_is_cut_off_by_the_timeout(tmp_path: Path) -> None:
    """A host that accepts the connection and never answers (a black-holed proxy) must not hang the run."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/bigbang.git"
        start = time.monotonic()
        with pytest.raises(ChartUnavailable, match=r"no answer within 1\.5 s"):
            load_chart("3.31.0", source=url, cache_dir=tmp_path / "cache", timeout=1.5)
        assert time.monotonic() - start < 5


def test_parallel_loads_of_one_version(bigbang: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cache = tmp_path / "cache"
    with ThreadPoolExecutor(max_workers=8) as pool:
        charts = list(
            pool.map(lambda _: load_chart("3.31.0", source=str(bigbang), cache_dir=cache), range(8))
        )
    assert all(c is charts[0] for c in charts)


def test_chart_source_precedence() -> None:
    env = {"SGGITOPS_BIGBANG_REPO": "/mirror"}
    spec = "https://repo1.dso.mil/big-bang/bigbang.git"
    found = chart_source("/explicit", spec_repo=spec, render_url="https://x", environ=env)
    assert found is not None and (found.location, found.origin) == ("/explicit", "--bigbang-repo")
    found = chart_source(None, spec_repo=spec, render_url="https://x", environ=env)
    assert found is not None and found.location == "/mirror"
    found = chart_source(None, spec_repo=spec, render_url="https://x", environ={})
    assert found is not None and found.location == spec and "spec.bigbang.repo" in str(found)
    found = chart_source(None, render_url="https://x", environ={})
    assert found is not None and found.origin == "GitRepository bigbang"
    assert chart_source(None, environ={}) is None
    assert chart_source("  ", environ={"SGGITOPS_BIGBANG_REPO": ""}) is None


def test_local_path_classification() -> None:
    assert local_path("/srv/bigbang") == Path("/srv/bigbang")
    assert local_path("file:///srv/big%20bang") == Path("/srv/big bang")
    assert local_path("https://repo1.dso.mil/big-bang/bigbang.git") is None
    assert local_path("git@repo1.dso.mil:big-bang/bigbang.git") is None
    assert local_path("ssh://git@host/x.git") is None
