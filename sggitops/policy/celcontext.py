"""The variables a CEL admission expression sees (`object`, `oldObject`, `request`, `namespaceObject`,
`params`), and where Pod controllers keep their Pod template (for autogen)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sggitops.policy.celrules import request

_TEMPLATE = ("spec", "template")
_CRON_TEMPLATE = ("spec", "jobTemplate", "spec", "template")
CONTROLLER_PATHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Deployment": ("apps/v1", _TEMPLATE),
    "StatefulSet": ("apps/v1", _TEMPLATE),
    "DaemonSet": ("apps/v1", _TEMPLATE),
    "ReplicaSet": ("apps/v1", _TEMPLATE),
    "Job": ("batch/v1", _TEMPLATE),
    "ReplicationController": ("v1", _TEMPLATE),
    "CronJob": ("batch/v1", _CRON_TEMPLATE),
}


CLUSTER_SCOPED = {
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "RuntimeClass",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "CSINode",
    "IngressClass",
    "PodSecurityPolicy",
    "VolumeAttachment",
    "ClusterPolicy",
    "ValidatingPolicy",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ConstraintTemplate",
}


def namespace_of(obj: Mapping[str, Any]) -> str:
    """The namespace of an object as the API server sees it (`default` when a namespaced one has none)."""
    if str(obj.get("kind") or "") in CLUSTER_SCOPED:
        return ""
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def activation_for(
    target: Mapping[str, Any],
    namespaces: Mapping[str, Mapping[str, Any]],
    operation: str,
    original: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    subject = original if original is not None else target
    namespace = namespace_of(subject)
    ns_object: Any = None
    if namespace:
        ns_object = namespaces.get(namespace) or {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace},
        }
    old = target if operation in ("UPDATE", "DELETE") else None
    return {
        "object": None if operation == "DELETE" else target,
        "oldObject": old,
        "request": request(subject, operation, old),
        "namespaceObject": ns_object,
        "params": None,
    }
