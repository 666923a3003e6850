"""Inline `variables.<name>` references with the variable's own expression.

Kubernetes and Kyverno CEL variables are named, lazily evaluated expressions: a variable that errors is
an error only where it is read. Substituting each reference by `(<expression>)` keeps exactly that
meaning and lets the `cel` library evaluate a policy without converting intermediate values back and
forth through Python (the cost that dominated evaluation). References inside string literals and to
unknown names are left alone (the latter then fail as an undefined variable would).
"""

from __future__ import annotations

from collections.abc import Mapping

from sggitops.policy.cel.optional import tokenize


def inline_variables(source: str, definitions: Mapping[str, str]) -> str:
    """`source` with every `variables.<name>` of `definitions` replaced by `(<its inlined source>)`."""
    if "variables" not in source or not definitions:
        return source
    tokens = tokenize(source)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if (
            tokens[i] == "variables"
            and i + 2 < len(tokens)
            and tokens[i + 1] == "."
            and tokens[i + 2] in definitions
            and (i == 0 or tokens[i - 1] != ".")
        ):
            out.append(f"({definitions[tokens[i + 2]]})")
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return _join(out)


def _join(tokens: list[str]) -> str:
    """Tokens back to source; no space around `.` so that `.?` stays recognisable."""
    text: list[str] = []
    for i, tok in enumerate(tokens):
        if i and tok != "." and tokens[i - 1] != "." and not (tok == "?" and tokens[i - 1] in ".["):
            text.append(" ")
        text.append(tok)
    return "".join(text)


def resolve_definitions(
    variables: list[tuple[str, str]], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each variable's source with the earlier variables inlined (a variable sees only those before it)."""
    resolved: dict[str, str] = dict(base or {})
    for name, source in variables:
        resolved[name] = inline_variables(source, resolved)
    return resolved
