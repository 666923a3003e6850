"""Shared fixtures: where the reference data lives, and a skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
import re2  # noqa: F401  (before any test imports regopy: the other order aborts in RE2)

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
