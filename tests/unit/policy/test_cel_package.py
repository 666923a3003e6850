"""CEL runs without loading the `cel` package's REPL (typer, prompt_toolkit): a run pays only for the engine."""

from __future__ import annotations

import subprocess
import sys


def test_evaluating_cel_does_not_load_the_cel_command_line() -> None:
    code = (
        "import sys\n"
        "from sggitops.policy.cel.env import compile_expression\n"
        "assert 'cel' not in sys.modules  # nothing CEL is loaded before CEL runs\n"
        "program = compile_expression('object.spec.replicas > 1')\n"
        "assert 'cel' in sys.modules\n"
        "print(sorted(m for m in ('prompt_toolkit', 'typer', 'pygments') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
