"""One exception tree for sggitops. User errors carry a location and a hint; cli.py maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class SggitopsError(Exception):
    """Base of every error sggitops raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Location:
    """A place in a file, 1-based line and column (0 when unknown)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class UsageError(SggitopsError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


class InputError(SggitopsError):
    """An input file cannot be loaded: bad YAML, spec schema or reference errors (exit 3)."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        location: Location,
        rule: str,
        hint: str = "",
        problems: list[InputError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.rule = rule
        self.hint = hint
        self.problems = problems or []

    def lines(self) -> list[str]:
        """Every problem formatted as `file:line:col: error [rule] message (hint)`."""
        items = self.problems or [self]
        return [_format(p) for p in items]


def _format(err: InputError) -> str:
    hint = f" ({err.hint})" if err.hint else ""
    return f"{err.location}: error [{err.rule}] {err.message}{hint}"


class SpecError(InputError):
    """The platform spec is invalid."""


class ToolError(SggitopsError):
    """An external tool (kustomize, git) failed or is missing (exit 4)."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class GenerateConflict(SggitopsError):
    """Owned files were edited by hand and --force was not given (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, paths: list[str]) -> None:
        super().__init__(message)
        self.paths = paths
