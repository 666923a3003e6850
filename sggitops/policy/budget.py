"""A time budget per policy, shared by the engines: one policy cannot hold a whole run.

Every engine charges the time it spends on a policy to that policy. Past `POLICY_BUDGET` seconds the
policy is not evaluated further in this run: the engine reports one result for it with the feature
`ENGINE_FAILED` (the `policy/engine-failed` finding names the policy), never a pass. Linear-time
matching (RE2, the linear wildcard matcher) keeps a single evaluation short; the budget bounds the
sum. `SGGITOPS_POLICY_BUDGET` (seconds) overrides the default.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENGINE_FAILED = "engine-failed"
"""The `feature` of a RuleResult whose engine crashed, hung or passed its budget on that policy."""


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.001, float(os.environ.get(name, default)))
    except ValueError:
        return default


POLICY_BUDGET = _seconds("SGGITOPS_POLICY_BUDGET", 30.0)
"""Seconds one policy may take over a whole run (the generated sets take milliseconds per object)."""


class Budget:
    """Seconds spent per policy; `over(name)` once a policy has used its share."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = POLICY_BUDGET if seconds is None else seconds
        self._spent: dict[str, float] = {}
        self._lock = threading.Lock()

    def over(self, policy: str) -> bool:
        with self._lock:
            return self._spent.get(policy, 0.0) > self.seconds

    @contextmanager
    def charge(self, policy: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self._spent[policy] = self._spent.get(policy, 0.0) + time.perf_counter() - start

    def message(self) -> str:
        return f"the policy used up its time budget of {self.seconds:g} s; not evaluated any further"
