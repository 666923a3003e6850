"""Big Bang release versions: strict `x.y.z` tags, ordered, and the minor releases between two of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


class VersionError(ValueError):
    """A Big Bang version that is malformed, outside the catalog, or an unsupported direction."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


@dataclass(frozen=True, order=True)
class Version:
    """A Big Bang release tag such as `3.31.0` (no leading `v`, no pre-release suffix)."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse a strict `major.minor.patch` tag; raise VersionError (a ValueError) otherwise."""
        if not isinstance(text, str):
            raise VersionError(
                f"Big Bang version must be a string, got {type(text).__name__}",
                hint='quote it in YAML: version: "3.31.0"',
            )
        match = _SEMVER.fullmatch(text)
        if match is None:
            hint = "expected MAJOR.MINOR.PATCH like '3.31.0'"
            if text[:1] in ("v", "V") and _SEMVER.fullmatch(text[1:]):
                hint = f"Big Bang tags have no 'v' prefix: use '{text[1:]}'"
            raise VersionError(f"invalid Big Bang version {text!r}", hint=hint)
        major, minor, patch = (int(part) for part in match.groups())
        return cls(major, minor, patch)

    @property
    def minor_release(self) -> Version:
        """The `x.y.0` release this version belongs to."""
        return Version(self.major, self.minor, 0)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def as_version(value: Version | str) -> Version:
    """Accept a Version or its text form."""
    return value if isinstance(value, Version) else Version.parse(value)


def minors_between(
    a: Version | str, b: Version | str, *, last_minor: Mapping[int, int] | None = None
) -> list[str]:
    """The `x.y.0` releases strictly between the minor lines of `a` and `b`, ascending.

    `minors_between("3.28.1", "3.31.0") == ["3.29.0", "3.30.0"]`. The order of `a` and `b` does not
    matter. Crossing a major line needs the last minor of each finished line; by default it comes from
    the packaged Big Bang catalog (2.x ended at 2.54).
    """
    low, high = sorted((as_version(a), as_version(b)))
    if low.major != high.major and last_minor is None:
        from sggitops.bigbang.catalog import load_catalog  # late: catalog imports this module

        last_minor = load_catalog().last_minor
    steps: list[str] = []
    major, minor = low.major, low.minor + 1
    while (major, minor) < (high.major, high.minor):
        if major < high.major:
            assert last_minor is not None
            if major not in last_minor:
                raise VersionError(
                    f"the last minor release of Big Bang {major}.x is unknown",
                    hint="the catalog records where each finished major line ended",
                )
            if minor > last_minor[major]:
                major, minor = major + 1, 0
                continue
        steps.append(f"{major}.{minor}.0")
        minor += 1
    return steps
