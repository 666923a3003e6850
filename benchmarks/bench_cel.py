"""Benchmark CEL evaluation against the classic Kyverno evaluator on the same workloads, and compile-once
against compile-per-object, in one run.

Policies come from ../shared/reference/kyverno-policies at run time: `pod-security` (ClusterPolicies with
patterns, classic evaluator), `pod-security-cel` (the same checks as ClusterPolicy `validate.cel`) and
`pod-security-vpol` (as Kyverno ValidatingPolicies). Workloads are bench_kyverno's generated ones.

    python benchmarks/bench_cel.py [--objects 2000] [--baseline-objects 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sggitops.policy import engines
from sggitops.policy.cel.env import compile_expression
from sggitops.policy.results import RuleResult
from sggitops.yamlio import load_all, to_plain

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kyverno import workload

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "kyverno-policies"
FORMS = {
    "classic": "pod-security",
    "ClusterPolicy validate.cel": "pod-security-cel",
    "ValidatingPolicy": "pod-security-vpol",
}


def manifests(folder: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted((REFERENCE / folder).rglob("*.yaml")):
        if any(p.startswith(".") for p in path.relative_to(REFERENCE).parts) or path.name.startswith(
            "artifacthub"
        ):
            continue
        for doc in load_all(path.read_text(encoding="utf-8"), str(path)):
            plain = to_plain(doc)
            if isinstance(plain, dict) and engines.engine_for(plain) is not None:
                out.append(plain)
    return out


def load(docs: list[dict[str, Any]]) -> engines.PolicySet:
    found = engines.PolicySet()
    for doc in docs:
        engine = engines.engine_for(doc)
        assert engine is not None
        try:
            found.add(engine, engine.load(doc))
        except engines.PolicyLoadError as err:
            print(f"skipping: {err}", file=sys.stderr)
    return found


def timed(run: Callable[[], list[RuleResult]]) -> tuple[float, list[RuleResult]]:
    started = time.perf_counter()
    results = run()
    return time.perf_counter() - started, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--baseline-objects", type=int, default=100, help="objects for compile-per-object")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        print(f"reference policies not found at {REFERENCE}; nothing to benchmark", file=sys.stderr)
        return 1
    import random

    rng = random.Random(42)
    objects = [workload(rng, i) for i in range(args.objects)]
    given = engines.EvalInput()
    per_result: dict[str, float] = {}
    for form, folder in FORMS.items():
        docs = manifests(folder)
        policies = load(docs)
        elapsed, results = timed(lambda p=policies: p.evaluate(objects, given))  # type: ignore[misc]
        decided = [r for r in results if r.outcome.value in ("pass", "fail")]
        per_result[form] = elapsed / max(len(results), 1) * 1e6
        print(
            f"{form:28} {len(docs):3} policies, {len(objects)} objects -> {len(results)} results "
            f"({len(decided)} pass/fail) in {elapsed:.3f} s: {per_result[form]:.1f} us per rule x object"
        )
    for form in ("ClusterPolicy validate.cel", "ValidatingPolicy"):
        print(f"CEL ({form}) / classic per rule x object: {per_result[form] / per_result['classic']:.2f}x")

    docs = manifests(FORMS["ValidatingPolicy"])
    sample = objects[: args.baseline_objects]
    once, fast = timed(lambda: load(docs).evaluate(sample, given))

    def per_object() -> list[RuleResult]:
        out: list[RuleResult] = []
        for obj in sample:
            compile_expression.cache_clear()  # recompile every expression for every object
            engines._COMPILED.clear()
            out.extend(load(docs).evaluate([obj], given))
        return out

    slow_time, slow = timed(per_object)
    assert [(r.policy, r.resource, r.outcome) for r in slow] == [
        (r.policy, r.resource, r.outcome) for r in fast
    ]
    print(
        f"ValidatingPolicy, {len(sample)} objects: compile once {once:.3f} s, compile per object "
        f"{slow_time:.3f} s: {slow_time / once:.1f}x slower"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
