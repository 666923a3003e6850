"""bigbang/render, the Big Bang packages table and `versions --packages` against the real Big Bang repo.

The repo is `git clone --mirror` of ../shared/reference/bigbang.bundle (conftest: bigbang_mirror), the
way an air-gapped site mirrors it; Helm is whatever find_helm picks (helm-python-sdk in dev). Behaviour
named here: Big Bang's chart refuses at template time `istiod` without `istioCRDs` and `istioCNI`
without `istiod` (chart/templates/*/helmrelease.yaml `fail`), and each package's version is the
`git.tag` its GitRepository gets at that release.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest

from tests.helpers import fleet_spec, run_cli

pytest.importorskip("helm_python", reason="helm-python-sdk (the helm extra) is not installed")

PLANTED = ("PLANTED-REG-PASS-1", "PLANTED-SSO-SECRET-2", "PLANTED-USER-7")
SECRET_BB = """\
apiVersion: v1
kind: Secret
metadata:
  name: environment-bb
  namespace: bigbang
stringData:
  values.yaml: |
    registryCredentials:
      registry: registry1.dso.mil
      username: PLANTED-USER-7
      password: PLANTED-REG-PASS-1
    addons:
      argocd:
        sso:
          client_secret: PLANTED-SSO-SECRET-2
