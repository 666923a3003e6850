"""Every reader of repo files refuses each hostile shape at once: no hang on a FIFO, no endless read of
/dev/zero, nothing read through a symlink that leaves the repo, nothing over the size cap."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sggitops import fsguard
from sggitops.errors import SpecError
from sggitops.generate.lock import read_lock
from sggitops.render.cache import MISSING, FileDigests
from sggitops.render.graph import scan_repo
from sggitops.render.kustomization import parse
from sggitops.render.sources import _file_sources
from sggitops.specfile import load_spec
from tests.hostile.shapes import SHAPES, plant

REL = "overlays/dev/thing.yaml"


def _read_bytes(repo: Path, rel: str, rule: str) -> None:
    with pytest.raises(fsguard.UnsafePath) as caught:
        fsguard.read_bytes(repo / rel, repo)
    assert caught.value.rule == rule
    assert isinstance(caught.value, OSError)  # every caller's "cannot read" path applies


def _read_text_no_root(repo: Path, rel: str, rule: str) -> None:
    path = repo / rel
    if rule == "build/unsafe-path" and path.is_symlink() and Path(path.resolve()).is_file():
        return  # without a root, a symlink to a regular file is a regular file (callers pass the root)
    if rule == "build/unsafe-path" and not path.exists() and not path.is_symlink():
        return
    try:
        fsguard.read_text(path)
    except (OSError, UnicodeDecodeError):
        return


def _kustomization(repo: Path, rel: str, rule: str) -> None:
    kfile = repo / "overlays/k/kustomization.yaml"
    plant(repo, "overlays/k/kustomization.yaml", _shape_of(repo, rel))
    k = parse(repo, kfile)
    assert k.error, "a kustomization file that cannot be read safely must be an error"


def _sources(repo: Path, rel: str, rule: str) -> None:
    assert _file_sources(repo, rel) == []


def _digest(repo: Path, rel: str, rule: str) -> None:
    assert FileDigests(repo).digest(rel) == MISSING


def _scan(repo: Path, rel: str, rule: str) -> None:
    found = [f for f in scan_repo(repo).findings if f.file == rel]
    assert [f.rule for f in found] == [rule], found


def _check_build(repo: Path, rel: str, rule: str) -> None:
    refusals = fsguard.check_build(repo, [rel])
    assert [(r.path, r.rule) for r in refusals] == [(rel, rule)]


def _spec(repo: Path, rel: str, rule: str) -> None:
    plant(repo, "platform.yaml", _shape_of(repo, rel))
    with pytest.raises(SpecError) as caught:
        load_spec(repo / "platform.yaml")
    assert caught.value.exit_code == 3
    assert "hunter2" not in str(caught.value)


def _lock(repo: Path, rel: str, rule: str) -> None:
    plant(repo, ".sggitops/lock.yaml", _shape_of(repo, rel))
    with contextlib.suppress(OSError):  # refused: the drift family reports the lock unreadable
        read_lock(repo)


READERS: dict[str, Callable[[Path, str, str], None]] = {
    "read_bytes": _read_bytes,
    "read_text": _read_text_no_root,
    "kustomization": _kustomization,
    "sources": _sources,
    "digest": _digest,
    "scan": _scan,
    "check_build": _check_build,
    "spec": _spec,
    "lock": _lock,
}

_PLANTED: dict[Path, str] = {}


def _shape_of(repo: Path, _rel: str) -> str:
    return _PLANTED[repo]


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_reader_refuses_shape(tmp_path: Path, shape: str, reader: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    rule = plant(repo, REL, shape)
    _PLANTED[repo] = shape
    start = time.monotonic()
    READERS[reader](repo, REL, rule)
    assert time.monotonic() - start < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "repo"]  # nothing written beside it
    assert (tmp_path / "outside" / "secret.yaml").read_text("utf-8").startswith("apiVersion")


def test_regular_files_and_inner_symlinks_are_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "a" / "x.yaml").write_text("kind: ConfigMap\n", "utf-8")
    (repo / "b.yaml").symlink_to("a/x.yaml")
    assert fsguard.read_text(repo / "b.yaml", repo) == "kind: ConfigMap\n"
    assert fsguard.scan_tree(repo) == []


def test_a_file_that_grows_past_the_cap_while_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"x" * 100)
    with pytest.raises(fsguard.UnsafePath):
        fsguard.read_bytes(path, max_bytes=10)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_within_a_run_a_refused_shape_stays_refused(tmp_path: Path, shape: str) -> None:
    """The per-run read memo keeps only files accepted before: every refusal is made again each read."""
    repo = tmp_path / "repo"
    repo.mkdir()
    rule = plant(repo, REL, shape)
    with fsguard.reads_memoised():
        for _ in range(2):
            _read_bytes(repo, REL, rule)


def test_within_a_run_a_file_read_again_is_served_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    path = repo / "x.yaml"
    path.write_text("kind: A\n", "utf-8")
    inspected: list[Path] = []
    real = fsguard.inspect
    monkeypatch.setattr(fsguard, "inspect", lambda p, *a, **k: inspected.append(p) or real(p, *a, **k))
    with fsguard.reads_memoised():
        assert fsguard.read_text(path, repo) == "kind: A\n"
        assert fsguard.read_text(path, repo) == "kind: A\n"
        assert len(inspected) == 1
        path.write_text("kind: Longer\n", "utf-8")  # another size: read and judged again
        assert fsguard.read_text(path, repo) == "kind: Longer\n"
        assert len(inspected) == 2
        path.unlink()
        path.symlink_to(tmp_path / "outside.yaml")
        (tmp_path / "outside.yaml").write_text("kind: Longer\n", "utf-8")
        with pytest.raises(fsguard.UnsafePath):  # a new inode: judged again, and refused
            fsguard.read_text(path, repo)
