"""Errors of the Rego layer: what could not be parsed, rewritten, compiled or evaluated."""

from __future__ import annotations

from sggitops.errors import SggitopsError


class RegoError(SggitopsError):
    """Base of the Rego layer's errors."""


class RegoSyntaxError(RegoError):
    """The source cannot be tokenized or its structure is not understood."""

    def __init__(self, message: str, *, line: int = 0, col: int = 0) -> None:
        where = f"{line}:{col}: " if line else ""
        super().__init__(f"{where}{message}")
        self.message = message
        self.line = line
        self.col = col


class RegoUnsupported(RegoError):
    """A feature the engine cannot evaluate faithfully (reported as unsupported, never as a pass)."""

    def __init__(self, feature: str, message: str = "") -> None:
        super().__init__(message or f"unsupported: {feature}")
        self.feature = feature


class RegoRewriteRefused(RegoUnsupported):
    """A Rego v0 source that cannot be rewritten to v1 with certainty."""

    def __init__(self, message: str, *, line: int = 0, col: int = 0) -> None:
        where = f" at {line}:{col}" if line else ""
        super().__init__("rego-v0-rewrite", f"Rego v0 source not rewritten{where}: {message}")
        self.line = line
        self.col = col


class RegoCompileError(RegoError):
    """regopy refused the modules."""


class RegoEvalError(RegoError):
    """Evaluation failed at run time (conflicting outputs, a failing call)."""
