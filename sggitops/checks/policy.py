"""policy/* rules: the cluster's admission policies evaluated for real against what the repo deploys.

Each cluster's policy set is every policy object in its renders that an engine of the registry
(`sggitops/policy/engines.py`) claims: Kyverno ClusterPolicy/Policy/PolicyException, MutatingPolicy,
ValidatingPolicy and its PolicyException, Kubernetes ValidatingAdmissionPolicy + Binding, Gatekeeper
ConstraintTemplate/constraint. Mutations apply first (as admission does); the set is evaluated against
every object rendered for that cluster, and with `--app-sources` also against each child Application's
own manifests. Repo rules (Rego v1 `deny`/`warn` in `policies/repo/`, plus sggitops' built-ins) run over
`{objects, cluster, spec}`.

The rules, with PASS/FAIL examples, are declared in `RULES` below.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from sggitops.checks.cache import FindingsCache, findings_key
from sggitops.checks.context import RepoContext
from sggitops.findings import Finding, Severity
from sggitops.policy import engines
from sggitops.policy.budget import ENGINE_FAILED
from sggitops.policy.repo_builtin import builtin_messages
from sggitops.policy.results import Outcome, RuleResult
from sggitops.resource import ResourceId
from sggitops.rules import Rule

RULES = (
    Rule(
        id="policy/violation",
        severity=Severity.ERROR,
        summary="an object the cluster's admission policies reject",
        details="Severity: error for Enforce/deny, warning for Audit/warn/dryrun. An object a policy rejects.",
        passing="securityContext: {privileged: false}",
        failing="securityContext: {privileged: true}",
    ),
    Rule(
        id="policy/unsupported",
        severity=Severity.WARNING,
        summary="a policy rule the engine cannot decide offline (never a pass)",
        details="Severity: warning; error with --strict. A rule the engine cannot decide (podSecurity subrule, CEL live lookups such as `http.*`, apiCall context, external_data ...), or a policy object no engine claims (e.g. a Gatekeeper mutation). It is never counted as a pass.",
    ),
    Rule(
        id="policy/error",
        severity=Severity.ERROR,
        summary="a policy rule that failed to evaluate (fails closed)",
        details="a rule that failed to evaluate (fails closed).",
    ),
    Rule(
        id="policy/engine-failed",
        severity=Severity.ERROR,
        summary="a policy engine crashed or hung on a policy: that policy is not evaluated",
        details="Severity: error, once per policy and cluster. The engine crashed (regopy SIGSEGV), hung or used up the policy's time budget (`sggitops.policy.budget`); that policy is not evaluated further.",
    ),
    Rule(
        id="policy/malformed",
        severity=Severity.ERROR,
        summary="a policy object that cannot be read",
        details="a policy object that cannot be read.",
    ),
    Rule(
        id="policy/expired-exception",
        severity=Severity.ERROR,
        summary="a policy exception past its expiry date",
        details="a policy exception past its `expires` date.",
        passing='expires: "2099-01-01"',
        failing='expires: "2020-01-01"',
    ),
    Rule(
        id="policy/repo-deny",
        severity=Severity.ERROR,
        summary="a repo rule (policies/repo or built-in) denies the repo",
        details="`policy/repo-deny` (error) and `policy/repo-warn` (warning): messages of repo rules, e.g. an Argo CD Application in the `default` project, or one without automated sync on a run cluster.",
    ),
    Rule(
        id="policy/repo-warn",
        severity=Severity.WARNING,
        summary="a repo rule (policies/repo or built-in) warns about the repo",
        details="`policy/repo-deny` (error) and `policy/repo-warn` (warning): messages of repo rules, e.g. an Argo CD Application in the `default` project, or one without automated sync on a run cluster.",
    ),
)


def _today(ctx: RepoContext) -> dt.date:
    return ctx.settings.day()


def _by_cluster(ctx: RepoContext) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for root, target in sorted(ctx.targets.items()):
        groups[target.cluster].append(root)
    return groups


def check(ctx: RepoContext) -> Iterator[Finding]:
    yield from _expired_spec_exceptions(ctx)
    rules = _repo_rules(ctx)
    cache = FindingsCache(ctx.settings.findings_cache)
    spec_input = _spec_input(ctx) if rules.reads("spec") else {}
    for cluster, roots in _by_cluster(ctx).items():
        key = _cluster_key(ctx, cluster, roots, rules, spec_input)
        hit = cache.get("policy", key) if key else None
        if hit is not None:
            yield from hit
            continue
        found: list[Finding] = []
        placed = [(root, obj) for root in roots for obj in ctx.objects(root)]
        if ctx.settings.app_sources:
            from sggitops.checks.appsources import app_source_objects

            extra, findings = app_source_objects(ctx, cluster, [o for _r, o in placed])
            found.extend(findings)
            placed.extend(extra)
        found.extend(_evaluate_cluster(ctx, cluster, placed))
        found.extend(_repo_rule_findings(ctx, rules, cluster, roots, [o for _r, o in placed], spec_input))
        if key:
            cache.put("policy", key, found)
        yield from found


def _cluster_key(ctx: RepoContext, cluster: str, roots: list[str], rules: Any, spec_input: Any) -> str:
    """The cache key of one cluster's policy findings; empty when it cannot be cached."""
    keys = [ctx.renders[r].key for r in roots if r in ctx.renders]
    if ctx.settings.app_sources or len(keys) != len(roots) or not all(keys):
        return ""
    target = ctx.targets[roots[0]]
    return findings_key(
        "policy", cluster, keys, rules.digest(), spec_input, str(_today(ctx)), target.role, target.environment
    )


