"""The `cel` package (common-expression-language), imported when CEL first runs, without its REPL.

`cel/__init__` imports `cel.cli`, its interactive command line (typer, prompt_toolkit, pygments): 0.14 s
of a 0.15 s import, paid by every validate run with a CEL policy although sggitops never starts that
REPL. A placeholder module stands in for `cel.cli` when sggitops is first to import `cel`; the engine
(`cel.cel`, the Rust extension) and `cel.stdlib` load as always.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def cel_package() -> Any:
    """The imported `cel` package."""
    if "cel" not in sys.modules:
        sys.modules.setdefault("cel.cli", types.ModuleType("cel.cli", "not loaded by sggitops"))
    import cel

    return cel
