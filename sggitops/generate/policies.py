"""The built-in policy sets for Kyverno and Gatekeeper: spec `policy:` block -> files under bases/policies/.

The policies are this project's own, read from their catalogue (`sggitops.policy.catalogue`).

Layout written by `plan_policy_sets` (paths relative to the repo root):

- Kyverno: `bases/policies/kyverno/<set>/{kustomization.yaml,<policy>.yaml}` (ClusterPolicies written
  for Pod; Kyverno autogen covers the controllers) and, when the spec has exceptions,
  `bases/policies/kyverno/exceptions/` with one PolicyException per exception in namespace `kyverno`.
- Gatekeeper: `bases/policies/gatekeeper/<set>/templates/` (ConstraintTemplates, Argo CD sync wave -1)
  and `bases/policies/gatekeeper/<set>/constraints/` (one constraint per template, sync wave 1 and
  `SkipDryRunOnMissingResource`, since its CRD only exists once Gatekeeper has read the template);
  `bases/policies/gatekeeper/<set>/kustomization.yaml` includes both for Argo CD. Flux applies a
  kustomization as one dry-run, so a Flux setup points one Kustomization at `templates/` and a second
  one, `dependsOn` the first, at `constraints/`. Exceptions become `spec.match.excludedNamespaces`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sggitops import yamlio
from sggitops.policy import cel_sets
from sggitops.policy.catalogue import (
    POLICY_SETS,
    PolicyInfo,
    check_engine,
    kyverno_rule_names,
    kyverno_rules,
    policy_infos,
    policy_names,
    rego_module,
    set_policies,
)
from sggitops.policy.kyverno_versions import validating_policy_version
from sggitops.spec.model import Platform, Policy, PolicyException
from sggitops.spec.resolve import cluster_version

KYVERNO_EXCEPTION_NAMESPACE = "kyverno"
"""Where PolicyExceptions live: Big Bang's Kyverno restricts exceptions to its own namespace."""

POD_CONTROLLERS: tuple[tuple[str, str], ...] = (
    ("", "Pod"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
)
"""Pod and every kind Kyverno autogen covers; Gatekeeper constraints match all of them explicitly."""

MANAGED_BY = {"app.kubernetes.io/managed-by": "sggitops"}
GATEKEEPER_TARGET = "admission.k8s.gatekeeper.sh"
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    """Replace `${name}` strings: a whole-string reference takes the value as is (lists stay lists)."""
    if isinstance(node, dict):
        return {k: _substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, values) for v in node]
    if isinstance(node, str):
        for key, value in values.items():
            token = "${" + key + "}"
            if node == token:
                return value
            if token in node:
                node = node.replace(token, str(value))
    return node


def _parameters(policy: Policy) -> dict[str, Any]:
    return {
        "allowedRegistries": list(policy.allowed_registries),
        "allowedImages": " | ".join(f"{registry}/*" for registry in policy.allowed_registries),
    }


def _labels(info: PolicyInfo) -> dict[str, str]:
    return {**MANAGED_BY, "sggitops.io/policy-set": info.set_name}


def kyverno_policy(info: PolicyInfo, policy: Policy) -> dict[str, Any]:
    """One ClusterPolicy; rules match Pod (autogen covers controllers) unless they name their kinds."""
    rules = []
    for source in _substitute(kyverno_rules(info.set_name)[info.name], _parameters(policy)):
        kinds = source.get("kinds", ["Pod"])
        rules.append(
            {
                "name": source["name"],
                "match": {"any": [{"resources": {"kinds": kinds}}]},
                "validate": source["validate"],
            }
        )
    return {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": _kyverno_metadata(info),
        "spec": {"validationFailureAction": info.failure_action, "background": True, "rules": rules},
    }


def _gatekeeper_cel(info: PolicyInfo) -> list[dict[str, Any]]:
    """The template's K8sNativeValidation code (Gatekeeper runs it when present), where the set has it."""
    validations = cel_sets.cel_rules(info.set_name).get(info.name)
    if not validations:
        return []
    message = kyverno_rules(info.set_name)[info.name][0]["validate"]["message"]
    return [cel_sets.gatekeeper_code(validations, message)]


def kyverno_validating_policy(info: PolicyInfo, policy: Policy, version: str) -> dict[str, Any]:
    """One ValidatingPolicy (the same checks as the ClusterPolicy, in CEL)."""
    params = {
        **_parameters(policy),
        "allowedRegistriesCel": cel_sets.registries_literal(list(policy.allowed_registries)),
    }
    validations = _substitute(cel_sets.cel_rules(info.set_name)[info.name], params)
    rules = kyverno_rules(info.set_name)[info.name]
    metadata = _kyverno_metadata(info)
    return cel_sets.validating_policy(
        metadata,
        validations,
        message=" ".join(dict.fromkeys(str(r["validate"]["message"]) for r in rules)),
        enforce=info.failure_action == "Enforce",
        version=version,
        kinds=rules[0].get("kinds"),
    )


