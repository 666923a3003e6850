"""Shared fixtures: where the reference data lives, and a skip when it is absent."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import re2  # noqa: F401  (before any test imports regopy: the other order aborts in RE2)
from hypothesis import settings

# Property tests: a sensible budget for developers, the deep one in CI (`.ci/run` runs with CI=true).
settings.register_profile("dev", max_examples=150, deadline=None)
settings.register_profile("ci", max_examples=600, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

SLOW_FIXTURES = frozenset({"bigbang_mirror", "bigbang_repo"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all",
        action="store_true",
        help="also run the slow tests (real tools on whole fleets, the Big Bang mirror, upstream suites); "
        ".ci/run and CI=true always do",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Developers get a fast default; `.ci/run` (CI=true) or `--all` runs everything.

    Slow: tests under tests/integration/, tests that use the Big Bang repo (`bigbang_mirror`,
    `bigbang_repo`), and tests marked `slow` or `integration` by hand."""
    run_all = bool(config.getoption("--all") or os.environ.get("CI"))
    skip = pytest.mark.skip(reason="slow: run with --all (or CI=true, as .ci/run does)")
    for item in items:
        slow = (
            "integration" in item.path.parts
            or bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
            or item.get_closest_marker("slow") is not None
            or item.get_closest_marker("integration") is not None
        )
        if slow:
            item.add_marker(pytest.mark.slow)
            if not run_all:
                item.add_marker(skip)


ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    """../shared/reference, or skip: upstream data is read from there, never copied into the project."""
    if not REFERENCE.is_dir():
        pytest.skip(
            f"reference data not found at {REFERENCE} (it lives in ../shared/reference beside the checkout)"
        )
    return REFERENCE


@pytest.fixture(scope="session")
def bigbang_mirror(reference: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Big Bang repo as an air-gapped site mirrors it: `git clone --mirror` of
    ../shared/reference/bigbang.bundle (master and the release tags 2.0.0 ... 3.30.0), once per session."""
    bundle = reference / "bigbang.bundle"
    if not bundle.is_file():
        pytest.skip(f"no Big Bang git bundle at {bundle}")
    target = tmp_path_factory.mktemp("bigbang-mirror") / "bigbang.git"
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(bundle), str(target)], check=True, timeout=600)
    return target
