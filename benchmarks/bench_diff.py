"""`diff_refs` on a 200-cluster repo with a one-cluster change, against a full render of both sides.

Both are measured in the same run with cold, separate render caches: the full render builds every leaf
overlay of both commits (what a diff without change detection would do); `diff_refs` exports the trees,
finds the affected overlays and renders only those. Prints both times and the ratio.

Run: python benchmarks/bench_diff.py [--clusters N] [--jobs J]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sggitops.diff import diff_refs, to_json
from sggitops.diff.trees import GitRepo
from sggitops.render import Renderer, scan_repo
from tests.helpers import fleet_spec, run_cli


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path, clusters: int) -> tuple[str, str]:
    spec = root / "platform.yaml"
    spec.write_text(fleet_spec(clusters - 1))
    run_cli(root, "generate")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fleet")
    base = git(root, "rev-parse", "HEAD").strip()
    name = f"run-{(clusters - 1) // 2:03d}"
    marker = f"    - {{name: {name}, "
    text = spec.read_text()
    line_end = text.index("\n", text.index(marker))
    spec.write_text(text[: line_end - 1] + ", values: {grafana: {values: {replicas: 2}}}}" + text[line_end:])
    run_cli(root, "generate")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{name}: two grafana replicas")
    return base, git(root, "rev-parse", "HEAD").strip()


def full_render(root: Path, base: str, head: str, cache: Path, jobs: int) -> int:
    repo = GitRepo(root)
    count = 0
    for sha in (base, head):
        tree = repo.export(sha, cache / "trees")
        graph = scan_repo(tree.path)
        renders = Renderer(tree.path, graph=graph, cache_dir=cache / "render").render_many(
            graph.leaves, jobs=jobs
        )
        count += len(renders)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        start = time.perf_counter()
        base, head = make_repo(root, args.clusters)
        print(f"repo: {args.clusters} clusters, 2 commits, {time.perf_counter() - start:.1f} s to generate")

        start = time.perf_counter()
        result = diff_refs(root, base, head, cache_dir=Path(tmp) / "cache-diff", jobs=args.jobs)
        diff_seconds = time.perf_counter() - start
        size = len(to_json(result))

        start = time.perf_counter()
        overlays = full_render(root, base, head, Path(tmp) / "cache-full", args.jobs)
        full_seconds = time.perf_counter() - start

    print(
        f"diff_refs:   {diff_seconds:7.2f} s  rendered base={result.rendered['base']} "
        f"head={result.rendered['head']}  clusters={list(result.clusters)}  json={size} bytes"
    )
    print(f"full render: {full_seconds:7.2f} s  {overlays} leaf overlays (both sides, jobs={args.jobs})")
    print(f"ratio: full / diff_refs = {full_seconds / diff_seconds:.1f}x")


if __name__ == "__main__":
    main()
