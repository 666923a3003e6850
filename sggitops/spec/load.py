"""Load `platform.yaml`: read safely, parse with positions, schema-check, cross-check, build the model.

Every problem is a SpecError at `platform.yaml:line:col` with a rule id and a hint; `load_spec` raises
one SpecError carrying all problems found (so a user fixes them in one pass).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sggitops import fsguard, yamlio, yamlpos
from sggitops.errors import Location, SpecError
from sggitops.findings import Severity
from sggitops.paths import SPEC_FILE as SPEC_FILE
from sggitops.rules import Rule
from sggitops.spec import checks
from sggitops.spec.model import (
    App,
    BigBang,
    Choices,
    Cloud,
    Cluster,
    Environment,
    GitlabCi,
    Platform,
    Policy,
    PolicyException,
    Project,
    Repo,
    Sops,
    Sso,
    SyncPolicy,
)
from sggitops.spec.schema import schema_errors

"""The spec's file name at the repo root."""

MAX_SPEC_BYTES = 4 * 1024 * 1024
"""A platform.yaml larger than this is refused before parsing (a fleet of hundreds of clusters is ~200 KiB)."""


RULES = (
    Rule(
        id="spec/missing",
        severity=Severity.ERROR,
        summary="the spec file (platform.yaml) does not exist",
        pinned_by="tests/cli/test_spec_errors.py::test_missing_spec_points_at_init",
    ),
    Rule(
        id="spec/read",
        severity=Severity.ERROR,
        summary="the spec file cannot be read",
    ),
    Rule(
        id="spec/too-large",
        severity=Severity.ERROR,
        summary="the spec file is over the size cap",
        pinned_by="tests/cli/test_spec_errors.py::test_huge_spec_is_refused_before_parsing",
    ),
    Rule(
        id="spec/encoding",
        severity=Severity.ERROR,
        summary="the spec file is not UTF-8",
    ),
    Rule(
        id="spec/empty",
        severity=Severity.ERROR,
        summary="the spec file is empty",
    ),
    Rule(
        id="spec/yaml",
        severity=Severity.ERROR,
        summary="platform.yaml is not valid YAML",
    ),
)


