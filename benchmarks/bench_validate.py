"""Validate a generated 100-cluster fleet, in one run:

- baseline: the bare loop of `kubectl kustomize` over the same roots (what a shell script would do);
- `sggitops validate` cold (empty cache), warm (nothing changed) and with one cluster changed
  (`--changed-since HEAD` after editing that cluster's values in platform.yaml and regenerating), each
  as a pipeline runs it: the CLI in a new process (interpreter start and imports included, bytecode
  compiled once beforehand as an installed tool has it);
- schema validation of the rendered objects by sggitops vs `kubernetes_validate.validate()` per object.

Prints the times and the ratios against the baseline and the cold run, and a per-stage breakdown of
the cold and the one-cluster run (discover, render, model, each check family, reports) from the
validator's progress stages, each against the baseline of the same run.

    python benchmarks/bench_validate.py [--clusters 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import git

from sggitops import __version__
from sggitops.checks.rules import rule_docs
from sggitops.render import find_kustomize, scan_repo
from sggitops.report.model import Report
from sggitops.report.registry import REPORTERS
from sggitops.validate import ValidateOptions, ValidateResult, Validator
from tests.helpers import fleet_spec, run_cli


def _time(func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    return time.perf_counter() - start


class Stages:
    """A validator `progress` callback that times each stage (from its first report to the next stage's)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.stage = ""
        self.since = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage

    def close(self) -> None:
        now = time.perf_counter()
        if self.stage:
            self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + now - self.since
        self.since = now
        self.stage = ""


def _reports(repo: Path, result: ValidateResult) -> dict[str, float]:
    """Seconds to build the report and to render each format (the findings come scrubbed from the run)."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    report = Report(
        findings=result.findings,
        tool_version=__version__,
        overlays=result.overlays,
        objects=result.objects,
        seconds=result.seconds,
        checked=result.clusters,
        rule_docs=rule_docs(),
    )
    times["report: build"] = time.perf_counter() - start
    for name, reporter in REPORTERS.items():
        times[f"report: {name}"] = _time(lambda reporter=reporter: reporter.render(report))
    return times


class _Cli:
    """`sggitops validate` in a new process, as a pipeline runs it (its own cache dir, output discarded)."""

    def __init__(self, repo: Path, cache: Path) -> None:
        self.repo = repo
        # an installed tool has its bytecode: compile it once (PYTHONDONTWRITEBYTECODE would recompile
        # every module on every run, which no user's install does)
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["SGGITOPS_CACHE_DIR"] = str(cache)
        self._call("-c", "import sggitops.commands.validate, sggitops.validate, sggitops.checks.families")
        self.startup = _time(lambda: self._call("-m", "sggitops", "--version"))

    def _call(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, *args], cwd=self.repo, env=self.env, capture_output=True, check=False
        )

    def run(self, *args: str) -> float:
        start = time.perf_counter()
        done = self._call("-m", "sggitops", "validate", "-q", *args)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(
                f"sggitops validate {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]!r}"
            )
        return seconds


def _breakdown(title: str, stages: dict[str, float], bare_s: float) -> None:
    print(f"{title}: per stage (s, % of the bare kustomize loop)")
    for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.005:
            print(f"  {name:34s}{seconds:8.2f} s  {100 * seconds / bare_s:6.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "fleet"
        repo.mkdir()
        (repo / "platform.yaml").write_text(fleet_spec(args.clusters - 1, apps=3))
        assert run_cli(repo, "generate").exit_code == 0
        (repo / ".gitignore").write_text(".sggitops-cache/\n")
        g = git.Repo.init(repo, initial_branch="main")
        g.git.add(A=True)
        g.index.commit("fleet")
        roots = scan_repo(repo).leaves
        tool = find_kustomize()
        print(f"fleet: {args.clusters} clusters, {len(roots)} kustomization roots, kustomize: {tool.version}")

        def bare() -> None:
            for root in roots:
                subprocess.run([*tool.argv, str(repo / root)], check=True, capture_output=True)

        bare_s = _time(bare)
        cli = _Cli(repo, Path(tmp) / "cli-cache")
        cold_s = cli.run()
        warm_s = cli.run()
        cache = Path(tmp) / "cache"
        options = ValidateOptions(cache_dir=cache)
        cold_stages = Stages()
        cold_result = Validator(repo, options, progress=cold_stages).run()
        cold_stages.close()
        spec = (repo / "platform.yaml").read_text()
        (repo / "platform.yaml").write_text(
            spec.replace(
                "name: run-007, role: run,",
                "name: run-007, role: run, values: {monitoring: {enabled: false}},",
            )
        )
        assert run_cli(repo, "generate").exit_code == 0
        one_s = cli.run("--changed-since", "HEAD")
        one_stages = Stages()
        start = time.perf_counter()
        one = Validator(
            repo, ValidateOptions(cache_dir=cache, changed_since="HEAD"), progress=one_stages
        ).run()
        one_core_s = time.perf_counter() - start
        one_stages.close()
        print(f"bare kubectl kustomize loop         {bare_s:8.2f} s")
        print(f"sggitops start-up (--version)       {cli.startup:8.2f} s")
        print(
            f"validate cold                       {cold_s:8.2f} s  ({cold_result.overlays} roots, {cold_result.objects} objects, {len(cold_result.findings)} findings)"
        )
        print(f"validate warm (nothing changed)     {warm_s:8.2f} s  = {100 * warm_s / cold_s:.1f}% of cold")
        print(
            f"validate one cluster changed        {one_s:8.2f} s  = {100 * one_s / cold_s:.1f}% of cold ({one.overlays} roots)"
        )
        print(f"  the same in-process (no start-up) {one_core_s:8.2f} s")
        print(f"cold / bare kustomize loop          {cold_s / bare_s:8.2f}x")
        print(f"warm / bare kustomize loop          {warm_s / bare_s:8.3f}x")
        print(f"one cluster / bare kustomize loop   {one_s / bare_s:8.3f}x")
        _breakdown("cold", {**cold_stages.seconds, **_reports(repo, cold_result)}, bare_s)
        _breakdown("one cluster changed", one_stages.seconds, bare_s)
        from kubernetes_validate import validate as kv_validate
        from kubernetes_validate.utils import SchemaNotFoundError

        from sggitops.schema.kube import kube_schemas
        from sggitops.schema.registry import SchemaRegistry

        # The same objects for both: the built-in kinds kubernetes-validate has schemas for (it has no CRDs).
        builtin = kube_schemas("1.34")
        rendered = [o for r in cold_result.renders.values() for o in r.objects]
        objects = [o for o in rendered if builtin.knows(o["apiVersion"], o["kind"])][:1500]

        registry = SchemaRegistry("1.34", crd_objects=objects)

        def ours() -> None:
            for obj in objects:
                validator = registry.validator_for(obj["apiVersion"], obj["kind"])
                if validator is not None:
                    validator.problems(obj)

        def theirs() -> None:
            for obj in objects:
                try:
                    kv_validate(obj, "1.34.0", strict=True)
                except SchemaNotFoundError:
                    pass
                except Exception:
                    pass

        ours()  # compile validators once, as a validate run does
        ours_s = _time(ours)
        theirs_s = _time(theirs)
        print(
            f"schema validation of {len(objects)} objects: sggitops {1000 * ours_s / len(objects):.3f} ms/object,"
            f" kubernetes_validate.validate() {1000 * theirs_s / len(objects):.3f} ms/object, {theirs_s / ours_s:.1f}x faster"
        )
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
