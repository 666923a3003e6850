"""Findings: what every check yields, in the one format every report starts from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is; `error` fails the run, `warning` only with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. `file` is relative to the repo root; line/col are 1-based (0 = unknown)."""

    file: str
    line: int
    col: int
    rule: str
    severity: Severity = field(compare=False)
    message: str
    hint: str = ""
    cluster: str = ""
    resource: str = ""

    def format(self) -> str:
        """`path:line:col: severity [rule-id] message (hint)`."""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.file}:{self.line}:{self.col}: {self.severity.value} [{self.rule}] {self.message}{hint}"

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
            "cluster": self.cluster,
            "resource": self.resource,
        }

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Finding:
        """The inverse of `to_json` (cache entries); raises KeyError/ValueError on a malformed item."""
        return cls(
            file=str(item["file"]),
            line=int(item["line"]),
            col=int(item["col"]),
            rule=str(item["rule"]),
            severity=Severity(item["severity"]),
            message=str(item["message"]),
            hint=str(item["hint"]),
            cluster=str(item["cluster"]),
            resource=str(item["resource"]),
        )
