"""checks/bigbang.py on a generated fleet, rendered with kustomize, against the real Big Bang 3.31.0 chart.

The chart is served by a fake Big Bang git repo built in tmp_path whose tag 3.31.0 holds the real
values.yaml and values.schema.json, copied from ../shared/reference at test time (skipped when absent).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import git
import pytest

from sggitops.bigbang.chart import forget_loaded
from sggitops.checks import bigbang
from sggitops.checks.skew import skew_findings
from sggitops.context.repo import RepoContext, Target
from sggitops.context.settings import RunSettings
from sggitops.findings import Finding, Severity
from sggitops.render import Renderer, scan_repo
from sggitops.specfile import parse_spec
from sggitops.validate import load_platform
from tests.helpers import SMALL_SPEC, fleet_spec, run_cli

ROOTS = ("overlays/build", "overlays/run-dev")
RUN_DEV = """\
    - name: run-dev
      role: run
      environment: dev
      domain: dev.acme.mil
      kubernetesVersion: "1.34"
      cloud: {provider: aws, region: us-gov-west-1}
"""


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    forget_loaded()


@pytest.fixture(scope="module")
def chart_files(reference: Path) -> Path:
    folder = reference / "bigbang" / "chart-3.31.0"
    if not (folder / "values.schema.json").is_file():
        pytest.skip(f"the Big Bang 3.31.0 chart is not in {folder}")
    return folder


@pytest.fixture
def bigbang_repo(tmp_path: Path, chart_files: Path, bigbang_mirror: Path) -> Path:
    """A fake Big Bang repo: tag 3.31.0 holds the real chart files (copied in at test time) over the
    templates of the real 3.30.0 chart (from the mirror of the bundle), so bigbang/render can run."""
    path = tmp_path / "bigbang"
    path.mkdir(parents=True)
    archive = subprocess.run(
        ["git", f"--git-dir={bigbang_mirror}", "archive", "--format=tar", "3.30.0", "chart"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(path, filter="data")
    repo = git.Repo.init(path)
    with repo:
        for name in ("values.yaml", "values.schema.json"):
            shutil.copyfile(chart_files / name, path / "chart" / name)
        repo.git.add("chart")
        who = git.Actor("test", "test@example.com")
        repo.index.commit("release 3.31.0", author=who, committer=who)
        repo.create_tag("3.31.0")
    return path


def generate(tmp_path: Path, spec: str = SMALL_SPEC) -> Path:
    root = tmp_path / "fleet"
    root.mkdir(exist_ok=True)
    (root / "platform.yaml").write_text(spec, encoding="utf-8")
    result = run_cli(root, "generate")
    assert result.exit_code == 0, result.output
    return root


def run_check(
    root: Path, source: str | None, *, cache: Path | None = None, spec: bool = True
) -> list[Finding]:
    graph = scan_repo(root)
    renderer = Renderer(root, graph=graph, use_cache=False)
    renders = {r: renderer.render(r) for r in ROOTS}
    assert all(r.ok for r in renders.values()), [f.format() for r in renders.values() for f in r.findings]
    platform = load_platform(root) if spec else None
    targets = {}
    for r in ROOTS:
        name = r.split("/")[1]
        cluster = platform.cluster(name) if platform is not None else None
        targets[r] = Target(
            r, name, "1.34", cluster.role if cluster else "", cluster.environment if cluster else ""
        )
    ctx = RepoContext(
        repo=root.resolve(),
        graph=graph,
        targets=targets,
        renders=renders,
        platform=platform,
        settings=RunSettings(bigbang_repo=source, cache_dir=cache or root.parent / "cache"),
    )
    # info findings (bigbang/render: rendered without the absent optional Secrets) are not problems
    return sorted(f for f in bigbang.check(ctx) if f.severity is not Severity.INFO)


def line_of(file: Path, text: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if line.startswith(text))


def with_cluster_values(values: str) -> str:
    return SMALL_SPEC.replace(RUN_DEV, RUN_DEV + "      values:\n" + values)


def test_clean_fleet_has_no_findings(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path)
    assert run_check(root, str(bigbang_repo)) == []
    # the chart is now cached: without any source the second run still checks everything
    forget_loaded()
    shutil.rmtree(bigbang_repo)
    assert run_check(root, str(bigbang_repo)) == []
    assert (tmp_path / "cache" / "bigbang" / "3.31.0" / "values.schema.json").is_file()


def test_stale_promtail_is_one_finding_at_the_overlay_line(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path, with_cluster_values("        promtail: {enabled: true}\n"))
    findings = run_check(root, str(bigbang_repo))
    assert [f.rule for f in findings] == ["bigbang/stale-key"]
    (found,) = findings
    values = root / "overlays" / "run-dev" / "values.yaml"
    assert (found.file, found.line, found.col) == (
        "overlays/run-dev/values.yaml",
        line_of(values, "promtail:"),
        1,
    )
    assert found.severity is Severity.ERROR
    assert "promtail" in found.message and "3.31.0" in found.message
    assert "alloy" in found.hint.lower()
    assert found.cluster == "run-dev"
    assert found.resource == "HelmRelease/bigbang/bigbang"


def test_stale_keys_in_the_common_values_hit_every_cluster(tmp_path: Path, bigbang_repo: Path) -> None:
    spec = SMALL_SPEC.replace(
        '    version: "3.31.0"\n',
        '    version: "3.31.0"\n    values:\n      addons: {anchore: {enabled: true}}\n      istio: {enabled: true}\n',
    )
    root = generate(tmp_path, spec)
    findings = run_check(root, str(bigbang_repo))
    assert {f.rule for f in findings} == {"bigbang/stale-key"}
    common = root / "bases" / "bigbang" / "values.yaml"
    by_cluster = {(f.cluster, f.message.split()[0], f.line) for f in findings}
    anchore = line_of(common, "  anchore:")
    assert ("build", "addons.anchore", anchore) in by_cluster
    assert ("run-dev", "addons.anchore", anchore) in by_cluster
    assert {f.file for f in findings} == {"bases/bigbang/values.yaml"}
    istio_findings = [f for f in findings if f.message.startswith("istio.enabled")]
    assert len(istio_findings) == 2
    lines = common.read_text().splitlines()
    assert all(lines[f.line - 2] == "istio:" and f.col == 3 for f in istio_findings)
    assert all("istiod" in f.hint for f in istio_findings)
    assert all("anchoreEnterprise" in f.hint for f in findings if "anchore" in f.message)


def test_wrong_type_is_a_schema_finding(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path, with_cluster_values("        monitoring: {enabled: 'yes'}\n        bogus: 1\n"))
    findings = run_check(root, str(bigbang_repo))
    assert [f.rule for f in findings] == ["bigbang/values-schema", "bigbang/values-schema"]
    values = root / "overlays" / "run-dev" / "values.yaml"
    by_line = {f.line: f for f in findings}
    bogus = by_line[line_of(values, "bogus:")]
    assert bogus.message.startswith("bogus: unknown key 'bogus'")
    monitoring = next(f for f in findings if f is not bogus)
    assert monitoring.message.startswith("monitoring.enabled: 'yes' is not of type 'boolean'")
    assert monitoring.line == line_of(values, "monitoring:") + 1
    assert monitoring.col == 3


def test_domain_of_the_wrong_type(tmp_path: Path, bigbang_repo: Path) -> None:
    spec = SMALL_SPEC.replace('    version: "3.31.0"\n', '    version: "3.31.0"\n    values: {domain: 5}\n')
    root = generate(tmp_path, spec)
    findings = run_check(root, str(bigbang_repo))
    assert {(f.rule, f.cluster) for f in findings} == {
        ("bigbang/values-schema", "build"),
        ("bigbang/values-schema", "run-dev"),
    }
    common = root / "bases" / "bigbang" / "values.yaml"
    for found in findings:
        assert found.message.startswith("domain: 5 is not of type 'string'")
        assert (found.file, found.line) == ("bases/bigbang/values.yaml", line_of(common, "domain:"))


def test_inline_values_are_located_in_the_helmrelease(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path)
    release = root / "bases" / "bigbang" / "helmrelease.yaml"
    release.write_text(release.read_text() + "  values:\n    jaeger:\n      enabled: true\n")
    findings = run_check(root, str(bigbang_repo))
    assert {(f.rule, f.file, f.line, f.col) for f in findings} == {
        ("bigbang/stale-key", "bases/bigbang/helmrelease.yaml", line_of(release, "    jaeger:"), 5)
    }
    assert all("tempo" in f.hint for f in findings)


def test_unreadable_layer(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path)
    (root / "overlays" / "run-dev" / "values.yaml").write_text("- not\n- a mapping\n")
    findings = run_check(root, str(bigbang_repo))
    unreadable = [f for f in findings if f.rule == "bigbang/values-unreadable"]
    assert len(unreadable) == 1
    assert unreadable[0].file == "overlays/run-dev/values.yaml"
    assert "ConfigMap environment-" in unreadable[0].message and "not a mapping" in unreadable[0].message
    assert unreadable[0].cluster == "run-dev"


def test_no_source_is_one_warning_per_version(tmp_path: Path) -> None:
    root = generate(tmp_path)
    findings = run_check(root, str(tmp_path / "no-such-mirror"))
    assert len(findings) == 1
    (found,) = findings
    assert (found.rule, found.severity) == ("bigbang/chart-unavailable", Severity.WARNING)
    assert "3.31.0" in found.message and str(tmp_path / "no-such-mirror") in found.message
    assert "build, run-dev" in found.message
    assert "--bigbang-repo" in found.hint and "SGGITOPS_BIGBANG_REPO" in found.hint
    assert found.file == "bases/bigbang/gitrepository.yaml"


def test_unreachable_remote_warns_fast(tmp_path: Path) -> None:
    root = generate(tmp_path)
    start = time.monotonic()
    findings = run_check(root, "https://127.0.0.1:9/x.git")
    assert time.monotonic() - start < 30  # rendering included; the fetch itself fails at once
    assert [f.rule for f in findings] == ["bigbang/chart-unavailable"]
    assert "https://127.0.0.1:9/x.git" in findings[0].message


def test_version_comes_from_the_gitrepository_tag(tmp_path: Path, bigbang_repo: Path) -> None:
    spec = SMALL_SPEC.replace(RUN_DEV, RUN_DEV + '      bigbang: {version: "3.30.0"}\n')
    root = generate(tmp_path, spec)
    findings = run_check(root, str(bigbang_repo), spec=False)
    assert [(f.rule, f.cluster) for f in findings] == [("bigbang/chart-unavailable", "run-dev")]
    assert "has no tag 3.30.0" in findings[0].message
    assert "run-dev" in findings[0].message and "build" not in findings[0].message


def test_unknown_version_warns(tmp_path: Path, bigbang_repo: Path) -> None:
    root = generate(tmp_path)
    repo_file = root / "bases" / "bigbang" / "gitrepository.yaml"
    repo_file.write_text(repo_file.read_text().replace("tag: 3.31.0", "branch: master"))
    findings = run_check(root, str(bigbang_repo), spec=False)
    assert [f.rule for f in findings] == ["bigbang/chart-unavailable"] * 2
    assert all("spec.ref.tag" in f.message for f in findings)
    # with the spec, its pin names the version
    assert run_check(root, str(bigbang_repo)) == []


# --- version skew (spec only) ---------------------------------------------------------------------


def skew(spec: str) -> list[Finding]:
    return sorted(skew_findings(parse_spec(spec)))


def test_no_skew_in_a_uniform_fleet() -> None:
    assert skew(fleet_spec(6)) == []


def test_later_wave_ahead_of_an_earlier_one() -> None:
    spec = fleet_spec(3, version="3.31.0").replace(
        "  clusters:\n", '  environments:\n    dev: {bigbang: {version: "3.30.0"}}\n  clusters:\n'
    )
    findings = skew(spec)
    assert len(findings) == 2  # prod (build, run-002) and staging (run-001) are ahead of dev
    messages = " | ".join(f.message for f in findings)
    assert "environment staging runs Big Bang 3.31.0, ahead of the earlier wave(s) dev (3.30.0)" in messages
    assert "environment prod runs Big Bang 3.31.0" in messages
    assert all(f.rule == "bigbang/version-skew" and f.severity is Severity.WARNING for f in findings)
    assert all(f.file == "platform.yaml" and f.line > 1 for f in findings)


def test_cluster_far_behind_and_mixed_environment() -> None:
    spec = fleet_spec(4).replace(
        "{name: run-003, role: run, environment: dev,",
        "{name: run-003, role: run, environment: dev, bigbang: {version: '3.27.0'},",
    )
    assert "3.27.0" in spec
    findings = skew(spec)
    messages = [f.message for f in findings]
    assert any("cluster run-003 runs Big Bang 3.27.0, 4 minor releases behind" in m for m in messages)
    assert any(
        m.startswith("environment dev runs several Big Bang versions (3.27.0: run-003; 3.31.0: run-000)")
        for m in messages
    )
    assert all(f.cluster == "run-003" for f in findings)
    two_behind = fleet_spec(1).replace("environment: dev,", "environment: dev, bigbang: {version: '3.29.0'},")
    assert not any("behind" in f.message for f in skew(two_behind))


def test_skew_runs_only_at_repo_level(tmp_path: Path) -> None:
    spec = fleet_spec(1).replace("environment: dev,", "environment: dev, bigbang: {version: '3.25.0'},")
    root = tmp_path / "x"
    root.mkdir()
    (root / "platform.yaml").write_text(spec)
    ctx = RepoContext(
        repo=root,
        graph=scan_repo(root),
        targets={},
        renders={},
        platform=parse_spec(spec),
    )
    # run-000 (dev) is 6 minors behind, and prod (build) is ahead of the dev wave
    assert [f.rule for f in bigbang.check(ctx)] == ["bigbang/version-skew"] * 2
    ctx.settings = RunSettings(repo_level=False)
    assert list(bigbang.check(ctx)) == []
