"""Benchmark the Kyverno engine: pod-security + best-practices policies against 5,000 generated workloads.

Reads the policies from ../shared/reference/kyverno-policies at run time (exits with a message when the
reference data is absent), then times `evaluate_many` with policies compiled once, and a naive baseline
that recompiles every policy for every object, in the same process.

    python benchmarks/bench_kyverno.py [--objects 5000] [--baseline-objects 500]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

from sggitops.policy.kyverno import KyvernoPolicy, KyvernoPolicyError, evaluate, evaluate_many
from sggitops.yamlio import load_all, to_plain

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "kyverno-policies"
KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def load_manifests(root: Path) -> list[dict[str, Any]]:
    manifests = []
    for folder in ("pod-security", "best-practices"):
        for path in sorted((root / folder).rglob("*.yaml")):
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            for doc in load_all(path.read_text(encoding="utf-8"), str(path)):
                plain = to_plain(doc)
                if isinstance(plain, dict) and plain.get("kind") in ("ClusterPolicy", "Policy"):
                    manifests.append(plain)
    return manifests


def container(rng: random.Random, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": f"c{index}",
        "image": rng.choice(["nginx", "nginx:latest", "registry1.dso.mil/app:1.2", "bar.io/x:2", "tiller:2"]),
        "ports": [
            {"containerPort": rng.choice([80, 8080, 443]), "hostPort": rng.choice([0, 0, 0, 5500, 80])}
        ],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": rng.choice(["256Mi", "1Gi"])},
        },
    }
    if rng.random() < 0.7:
        out["securityContext"] = {
            "privileged": rng.random() < 0.1,
            "allowPrivilegeEscalation": rng.random() < 0.3,
            "runAsNonRoot": rng.random() < 0.8,
            "readOnlyRootFilesystem": rng.random() < 0.5,
            "capabilities": {
                "drop": ["ALL"] if rng.random() < 0.7 else [],
                "add": ["NET_ADMIN"] if rng.random() < 0.1 else [],
            },
            "seccompProfile": {"type": rng.choice(["RuntimeDefault", "Unconfined", "Localhost"])},
        }
    if rng.random() < 0.5:
        out["livenessProbe"] = {"httpGet": {"path": "/", "port": 80}}
    return out


def pod_spec(rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container(rng, i) for i in range(rng.randint(1, 3))]}
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, 9)]
    if rng.random() < 0.1:
        spec["hostNetwork"] = True
    volumes: list[dict[str, Any]] = [{"name": "data", "emptyDir": {}}]
    if rng.random() < 0.1:
        volumes.append({"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}})
    spec["volumes"] = volumes
    return spec


def workload(rng: random.Random, index: int) -> dict[str, Any]:
    kind = KINDS[index % len(KINDS)]
    meta = {
        "name": f"w{index}",
        "namespace": rng.choice(["default", "team-a", "team-b"]),
        "labels": {"app.kubernetes.io/name": f"w{index}"},
    }
    template = {"metadata": {"labels": {"app": f"w{index}"}}, "spec": pod_spec(rng)}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": template["spec"]}
    if kind == "CronJob":
        spec: dict[str, Any] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": spec}
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": {"template": template}}


def compile_all(manifests: list[dict[str, Any]]) -> list[KyvernoPolicy]:
    policies = []
    for manifest in manifests:
        try:
            policies.append(KyvernoPolicy.from_manifest(manifest))
        except KyvernoPolicyError as err:
            print(f"skipping malformed policy: {err.message}", file=sys.stderr)
    return policies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--baseline-objects", type=int, default=500, help="objects for the naive baseline")
    args = parser.parse_args()
    if not REFERENCE.is_dir():
        print(f"reference policies not found at {REFERENCE}; nothing to benchmark", file=sys.stderr)
        return 1
    manifests = load_manifests(REFERENCE)
    rng = random.Random(42)
    objects = [workload(rng, i) for i in range(args.objects)]

    started = time.perf_counter()
    policies = compile_all(manifests)
    compiled = time.perf_counter() - started
    rules = sum(len(p.rules) for p in policies)

    started = time.perf_counter()
    results = evaluate_many(policies, objects)
    elapsed = time.perf_counter() - started
    pairs = rules * len(objects)
    print(f"{len(policies)} policies, {rules} rules (with autogen), compiled in {compiled * 1000:.1f} ms")
    print(f"{len(objects)} objects -> {len(results)} results in {elapsed:.3f} s")
    print(f"per rule x object: {elapsed / pairs * 1000:.4f} ms over {pairs} pairs")
    print(f"per applied result: {elapsed / max(len(results), 1) * 1000:.4f} ms")

    sample = objects[: args.baseline_objects]
    started = time.perf_counter()
    naive = [r for obj in sample for r in evaluate(compile_all(manifests), obj)]
    naive_elapsed = time.perf_counter() - started
    fast_sample = [r for r in evaluate_many(policies, sample)]
    assert naive == fast_sample, "the naive baseline must produce the same results"
    naive_per = naive_elapsed / (rules * len(sample)) * 1000
    print(
        f"naive baseline (recompile per object), {len(sample)} objects: {naive_elapsed:.3f} s, {naive_per:.4f} ms per rule x object"
    )
    print(f"speed-up: {naive_per / (elapsed / pairs * 1000):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