def read_spec_text(path: Path, name: str) -> str:
    """The spec's text, refusing missing, oversized, binary and non-UTF-8 files."""
    here = Location(name, 1, 1)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpecError(
            f"no spec file at {path}",
            location=Location(name, 0, 0),
            rule="spec/missing",
            hint="run `sggitops init` to write a starter platform.yaml, or pass -C DIR",
        ) from None
    except OSError as err:
        raise SpecError(
            f"cannot read {path}: {err.strerror}", location=here, rule="spec/read", hint="check the path"
        ) from None
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            f"the spec is {size:,} bytes, over the {MAX_SPEC_BYTES:,} byte limit",
            location=here,
            rule="spec/too-large",
            hint="a platform spec is a few KiB; is this the right file?",
        )
    try:
        data = fsguard.read_bytes(path, path.parent, max_bytes=MAX_SPEC_BYTES)  # no FIFO, device, escape
    except OSError as err:
        raise SpecError(
            f"cannot read {path}: {err.strerror}", location=here, rule="spec/read", hint="check the path"
        ) from None
    if b"\x00" in data:
        raise SpecError(
            "the spec is a binary file",
            location=here,
            rule="spec/encoding",
            hint="platform.yaml must be UTF-8 YAML text",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SpecError(
            f"the spec is not UTF-8 (byte {err.start})",
            location=Location(name, line, 1),
            rule="spec/encoding",
            hint="save platform.yaml as UTF-8",
        ) from None


def parse_spec_doc(text: str, name: str = SPEC_FILE) -> tuple[Platform, Any]:
    """Parse spec text into a Platform model checked on its own (schema, references), and its YAML
    document; `sggitops.specfile` adds the checks against the Big Bang catalog."""
    doc = yamlpos.load_one(text, name, rule="spec/yaml")
    if doc is None:
        raise SpecError(
            "the spec is empty",
            location=Location(name, 1, 1),
            rule="spec/empty",
            hint="run `sggitops init` for a starter platform.yaml",
        )
    plain = yamlio.to_plain(doc)
    if not isinstance(plain, dict):
        line, col = yamlio.position(doc)
        raise SpecError(
            f"the spec must be a mapping, found {type(plain).__name__}",
            location=Location(name, line, col),
            rule="spec/schema",
            hint="start with `apiVersion: sggitops.io/v1alpha1` and `kind: Platform`",
        )
    problems = schema_errors(doc, plain, name)
    if not problems:
        problems = list(checks.reference_problems(doc, plain, name))
    if problems:
        raise bundle(problems)
    return build_platform(doc, plain, name), doc


def bundle(problems: list[SpecError]) -> SpecError:
    """One SpecError carrying every problem (the first one's message)."""
    first = problems[0]
    return SpecError(
        first.message, location=first.location, rule=first.rule, hint=first.hint, problems=list(problems)
    )


def spec_digest(platform_text: str) -> str:
    """Digest of the spec's data (formatting and comments do not count)."""
    docs = yamlio.load_plain_all(platform_text, SPEC_FILE, rule="spec/yaml")
    plain = docs[0][2] if docs else None
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _loc(doc: Any, path: Iterable[Any], name: str) -> Location:
    line, col = yamlio.locate(doc, list(path))
    return Location(name, line, col)


def _values(raw: Any) -> dict[str, Any]:
    return dict(raw) if isinstance(raw, dict) else {}


def _secret_ref(block: dict[str, Any], default: str | None) -> str | None:
    """A `secretRef` setting: a Secret name, or `false` for none; the default when absent."""
    raw = block.get("secretRef", default)
    return raw if isinstance(raw, str) else None


def _sops(raw: Any) -> Sops:
    """`spec.sops`: `{secretRef: NAME}` (default sops-gpg), or `false` for no decryption."""
    if raw is False:
        return Sops(secret_ref=None)
    block = raw if isinstance(raw, dict) else {}
    return Sops(secret_ref=_secret_ref(block, Sops.secret_ref))


def build_platform(doc: Any, plain: dict[str, Any], name: str) -> Platform:
    """Frozen dataclasses from schema-valid plain data."""
    spec = plain["spec"]
    bb = spec["bigbang"]
    return Platform(
        name=plain["metadata"]["name"],
        repo=Repo(
            url=spec["repo"]["url"],
            revision=spec["repo"].get("revision", "main"),
            secret_ref=_secret_ref(spec["repo"], Repo.secret_ref),
        ),
        bigbang=BigBang(
            version=bb["version"],
            repo=bb.get("repo", BigBang.repo),
            values=_values(bb.get("values")),
            secret_ref=_secret_ref(bb, BigBang.secret_ref),
        ),
        sops=_sops(spec.get("sops", {})),
        choices=_choices(spec.get("choices") or {}),
        sso=Sso(keycloak_cluster=spec["sso"]["keycloakCluster"], realm=spec["sso"].get("realm", "baby-yoda")),
        policy=_policy(doc, spec.get("policy") or {}, name),
        environments=_environments(spec),
        clusters=_clusters(doc, spec, name),
        projects=tuple(_project(p) for p in spec.get("projects") or []),
        apps=tuple(_app(a) for a in spec.get("apps") or []),
        ci=_ci(spec.get("ci") or {}),
        source=name,
    )


def _choices(choices: dict[str, Any]) -> Choices:
    return Choices(
        policy_engine=choices.get("policyEngine", "kyverno"),
        runtime_security=choices.get("runtimeSecurity", "neuvector"),
        tracing=choices.get("tracing", "tempo"),
        cert_manager=bool(choices.get("certManager", False)),
    )


def _policy(doc: Any, policy: dict[str, Any], name: str) -> Policy:
    exceptions = tuple(
        PolicyException(
            policy=e["policy"],
            namespaces=tuple(e["namespaces"]),
            reason=e["reason"],
            expires=e["expires"],
            location=_loc(doc, ["spec", "policy", "exceptions", i, "expires"], name),
        )
        for i, e in enumerate(policy.get("exceptions") or [])
    )
    defaults = Policy()
    return Policy(
        sets=tuple(policy.get("sets", defaults.sets)),
        allowed_registries=tuple(policy.get("allowedRegistries", defaults.allowed_registries)),
        exceptions=exceptions,
        kyverno_api=policy.get("kyvernoApi", defaults.kyverno_api),
    )


def _environments(spec: dict[str, Any]) -> dict[str, Environment]:
    return {
        env_name: Environment(
            name=env_name,
            bigbang_version=((env or {}).get("bigbang") or {}).get("version"),
            values=_values((env or {}).get("values")),
        )
        for env_name, env in (spec.get("environments") or {}).items()
    }


def _clusters(doc: Any, spec: dict[str, Any], name: str) -> tuple[Cluster, ...]:
    return tuple(
        Cluster(
            name=c["name"],
            role=c["role"],
            environment=c["environment"],
            domain=c["domain"],
            kubernetes_version=c["kubernetesVersion"],
            cloud=Cloud(provider=c["cloud"]["provider"], region=c["cloud"]["region"]),
            packages=dict(c.get("packages") or {}),
            values=_values(c.get("values")),
            bigbang_version=(c.get("bigbang") or {}).get("version"),
            location=_loc(doc, ["spec", "clusters", i], name),
        )
        for i, c in enumerate(spec["clusters"])
    )


def _project(p: dict[str, Any]) -> Project:
    return Project(
        name=p["name"],
        source_repos=tuple(p["sourceRepos"]),
        namespaces=tuple(p["namespaces"]),
        groups=tuple(p.get("groups") or ()),
        description=p.get("description", ""),
    )


def _app(a: dict[str, Any]) -> App:
    sync = a.get("sync") or {}
    return App(
        name=a["name"],
        project=a["project"],
        repo_url=a["repoURL"],
        path=a["path"],
        target_revision=a["targetRevision"],
        namespace=a["namespace"],
        clusters=tuple(a.get("clusters") or ()),
        environments=tuple(a.get("environments") or ()),
        sync=SyncPolicy(
            automated=sync.get("automated", True),
            prune=sync.get("prune", True),
            self_heal=sync.get("selfHeal", True),
        ),
    )


def _ci(ci: dict[str, Any]) -> GitlabCi:
    return GitlabCi(
        enabled=ci.get("gitlab", True),
        image=ci.get("image", ""),
        sggitops_version=ci.get("sggitopsVersion", ""),
        shard_threshold=ci.get("shardThreshold", 50),
        shards=ci.get("shards", 4),
    )
