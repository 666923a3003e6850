"""The catalogue of sggitops's built-in policy sets: their names, metadata and rules, kept as data in
`sggitops/policy/sets/` (one metadata file per set `<set>.yaml`, Kyverno rules per set
`kyverno/<set>.yaml`, one Rego v1 module per Gatekeeper template `gatekeeper/<set>/<policy>.rego`, plus
the shared pod helpers `gatekeeper/_pod.rego`).

The spec checks read the names (policy exceptions must name a built-in policy); `generate.policies`
writes the sets as files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sggitops import yamlio

POLICY_SETS: tuple[str, ...] = ("baseline", "restricted", "best-practices", "registries")
ENGINES: tuple[str, ...] = ("kyverno", "gatekeeper")


@dataclass(frozen=True)
class PolicyInfo:
    """One built-in policy: its metadata, shared by both engines."""

    name: str
    set_name: str
    title: str
    category: str
    severity: str
    description: str
    failure_action: str  # Kyverno Enforce | Audit
    parameter_schema: dict[str, Any]
    parameter_values: dict[str, Any]

    @property
    def gatekeeper_kind(self) -> str:
        return "Sg" + "".join(part.capitalize() for part in self.name.split("-"))

    @property
    def template_name(self) -> str:
        return self.gatekeeper_kind.lower()


def _read(relative: str) -> str:
    return resources.files("sggitops.policy").joinpath("sets", relative).read_text(encoding="utf-8")


def _load_yaml(relative: str) -> Any:
    return yamlio.to_plain(yamlio.load_one(_read(relative), f"sggitops/policy/sets/{relative}"))


@cache
def set_policies(set_name: str) -> tuple[PolicyInfo, ...]:
    if set_name not in POLICY_SETS:
        raise ValueError(f"unknown policy set {set_name!r}; known sets: {', '.join(POLICY_SETS)}")
    data = _load_yaml(f"{set_name}.yaml")
    infos = []
    for item in data["policies"]:
        params = item.get("gatekeeper", {}).get("parameters", {})
        infos.append(
            PolicyInfo(
                name=item["name"],
                set_name=set_name,
                title=item["title"],
                category=data["category"],
                severity=item["severity"],
                description=" ".join(item["description"].split()),
                failure_action=data["failureAction"],
                parameter_schema=params.get("schema", {}),
                parameter_values=params.get("values", {}),
            )
        )
    return tuple(infos)


@cache
def kyverno_rules(set_name: str) -> dict[str, list[dict[str, Any]]]:
    rules: dict[str, list[dict[str, Any]]] = _load_yaml(f"kyverno/{set_name}.yaml")
    return rules


@cache
def rego_module(set_name: str, policy_name: str) -> str:
    """The complete Rego v1 module of a Gatekeeper template: the policy's rules plus the pod helpers."""
    own = _read(f"gatekeeper/{set_name}/{policy_name}.rego").rstrip("\n")
    helpers = _read("gatekeeper/_pod.rego").rstrip("\n")
    return f"{own}\n\n{helpers}\n"


def policy_infos(set_name: str) -> list[PolicyInfo]:
    """The policies of one set, in their declared order."""
    return list(set_policies(set_name))


def policy_names(engine: str, set_name: str) -> list[str]:
    """The policy names of a set (the same for both engines: a policy is the same control in each)."""
    check_engine(engine)
    return [info.name for info in set_policies(set_name)]


def all_policy_names(engine: str) -> set[str]:
    """Every built-in policy name of an engine, over all sets."""
    return {name for set_name in POLICY_SETS for name in policy_names(engine, set_name)}


def kyverno_rule_names(set_name: str, policy_name: str) -> list[str]:
    """The rule names of a ClusterPolicy incl. the autogen ones Kyverno adds for Pod-only rules."""
    names: list[str] = []
    for rule in kyverno_rules(set_name)[policy_name]:
        names += [rule["name"], f"autogen-{rule['name']}", f"autogen-cronjob-{rule['name']}"]
    return names


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown policy engine {engine!r}; known engines: {', '.join(ENGINES)}")
