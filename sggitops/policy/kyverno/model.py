"""Kyverno policies and PolicyExceptions, parsed and compiled once from their manifests.

`KyvernoPolicy.from_manifest` checks the shape, expands autogen rules, compiles match blocks, patterns,
conditions and JMESPath expressions, and marks what this engine cannot evaluate (`podSecurity`, `cel`,
`verifyImages`, context `apiCall`/`configMap`/`imageRegistry`/`globalReference`, ...) as unsupported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sggitops.errors import InputError, Location
from sggitops.policy.celrules import CelPolicyError, CelRules
from sggitops.policy.kyverno import autogen
from sggitops.policy.kyverno.conditions import ConditionError, Conditions
from sggitops.policy.kyverno.match import MatchBlock, MatchSpecError
from sggitops.policy.kyverno.pattern import Node, PatternUnsupported, compile_pattern
from sggitops.policy.kyverno.variables import Queries

POLICY_KINDS = ("ClusterPolicy", "Policy")
POLICY_API_VERSIONS = ("kyverno.io/v1", "kyverno.io/v2beta1")
EXCEPTION_API_VERSIONS = ("kyverno.io/v2", "kyverno.io/v2beta1", "kyverno.io/v2alpha1")
UNSUPPORTED_CONTEXT = ("apiCall", "configMap", "imageRegistry", "globalReference")
UNSUPPORTED_VALIDATE = ("podSecurity", "manifests", "assert")


class KyvernoPolicyError(InputError):
    """A Kyverno policy or PolicyException manifest is malformed."""

    def __init__(self, message: str, *, name: str = "", file: str = "") -> None:
        where = f"{name}: " if name else ""
        super().__init__(
            f"{where}{message}",
            location=Location(file or "<policy>", 0, 0),
            rule="policy/malformed",
            hint="fix the policy manifest (see the Kyverno policy reference)",
        )


@dataclass(frozen=True)
class ContextEntry:
    """A rule `context` entry: only `variable` entries are evaluated."""

    name: str
    value: Any = None
    jmes_path: str = ""
    default: Any = None
    has_value: bool = False
    has_default: bool = False


@dataclass
class Validation:
    """A compiled `validate` block (also the body of each `foreach` item)."""

    message: str = ""
    pattern: Node | None = None
    any_patterns: list[Node] = field(default_factory=list)
    deny: Conditions | None = None
    foreach: list[ForEach] = field(default_factory=list)
    failure_action: str = ""
    cel: CelRules | None = None


@dataclass
class ForEach:
    list_expr: str
    element_scope: bool | None
    context: list[ContextEntry]
    preconditions: Conditions
    body: Validation


@dataclass
class Rule:
    """One rule as evaluated (autogen rules are separate Rules with `origin` set)."""

    name: str
    origin: str
    kind: str  # validate | mutate | generate | verifyImages | none
    match: MatchBlock
    exclude: MatchBlock
    preconditions: Conditions
    context: list[ContextEntry]
    validation: Validation | None
    unsupported: str = ""  # the feature that makes this rule unsupported, when set
    cel_preconditions: CelRules | None = None
    mutation: Mapping[str, Any] | None = None  # the raw `mutate` block
    generation: Mapping[str, Any] | None = None  # the raw `generate` block


@dataclass
class KyvernoPolicy:
    """A compiled ClusterPolicy or Policy."""

    name: str
    namespace: str
    kind: str
    annotations: dict[str, str]
    failure_action: str
    failure_action_overrides: list[dict[str, Any]]
    rules: list[Rule]
    queries: Queries
    scored: bool = True

    @classmethod
    def from_manifest(cls, obj: Any, *, file: str = "") -> KyvernoPolicy:
        """Parse and compile a policy manifest; raises KyvernoPolicyError when it is malformed."""
        if not isinstance(obj, Mapping):
            raise KyvernoPolicyError("a policy must be a mapping", file=file)
        meta: Mapping[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), Mapping) else {}
        name = str(meta.get("name") or "")
        if obj.get("kind") not in POLICY_KINDS or obj.get("apiVersion") not in POLICY_API_VERSIONS:
            raise KyvernoPolicyError(
                f"not a Kyverno policy (apiVersion {obj.get('apiVersion')!r}, kind {obj.get('kind')!r})",
                name=name,
                file=file,
            )
        if not name:
            raise KyvernoPolicyError("metadata.name is missing", file=file)
        spec = obj.get("spec")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("rules"), list) or not spec["rules"]:
            raise KyvernoPolicyError("spec.rules must be a non-empty list", name=name, file=file)
        queries = Queries()
        rules = []
        try:
            for raw, origin in autogen.expand(obj):
                rules.append(_compile_rule(raw, origin, queries))
        except (MatchSpecError, ConditionError, ValueError) as err:
            raise KyvernoPolicyError(str(err), name=name, file=file) from None
        annotations = {str(k): str(v) for k, v in (meta.get("annotations") or {}).items()}
        overrides = spec.get("validationFailureActionOverrides") or []
        return cls(
            name=name,
            namespace=str(meta.get("namespace") or "") if obj.get("kind") == "Policy" else "",
            kind=str(obj["kind"]),
            annotations=annotations,
            failure_action=_action(spec.get("validationFailureAction")),
            failure_action_overrides=[dict(o) for o in overrides if isinstance(o, Mapping)],
            rules=rules,
            queries=queries,
            scored=annotations.get("policies.kyverno.io/scored", "true").lower() != "false",
        )


def _action(raw: Any) -> str:
    text = str(raw or "Audit").lower()
    return "enforce" if text == "enforce" else "audit"


def _compile_rule(raw: Mapping[str, Any], origin: str, queries: Queries) -> Rule:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("every rule needs a name")
    if not isinstance(raw.get("match"), Mapping):
        raise ValueError(f"rule {name}: `match` is required")
    queries.precompile(raw)
    kind = next((k for k in ("validate", "mutate", "generate", "verifyImages") if raw.get(k)), "none")
    rule = Rule(
        name=name,
        origin=origin,
        kind=kind,
        match=MatchBlock.parse(raw.get("match")),
        exclude=MatchBlock.parse(raw.get("exclude")),
        preconditions=Conditions.parse(raw.get("preconditions")),
        context=[],
        validation=None,
    )
    if raw.get("celPreconditions"):
        try:
            rule.cel_preconditions = CelRules.parse(None, None, raw["celPreconditions"])
        except CelPolicyError as err:
            raise ValueError(f"rule {name}: {err}") from None
    try:
        rule.context = _context(raw.get("context"))
        if kind == "validate":
            rule.validation = _validation(raw["validate"])
    except PatternUnsupported as err:
        rule.unsupported = str(err)
    if kind == "verifyImages":
        rule.unsupported = "verifyImages"
    if kind == "mutate":
        rule.mutation = raw["mutate"]
        if raw["mutate"].get("targets") or raw["mutate"].get("mutateExistingOnPolicyUpdate"):
            rule.unsupported = "mutate.targets (mutate existing resources)"
    if kind == "generate":
        rule.generation = raw["generate"]
    return rule


def _context(raw: Any) -> list[ContextEntry]:
    entries = []
    for item in raw or []:
        if not isinstance(item, Mapping) or not item.get("name"):
            raise ValueError("every context entry needs a name")
        for feature in UNSUPPORTED_CONTEXT:
            if feature in item:
                raise PatternUnsupported(f"context.{feature}")
        variable = item.get("variable")
        if not isinstance(variable, Mapping):
            raise PatternUnsupported("context entry without a variable")
        entries.append(
            ContextEntry(
                name=str(item["name"]),
                value=variable.get("value"),
                jmes_path=str(variable.get("jmesPath") or ""),
                default=variable.get("default"),
                has_value="value" in variable,
                has_default="default" in variable,
            )
        )
    return entries


def _validation(raw: Any) -> Validation:
    if not isinstance(raw, Mapping):
        raise ValueError("`validate` must be a mapping")
    for feature in UNSUPPORTED_VALIDATE:
        if raw.get(feature) is not None:
            raise PatternUnsupported(f"validate.{feature}")
    out = Validation(
        message=str(raw.get("message") or ""),
        failure_action=_action(raw["failureAction"]) if raw.get("failureAction") else "",
    )
    if "pattern" in raw:
        out.pattern = compile_pattern(raw["pattern"])
    if "anyPattern" in raw:
        if not isinstance(raw["anyPattern"], list) or not raw["anyPattern"]:
            raise ValueError("validate.anyPattern must be a non-empty list")
        out.any_patterns = [compile_pattern(p) for p in raw["anyPattern"]]
    if "deny" in raw:
        deny = raw["deny"] if isinstance(raw["deny"], Mapping) else {}
        out.deny = Conditions.parse(deny.get("conditions"))
    for item in raw.get("foreach") or []:
        out.foreach.append(_foreach(item))
    if raw.get("cel") is not None:
        out.cel = _cel(raw["cel"])
    if out.pattern is None and not out.any_patterns and out.deny is None and not out.foreach and not out.cel:
        raise ValueError("validate needs pattern, anyPattern, deny, foreach or cel")
    return out


def _cel(raw: Any) -> CelRules:
    if not isinstance(raw, Mapping):
        raise ValueError("validate.cel must be a mapping")
    if raw.get("paramKind") or raw.get("paramRef"):
        raise PatternUnsupported("validate.cel.paramRef")
    try:
        return CelRules.parse(raw.get("expressions"), raw.get("variables"), None)
    except CelPolicyError as err:
        raise ValueError(str(err)) from None


def _foreach(raw: Any) -> ForEach:
    if not isinstance(raw, Mapping) or not raw.get("list"):
        raise ValueError("every foreach item needs a `list`")
    body = Validation()
    if "pattern" in raw:
        body.pattern = compile_pattern(raw["pattern"])
    if "anyPattern" in raw:
        body.any_patterns = [compile_pattern(p) for p in raw["anyPattern"] or []]
    if "deny" in raw:
        deny = raw["deny"] if isinstance(raw["deny"], Mapping) else {}
        body.deny = Conditions.parse(deny.get("conditions"))
    for item in raw.get("foreach") or []:
        body.foreach.append(_foreach(item))
    scope = raw.get("elementScope")
    return ForEach(
        list_expr=str(raw["list"]),
        element_scope=bool(scope) if scope is not None else None,
        context=_context(raw.get("context")),
        preconditions=Conditions.parse(raw.get("preconditions")),
        body=body,
    )


@dataclass(frozen=True)
class ExceptionEntry:
    policy: str
    rules: tuple[str, ...]


@dataclass
class PolicyException:
    """A Kyverno PolicyException: matching resources skip the named policy rules."""

    name: str
    namespace: str
    exceptions: list[ExceptionEntry]
    match: MatchBlock
    conditions: Conditions
    queries: Queries

    @classmethod
    def from_manifest(cls, obj: Any, *, file: str = "") -> PolicyException:
        """Parse a PolicyException manifest; raises KyvernoPolicyError when it is malformed."""
        if not isinstance(obj, Mapping) or obj.get("kind") != "PolicyException":
            raise KyvernoPolicyError("not a PolicyException", file=file)
        meta: Mapping[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), Mapping) else {}
        name = str(meta.get("name") or "")
        if obj.get("apiVersion") not in EXCEPTION_API_VERSIONS:
            raise KyvernoPolicyError(
                f"unsupported apiVersion {obj.get('apiVersion')!r}", name=name, file=file
            )
        spec = obj.get("spec")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("exceptions"), list):
            raise KyvernoPolicyError("spec.exceptions must be a list", name=name, file=file)
        entries = []
        for item in spec["exceptions"]:
            if not isinstance(item, Mapping) or not item.get("policyName"):
                raise KyvernoPolicyError("every exception needs a policyName", name=name, file=file)
            entries.append(
                ExceptionEntry(str(item["policyName"]), tuple(str(r) for r in item.get("ruleNames") or []))
            )
        try:
            match = MatchBlock.parse(spec.get("match"))
            conditions = Conditions.parse(spec.get("conditions"))
        except (MatchSpecError, ConditionError) as err:
            raise KyvernoPolicyError(str(err), name=name, file=file) from None
        queries = Queries()
        queries.precompile(spec.get("conditions"))
        return cls(name, str(meta.get("namespace") or ""), entries, match, conditions, queries)