def _kyverno_metadata(info: PolicyInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "labels": _labels(info),
        "annotations": {
            "policies.kyverno.io/title": info.title,
            "policies.kyverno.io/category": info.category,
            "policies.kyverno.io/severity": info.severity,
            "policies.kyverno.io/subject": "Pod",
            "policies.kyverno.io/description": info.description,
        },
    }


def gatekeeper_template(info: PolicyInfo) -> dict[str, Any]:
    """One ConstraintTemplate whose Rego is declared v1 (`code[].source.version`)."""
    schema: dict[str, Any] = {"type": "object"}
    if info.parameter_schema:
        schema["properties"] = info.parameter_schema
    return {
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {
            "name": info.template_name,
            "labels": _labels(info),
            "annotations": {
                "argocd.argoproj.io/sync-wave": "-1",
                "metadata.gatekeeper.sh/title": info.title,
                "description": info.description,
            },
        },
        "spec": {
            "crd": {
                "spec": {"names": {"kind": info.gatekeeper_kind}, "validation": {"openAPIV3Schema": schema}}
            },
            "targets": [
                {
                    "target": GATEKEEPER_TARGET,
                    "code": [
                        *_gatekeeper_cel(info),
                        {
                            "engine": "Rego",
                            "source": {"version": "v1", "rego": rego_module(info.set_name, info.name)},
                        },
                    ],
                }
            ],
        },
    }


def _match_kinds() -> list[dict[str, Any]]:
    groups: dict[str, list[str]] = {}
    for group, kind in POD_CONTROLLERS:
        groups.setdefault(group, []).append(kind)
    return [{"apiGroups": [group], "kinds": kinds} for group, kinds in groups.items()]


def _exception_annotations(exceptions: Sequence[PolicyException]) -> dict[str, str]:
    return {
        "sggitops.io/reason": "; ".join(e.reason for e in exceptions),
        "sggitops.io/expires": min(e.expires for e in exceptions),
    }


def gatekeeper_constraint(info: PolicyInfo, policy: Policy) -> dict[str, Any]:
    """The constraint of a template: Pod and controllers, exceptions as excluded namespaces."""
    exceptions = [e for e in policy.exceptions if e.policy == info.name]
    annotations = {
        "argocd.argoproj.io/sync-wave": "1",
        "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
    }
    match: dict[str, Any] = {"kinds": _match_kinds()}
    if exceptions:
        annotations.update(_exception_annotations(exceptions))
        annotations["sggitops.io/exceptions"] = json.dumps(
            [
                {"namespaces": list(e.namespaces), "reason": e.reason, "expires": e.expires}
                for e in exceptions
            ],
            separators=(",", ":"),
        )
        match["excludedNamespaces"] = sorted({ns for e in exceptions for ns in e.namespaces})
    spec: dict[str, Any] = {
        "enforcementAction": "deny" if info.failure_action == "Enforce" else "warn",
        "match": match,
    }
    if info.parameter_values:
        spec["parameters"] = _substitute(info.parameter_values, _parameters(policy))
    return {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": info.gatekeeper_kind,
        "metadata": {"name": info.name, "labels": _labels(info), "annotations": annotations},
        "spec": spec,
    }


def _exception_name(exception: PolicyException, taken: set[str]) -> str:
    name = "-".join([exception.policy, *exception.namespaces])
    if len(name) > 200 or not _DNS_NAME.match(name):
        digest = hashlib.sha256("\n".join(exception.namespaces).encode()).hexdigest()[:8]
        name = f"{exception.policy}-{digest}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def kyverno_exception(exception: PolicyException, name: str, set_name: str) -> dict[str, Any]:
    """A PolicyException naming every rule of the policy (incl. autogen) in the given namespaces."""
    return {
        "apiVersion": "kyverno.io/v2",
        "kind": "PolicyException",
        "metadata": {
            "name": name,
            "namespace": KYVERNO_EXCEPTION_NAMESPACE,
            "labels": dict(MANAGED_BY),
            "annotations": _exception_annotations([exception]),
        },
        "spec": {
            "background": True,
            "exceptions": [
                {"policyName": exception.policy, "ruleNames": kyverno_rule_names(set_name, exception.policy)}
            ],
            "match": {
                "any": [
                    {
                        "resources": {
                            "kinds": [kind for _, kind in POD_CONTROLLERS],
                            "namespaces": list(exception.namespaces),
                        }
                    }
                ]
            },
        },
    }


