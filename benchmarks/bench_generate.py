"""Generate a 200-cluster fleet: time and peak memory of plan + write, cold and warm (nothing changed),
against a baseline measured in the same run (spec load alone), printed as ratios.

    python benchmarks/bench_generate.py [--clusters 200]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sggitops.generate import write
from sggitops.generate.plan import plan_repo
from sggitops.specfile import load_spec
from tests.helpers import fleet_spec


def _timed(label: str, func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:8.3f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / "platform.yaml").write_text(fleet_spec(args.clusters - 1, apps=5))
        print(f"fleet: {args.clusters} clusters (1 build + {args.clusters - 1} run), 5 apps")
        load = _timed("baseline: load + check the spec", lambda: load_spec(repo / "platform.yaml"))
        tracemalloc.start()
        holder: dict[str, object] = {}

        def cold() -> None:
            _platform, planned = plan_repo(repo)
            holder["changes"] = write.apply(repo, planned)
            holder["files"] = len(planned.files)

        cold_s = _timed("generate (cold, writes every file)", cold)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        warm_s = _timed("generate (warm, nothing changed)", lambda: write.apply(repo, plan_repo(repo)[1]))
        check_s = _timed("generate --check", lambda: write.compare(repo, plan_repo(repo)[1]))
        print(f"files written: {holder['files']}")
        print(f"peak traced Python memory during generate: {peak / 2**20:.1f} MiB")
        print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
        print(
            f"ratio cold/baseline: {cold_s / load:.1f}x   warm/cold: {warm_s / cold_s:.2f}   check/cold: {check_s / cold_s:.2f}"
        )


if __name__ == "__main__":
    main()
