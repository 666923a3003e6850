"""CLI snapshots on the reference fleet (the repo's own platform.yaml and generated files): what
`generate`, `versions`, `bump`, `diff` and `policy test` print, as plain text files in snapshots/.

Run with SGGITOPS_UPDATE_SNAPSHOTS=1 to rewrite them after an intended change (then review the diff).
Volatile parts are normalised: the temporary repo path, commit shas, timings. No output may hold a
Python repr (`ClusterMove(cluster=...`, `['a', 'b']`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import git
import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
FLEET = ("platform.yaml", "bases", "overlays", ".sggitops", ".sggitops.yaml", ".gitlab-ci.yml")
UPDATE = os.environ.get("SGGITOPS_UPDATE_SNAPSHOTS") == "1"
REPR = re.compile(r"\b[A-Z][A-Za-z]+\([a-z_]+=|\['[^']*'(, '[^']*')*\]|<[a-z.]+ object at 0x")


def _normalise(text: str, root: Path) -> str:
    for path, label in ((root, "<repo>"), (root.parent, "<tmp>")):
        text = text.replace(str(path.resolve()), label).replace(str(path), label)
    text = re.sub(r"\b[0-9a-f]{40}\b", "<sha>", text)
    text = re.sub(r"\b[0-9a-f]{12}\b", "<sha>", text)
    text = re.sub(r"\d+\.\d+s\b", "<t>s", text)
    return text


def _check(name: str, text: str, root: Path) -> None:
    text = _normalise(text, root)
    assert not REPR.search(text), f"Python repr in {name}: {REPR.search(text)}"
    assert "Traceback" not in text
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"new snapshot {path.name} written; review it and re-run")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from {path} (SGGITOPS_UPDATE_SNAPSHOTS=1 to update)"
    )


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    root.mkdir()
    for name in FLEET:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy(source, root / name)
    (root / ".gitignore").write_text(".sggitops-cache/\n")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "t")
        config.set_value("user", "email", "t@example.mil")
    repo.git.add("-A")
    repo.git.commit("-m", "reference fleet")
    return root


def test_generate_snapshot(fleet: Path) -> None:
    first = run_cli(fleet, "generate")
    check = run_cli(fleet, "generate", "--check")
    assert first.exit_code == 0 and check.exit_code == 0, first.output + check.output
    _check(
        "generate", f"$ sggitops generate\n{first.output}$ sggitops generate --check\n{check.output}", fleet
    )


def test_versions_snapshot(fleet: Path) -> None:
    text = run_cli(fleet, "versions")
    data = run_cli(fleet, "versions", "-o", "json")
    strict = run_cli(fleet, "--strict", "versions", "-q")
    assert (text.exit_code, data.exit_code) == (0, 0)
    assert strict.exit_code == (1 if "warning" in text.output else 0)
    _check("versions", f"$ sggitops versions\n{text.output}$ sggitops versions -o json\n{data.output}", fleet)


def test_bump_snapshot(fleet: Path, tmp_path: Path) -> None:
    result = run_cli(
        fleet, "bump", "bigbang", "3.31.0", "--environment", "prod", "--bigbang-repo", str(tmp_path / "none")
    )
    assert result.exit_code == 0, result.output
    _check("bump", f"$ sggitops bump bigbang 3.31.0 --environment prod\n{result.output}", fleet)


def test_diff_snapshot(fleet: Path, tmp_path: Path) -> None:
    spec = fleet / "platform.yaml"
    spec.write_text(spec.read_text().replace("sonarqube: true", "sonarqube: false"))
    assert run_cli(fleet, "generate", "-q").exit_code == 0
    repo = git.Repo(fleet)
    repo.git.add("-A")
    repo.git.commit("-m", "no sonarqube on build")
    offline = ("--bigbang-repo", str(tmp_path / "none"))  # no mirror: the packages table says so, stably
    result = run_cli(fleet, "diff", "--base", "HEAD~1", "--head", "HEAD", *offline)
    markdown = run_cli(fleet, "diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "markdown", *offline)
    assert result.exit_code == 0 and markdown.exit_code == 0, result.output
    _check(
        "diff",
        f"$ sggitops diff --base HEAD~1 --head HEAD\n{result.output}$ ... -o markdown\n{markdown.output}",
        fleet,
    )


def test_policy_test_snapshot(fleet: Path) -> None:
    suites = ROOT / "tests" / "policy_examples" / "kyverno" / "baseline"
    result = run_cli(fleet, "policy", "test", str(suites))
    data = run_cli(fleet, "policy", "test", str(suites), "-o", "json")
    assert result.exit_code in {0, 1} and data.exit_code == result.exit_code
    text = result.output.replace(str(suites), "<suites>")
    _check("policy-test", f"$ sggitops policy test tests/policy_examples/kyverno/baseline\n{text}", fleet)
