"""Deprecated and removed Kubernetes apiVersions, by Kubernetes minor version.

Written by this project from the Kubernetes deprecated-API migration guide. Each row says when a
kind at an apiVersion was deprecated and when it stopped being served, and what to use instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sggitops.schema.kube import parse_minor


@dataclass(frozen=True)
class ApiChange:
    """`kind` at `api_version`: deprecated in `deprecated` (None = never), no longer served from `removed`."""

    api_version: str
    kind: str
    deprecated: str | None
    removed: str | None
    replacement: str
    """`apiVersion Kind` to migrate to, or a sentence when there is no drop-in replacement."""


class ApiState(StrEnum):
    """What a cluster version does with an apiVersion/kind."""

    SERVED = "served"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


def _rows(
    api_versions: tuple[str, ...],
    kinds: tuple[str, ...],
    deprecated: str | None,
    removed: str | None,
    to: str,
) -> list[ApiChange]:
    """Every (apiVersion, kind) pair; `to` may contain `{kind}`."""
    return [ApiChange(a, k, deprecated, removed, to.format(kind=k)) for a in api_versions for k in kinds]


_WORKLOADS = ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "ControllerRevision")
_RBAC = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
_FLOW = ("FlowSchema", "PriorityLevelConfiguration")
_WEBHOOKS = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
_ACCESS_REVIEWS = ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")

CHANGES: tuple[ApiChange, ...] = (
    # removed in 1.16
    *_rows(("apps/v1beta1", "apps/v1beta2"), _WORKLOADS, "1.9", "1.16", "apps/v1 {kind}"),
    *_rows(
        ("extensions/v1beta1",), ("Deployment", "DaemonSet", "ReplicaSet"), "1.9", "1.16", "apps/v1 {kind}"
    ),
    ApiChange("extensions/v1beta1", "NetworkPolicy", "1.9", "1.16", "networking.k8s.io/v1 NetworkPolicy"),
    ApiChange("extensions/v1beta1", "PodSecurityPolicy", "1.11", "1.16", "policy/v1beta1 PodSecurityPolicy"),
    # removed in 1.22
    ApiChange("extensions/v1beta1", "Ingress", "1.14", "1.22", "networking.k8s.io/v1 Ingress"),
    ApiChange("networking.k8s.io/v1beta1", "Ingress", "1.19", "1.22", "networking.k8s.io/v1 Ingress"),
    ApiChange(
        "networking.k8s.io/v1beta1", "IngressClass", "1.19", "1.22", "networking.k8s.io/v1 IngressClass"
    ),
    *_rows(
        ("admissionregistration.k8s.io/v1beta1",),
        _WEBHOOKS,
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1 {kind}",
    ),
    ApiChange(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "1.16",
        "1.22",
        "apiextensions.k8s.io/v1 CustomResourceDefinition",
    ),
    ApiChange(
        "apiregistration.k8s.io/v1beta1", "APIService", "1.19", "1.22", "apiregistration.k8s.io/v1 APIService"
    ),
    ApiChange(
        "authentication.k8s.io/v1beta1", "TokenReview", "1.19", "1.22", "authentication.k8s.io/v1 TokenReview"
    ),
    *_rows(
        ("authorization.k8s.io/v1beta1",), _ACCESS_REVIEWS, "1.19", "1.22", "authorization.k8s.io/v1 {kind}"
    ),
    ApiChange(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "1.19",
        "1.22",
        "certificates.k8s.io/v1 CertificateSigningRequest",
    ),
    ApiChange("coordination.k8s.io/v1beta1", "Lease", "1.19", "1.22", "coordination.k8s.io/v1 Lease"),
    *_rows(
        ("rbac.authorization.k8s.io/v1beta1",), _RBAC, "1.17", "1.22", "rbac.authorization.k8s.io/v1 {kind}"
    ),
    ApiChange(
        "scheduling.k8s.io/v1beta1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1 PriorityClass"
    ),
    *_rows(
        ("storage.k8s.io/v1beta1",),
        ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"),
        "1.19",
        "1.22",
        "storage.k8s.io/v1 {kind}",
    ),
    # removed in 1.25
    ApiChange("batch/v1beta1", "CronJob", "1.21", "1.25", "batch/v1 CronJob"),
    ApiChange(
        "discovery.k8s.io/v1beta1", "EndpointSlice", "1.21", "1.25", "discovery.k8s.io/v1 EndpointSlice"
    ),
    ApiChange("events.k8s.io/v1beta1", "Event", "1.19", "1.25", "events.k8s.io/v1 Event"),
    ApiChange(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "1.22",
        "1.25",
        "autoscaling/v2 HorizontalPodAutoscaler",
    ),
    ApiChange("policy/v1beta1", "PodDisruptionBudget", "1.21", "1.25", "policy/v1 PodDisruptionBudget"),
    ApiChange(
        "policy/v1beta1",
        "PodSecurityPolicy",
        "1.21",
        "1.25",
        "no replacement: use Pod Security Admission namespace labels or a policy engine (Kyverno, Gatekeeper)",
    ),
    ApiChange("node.k8s.io/v1beta1", "RuntimeClass", "1.20", "1.25", "node.k8s.io/v1 RuntimeClass"),
    # removed in 1.26
    *_rows(
        ("flowcontrol.apiserver.k8s.io/v1beta1",),
        _FLOW,
        "1.23",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1 {kind}",
    ),
    ApiChange(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "1.23",
        "1.26",
        "autoscaling/v2 HorizontalPodAutoscaler",
    ),
    # removed in 1.27
    ApiChange(
        "storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", "1.27", "storage.k8s.io/v1 CSIStorageCapacity"
    ),
    # removed in 1.29
    *_rows(
        ("flowcontrol.apiserver.k8s.io/v1beta2",),
        _FLOW,
        "1.26",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1 {kind}",
    ),
    # removed in 1.32
    *_rows(
        ("flowcontrol.apiserver.k8s.io/v1beta3",),
        _FLOW,
        "1.29",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1 {kind}",
    ),
    # deprecated, still served
    ApiChange(
        "v1", "ComponentStatus", "1.19", None, "no replacement: query the components' health endpoints"
    ),
    ApiChange("v1", "Endpoints", "1.33", None, "discovery.k8s.io/v1 EndpointSlice"),
)

_BY_KEY: dict[tuple[str, str], ApiChange] = {(c.api_version, c.kind): c for c in CHANGES}


def api_state(api_version: str, kind: str, kubernetes_version: str) -> tuple[ApiState, ApiChange | None]:
    """What Kubernetes `kubernetes_version` does with `kind` at `api_version`, and the matching row."""
    change = _BY_KEY.get((api_version, kind))
    if change is None:
        return ApiState.SERVED, None
    cluster = parse_minor(kubernetes_version)
    if change.removed is not None and cluster >= parse_minor(change.removed):
        return ApiState.REMOVED, change
    if change.deprecated is not None and cluster >= parse_minor(change.deprecated):
        return ApiState.DEPRECATED, change
    return ApiState.SERVED, change
