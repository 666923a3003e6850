"""`generate` interrupted or raced: SIGKILL at any moment leaves every file old or new (never half
written) and the next run finishes the job; two runs at once never rename temp files under each other
(one waits for the other's lock, or refuses with a clear message); platform.yaml as a FIFO, a symlink to
/dev/zero or a symlink out of the repo is refused at once (exit 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sggitops.generate.plan import plan_repo
from sggitops.generate.write import _planned_files, repo_lock
from tests.helpers import SMALL_SPEC, run_cli, tree
from tests.hostile.shapes import plant

NEXT_SPEC = SMALL_SPEC.replace('version: "3.31.0"', 'version: "3.30.0"').replace(
    "sets: [baseline]", "sets: [baseline, restricted]"
)
ROOT = Path(__file__).resolve().parents[2]


def _generate(repo: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sggitops", "-C", str(repo), "generate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes], float]:
    """The tree generated from SMALL_SPEC, the files NEXT_SPEC plans (with the lock), and the seconds a
    `generate` subprocess takes from one to the other here (to aim the kills at its write phase)."""
    base = tmp_path_factory.mktemp("states")
    repo = base / "repo"
    repo.mkdir()
    (repo / "platform.yaml").write_text(SMALL_SPEC, "utf-8")
    assert run_cli(repo, "generate").exit_code == 0
    old = {k: v for k, v in tree(repo).items() if not k.startswith(".sggitops-cache/")}
    (repo / "platform.yaml").write_text(NEXT_SPEC, "utf-8")
    _platform, planned = plan_repo(repo)
    new = {path: text.encode("utf-8") for path, text in _planned_files(planned).items()}  # with the lock
    start = time.monotonic()
    proc = _generate(repo)
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    return old, new, time.monotonic() - start


def _old_tree(tmp_path: Path, old: dict[str, bytes]) -> Path:
    repo = tmp_path / "repo"
    for rel, data in old.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    (repo / "platform.yaml").write_text(NEXT_SPEC, "utf-8")
    return repo


def _old_or_new(repo: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    for rel, data in tree(repo).items():
        if rel == "platform.yaml" or rel.startswith(".sggitops-cache/") or rel.endswith(".tmp"):
            continue
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file"


def _finishes(repo: Path) -> None:
    again = run_cli(repo, "generate")
    assert again.exit_code == 0, again.output
    assert not [rel for rel in tree(repo) if rel.endswith(".tmp")]  # the leftovers are swept
    assert run_cli(repo, "generate", "--check").exit_code == 0


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.7, 0.85, 0.95])
def test_sigkill_during_generate_leaves_no_half_written_file(
    tmp_path: Path, states: tuple[dict[str, bytes], dict[str, bytes], float], fraction: float
) -> None:
    old, new, seconds = states
    repo = _old_tree(tmp_path, old)
    proc = _generate(repo)
    time.sleep(seconds * fraction)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    _old_or_new(repo, old, new)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]  # nothing written beside the repo
    _finishes(repo)


class _Killed(BaseException):
    """Stands for the process dying right after writing a temp file, before its rename."""


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.6, 0.99])
def test_death_at_each_rename_leaves_old_or_new(
    tmp_path: Path,
    states: tuple[dict[str, bytes], dict[str, bytes], float],
    fraction: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new, _seconds = states
    renames = len([p for p in new if old.get(p) != new[p]])  # the files (and lock) this generate replaces
    at = 1 + int(fraction * (renames - 1))
    repo = _old_tree(tmp_path, old)
    calls = {"n": 0}
    real = os.replace

    def dying_replace(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == at:
            raise _Killed
        real(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(_Killed):
        run_cli(repo, "generate")
    monkeypatch.setattr(os, "replace", real)
    _old_or_new(repo, old, new)
    _finishes(repo)


@pytest.mark.slow
def test_two_generates_at_once(
    tmp_path: Path, states: tuple[dict[str, bytes], dict[str, bytes], float]
) -> None:
    old, _new, _seconds = states
    repo = _old_tree(tmp_path, old)
    first, second = _generate(repo), _generate(repo)
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    codes = [first.returncode, second.returncode]
    assert codes == [0, 0], outputs  # the second waited for the first's lock
    for out, err in outputs:
        assert "Traceback" not in out + err and "internal error" not in err
    assert run_cli(repo, "generate", "--check").exit_code == 0


def test_a_second_generate_refuses_when_the_lock_stays_held(
    tmp_path: Path, states: tuple[dict[str, bytes], dict[str, bytes], float], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, _new, _seconds = states
    repo = _old_tree(tmp_path, old)
    before = {k: v for k, v in tree(repo).items() if not k.startswith(".sggitops-cache/")}
    monkeypatch.setenv("SGGITOPS_LOCK_WAIT", "0.2")
    with repo_lock(repo):
        result = run_cli(repo, "generate")
    assert result.exit_code == 1
    assert "another sggitops generate" in result.output
    after = {k: v for k, v in tree(repo).items() if not k.startswith(".sggitops-cache/")}
    assert after == before  # nothing written


@pytest.mark.parametrize("shape", ["fifo", "devzero", "outside-file", "outside-dangling", "huge"])
@pytest.mark.parametrize("command", ["generate", "versions", "bump bigbang 3.30.0", "validate"])
def test_platform_yaml_shapes_are_refused(tmp_path: Path, shape: str, command: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    plant(repo, "platform.yaml", shape)
    start = time.monotonic()
    result = run_cli(repo, *command.split())
    assert time.monotonic() - start < 30
    assert "Traceback" not in result.output
    # validate reads no spec that is not a regular file (then the repo scan names it: exit 1)
    assert result.exit_code == 3 or (command == "validate" and result.exit_code == 1), result.output
    assert "platform.yaml" in result.output
    assert "hunter2" not in result.output
    assert sorted(p.name for p in repo.iterdir() if p.name != ".sggitops-cache") == ["platform.yaml"]
