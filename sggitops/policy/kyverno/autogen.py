"""Kyverno autogen: Pod rules also cover the Pod controllers, through their Pod template.

Deployment, StatefulSet, DaemonSet, Job, ReplicaSet and ReplicationController hold the Pod at
`spec.template` (rule `autogen-<name>`), CronJob at `spec.jobTemplate.spec.template` (rule
`autogen-cronjob-<name>`). A policy opts out with the annotation
`pod-policies.kyverno.io/autogen-controllers: none` or narrows the controllers with a comma list.
Autogen applies only when every rule selects Pods by kind alone (no names, selectors or annotations).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sggitops.policy.kyverno.match import KindSelector

ANNOTATION = "pod-policies.kyverno.io/autogen-controllers"
POD_CONTROLLERS = ("DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController")
CRONJOB = "CronJob"
ALL_CONTROLLERS = (*POD_CONTROLLERS, CRONJOB)

_POD_PATHS = (
    ("request.object.spec", "request.object.spec.template.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.template.spec"),
    ("request.object.metadata", "request.object.spec.template.metadata"),
    ("request.oldObject.metadata", "request.oldObject.spec.template.metadata"),
)
_CRON_PATHS = (
    ("request.object.spec", "request.object.spec.jobTemplate.spec"),
    ("request.oldObject.spec", "request.oldObject.spec.jobTemplate.spec"),
)


def controllers(policy: Mapping[str, Any]) -> tuple[str, ...]:
    """The controllers autogen produces rules for (empty when it does not apply)."""
    meta = policy.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    wanted = str(annotations.get(ANNOTATION, "")).strip()
    if wanted.lower() == "none":
        return ()
    rules = (policy.get("spec") or {}).get("rules") or []
    if not _can_autogen(rules):
        return ()
    if not wanted or wanted.lower() == "all":
        return ALL_CONTROLLERS
    names = [w.strip() for w in wanted.split(",") if w.strip()]
    return tuple(c for c in ALL_CONTROLLERS if c in names)


def _descriptions(block: Any) -> list[Mapping[str, Any]]:
    if not isinstance(block, Mapping):
        return []
    found = [f.get("resources") or {} for f in [*(block.get("any") or []), *(block.get("all") or [])]]
    if block.get("resources"):
        found.append(block["resources"])
    return [d for d in found if isinstance(d, Mapping)]


def _can_autogen(rules: list[Any]) -> bool:
    needed = False
    for rule in rules:
        if not isinstance(rule, Mapping):
            return False
        if rule.get("generate") or (rule.get("mutate") or {}).get("patchesJson6902"):
            return False
        for description in [*_descriptions(rule.get("match")), *_descriptions(rule.get("exclude"))]:
            if description.get("name") or description.get("names"):
                return False
            if description.get("selector") is not None or description.get("annotations") is not None:
                return False
            kinds = [KindSelector.parse(str(k)).kind for k in description.get("kinds") or []]
            if any(k != "Pod" for k in kinds):
                return False
            needed = needed or "Pod" in kinds
    return needed


def _matches_pods(rule: Mapping[str, Any]) -> bool:
    return any(
        KindSelector.parse(str(k)).kind == "Pod"
        for d in _descriptions(rule.get("match"))
        for k in d.get("kinds") or []
    )


def _replace_strings(value: Any, replacements: tuple[tuple[str, str], ...]) -> Any:
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return value
    if isinstance(value, Mapping):
        return {k: _replace_strings(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, replacements) for v in value]
    return value


def _set_kinds(block: Any, kinds: list[str]) -> Any:
    if not isinstance(block, Mapping):
        return block
    out = dict(block)
    for key in ("any", "all"):
        if out.get(key):
            out[key] = [_with_kinds(f, kinds) for f in out[key]]
    if out.get("resources"):
        out["resources"] = (
            {**out["resources"], "kinds": kinds} if out["resources"].get("kinds") else out["resources"]
        )
    return out


def _with_kinds(item: Any, kinds: list[str]) -> Any:
    if not isinstance(item, Mapping) or not isinstance(item.get("resources"), Mapping):
        return item
    resources = dict(item["resources"])
    if resources.get("kinds"):
        resources["kinds"] = kinds
    return {**item, "resources": resources}


def _wrap_validate(validate: Mapping[str, Any], prefix: tuple[str, ...]) -> dict[str, Any]:
    out = dict(validate)

    def wrap(pattern: Any) -> Any:
        for key in reversed(prefix):
            pattern = {key: pattern}
        return pattern

    if "pattern" in out:
        out["pattern"] = wrap(out["pattern"])
    if isinstance(out.get("anyPattern"), list):
        out["anyPattern"] = [wrap(p) for p in out["anyPattern"]]
    return out


def _derive(
    rule: Mapping[str, Any],
    name: str,
    kinds: list[str],
    prefix: tuple[str, ...],
    paths: tuple[tuple[str, str], ...],
) -> dict[str, Any]:
    """A copy of `rule` for `kinds`: variables re-pointed by `paths`, patterns wrapped under `prefix`."""
    derived: dict[str, Any] = _replace_strings(copy.deepcopy(dict(rule)), paths)
    derived["name"] = name[:63]
    derived["match"] = _set_kinds(derived.get("match"), kinds)
    if derived.get("exclude"):
        derived["exclude"] = _set_kinds(derived["exclude"], kinds)
    if isinstance(derived.get("validate"), Mapping):
        derived["validate"] = _wrap_validate(derived["validate"], prefix)
    return derived


def expand(policy: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every rule of the policy plus its autogen rules, each with its origin rule name ("" for originals)."""
    rules = [r for r in (policy.get("spec") or {}).get("rules") or [] if isinstance(r, Mapping)]
    out: list[tuple[dict[str, Any], str]] = [(dict(r), "") for r in rules]
    wanted = controllers(policy)
    if not wanted:
        return out
    pod_kinds = [c for c in POD_CONTROLLERS if c in wanted]
    for rule in rules:
        if not _matches_pods(rule):
            continue
        origin = str(rule.get("name", ""))
        pod_rule = _derive(rule, f"autogen-{origin}", pod_kinds, ("spec", "template"), _POD_PATHS)
        if pod_kinds:
            out.append((pod_rule, origin))
        if CRONJOB in wanted:
            cron_rule = _derive(
                pod_rule, f"autogen-cronjob-{origin}", [CRONJOB], ("spec", "jobTemplate"), _CRON_PATHS
            )
            out.append((cron_rule, origin))
    return out
