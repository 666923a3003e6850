"""The Big Bang version catalog: which values keys exist in which release and what logical packages map to.

The data is `catalog.yaml` next to this module (packaged); `load_catalog()` reads it once. Everything
here is pure: versions in, plain values dicts out.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sggitops import yamlio
from sggitops.bigbang.version import Version, VersionError, as_version, minors_between
from sggitops.spec.model import Choices

Values = dict[str, Any]


class CatalogError(ValueError):
    """A request the catalog cannot answer: unknown role or package name, malformed host or domain."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Span:
    """A half-open release range `since <= v < until` (`until` None = still present)."""

    since: Version
    until: Version | None = None

    def contains(self, version: Version) -> bool:
        return self.since <= version and (self.until is None or version < self.until)


@dataclass(frozen=True)
class KeySpan(Span):
    """One lifetime of a top-level or `addons.*` values key."""

    replaced_by: tuple[str, ...] = ()
    carry: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    children: tuple[str, ...] = ()  # when set, only these sub-keys are valid in this span
    hint: str = ""


@dataclass(frozen=True)
class KeyMapping(Span):
    """The values keys a logical package (or one option of it) uses within a span."""

    keys: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChoiceProblem:
    """A spec choice that is impossible for a Big Bang version."""

    field: str
    message: str
    hint: str


@dataclass(frozen=True)
class KeyStatus:
    """Whether the key of a dotted values path exists in a version, and what replaced it if not."""

    path: str
    key: str
    version: str
    exists: bool
    added_in: str | None = None
    removed_in: str | None = None
    replaced_by: tuple[str, ...] = ()
    hint: str = ""


def _version(text: Any) -> Version:
    return Version.parse(str(text))


def _span(raw: Mapping[str, Any]) -> Span:
    until = raw.get("until")
    return Span(_version(raw["since"]), None if until is None else _version(until))


def _key_span(raw: Mapping[str, Any]) -> KeySpan:
    carry = {target: tuple(subkeys) for target, subkeys in (raw.get("carry") or {}).items()}
    span = _span(raw)
    return KeySpan(
        span.since,
        span.until,
        replaced_by=tuple(raw.get("replacedBy", ())),
        carry=carry,
        children=tuple(raw.get("children", ())),
        hint=str(raw.get("hint", "")),
    )


def _mapping(raw: Mapping[str, Any]) -> KeyMapping:
    span = _span(raw)
    return KeyMapping(
        span.since,
        span.until,
        keys=tuple(raw.get("keys", ())),
        disable=tuple(raw.get("disable", ())),
        settings=dict(raw.get("settings") or {}),
    )


def _set_path(values: Values, dotted: str, leaf: Mapping[str, Any]) -> None:
    node = values
    for part in dotted.split("."):
        node = node.setdefault(part, {})
    node.update(copy.deepcopy(dict(leaf)))


def _fill(template: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        for name, value in replacements.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {k: _fill(v, replacements) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, replacements) for v in template]
    return template


def key_of(path: str) -> str:
    """The catalog key a dotted values path belongs to: `addons.<name>`, `packages` or its first part."""
    parts = path.split(".")
    if parts[0] == "addons" and len(parts) > 1:
        return f"addons.{parts[1]}"
    return parts[0]