def _where(ctx: RepoContext, placed_root: str, rid: ResourceId) -> tuple[str, int, int]:
    if placed_root.startswith("app:"):
        return (placed_root[4:], 1, 1)
    return ctx.locate(rid, placed_root)


def _evaluate_cluster(
    ctx: RepoContext, cluster: str, placed: list[tuple[str, dict[str, Any]]]
) -> Iterator[Finding]:
    root_of = {ResourceId.of(obj): root for root, obj in reversed(placed)}
    objects = [obj for _r, obj in placed]
    namespaces = {
        str(o["metadata"]["name"]): o for o in objects if o.get("kind") == "Namespace" and o.get("metadata")
    }
    policies = engines.PolicySet()
    workloads: list[dict[str, Any]] = []
    unclaimed: dict[str, list[tuple[str, ResourceId]]] = defaultdict(list)
    for root, obj in placed:
        engine = engines.engine_for(obj)
        if engine is None:
            if engines.looks_like_policy(obj):
                unclaimed[f"{obj.get('apiVersion')}/{obj.get('kind')}"].append((root, ResourceId.of(obj)))
            else:
                workloads.append(obj)
            continue
        rid = ResourceId.of(obj)
        try:
            policies.add(engine, engine.load(obj))
        except engines.PolicyLoadError as err:
            yield _finding(
                ctx,
                cluster,
                root,
                rid,
                "policy/malformed",
                Severity.ERROR,
                f"{rid}: {err}",
                "fix the policy object",
            )
            continue
        if rid.kind == "PolicyException" or rid.group == "constraints.gatekeeper.sh":
            yield from _expired_object(ctx, cluster, root, obj, rid)
    for kind, where in sorted(unclaimed.items()):
        root, rid = where[0]
        yield _finding(
            ctx,
            cluster,
            root,
            rid,
            "policy/unsupported",
            Severity.WARNING,
            f"{len(where)} {kind} object(s) (e.g. {rid}): no policy engine of sggitops evaluates this kind",
            "it is not counted as a pass; check it with the engine itself",
        )
    if policies:
        given = engines.EvalInput(namespaces, "CREATE", objects)
        yield from _result_findings(ctx, cluster, policies.evaluate(workloads, given), root_of)


def _finding(
    ctx: RepoContext,
    cluster: str,
    root: str,
    rid: ResourceId,
    rule: str,
    severity: Severity,
    message: str,
    hint: str,
) -> Finding:
    file, line, col = _where(ctx, root, rid)
    return Finding(file, line, col, rule, severity, message, hint=hint, cluster=cluster, resource=str(rid))


def _result_findings(
    ctx: RepoContext, cluster: str, results: Sequence[RuleResult], root_of: Mapping[ResourceId, str]
) -> Iterator[Finding]:
    unsupported: dict[tuple[str, str, str], list[RuleResult]] = defaultdict(list)
    engine_failed: set[tuple[str, str]] = set()  # one policy/engine-failed per policy and cluster
    for result in results:
        if result.outcome in {Outcome.PASS, Outcome.SKIP}:
            continue
        if result.feature == ENGINE_FAILED and (result.engine, result.policy) in engine_failed:
            continue
        if result.outcome is Outcome.UNSUPPORTED:
            unsupported[(result.engine, result.policy, result.rule)].append(result)
            continue
        file, line, col = _where(ctx, root_of.get(result.resource, ""), result.resource)
        if result.outcome is Outcome.ERROR:
            failed = result.feature == ENGINE_FAILED  # crashed, hung or over budget: the whole policy
            if failed:
                engine_failed.add((result.engine, result.policy))
            yield Finding(
                file,
                line,
                col,
                "policy/engine-failed" if failed else "policy/error",
                Severity.ERROR,
                f"{result.policy} rule {result.rule} could not evaluate {result.resource}: {result.message}",
                hint="the engine fails closed; fix the policy or report it",
                cluster=cluster,
                resource=str(result.resource),
            )
            continue
        severity = Severity.ERROR if result.action == "enforce" else Severity.WARNING
        message = result.message or "rejected"
        yield Finding(
            file,
            line,
            col,
            "policy/violation",
            severity,
            f"{result.policy}/{result.rule}: {message}",
            hint="fix the object, or add a policy exception with a reason and an expiry in platform.yaml",
            cluster=cluster,
            resource=str(result.resource),
        )
    for (engine, policy, rule), items in sorted(unsupported.items()):
        first = items[0]
        file, line, col = _where(ctx, root_of.get(first.resource, ""), first.resource)
        yield Finding(
            file,
            line,
            col,
            "policy/unsupported",
            Severity.WARNING,
            f"{engine} {policy} rule {rule} could not be evaluated ({first.feature or first.message}) for {len(items)} object(s)",
            hint="sggitops cannot decide this rule offline; it is not counted as a pass",
            cluster=cluster,
            resource=str(first.resource),
        )


