"""Schema validation speed: sggitops' cached validators vs `kubernetes_validate.validate()` per object.

    python benchmarks/bench_schema.py [-n 2000] [--kubernetes-version 1.34] [--reference-sample N]

Builds N realistic objects (Deployments, Services, ConfigMaps, StatefulSets, Ingresses, ...), validates
each one strictly both ways in the same run and prints the time per object and the ratio (target: >= 10x).
sggitops' time includes building the registry and compiling every validator (a cold start).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import kubernetes_validate

from sggitops.schema.registry import SchemaRegistry


def _labels(i: int) -> dict[str, str]:
    return {"app.kubernetes.io/name": f"app-{i}", "app.kubernetes.io/part-of": "mission-a"}


def _pod_spec(i: int) -> dict[str, Any]:
    return {
        "serviceAccountName": f"app-{i}",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "app",
                "image": f"registry1.dso.mil/mission-a/app-{i}:1.{i % 10}.0",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "INDEX", "value": str(i)}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": 1, "memory": "512Mi"},
                },
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
            }
        ],
        "volumes": [{"name": "config", "configMap": {"name": f"app-{i}"}}],
    }


def _meta(kind_index: int, i: int) -> dict[str, Any]:
    return {"name": f"app-{i}", "namespace": f"mission-{kind_index % 3}", "labels": _labels(i)}


BUILDERS: list[Callable[[int], dict[str, Any]]] = [
    lambda i: {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(0, i),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": _labels(i)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {"metadata": {"labels": _labels(i)}, "spec": _pod_spec(i)},
        },
    },
    lambda i: {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(1, i),
        "spec": {"selector": _labels(i), "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    },
    lambda i: {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(2, i),
        "data": {"app.yaml": f"index: {i}\nlevel: info\n", "FEATURE": "on"},
    },
    lambda i: {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(3, i),
        "spec": {
            "serviceName": f"app-{i}",
            "replicas": 1,
            "selector": {"matchLabels": _labels(i)},
            "template": {"metadata": {"labels": _labels(i)}, "spec": _pod_spec(i)},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                    },
                }
            ],
        },
    },
    lambda i: {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(4, i),
        "spec": {
            "ingressClassName": "public",
            "rules": [
                {
                    "host": f"app-{i}.dev.acme.mil",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": f"app-{i}", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    },
    lambda i: {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(5, i)},
    lambda i: {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _meta(6, i),
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}],
    },
    lambda i: {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(7, i),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": _labels(i)}},
    },
]


def build_objects(n: int) -> list[dict[str, Any]]:
    """N objects, cycling through the builders."""
    return [BUILDERS[i % len(BUILDERS)](i) for i in range(n)]


def time_ours(objects: list[dict[str, Any]], version: str) -> tuple[float, int]:
    start = time.perf_counter()
    registry = SchemaRegistry(version)
    problems = 0
    for obj in objects:
        validator = registry.validator_for(obj["apiVersion"], obj["kind"])
        assert validator is not None, obj["kind"]
        problems += len(validator.problems(obj))
    return time.perf_counter() - start, problems


def time_reference(objects: list[dict[str, Any]], version: str) -> tuple[float, int]:
    start = time.perf_counter()
    problems = 0
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError:
            problems += 1
    return time.perf_counter() - start, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="objects to validate (default 2000)")
    parser.add_argument("--kubernetes-version", default="1.34")
    parser.add_argument(
        "--reference-sample", type=int, default=0, help="time kubernetes-validate on only the first N objects"
    )
    args = parser.parse_args()
    objects = build_objects(args.n)
    sample = objects[: args.reference_sample] if args.reference_sample else objects
    ours, our_problems = time_ours(objects, args.kubernetes_version)
    theirs, their_problems = time_reference(sample, args.kubernetes_version)
    per_ours = ours / len(objects)
    per_theirs = theirs / len(sample)
    print(
        f"objects: {len(objects)} (kubernetes-validate timed on {len(sample)}), Kubernetes {args.kubernetes_version}"
    )
    print(
        f"sggitops:            {ours:8.3f} s total  {per_ours * 1e3:8.3f} ms/object  problems={our_problems}"
    )
    print(
        f"kubernetes-validate: {theirs:8.3f} s total  {per_theirs * 1e3:8.3f} ms/object  problems={their_problems}"
    )
    print(f"ratio: {per_theirs / per_ours:.1f}x faster per object (target >= 10x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
