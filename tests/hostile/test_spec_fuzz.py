"""Hostile: fuzzed platform.yaml for generate, bump and versions. Each run ends with an exit code in the
documented set (0, 1, 2, 3, 4), no traceback, and nothing half-written: no temporary file left, and a
failed run leaves the repo exactly as it was (a successful generate leaves it in sync with the spec)."""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from tests.helpers import SMALL_SPEC, run_cli, tree

Mutation = Callable[[str], bytes]


def _text(f: Callable[[str], str]) -> Mutation:
    return lambda s: f(s).encode("utf-8")


def _drop_lines(seed: int) -> Mutation:
    def mutate(spec: str) -> bytes:
        rng = random.Random(seed)
        lines = spec.splitlines(keepends=True)
        for _ in range(1 + seed % 3):
            del lines[rng.randrange(len(lines))]
        return "".join(lines).encode()

    return mutate


def _garble(seed: int) -> Mutation:
    def mutate(spec: str) -> bytes:
        rng = random.Random(seed)
        data = bytearray(spec.encode())
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.choice(b":-[]{}&*!|>'\"%@`#\t,?")
        return bytes(data)

    return mutate


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)
MUTATIONS: dict[str, Mutation] = {
    "empty": lambda s: b"",
    "blank": lambda s: b"  \n\n \t\n",
    "a-list": lambda s: b"- a\n- b\n",
    "a-scalar": lambda s: b"hello\n",
    "half": _text(lambda s: s[: len(s) // 2]),
    "cut-mid-line": _text(lambda s: s[: s.index("kubernetesVersion") + 9]),
    "tabs": _text(lambda s: s.replace("  ", "\t")),
    "duplicate-key": _text(lambda s: s + "spec: {}\n"),
    "unknown-key": _text(lambda s: s.replace("kind: Platform", "kind: Platform\nextra: 1")),
    "clusters-number": _text(lambda s: s.replace("  clusters:\n", "  clusters: 5\n  old:\n")),
    "version-float": _text(lambda s: s.replace('version: "3.31.0"', "version: 3.31")),
    "version-garbage": _text(lambda s: s.replace('version: "3.31.0"', 'version: "abc"')),
    "version-unknown": _text(lambda s: s.replace('version: "3.31.0"', 'version: "9.99.0"')),
    "bad-cluster-name": _text(lambda s: s.replace("name: run-dev", "name: Run_Dev")),
    "duplicate-cluster": _text(lambda s: s.replace("name: run-dev", "name: build")),
    "unknown-keycloak": _text(lambda s: s.replace("keycloakCluster: build", "keycloakCluster: nowhere")),
    "unknown-project": _text(lambda s: s.replace("project: mission-a", "project: nope")),
    "alias-bomb": _text(
        lambda s: s + "x-bomb:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines())
    ),
    "deep-nesting": _text(lambda s: s + "x-deep: " + "[" * 600 + "]" * 600 + "\n"),
    "not-utf8": lambda s: s.encode() + b"\xff\xfe\xfa\n",
    "bom": lambda s: b"\xef\xbb\xbf" + s.encode(),
    "huge-name": _text(lambda s: s.replace("name: acme", "name: " + "a" * 200_000)),
    "spec-null": _text(lambda s: s.split("spec:\n")[0] + "spec: null\n"),
    "crlf": _text(lambda s: s.replace("\n", "\r\n")),
    "two-documents": _text(lambda s: s + "---\n" + s),
    "control-chars": _text(lambda s: s.replace("acme", "ac\x07me\x1b")),
    "merge-keys": _text(lambda s: s.replace("  clusters:\n", "  x: &d {role: run}\n  clusters:\n")),
    "negative-expiry": _text(lambda s: s.replace('expires: "2030-01-01"', "expires: -1")),
    "values-list": _text(lambda s: s.replace("dev: {values: {}}", "dev: {values: [1, 2]}")),
    **{f"drop-lines-{i}": _drop_lines(i) for i in range(4)},
    **{f"garble-{i}": _garble(i) for i in range(4)},
}
COMMANDS = {
    "generate": ("generate",),
    "bump": ("bump", "bigbang", "3.30.0", "--allow-downgrade", "--bigbang-repo", "/nonexistent/bigbang"),
    "versions": ("versions",),
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet") / "repo"
    root.mkdir()
    (root / "platform.yaml").write_text(SMALL_SPEC)
    _platform, planned = plan_repo(root)
    write.apply(root, planned)
    return root


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_fuzzed_spec(fleet: Path, tmp_path: Path, mutation: str, command: str) -> None:
    root = tmp_path / "repo"
    shutil.copytree(fleet, root)
    (root / "platform.yaml").write_bytes(MUTATIONS[mutation](SMALL_SPEC))
    before = tree(root)
    start = time.perf_counter()
    result = run_cli(root, *COMMANDS[command])
    assert time.perf_counter() - start < 30, "took too long"
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code in {0, 1, 2, 3, 4}, f"exit {result.exit_code}:\n{output}"
    assert "Traceback" not in output and "internal error" not in output, output
    assert not [p for p in tree(root) if p.endswith(".tmp") or "/.tmp" in p], "temporary files left"
    if result.exit_code not in {0, 1}:
        assert tree(root) == before, "a failed run changed the repo"
    elif command == "generate" and result.exit_code == 0:
        assert run_cli(root, "generate", "--check").exit_code == 0
    if command == "versions" or result.exit_code >= 2:
        assert tree(root) == before