def _expired_spec_exceptions(ctx: RepoContext) -> Iterator[Finding]:
    if ctx.platform is None or not ctx.settings.repo_level:
        return
    today = _today(ctx)
    for exc in ctx.platform.policy.exceptions:
        if dt.date.fromisoformat(exc.expires) < today:
            loc = exc.location
            yield Finding(
                loc.file if loc else "platform.yaml",
                loc.line if loc else 1,
                loc.col if loc else 1,
                "policy/expired-exception",
                Severity.ERROR,
                f"the exception to {exc.policy} for {', '.join(exc.namespaces)} expired on {exc.expires}",
                hint="remove it, fix the workloads, or renew it with a new reason and date",
            )


def _expired_object(
    ctx: RepoContext, cluster: str, root: str, obj: Mapping[str, Any], rid: ResourceId
) -> Iterator[Finding]:
    if ctx.platform is not None:
        return  # the spec's own exceptions are reported once, at their line in platform.yaml
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    dates = []
    if "sggitops.io/expires" in annotations:
        dates.append(str(annotations["sggitops.io/expires"]))
    try:
        for item in json.loads(str(annotations.get("sggitops.io/exceptions", "[]"))):
            dates.append(str(item.get("expires", "")))
    except (ValueError, AttributeError):
        pass
    for text in dates:
        try:
            expired = dt.date.fromisoformat(text) < _today(ctx)
        except ValueError:
            continue
        if expired:
            file, line, col = _where(ctx, root, rid)
            yield Finding(
                file,
                line,
                col,
                "policy/expired-exception",
                Severity.ERROR,
                f"{rid} carries a policy exception that expired on {text}",
                hint="remove or renew the exception",
                cluster=cluster,
                resource=str(rid),
            )
            return


def _repo_rules(ctx: RepoContext) -> Any:
    from sggitops.policy.rego.repo_rules import RepoRules

    directory = ctx.repo / "policies" / "repo"
    return RepoRules.load(directory if directory.is_dir() else None, ctx.repo)


def _spec_input(ctx: RepoContext) -> dict[str, Any]:
    if ctx.platform is None or not is_dataclass(ctx.platform):
        return {}
    return json.loads(json.dumps(asdict(ctx.platform), default=str))  # type: ignore[no-any-return]


def _repo_rule_findings(
    ctx: RepoContext,
    rules: Any,
    cluster: str,
    roots: list[str],
    objects: list[dict[str, Any]],
    spec_input: Any,
) -> Iterator[Finding]:
    target = ctx.targets[roots[0]]
    cluster_doc = {
        "name": cluster,
        "role": target.role,
        "environment": target.environment,
        "kubernetesVersion": target.kubernetes_version,
    }
    doc = {"objects": objects, "cluster": cluster_doc, "spec": spec_input}
    try:
        messages = builtin_messages(objects, cluster_doc) + (rules.evaluate(doc) if rules.policy else [])
    except Exception as err:  # a broken repo rule fails closed, with its message
        yield Finding(
            "policies/repo",
            1,
            1,
            "policy/error",
            Severity.ERROR,
            f"repo rules failed: {err}",
            hint="fix the Rego in policies/repo/ (Rego v1)",
            cluster=cluster,
        )
        return
    for message in messages:
        rule = "policy/repo-deny" if message.severity == "error" else "policy/repo-warn"
        severity = Severity.ERROR if message.severity == "error" else Severity.WARNING
        file, line, col = _message_location(ctx, roots, objects, message.message)
        yield Finding(
            file,
            line,
            col,
            rule,
            severity,
            message.message,
            hint=f"{message.package} ({message.source})",
            cluster=cluster,
        )


def _message_location(
    ctx: RepoContext, roots: list[str], objects: list[dict[str, Any]], text: str
) -> tuple[str, int, int]:
    """Point at the object a message names (by `Kind/name` or name), else the cluster's overlay."""
    for obj in objects:
        rid = ResourceId.of(obj)
        names = (f"{rid.kind}/{rid.name}", f"{rid.namespace}/{rid.name}", f"'{rid.name}'", f'"{rid.name}"')
        if rid.name and rid.kind and rid.kind in text and any(n in text for n in names):
            for root in roots:
                where = ctx.graph.locate(rid, root)
                if where is not None:
                    return where
    return ctx.locate(ResourceId("", "", "", ""), roots[0])