class Catalog:
    """Big Bang release knowledge from 2.0.0 to the catalog's last release."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        rng = data["range"]
        self.first = _version(rng["first"])
        self.last = _version(rng["last"])
        self.last_minor: dict[int, int] = {int(k): int(v) for k, v in rng["lastMinor"].items()}
        self.keys: dict[str, tuple[KeySpan, ...]] = {name: (KeySpan(self.first),) for name in data["stable"]}
        for name, spans in data["keys"].items():
            self.keys[name] = tuple(_key_span(s) for s in spans)
        self.choices: dict[str, Mapping[str, Any]] = dict(data["choices"])
        self.package_choice: dict[str, str] = {}
        self.mappings: dict[str, dict[str, tuple[KeyMapping, ...]]] = {}
        for name, raw in data["packages"].items():
            if isinstance(raw, Mapping):
                self.package_choice[name] = raw["choice"]
                options = raw["options"].items()
                self.mappings[name] = {opt: tuple(_mapping(s) for s in spans) for opt, spans in options}
            else:
                self.mappings[name] = {"": tuple(_mapping(s) for s in raw)}
        self.roles: dict[str, tuple[str, ...]] = {role: tuple(p) for role, p in data["roles"].items()}
        self.passthrough_since = {key: _version(v) for key, v in data["passthrough"].items()}
        self._sso = [(_span(s), s["values"]) for s in data["sso"]]
        self._gateway = [(_span(s), s["values"]) for s in data["gateway"]]

    # -- versions ---------------------------------------------------------------------------------

    def check_version(self, version: str | Version) -> Version:
        """Parse `version` and make sure the catalog covers it; VersionError (message + hint) otherwise."""
        v = as_version(version)
        known = f"sggitops knows Big Bang {self.first} to {self.last.major}.{self.last.minor}.x"
        if v < self.first:
            raise VersionError(
                f"Big Bang {v} is older than {self.first}", hint=f"{known}; upgrade Big Bang first"
            )
        if v.minor_release > self.last.minor_release:
            raise VersionError(
                f"Big Bang {v} is newer than this catalog",
                hint=f"{known}; upgrade sggitops for newer releases",
            )
        last = self.last_minor.get(v.major)
        if last is not None and v.minor > last:
            raise VersionError(
                f"Big Bang {v} does not exist: the {v.major}.x line ended at {v.major}.{last}",
                hint=f"the release after {v.major}.{last}.x is {v.major + 1}.0.0",
            )
        return v

    def minors_between(self, a: str | Version, b: str | Version) -> list[str]:
        """The minor releases strictly between `a` and `b` (both checked)."""
        return minors_between(self.check_version(a), self.check_version(b), last_minor=self.last_minor)

    # -- keys -------------------------------------------------------------------------------------

    def key_span(self, key: str, version: str | Version) -> KeySpan | None:
        v = self.check_version(version)
        return next((s for s in self.keys.get(key, ()) if s.contains(v)), None)

    def key_exists(self, key: str, version: str | Version) -> bool:
        return self.key_span(key, version) is not None

    def existing_keys(self, version: str | Version) -> set[str]:
        """Every top-level and `addons.*` key of that release."""
        v = self.check_version(version)
        return {k for k, spans in self.keys.items() if any(s.contains(v) for s in spans)}

    def key_status(self, path: str, version: str | Version) -> KeyStatus | None:
        """Status of the key `path` belongs to; None when no release in the catalog has that key."""
        v = self.check_version(version)
        key = key_of(path)
        spans = self.keys.get(key)
        if not spans:
            return None
        current = next((s for s in spans if s.contains(v)), None)
        rest = path[len(key) + 1 :].split(".")[0] if path != key else ""
        if current is not None and (not current.children or not rest or rest in current.children):
            return KeyStatus(path, key, str(v), True, added_in=str(current.since))
        if current is not None:  # the key exists but means something else now (top-level istio)
            earlier = [s for s in spans if s.until is not None and s.until <= v]
            old = earlier[-1] if earlier else current
            return KeyStatus(
                path,
                key,
                str(v),
                False,
                added_in=str(current.since),
                removed_in=str(old.until) if old.until else None,
                replaced_by=old.replaced_by,
                hint=current.hint,
            )
        before = [s for s in spans if s.until is not None and s.until <= v]
        if before:
            old = before[-1]
            later = next((s for s in spans if s.since > v), None)
            hint = old.hint or f"{key} was removed in Big Bang {old.until}"
            if later is not None and not later.children:
                hint = f"{hint}; it returns in {later.since}"
            return KeyStatus(
                path, key, str(v), False, removed_in=str(old.until), replaced_by=old.replaced_by, hint=hint
            )
        first = spans[0]
        hint = first.hint or f"{key} is added in Big Bang {first.since}"
        return KeyStatus(path, key, str(v), False, added_in=str(first.since), hint=hint)

    def passthrough(self, package_key: str, version: str | Version) -> bool:
        """Whether `<package_key>.values.upstream` carries the upstream chart values in that release."""
        v = self.check_version(version)
        since = self.passthrough_since.get(package_key)
        return since is not None and v >= since and self.key_exists(package_key, v)

    # -- choices, roles, packages -----------------------------------------------------------------

    @property
    def logical_packages(self) -> tuple[str, ...]:
        return tuple(self.mappings)

    def _option(self, package: str, choices: Choices) -> str:
        choice = self.package_choice.get(package)
        return "" if choice is None else str(getattr(choices, self.choices[choice]["attr"]))

    def choice_problems(self, version: str | Version, choices: Choices) -> list[ChoiceProblem]:
        """Choices that are unknown or impossible for `version`."""
        v = self.check_version(version)
        problems: list[ChoiceProblem] = []
        for field_name, spec in self.choices.items():
            value = getattr(choices, spec["attr"])
            options = list(spec["options"])
            if value not in options:
                hint = f"use one of {', '.join(options)}"
                problems.append(ChoiceProblem(field_name, f"{field_name}: unknown option {value!r}", hint))
                continue
            for package in spec["options"][value]:
                spans = self.mappings[package].get(value) or self.mappings[package].get("", ())
                if spans and not any(s.contains(v) for s in spans):
                    problems.append(self._unavailable(field_name, value, options, spans, v))
                    break
        return problems

    def _unavailable(
        self, field_name: str, value: str, options: list[str], spans: tuple[KeyMapping, ...], v: Version
    ) -> ChoiceProblem:
        others = [o for o in options if o != value]
        hint = f"use {field_name}: {others[0]}" if len(others) == 1 else f"use one of {', '.join(others)}"
        ended = [s.until for s in spans if s.until is not None and s.until <= v]
        if ended:
            return ChoiceProblem(
                field_name, f"{field_name}: {value} was removed from Big Bang in {ended[-1]}", hint
            )
        return ChoiceProblem(
            field_name, f"{field_name}: {value} is only in Big Bang {spans[0].since} and later", hint
        )

    def role_defaults(self, role: str, choices: Choices | None = None) -> dict[str, bool]:
        """Logical package -> enabled for a `build` or `run` cluster (core + role packages + choices)."""
        if role not in self.roles or role == "core":
            valid = sorted(r for r in self.roles if r != "core")
            raise CatalogError(f"unknown cluster role {role!r}", hint=f"expected one of {', '.join(valid)}")
        choices = choices or Choices()
        on = set(self.roles["core"]) | set(self.roles[role])
        engine = self.choices["policyEngine"]["options"].get(choices.policy_engine, ())
        on |= set(engine)
        if choices.cert_manager:
            on.add("certManager")
        return {name: name in on for name in self.mappings}

    def packages(
        self, version: str | Version, role: str, choices: Choices, toggles: Mapping[str, bool]
    ) -> dict[str, bool]:
        """Final logical package states: role defaults and choices, then the cluster's toggles."""
        self.check_version(version)
        states = self.role_defaults(role, choices)
        unknown = sorted(set(toggles) - set(states))
        if unknown:
            valid = ", ".join(sorted(states))
            raise CatalogError(
                f"unknown logical package(s) {', '.join(unknown)}", hint=f"valid names are {valid}"
            )
        states.update({name: bool(on) for name, on in toggles.items()})
        return states

    def mapping(self, package: str, version: str | Version, choices: Choices) -> KeyMapping | None:
        """The keys `package` uses in `version` for the selected option (None when it has none)."""
        v = self.check_version(version)
        if package not in self.mappings:
            valid = ", ".join(sorted(self.mappings))
            raise CatalogError(f"unknown logical package `{package}`", hint=f"valid names are {valid}")
        spans = self.mappings[package].get(self._option(package, choices), ())
        return next((s for s in spans if s.contains(v)), None)

    def _alternate_keys(self, package: str, v: Version, chosen: str) -> set[str]:
        keys: set[str] = set()
        for option, spans in self.mappings[package].items():
            if option != chosen:
                keys.update(k for s in spans if s.contains(v) for k in s.keys)
        return keys

    # -- values -----------------------------------------------------------------------------------

    def enabled_values(
        self, version: str | Version, packages: Mapping[str, bool], choices: Choices
    ) -> Values:
        """Big Bang values switching every mapped key of `packages` on or off for `version`."""
        v = self.check_version(version)
        switches: dict[str, bool] = {}
        settings: dict[str, Mapping[str, Any]] = {}
        for package, on in sorted(packages.items()):
            found = self.mapping(package, v, choices)
            for key in self._alternate_keys(package, v, self._option(package, choices)):
                switches.setdefault(key, False)
            if found is None:
                continue
            for key in found.disable:
                switches[key] = False
            for key in found.keys:
                switches[key] = bool(on)
                if on and found.settings:
                    settings[key] = found.settings
        values: Values = {}
        for key in sorted(switches):
            _set_path(values, key, {"enabled": switches[key], **settings.get(key, {})})
        return values

    def sso_values(self, version: str | Version, keycloak_host: str, realm: str) -> Values:
        """The global `sso` block pointing Big Bang at the fleet's Keycloak realm."""
        v = self.check_version(version)
        if not keycloak_host or "/" in keycloak_host or ":" in keycloak_host:
            raise CatalogError(
                f"invalid Keycloak host {keycloak_host!r}",
                hint="a bare host name like keycloak.build.example.mil, without scheme, port or path",
            )
        if not realm or "/" in realm:
            raise CatalogError(f"invalid Keycloak realm {realm!r}", hint="a non-empty realm name without '/'")
        template = next(values for span, values in self._sso if span.contains(v))
        return dict(_fill(template, {"host": keycloak_host, "realm": realm}))

    def gateway_values(self, version: str | Version, domain: str) -> Values:
        """The cluster domain and the public Istio gateway serving `*.<domain>`, in that release's keys."""
        v = self.check_version(version)
        if not domain or "/" in domain or "*" in domain or domain.startswith("."):
            raise CatalogError(f"invalid cluster domain {domain!r}", hint="a DNS name like dev.example.mil")
        template = next(values for span, values in self._gateway if span.contains(v))
        return dict(_fill(template, {"domain": domain}))


@cache
def load_catalog() -> Catalog:
    """The packaged catalog (read once)."""
    text = resources.files("sggitops.bigbang").joinpath("catalog.yaml").read_text(encoding="utf-8")
    [(_line, _col, data)] = yamlio.load_plain_all(text, "sggitops/bigbang/catalog.yaml")  # one document
    return Catalog(data)
