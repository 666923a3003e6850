"""The rules of `sggitops.checks.bigbang` (kept apart so the checks stay readable; the module re-exports
them as `RULES`)."""

from __future__ import annotations

from sggitops.findings import Severity
from sggitops.rules import Rule

RULES = (
    Rule(
        id="bigbang/values-schema",
        severity=Severity.ERROR,
        summary="merged Big Bang values invalid for the pinned chart's values.schema.json",
        details="the merged values break the version's values.schema.json; one finding per schema error, with the dotted values path.",
        passing=("# 3.31.0\ndomain: dev.acme.mil"),
        failing=("# 3.31.0\ndomain: 5\n# domain: 5 is not of type 'string'"),
    ),
    Rule(
        id="bigbang/stale-key",
        severity=Severity.ERROR,
        summary="a Big Bang values key that the pinned version removed or renamed",
        details="a top-level or `addons.*` key in the repo's values (not chart defaults) that the version removed or renamed, with what replaced it (reported instead of the schema's \"additional property\" error for the same key).",
        passing=("# 3.31.0\nalloy: {enabled: true}\naddons: {anchoreEnterprise: {}}"),
        failing=("# 3.31.0\npromtail: {enabled: true}\naddons: {anchore: {enabled: true}}"),
    ),
    Rule(
        id="bigbang/values-unreadable",
        severity=Severity.ERROR,
        summary="a valuesFrom layer that is not a YAML mapping",
        details="a `valuesFrom` layer that is not YAML, not a mapping, or lacks its key (SOPS-encrypted Secrets are skipped; missing objects are flux/values-from-missing).",
        passing='data: {values.yaml: "domain: a.mil"}',
        failing='data: {values.yaml: "- a\\n- b"}',
    ),
    Rule(
        id="bigbang/chart-unavailable",
        severity=Severity.WARNING,
        summary="the pinned chart's schema could not be read (no source, no cache)",
        details="the chart of a version could not be read from any source and is not cached; one warning per version, naming the source tried. The values of that version are unchecked.",
        passing="--bigbang-repo /srv/mirror/bigbang",
        failing="(offline, no cache) https://repo1.dso.mil/... unreachable",
    ),
    Rule(
        id="bigbang/version-skew",
        severity=Severity.WARNING,
        summary="environments or clusters on Big Bang versions out of rollout order",
        details="Severity: warning, from platform.yaml. A later environment wave (dev < staging < prod, then others by name) runs a newer Big Bang than an earlier one; a cluster is more than 2 minor releases behind the newest version of the fleet; clusters of one environment run different versions.",
        passing=("dev: 3.31.0, staging: 3.30.0,\nprod: 3.30.0"),
        failing=("dev: 3.30.0, prod: 3.31.0\n(prod is ahead of dev)"),
    ),
)
