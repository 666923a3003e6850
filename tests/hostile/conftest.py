"""Every hostile test runs under a watchdog: a hang fails the test (SIGALRM) instead of the CI job."""

from __future__ import annotations

import resource
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

WATCHDOG_SECONDS = 60
PEAK_BYTES = 1 << 30


class Hung(Exception):
    """The test ran past the watchdog."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hung(f"still running after {WATCHDOG_SECONDS} s")


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak < PEAK_BYTES, f"the test process peaked at {peak >> 20} MiB"