def check_exceptions(
    engine: str, sets: Sequence[str], policy: Policy, *, require_deployed: bool = False
) -> dict[str, str]:
    """Map each excepted policy whose set is deployed to that set.

    ValueError (listing the known policies) for an exception naming an unknown policy; with
    `require_deployed`, also for one naming a policy whose set is not in `sets` (otherwise such an
    exception has nothing to relax and is left out of the plan).
    """
    check_engine(engine)
    owner = {name: set_name for set_name in POLICY_SETS for name in policy_names(engine, set_name)}
    found: dict[str, str] = {}
    for exception in policy.exceptions:
        if exception.policy not in owner:
            known = ", ".join(sorted(owner))
            raise ValueError(
                f"policy exception names unknown policy {exception.policy!r}; known policies: {known}"
            )
        if owner[exception.policy] in sets:
            found[exception.policy] = owner[exception.policy]
        elif require_deployed:
            raise ValueError(
                f"policy exception names {exception.policy!r} of set {owner[exception.policy]!r}, "
                f"which is not in spec.policy.sets ({', '.join(sets) or 'none'})"
            )
    return found


def _kustomization(resource_paths: Iterable[str]) -> str:
    return yamlio.dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": list(resource_paths),
        }
    )


def _plan_kyverno(
    sets: Sequence[str], policy: Policy, owners: dict[str, str], version: str | None
) -> dict[str, str]:
    files: dict[str, str] = {}
    for set_name in sets:
        root = f"bases/policies/kyverno/{set_name}"
        infos = policy_infos(set_name)
        for info in infos:
            doc = (
                kyverno_validating_policy(info, policy, version) if version else kyverno_policy(info, policy)
            )
            files[f"{root}/{info.name}.yaml"] = yamlio.dump(doc)
        files[f"{root}/kustomization.yaml"] = _kustomization(f"{info.name}.yaml" for info in infos)
    deployed = [e for e in policy.exceptions if e.policy in owners]
    if deployed:
        root = "bases/policies/kyverno/exceptions"
        taken: set[str] = set()
        names = []
        for exception in deployed:
            name = _exception_name(exception, taken)
            names.append(name)
            if version:
                meta = {
                    "name": name,
                    "namespace": KYVERNO_EXCEPTION_NAMESPACE,
                    "labels": dict(MANAGED_BY),
                    "annotations": _exception_annotations([exception]),
                }
                doc = cel_sets.cel_exception(meta, exception.policy, list(exception.namespaces), version)
            else:
                doc = kyverno_exception(exception, name, owners[exception.policy])
            files[f"{root}/{name}.yaml"] = yamlio.dump(doc)
        files[f"{root}/kustomization.yaml"] = _kustomization(f"{name}.yaml" for name in names)
    return files


def _plan_gatekeeper(sets: Sequence[str], policy: Policy) -> dict[str, str]:
    files: dict[str, str] = {}
    for set_name in sets:
        root = f"bases/policies/gatekeeper/{set_name}"
        infos = policy_infos(set_name)
        for info in infos:
            files[f"{root}/templates/{info.name}.yaml"] = yamlio.dump(gatekeeper_template(info))
            files[f"{root}/constraints/{info.name}.yaml"] = yamlio.dump(gatekeeper_constraint(info, policy))
        files[f"{root}/templates/kustomization.yaml"] = _kustomization(f"{i.name}.yaml" for i in infos)
        files[f"{root}/constraints/kustomization.yaml"] = _kustomization(f"{i.name}.yaml" for i in infos)
        files[f"{root}/kustomization.yaml"] = _kustomization(["templates", "constraints"])
    return files


def kyverno_api_version(platform: Platform) -> str | None:
    """The ValidatingPolicy apiVersion to write, or None for ClusterPolicies: `spec.policy.kyvernoApi`
    (`auto` picks ValidatingPolicy when every cluster's Big Bang ships a Kyverno serving it)."""
    wanted = platform.policy.kyverno_api
    versions = [cluster_version(platform, c.name) for c in platform.clusters] or [platform.bigbang.version]
    if wanted == "ClusterPolicy":
        return None
    found = validating_policy_version(versions)
    if wanted == "ValidatingPolicy":
        return found or "v1"
    return found


def plan_policy_sets(
    engine: str, sets: Sequence[str], policy: Policy, *, kyverno_api: str | None = None
) -> dict[str, str]:
    """Repo-relative path -> file text for the given sets of one engine (pure, deterministic).
    `kyverno_api`: the ValidatingPolicy apiVersion to write (None: ClusterPolicies)."""
    check_engine(engine)
    for set_name in sets:
        set_policies(set_name)  # raises ValueError for an unknown set
    owners = check_exceptions(engine, sets, policy)
    if engine == "kyverno":
        files = _plan_kyverno(sets, policy, owners, kyverno_api)
    else:
        files = _plan_gatekeeper(sets, policy)
    return dict(sorted(files.items()))
