"""Size limits of `sggitops/` (STYLE.md): no module over 400 lines, no function over 60 lines.

The allow-lists hold today's offenders with their current size: each may shrink (lower its number or
drop it when it is split), none may grow, and any other module or function over the limit fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "sggitops"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# offenders allowed to stay over the limit (none: issue 11 split them all): path -> lines
MODULE_ALLOW: dict[str, int] = {}
# path:function -> lines today (a function's lines run from `def` to its last statement)
FUNCTION_ALLOW: dict[str, int] = {}


def _modules() -> list[tuple[str, str]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def module_sizes() -> dict[str, int]:
    return {rel: len(text.splitlines()) for rel, text in _modules()}


def function_sizes() -> dict[str, int]:
    sizes: dict[str, int] = {}
    for rel, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                end = node.end_lineno or node.lineno
                key = f"{rel}:{node.name}"
                sizes[key] = max(sizes.get(key, 0), end - node.lineno + 1)
    return sizes


def _over(sizes: dict[str, int], limit: int, allow: dict[str, int]) -> list[str]:
    return [
        f"{name}: {size} lines (limit {limit}, allowed {allow.get(name, limit)})"
        for name, size in sorted(sizes.items())
        if size > max(limit, allow.get(name, limit))
    ]


def test_no_module_over_the_limit() -> None:
    assert _over(module_sizes(), MAX_MODULE_LINES, MODULE_ALLOW) == []


def test_no_function_over_the_limit() -> None:
    assert _over(function_sizes(), MAX_FUNCTION_LINES, FUNCTION_ALLOW) == []


def test_the_allow_lists_name_only_real_offenders() -> None:
    """A split offender leaves the list (so the list only ever shrinks)."""
    modules, functions = module_sizes(), function_sizes()
    assert [m for m in MODULE_ALLOW if modules.get(m, 0) <= MAX_MODULE_LINES] == []
    assert [f for f in FUNCTION_ALLOW if functions.get(f, 0) <= MAX_FUNCTION_LINES] == []


def test_the_check_sees_an_offender() -> None:
    assert _over({"x.py": 401}, MAX_MODULE_LINES, {}) == ["x.py: 401 lines (limit 400, allowed 400)"]
    assert _over({"x.py": 401}, MAX_MODULE_LINES, {"x.py": 401}) == []
    assert _over({"x.py:f": 62}, MAX_FUNCTION_LINES, {"x.py:f": 61}) != []
