"""A generate killed with SIGKILL mid-write leaves every file either old or new, never half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sggitops.generate.plan import plan_repo
from tests.helpers import fleet_spec, run_cli, tree


def _start(repo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sggitops", "-C", str(repo), "generate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.integration
def test_sigkill_mid_write_leaves_no_half_written_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "platform.yaml").write_text(fleet_spec(40, apps=3))
    assert run_cli(repo, "generate").exit_code == 0
    old = tree(repo)
    # A new version of the spec touches every overlay.
    (repo / "platform.yaml").write_text(fleet_spec(40, apps=3).replace("v1.0.0", "v2.0.0"))
    _platform, planned = plan_repo(repo)
    new = {path: text.encode() for path, text in planned.files.items()}
    killed_mid_run = False
    for _attempt in range(20):
        proc = _start(repo)
        deadline = time.monotonic() + 30
        # Wait until the first new file lands, then kill at once.
        while time.monotonic() < deadline and proc.poll() is None:
            current = (repo / "overlays/run-000/argocd/apps/app-0.yaml").read_bytes()
            if current != old["overlays/run-000/argocd/apps/app-0.yaml"]:
                break
            time.sleep(0.0005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_mid_run = True
        else:
            proc.wait()
        now = tree(repo)
        for path, data in now.items():
            if path.endswith(".tmp") or path == ".sggitops/lock.yaml" or path == "platform.yaml":
                continue
            assert data in (old.get(path), new.get(path)), f"{path} is neither old nor new"
        if killed_mid_run and now != {**old, **new}:
            break
        # The run finished before the kill: restore the old tree and try again.
        assert run_cli(repo, "generate").exit_code == 0
        (repo / "platform.yaml").write_text(fleet_spec(40, apps=3))
        assert run_cli(repo, "generate").exit_code == 0
        (repo / "platform.yaml").write_text(fleet_spec(40, apps=3).replace("v1.0.0", "v2.0.0"))
    assert killed_mid_run, "never managed to kill generate before it finished"
    # The next run completes the job and leaves no temp files behind.
    assert run_cli(repo, "generate").exit_code == 0
    assert not [p for p in tree(repo) if p.endswith(".tmp")]
    assert run_cli(repo, "generate", "--check").exit_code == 0
