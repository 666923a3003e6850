"""Hostile repo shapes, planted at test time (git cannot store FIFOs, and a repo must not ship bombs).

Each shape is what a merge request can put at a path: `plant(repo, rel, shape)` creates it and returns
what a refusal must say (the rule). `outside` is a directory beside the repo holding a readable file
that must never be read through the repo.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sggitops.fsguard import MAX_FILE_BYTES

OUTSIDE_SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata: {name: leaked}\nstringData: {password: hunter2-outside}\n"
)

SHAPES = {
    "fifo": "build/unsafe-path",
    "devzero": "build/unsafe-path",
    "devnull-device": "build/unsafe-path",
    "outside-file": "build/unsafe-path",
    "outside-dangling": "build/unsafe-path",
    "chain-out": "build/unsafe-path",
    "socket": "build/unsafe-path",
    "huge": "build/too-large",
}


def outside_dir(repo: Path) -> Path:
    out = repo.parent / "outside"
    out.mkdir(exist_ok=True)
    (out / "secret.yaml").write_text(OUTSIDE_SECRET, encoding="utf-8")
    return out


def plant(repo: Path, rel: str, shape: str) -> str:
    """Create `shape` at repo/rel; the rule its refusal carries."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    outside = outside_dir(repo)
    if shape == "fifo":
        os.mkfifo(path)
    elif shape == "devzero":
        path.symlink_to("/dev/zero")
    elif shape == "devnull-device":
        path.symlink_to("/dev/null")
    elif shape == "outside-file":
        path.symlink_to(os.path.relpath(outside / "secret.yaml", path.parent))
    elif shape == "outside-dangling":
        path.symlink_to(os.path.relpath(outside / "missing.yaml", path.parent))
    elif shape == "chain-out":
        hop = repo / ".hop.yaml"
        if not hop.is_symlink():
            hop.symlink_to(outside / "secret.yaml")
        path.symlink_to(os.path.relpath(hop, path.parent))
    elif shape == "socket":
        here = os.getcwd()
        os.chdir(path.parent)  # AF_UNIX paths are short: bind by relative name
        try:
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(path.name)
            sock.close()
        finally:
            os.chdir(here)
    elif shape == "huge":
        with open(path, "wb") as handle:  # sparse: no disk, no time
            handle.truncate(MAX_FILE_BYTES + 1)
    else:
        raise ValueError(shape)
    return SHAPES[shape]


def billion_laughs(levels: int = 9) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: laughs}", "data:"]
    lines.append('  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
    prev = "a"
    for i in range(1, levels):
        name = chr(ord("a") + i)
        lines.append(f"  {name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def deep_flow(depth: int) -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {x: "
        + "[" * depth
        + "]" * depth
        + "}\n"
    )


def deep_block(depth: int) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: deep}", "data:"]
    lines += [" " * (2 * i + 2) + f"k{i}:" for i in range(depth)]
    return "\n".join(lines) + " x\n"
