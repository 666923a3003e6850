"""Big Bang values that keep its own policy packages (kyvernoPolicies, gatekeeper) consistent with the
spec's built-in policy sets."""

from __future__ import annotations

from typing import Any

from sggitops.policy.catalogue import check_engine, policy_names
from sggitops.spec.model import Policy

BIGBANG_KYVERNO_POLICIES: frozenset[str] = frozenset(
    {
        "disallow-auto-mount-service-account-token",
        "disallow-host-namespaces",
        "disallow-image-tags",
        "disallow-istio-injection-bypass",
        "disallow-namespaces",
        "disallow-nodeport-services",
        "disallow-privileged-containers",
        "disallow-tolerations",
        "require-drop-all-capabilities",
        "require-image-signature",
        "require-istio-on-namespaces",
        "require-non-root-group",
        "require-non-root-user",
        "restrict-apparmor",
        "restrict-capabilities",
        "restrict-host-path-mount",
        "restrict-host-path-mount-pv",
        "restrict-host-path-write",
        "restrict-image-registries",
        "restrict-selinux-type",
        "restrict-user-id",
        "restrict-volume-types",
    }
)
"""ClusterPolicy names Big Bang's kyvernoPolicies package configures (from its umbrella chart)."""


def bigbang_policy_values(engine: str, policy: Policy) -> dict[str, Any]:
    """Big Bang values that keep its own policy package consistent with the spec.

    Kyverno: Big Bang's `restrict-image-registries` allows exactly `allowedRegistries`, and Big Bang's
    own copy of any policy sggitops deploys under the same name is disabled, so each ClusterPolicy has
    one owner (and the spec's exceptions apply to it). Gatekeeper: the `allowedDockerRegistries`
    constraint gets the registries (Big Bang appends them to its Iron Bank defaults).
    """
    check_engine(engine)
    registries = list(policy.allowed_registries)
    if engine == "gatekeeper":
        violations = {"allowedDockerRegistries": {"parameters": {"repos": registries}}}
        return {"gatekeeper": {"values": {"violations": violations}}}
    policies: dict[str, Any] = {"restrict-image-registries": {"parameters": {"allow": registries}}}
    for set_name in policy.sets:
        for name in policy_names(engine, set_name):
            if name in BIGBANG_KYVERNO_POLICIES:
                policies[name] = {"enabled": False}
    return {"kyvernoPolicies": {"values": {"policies": dict(sorted(policies.items()))}}}