"""


def make_fleet(root: Path, version: str, *, extra: str = "") -> Path:
    root.mkdir(parents=True)
    spec = fleet_spec(3, version=version)
    if extra:
        spec = spec.replace("  clusters:\n", extra + "  clusters:\n", 1)
    (root / "platform.yaml").write_text(spec, encoding="utf-8")
    result = run_cli(root, "generate")
    assert result.exit_code == 0, result.output
    commit(root, "fleet", init=True)
    return root


def commit(root: Path, message: str, *, init: bool = False) -> None:
    repo = git.Repo.init(root, initial_branch="main") if init else git.Repo(root)
    with repo:
        if init:
            with repo.config_writer() as config:
                config.set_value("user", "name", "t")
                config.set_value("user", "email", "t@example.mil")
        repo.git.add("--all")
        repo.git.commit("-m", message)


def validate(root: Path, mirror: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    report = root.parent / f"{root.name}-report.json"
    result = run_cli(
        root, "validate", "--bigbang-repo", str(mirror), "-o", f"json={report}", "-o", "text", *extra
    )
    return result.exit_code, json.loads(report.read_text("utf-8")), result.output


def render_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == "bigbang/render"]


@pytest.mark.parametrize("version", ["2.54.0", "3.0.0", "3.28.0", "3.30.0"])
def test_every_cluster_of_a_generated_fleet_renders(
    version: str, tmp_path: Path, bigbang_mirror: Path
) -> None:
    root = make_fleet(tmp_path / "fleet", version)
    _code, report, output = validate(root, bigbang_mirror)
    found = render_findings(report)
    assert [f for f in found if f["severity"] != "info"] == [], output
    rendered = {f["cluster"] for f in found if f"Big Bang {version} rendered for cluster" in f["message"]}
    assert rendered == {"build", "run-000", "run-001", "run-002"}
    assert not any(f["rule"] == "bigbang/chart-unavailable" for f in report["findings"])


@pytest.mark.parametrize(
    ("values", "message", "key_line"),
    [
        ("istioCRDs: {enabled: false}", "istiod requires istioCRDs to be enabled", "istioCRDs"),
        (
            "istiod: {enabled: false}\n        istioCNI: {enabled: true}",
            "istioCNI requires istiod to be enabled",
            "istiod",
        ),
    ],
)
def test_template_failure_points_at_the_spec_line(
    values: str, message: str, key_line: str, tmp_path: Path, bigbang_mirror: Path
) -> None:
    root = make_fleet(tmp_path / "fleet", "3.30.0")
    spec = (root / "platform.yaml").read_text("utf-8")
    spec = spec.replace(
        "    - {name: run-001, role: run, environment: staging, domain: run-001.fleet.mil, kubernetesVersion: '1.34',"
        " cloud: {provider: aws, region: us-gov-west-1}}",
        "    - name: run-001\n      role: run\n      environment: staging\n      domain: run-001.fleet.mil\n"
        "      kubernetesVersion: '1.34'\n      cloud: {provider: aws, region: us-gov-west-1}\n"
        f"      values:\n        {values}\n",
    )
    (root / "platform.yaml").write_text(spec, encoding="utf-8")
    assert run_cli(root, "generate").exit_code == 0
    code, report, output = validate(root, bigbang_mirror)
    errors = [f for f in render_findings(report) if f["severity"] == "error"]
    assert code == 1 and len(errors) == 1, output
    (error,) = errors
    line = next(i for i, text in enumerate(spec.splitlines(), 1) if text.strip().startswith(key_line))
    assert (error["file"], error["line"], error["cluster"]) == ("platform.yaml", line, "run-001")
    assert message in error["message"] and "sggitops generate" in error["hint"]


def test_no_mirror_is_one_warning_per_version_never_a_pass(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.30.0")
    bare = tmp_path / "bare"
    repo = git.Repo.init(bare)  # a repo that has the tag but not the chart templates
    with repo:
        (bare / "chart").mkdir()
        for name in ("values.yaml", "values.schema.json"):
            blob = git.Repo(bigbang_mirror).git.show(f"3.30.0:chart/{name}")
            (bare / "chart" / name).write_text(blob + "\n", encoding="utf-8")
        repo.git.add("--all")
        repo.git.commit("-m", "x", "--author", "t <t@example.mil>")
        repo.create_tag("3.30.0")
    _code, report, output = validate(root, bare)
    warnings = [f for f in render_findings(report) if f["severity"] == "warning"]
    assert len(warnings) == 1, output
    assert (
        "cannot render Big Bang 3.30.0" in warnings[0]["message"] and "Chart.yaml" in warnings[0]["message"]
    )


def test_bump_shows_the_package_table_with_real_tags(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.28.0")
    result = run_cli(
        root,
        "bump",
        "bigbang",
        "3.30.0",
        "--cluster",
        "run-000",
        "--allow-skip",
        "--bigbang-repo",
        str(bigbang_mirror),
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Big Bang packages (3.28.0 -> 3.30.0):" in out
    assert "    istiod: 1.30.2-bb.0 -> 1.30.3-bb.0" in out
    assert "    monitoring: 85.3.3-bb.2 -> 87.10.1-bb.3" in out
    assert "    kyverno: 3.8.1-bb.4 -> 3.8.2-bb.0" in out
    assert out.count("Big Bang packages (") == 1  # only the bumped cluster


def test_values_change_in_one_environment(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.30.0")
    spec = (root / "platform.yaml").read_text("utf-8")
    env = "  environments:\n    dev: {values: {monitoring: {values: {prometheus: {prometheusSpec: {retention: 9d}}}}}}\n"
    (root / "platform.yaml").write_text(
        spec.replace("  clusters:\n", env + "  clusters:\n", 1), encoding="utf-8"
    )
    assert run_cli(root, "generate").exit_code == 0
    report = tmp_path / "diff.json"
    result = run_cli(
        root, "diff", "--base", "HEAD", "--bigbang-repo", str(bigbang_mirror), "-o", f"json={report}"
    )
    assert result.exit_code == 0, result.output
    clusters = json.loads(report.read_text("utf-8"))["clusters"]
    assert sorted(clusters) == ["run-000"]  # the only dev cluster
    rows = clusters["run-000"]["packages"]
    assert [r["package"] for r in rows] == ["monitoring"]
    assert (
        rows[0]["values"]
        == [
            {
                "key": "prometheus.prometheusSpec.retention",
                "status": "changed",
                "before": "10d",
                "after": "9d",
            }
        ]
        or rows[0]["values"][0]["key"] == "prometheus.prometheusSpec.retention"
    )


def test_no_planted_secret_is_ever_printed(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.28.0")
    overlay = root / "overlays" / "run-000"
    (overlay / "secret-bb.yaml").write_text(SECRET_BB, encoding="utf-8")
    kustomization = overlay / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text("utf-8").replace("resources:\n", "resources:\n  - secret-bb.yaml\n", 1)
    )
    outputs: list[str] = []
    for fmt in ("text", "json", "markdown"):
        target = tmp_path / f"diff.{fmt}"
        result = run_cli(
            root, "diff", "--base", "HEAD", "--bigbang-repo", str(bigbang_mirror), "-o", f"{fmt}={target}"
        )
        outputs += [result.output, target.read_text("utf-8")]
    rows = json.loads((tmp_path / "diff.json").read_text("utf-8"))["clusters"]["run-000"]["packages"]
    argocd = next(r for r in rows if r["package"] == "addons.argocd")
    shown = [v for v in argocd["values"] if "clientsecret" in v["key"].lower().replace("_", "")]
    assert shown and all(v["after"] == "<redacted>" for v in shown)  # the change is shown, redacted
    for fmt in ("text", "json", "junit", "codequality", "sarif"):
        target = tmp_path / f"validate.{fmt}"
        result = run_cli(root, "validate", "--bigbang-repo", str(bigbang_mirror), "-o", f"{fmt}={target}")
        outputs += [result.output, target.read_text("utf-8")]
    commit(root, "planted")
    result = run_cli(
        root,
        "bump",
        "bigbang",
        "3.30.0",
        "--cluster",
        "run-000",
        "--allow-skip",
        "--force",  # the overlay's kustomization was edited to hold the Secret: base has it, head not
        "--bigbang-repo",
        str(bigbang_mirror),
    )
    outputs.append(result.output)
    assert "Big Bang packages (3.28.0 -> 3.30.0)" in result.output
    cache = root / ".sggitops-cache" / "helm"
    assert any(
        p.read_text("utf-8").count("PLANTED-SSO-SECRET-2") for p in cache.rglob("*.json")
    )  # it was rendered
    for text in outputs:
        for planted in PLANTED:
            assert planted not in text
    shutil.rmtree(root / ".sggitops-cache")


def test_versions_packages_lists_each_clusters_package_versions(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.28.0")
    spec = (root / "platform.yaml").read_text("utf-8")
    (root / "platform.yaml").write_text(
        spec.replace(
            "{name: run-000, role: run,", "{name: run-000, role: run, bigbang: {version: '3.30.0'},"
        ),
        encoding="utf-8",
    )
    result = run_cli(root, "versions", "--packages", "--bigbang-repo", str(bigbang_mirror))
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "istiod 1.30.2-bb.0 build, run-001, run-002" in lines
    assert "istiod 1.30.3-bb.0 run-000" in lines
    assert "addons.gitlab 9.11.7-bb.0 build" in lines  # build clusters run GitLab, run clusters do not


def test_an_explicit_helm_that_is_missing_exits_4(tmp_path: Path, bigbang_mirror: Path) -> None:
    root = make_fleet(tmp_path / "fleet", "3.30.0")
    missing = str(tmp_path / "no-helm")
    for args in (("validate", "--bigbang-repo", str(bigbang_mirror)), ("versions", "--packages")):
        result = run_cli(root, *args, "--helm", missing)
        assert result.exit_code == 4, result.output
        assert f"--helm {missing}: no such executable" in result.output


def test_template_failure_in_a_repo_without_spec_points_at_the_values_file(
    tmp_path: Path, bigbang_mirror: Path
) -> None:
    root = make_fleet(tmp_path / "fleet", "3.30.0")
    (root / "platform.yaml").unlink()  # a plain Kustomize repo now: no spec to point at
    values = root / "overlays" / "run-001" / "values.yaml"
    text = values.read_text("utf-8")
    assert "istioCRDs:\n  enabled: true\n" in text
    values.write_text(
        text.replace("istioCRDs:\n  enabled: true\n", "istioCRDs:\n  enabled: false\n"), encoding="utf-8"
    )
    code, report, output = validate(root, bigbang_mirror)
    errors = [f for f in render_findings(report) if f["severity"] == "error"]
    assert code == 1 and len(errors) == 1, output
    lines = values.read_text("utf-8").splitlines()
    line = lines.index("istioCRDs:") + 2  # the `enabled: false` line
    assert (errors[0]["file"], errors[0]["line"]) == ("overlays/run-001/values.yaml", line)
    assert "istiod requires istioCRDs" in errors[0]["message"]


def test_package_set_api_for_other_checks(tmp_path: Path, bigbang_mirror: Path) -> None:
    from sggitops.bigbang.render import RenderFailed, package_set

    packages = {
        p.name: p for p in package_set(bigbang_mirror, "3.30.0", {"domain": "a.mil"}, cache_dir=tmp_path)
    }
    istiod = packages["istiod"]
    assert (istiod.enabled, istiod.version, istiod.namespace, istiod.target_namespace) == (
        True,
        "1.30.3-bb.0",
        "bigbang",
        "istio-system",
    )
    assert "bigbang/istio-crds" in istiod.depends_on
    assert istiod.source_url == "https://repo1.dso.mil/big-bang/product/packages/istiod.git"
    assert packages["gitlab"].enabled is False
    with pytest.raises(RenderFailed, match="istiod requires istioCRDs"):
        package_set(bigbang_mirror, "3.30.0", {"istioCRDs": {"enabled": False}}, cache_dir=tmp_path)
