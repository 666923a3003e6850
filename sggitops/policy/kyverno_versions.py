"""Which Kyverno a Big Bang release ships, and which policy API that Kyverno serves.

Facts (written by this project from the real Big Bang repo, `chart/values.yaml` `kyverno.git.tag` at each
release tag, and Kyverno's release notes):

| Big Bang   | kyverno package (upstream chart) | Kyverno (chart 3.N ships 1.(N+10)) |
|------------|----------------------------------|------------------------------------|
| 2.42.0     | 3.3.4-bb.0                       | 1.13                               |
| 3.3.0      | 3.4.4-bb.0                       | 1.14: ValidatingPolicy `policies.kyverno.io/v1alpha1` |
| 3.7.0      | 3.5.1-bb.0                       | 1.15                               |
| 3.12.0     | 3.6.0-bb.1                       | 1.16                               |
| 3.18.0     | 3.7.0-bb.1                       | 1.17: `policies.kyverno.io/v1` stable, ClusterPolicy deprecated |
| 3.26.0     | 3.8.1-bb.2                       | 1.18                               |

Kyverno introduced the CEL ValidatingPolicy in 1.14 (v1alpha1) and made it `v1` in 1.17; it plans to
refuse new or updated ClusterPolicies from 1.20. So the generator writes ValidatingPolicies for fleets
whose every cluster runs Big Bang >= 3.3.0 (`v1alpha1` below 3.18.0, `v1` from it) and ClusterPolicies
below; `spec.policy.kyvernoApi` forces either.
"""

from __future__ import annotations

from collections.abc import Iterable

_KYVERNO_MINOR_SINCE: tuple[tuple[tuple[int, ...], int], ...] = (
    ((3, 26, 0), 18),
    ((3, 18, 0), 17),
    ((3, 12, 0), 16),
    ((3, 7, 0), 15),
    ((3, 3, 0), 14),
    ((2, 42, 0), 13),
    ((2, 32, 0), 12),
    ((0, 0, 0), 11),
)
VALIDATING_POLICY_SINCE = 14
VALIDATING_POLICY_V1_SINCE = 17


def _parse(version: str) -> tuple[int, ...]:
    core = version.lstrip("v").split("-", 1)[0].split("+", 1)[0]
    try:
        return tuple(int(p) for p in core.split("."))
    except ValueError:
        return (0,)


def kyverno_minor(bigbang_version: str) -> int:
    """The Kyverno 1.x minor release that a Big Bang release ships."""
    parsed = _parse(bigbang_version)
    return next(minor for since, minor in _KYVERNO_MINOR_SINCE if parsed >= since)


def validating_policy_version(bigbang_versions: Iterable[str]) -> str | None:
    """The ValidatingPolicy apiVersion every listed Big Bang release serves, or None (ClusterPolicy)."""
    minors = [kyverno_minor(v) for v in bigbang_versions]
    if not minors or min(minors) < VALIDATING_POLICY_SINCE:
        return None
    return "v1" if min(minors) >= VALIDATING_POLICY_V1_SINCE else "v1alpha1"
