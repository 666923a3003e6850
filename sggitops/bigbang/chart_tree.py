"""Big Bang's whole `chart/` folder at a tag (for `helm template`), extracted once per version from a
mirror or a checkout and cached; the values schema alone is `sggitops.bigbang.chart`."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from sggitops.bigbang.chart import (
    _TAG,
    _TREES,
    CHART_DIR,
    DEFAULT_TIMEOUT,
    SOURCE_HINT,
    ChartUnavailable,
    _lock,
    _with_remote,
    local_path,
    with_local,
)


@dataclass(frozen=True)
class ChartTree:
    """`chart/` of one release extracted to `path`; `digest` is its git tree sha (content-addressed)."""

    version: str
    path: Path
    digest: str


def chart_tree(
    version: str, *, source: str | None, cache_dir: Path, timeout: float = DEFAULT_TIMEOUT
) -> ChartTree:
    """`chart/` at tag `version`, extracted once under `<cache_dir>/bigbang/<version>/`.

    Raises ChartUnavailable when the tag or `chart/Chart.yaml` is missing or the source unreachable.
    """
    if not _TAG.fullmatch(version):
        raise ChartUnavailable(version, "not a valid git tag name", hint="Big Bang tags look like 3.31.0")
    folder = cache_dir / "bigbang" / version
    key = (str(folder.resolve()), version)
    with _lock(key[0] + "/chart"):
        if key in _TREES:
            tree: ChartTree = _TREES[key]
            return tree
        found = _cached_tree(folder, version)
        if found is None:
            if source is None:
                raise ChartUnavailable(
                    version, f"no Big Bang repo is configured and {folder} holds no copy", hint=SOURCE_HINT
                )
            path = local_path(source)
            if path is not None:
                found = with_local(version, path, lambda repo: _extract(repo, version, folder, str(path)))
            else:
                found = _with_remote(
                    version,
                    source,
                    folder.parent,
                    timeout,
                    lambda repo: _extract(repo, version, folder, source),
                )
        _TREES[key] = found
        return found


def _cached_tree(folder: Path, version: str) -> ChartTree | None:
    """The one complete extracted chart of `folder` (a `chart-<sha>` dir holding Chart.yaml), or None."""
    for candidate in sorted(folder.glob("chart-*")):
        if (candidate / "Chart.yaml").is_file():
            return ChartTree(version, candidate, candidate.name.removeprefix("chart-"))
    return None


def _extract(repo: Any, version: str, folder: Path, where: str) -> ChartTree:
    """Write every blob of `chart/` at the tag into a scratch dir, then rename it into place (atomic)."""
    try:
        tree = git.TagReference(repo, f"refs/tags/{version}").commit.tree / CHART_DIR
    except (ValueError, git.BadName, git.GitCommandError):
        raise ChartUnavailable(
            version, f"{where} has no tag {version}", hint="check the version, or update the mirror"
        ) from None
    except KeyError:
        raise ChartUnavailable(version, f"tag {version} of {where} has no {CHART_DIR}/") from None
    if not any(item.path == f"{CHART_DIR}/Chart.yaml" for item in tree.blobs):
        raise ChartUnavailable(
            version,
            f"tag {version} of {where} has no {CHART_DIR}/Chart.yaml (not a complete Big Bang chart)",
            hint="point --bigbang-repo at a full clone or mirror of the Big Bang repo",
        )
    final = folder / f"chart-{tree.hexsha}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=folder, prefix=".chart-"))
        try:
            for blob in tree.traverse():
                if not isinstance(blob, git.Blob):
                    continue
                target = scratch / Path(blob.path).relative_to(CHART_DIR)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blob.data_stream.read())
            os.replace(scratch, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    except OSError as err:
        if not (final / "Chart.yaml").is_file():  # another process may have won the rename
            raise ChartUnavailable(version, f"cannot extract the chart under {folder}: {err}") from None
    return ChartTree(version, final, tree.hexsha)
