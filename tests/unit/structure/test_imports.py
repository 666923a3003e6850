"""One-way imports between the parts of `sggitops` (its subpackages and top-level modules).

- No import cycle between parts (static, with `ast`; imports under `if TYPE_CHECKING:` do not run and
  do not count).
- No import inside a function, except of an optional dependency (and the allow-listed ones below).
- Every part imports on its own in a fresh interpreter, and all of them in any order.
"""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "sggitops"

# imported where used: the extras (sggitops runs without them), and `cel`, whose package loads its CLI
# and prompt_toolkit (0.1 s) that a run with no CEL policy should not pay for
OPTIONAL = {"helm_python", "cryptography", "cel"}
# inner imports left (issue 11), path -> count; each says why it is still inside its function
INNER_ALLOW: dict[str, int] = {
    "bigbang/version.py": 1,  # the catalog imports version.py; the default last minors come from it
    "checks/policy.py": 2,  # validate-speed work (issue 17) is rewriting these functions
}


def _parts() -> list[str]:
    return sorted(
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_file() and p.suffix == ".py" and not p.name.startswith("__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    )


def _part(module: str) -> str | None:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "sggitops" else None


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or not node.module:
        return []
    if node.module == "sggitops":
        return [f"sggitops.{alias.name}" for alias in node.names]
    return [node.module]


def import_graph() -> dict[str, dict[str, list[str]]]:
    """part -> imported part -> where (`file:line`)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        here = rel.parts[0].removesuffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip:
                for name in _imported(node):
                    there = _part(name)
                    if there and there != here:
                        graph[here][there].append(f"{rel.as_posix()}:{node.lineno}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_cycle_between_parts() -> None:
    graph = import_graph()
    found = cycles(graph)
    detail = [f"{a} -> {b}: {graph[a][b][:3]}" for c in found for a in c for b in c if b in graph.get(a, {})]
    assert found == [], "\n".join(detail)


def test_spec_imports_neither_bigbang_nor_generate() -> None:
    graph = import_graph()
    assert not {"bigbang", "generate"} & set(graph.get("spec", {}))
    assert "generate" not in graph.get("policy", {})


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ["x"]}, "b": {}}) == []


def inner_imports() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = _imported(node) or [f".{node.module}"]
                    if not all(name.split(".")[0] in OPTIONAL for name in names):
                        counts[path.relative_to(PACKAGE).as_posix()] += 1
    return dict(counts)


def test_no_import_inside_a_function() -> None:
    over = {f: n for f, n in inner_imports().items() if n > INNER_ALLOW.get(f, 0)}
    assert over == {}


def test_the_inner_import_allow_list_only_shrinks() -> None:
    found = inner_imports()
    assert [f for f, n in INNER_ALLOW.items() if found.get(f, 0) < n] == []


def _imports_cleanly(modules: list[str]) -> subprocess.CompletedProcess[str]:
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=300
    )


def test_every_part_imports_on_its_own() -> None:
    failed = {}
    for part in _parts():
        result = _imports_cleanly([f"sggitops.{part}"])
        if result.returncode != 0:
            failed[part] = result.stderr.strip().splitlines()[-1:]
    assert failed == {}


def test_all_parts_import_in_any_order() -> None:
    parts = [f"sggitops.{p}" for p in _parts()]
    orders = [parts, parts[::-1]] + [random.Random(seed).sample(parts, len(parts)) for seed in range(2)]
    for order in orders:
        result = _imports_cleanly(order)
        assert result.returncode == 0, (order, result.stderr[-2000:])
