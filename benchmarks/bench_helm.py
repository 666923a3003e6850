"""Big Bang's chart rendered for N clusters: sggitops's Helm renderer cold and warm vs a bare loop.

All three in one run, on the same renders: the chart is `chart/` at VERSION of the real Big Bang repo
(a mirror: --mirror, default ../shared/reference/bigbang.bundle cloned into a temp dir), the values are
each cluster's resolved values from a generated-fleet spec (1 build + N-1 run clusters).

- bare: one process, helm-python-sdk loaded once, `Chart.render` per cluster, sequentially (what a
  hand-written script would do; no isolation, no cache);
- cold: `HelmRenderer` with an empty cache (worker processes, `--jobs` in parallel, results cached);
- warm: the same again with that cache: it must render nothing.

Run: python benchmarks/bench_helm.py [--clusters 100] [--jobs J] [--version 3.30.0] [--mirror PATH]
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

from sggitops.bigbang.render import chart_ref, job
from sggitops.bigbang.resolve import resolve_cluster
from sggitops.render.helm import HelmRenderer, find_helm
from sggitops.specfile import parse_spec
from tests.helpers import fleet_spec

BUNDLE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "bigbang.bundle"


def bare_loop(chart_dir: Path, values: list[dict[str, object]]) -> float:
    import helm_python as helm

    start = time.perf_counter()
    with helm.Chart.load(str(chart_dir)) as chart:
        for item in values:
            chart.render(item, name="bigbang", namespace="bigbang")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--version", default="3.30.0")
    parser.add_argument("--mirror", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-helm-") as scratch:
        work = Path(scratch)
        mirror = args.mirror
        if mirror is None:
            if not BUNDLE.is_file():
                sys.exit(f"no mirror given and no bundle at {BUNDLE}")
            mirror = work / "bigbang.git"
            subprocess.run(["git", "clone", "-q", "--mirror", str(BUNDLE), str(mirror)], check=True)
        platform = parse_spec(fleet_spec(args.clusters - 1, version=args.version))
        values = [resolve_cluster(platform, c.name).values for c in platform.clusters]
        chart = chart_ref(str(mirror), args.version, cache_dir=work / "cache")
        jobs = [job(chart, v) for v in values]
        helm = find_helm()
        print(f"{len(jobs)} renders of Big Bang {args.version} ({helm.version}), jobs={args.jobs}")

        bare = bare_loop(chart.path, values) if helm.kind == "sdk" else float("nan")
        cold_renderer = HelmRenderer(helm, cache_dir=work / "cache", jobs=args.jobs)
        start = time.perf_counter()
        cold_results = cold_renderer.render_many(jobs)
        cold = time.perf_counter() - start
        warm_renderer = HelmRenderer(helm, cache_dir=work / "cache", jobs=args.jobs)
        start = time.perf_counter()
        warm_results = warm_renderer.render_many(jobs)
        warm = time.perf_counter() - start

        failed = sum(not r.ok for r in cold_results)
        assert warm_renderer.rendered == 0 and all(r.cached for r in warm_results), "warm run rendered"
        print(f"bare sequential loop (in-process SDK): {bare:8.2f} s  ({bare / len(jobs):.3f} s/render)")
        print(
            f"cold (workers, cache empty):           {cold:8.2f} s  rendered {cold_renderer.rendered}, failed {failed}"
        )
        print(f"warm (cache full):                     {warm:8.2f} s  rendered {warm_renderer.rendered}")
        print(f"ratio cold/bare: {cold / bare:.2f}x   warm/bare: {warm / bare:.3f}x")


if __name__ == "__main__":
    main()
