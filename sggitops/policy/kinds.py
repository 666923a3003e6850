"""Kubernetes resource names of kinds (what admission rules and `resource.Get` name)."""

from __future__ import annotations

_IRREGULAR = {"endpoints": "endpoints", "ingress": "ingresses", "podsecuritypolicy": "podsecuritypolicies"}


def plural(kind: str) -> str:
    """The resource name Kubernetes serves a kind under (`NetworkPolicy` -> `networkpolicies`)."""
    lower = kind.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if lower.endswith("y") and not lower.endswith(("ay", "ey", "oy", "uy")):
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    return lower + "s"
