"""Gatekeeper evaluation cost on a few templates x 5,000 objects: `evaluate` as validate runs it
(every constraint's reviews sent to the engine in batches), one query per review, and compiling per
object (the baseline, in the same run).

Run: python benchmarks/bench_rego.py [--objects N]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from sggitops.policy.rego.gatekeeper import Constraint, ConstraintTemplate, build_review, evaluate, violations

TEMPLATES = {
    "K8sAllowedRepos": """package k8sallowedrepos
violation[{"msg": msg}] {
  container := input.review.object.spec.containers[_]
  not strings.any_prefix_match(container.image, input.parameters.repos)
  msg := sprintf("container <%v> has an invalid image repo <%v>", [container.name, container.image])
}
""",
    "K8sRequiredLabels": """package k8srequiredlabels
violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}
""",
    "K8sDisallowedTags": """package k8sdisallowedtags
violation[{"msg": msg}] {
  container := input.review.object.spec.containers[_]
  tags := [concat(":", ["", tag]) | tag := input.parameters.tags[_]]
  endswith(container.image, tags[_])
  msg := sprintf("container <%v> uses a disallowed tag <%v>", [container.name, container.image])
}
""",
}
PARAMETERS = {
    "K8sAllowedRepos": {"repos": ["registry1.dso.mil/"]},
    "K8sRequiredLabels": {"labels": ["team", "app"]},
    "K8sDisallowedTags": {"tags": ["latest"]},
}


def template(kind: str) -> ConstraintTemplate:
    return ConstraintTemplate.from_manifest(
        {
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": kind.lower()},
            "spec": {
                "crd": {"spec": {"names": {"kind": kind}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": TEMPLATES[kind]}],
            },
        }
    )


def pods(n: int) -> list[dict[str, Any]]:
    images = ["registry1.dso.mil/nginx:1.27", "nginx:latest", "registry1.dso.mil/app:latest"]
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"p{i}",
                "namespace": f"ns{i % 50}",
                "labels": {"team": "a"} if i % 2 else {},
            },
            "spec": {"containers": [{"name": "app", "image": images[i % 3]}]},
        }
        for i in range(n)
    ]


def run(objects: list[dict[str, Any]], *, compile_once: bool) -> tuple[float, int]:
    start = time.perf_counter()
    found = 0
    for kind in TEMPLATES:
        tmpl = template(kind)
        constraint = Constraint.from_manifest(
            {"kind": kind, "metadata": {"name": "c"}, "spec": {"parameters": PARAMETERS[kind]}}
        )
        policy = tmpl.compile() if compile_once else None
        for obj in objects:
            compiled = policy if policy is not None else tmpl.compile()
            found += len(violations(compiled, build_review(obj), constraint.parameters))
    return time.perf_counter() - start, found


def run_evaluate(objects: list[dict[str, Any]]) -> tuple[float, int]:
    templates = [template(kind) for kind in TEMPLATES]
    constraints = [
        Constraint.from_manifest(
            {"kind": k, "metadata": {"name": "c"}, "spec": {"parameters": PARAMETERS[k]}}
        )
        for k in TEMPLATES
    ]
    start = time.perf_counter()
    results = evaluate(templates, constraints, objects)
    return time.perf_counter() - start, sum(1 for r in results if r.outcome.value == "fail")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument(
        "--per-object-sample", type=int, default=500, help="objects timed for compile-per-object"
    )
    args = parser.parse_args()
    objects = pods(args.objects)
    pairs = len(TEMPLATES) * len(objects)
    batched, found_batched = run_evaluate(objects)
    once, found_once = run(objects, compile_once=True)
    sample = objects[: args.per_object_sample]
    each, found_each = run(sample, compile_once=False)
    per_once = once / pairs * 1e6
    per_each = each / (len(TEMPLATES) * len(sample)) * 1e6
    print(f"templates: {len(TEMPLATES)}  objects: {len(objects)}  constraint x object pairs: {pairs}")
    per_batched = batched / pairs * 1e6
    print(
        f"evaluate (batched): {batched:8.2f} s total, {per_batched:8.1f} us per constraint x object ({found_batched} violations; match, review and compile included)"
    )
    print(
        f"compile once:       {once:8.2f} s total, {per_once:8.1f} us per constraint x object ({found_once} violations)"
    )
    print(
        f"compile per object: {per_each:8.1f} us per constraint x object (timed on {len(sample)} objects, {found_each} violations)"
    )
    print(
        f"ratio (per object / once): {per_each / per_once:.1f}x; (one query each / batched): {per_once / per_batched:.1f}x"
    )


if __name__ == "__main__":
    main()
