"""`platform.yaml` read and fully checked: the spec's own checks (`sggitops.spec`), then what the pinned
Big Bang versions can serve and the built-in policies exceptions name (`sggitops.bigbang.spec_checks`).

Every command loads the spec through here.
"""

from __future__ import annotations

from pathlib import Path

from sggitops.bigbang.spec_checks import catalog_problems
from sggitops.paths import SPEC_FILE
from sggitops.spec.load import bundle, parse_spec_doc, read_spec_text, spec_digest
from sggitops.spec.model import Platform


def load_spec(path: Path, *, display: str | None = None) -> Platform:
    """Load and check a spec file; raise SpecError (all problems) when it is not a valid platform."""
    name = display or path.name
    return parse_spec(read_spec_text(path, name), name)  # no digest: only the lock needs it


def load_spec_with_digest(path: Path, *, display: str | None = None) -> tuple[Platform, str]:
    """The checked Platform and the digest of its data (what the lock records)."""
    name = display or path.name
    text = read_spec_text(path, name)
    platform = parse_spec(text, name)
    return platform, spec_digest(text)


def parse_spec(text: str, name: str = SPEC_FILE) -> Platform:
    """Parse spec text into a checked Platform model; raise SpecError (all problems) when it is not one."""
    platform, doc = parse_spec_doc(text, name)
    problems = list(catalog_problems(platform, doc, name))
    if problems:
        raise bundle(problems)
    return platform
