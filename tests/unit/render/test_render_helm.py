"""render/helm.py: the renderer choice, the worker isolation, the cache, and Helm's template failures.

Uses helm-python-sdk (the `helm` extra, installed in dev) on tiny charts written in tmp_path: `fail`
and `required` are Helm's template-time refusals, the same functions Big Bang's chart uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sggitops.render.helm import Helm, HelmJob, HelmRenderer, HelmUnavailable, find_helm, job_key

CHART = """\
apiVersion: v2
name: demo
version: 0.1.0
"""
TEMPLATE = """\
{{- if and .Values.a.enabled (not .Values.b.enabled) }}
{{- fail "a requires b to be enabled" }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  namespace: {{ .Release.Namespace }}
data:
  domain: {{ required "domain is required" .Values.domain | quote }}
"""


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    pytest.importorskip("helm_python", reason="helm-python-sdk (the helm extra) is not installed")
    folder = tmp_path / "demo"
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(CHART)
    (folder / "values.yaml").write_text("a: {enabled: false}\nb: {enabled: false}\n")
    (folder / "templates" / "cm.yaml").write_text(TEMPLATE)
    (folder / "templates" / "NOTES.txt").write_text("thanks\n")
    return folder


def sdk() -> Helm:
    helm = find_helm()
    if helm.kind != "sdk":
        pytest.skip("a helm binary is on PATH; these tests exercise the SDK worker")
    return helm


def demo_job(chart: Path, values: dict[str, object]) -> HelmJob:
    return HelmJob(chart, "digest-1", values, "rel", "ns")


def test_renders_objects_without_notes(chart: Path, tmp_path: Path) -> None:
    renderer = HelmRenderer(sdk(), cache_dir=tmp_path / "cache", timeout=60)
    result = renderer.render(demo_job(chart, {"domain": "a.mil"}))
    assert result.ok, result.error
    assert result.objects == (
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "rel-cm", "namespace": "ns"},
            "data": {"domain": "a.mil"},
        },
    )


def test_fail_and_required_are_failures_with_helms_message(chart: Path, tmp_path: Path) -> None:
    renderer = HelmRenderer(sdk(), cache_dir=tmp_path / "cache", timeout=60, jobs=2)
    failed, missing = renderer.render_many(
        [
            demo_job(chart, {"domain": "a.mil", "a": {"enabled": True}}),
            demo_job(chart, {}),
        ]
    )
    assert failed.kind == "render" and "a requires b to be enabled" in failed.error
    assert "demo/templates/cm.yaml:2" in failed.error
    assert missing.kind == "render" and "domain is required" in missing.error


def test_warm_cache_renders_nothing(chart: Path, tmp_path: Path) -> None:
    jobs = [demo_job(chart, {"domain": f"c{i}.mil"}) for i in range(3)] + [demo_job(chart, {})]
    cold = HelmRenderer(sdk(), cache_dir=tmp_path / "cache", timeout=60)
    first = cold.render_many(jobs)
    assert cold.rendered == 4 and not any(r.cached for r in first)
    warm = HelmRenderer(sdk(), cache_dir=tmp_path / "cache", timeout=60)
    second = warm.render_many(jobs)
    assert warm.rendered == 0 and all(r.cached for r in second)
    assert [(r.objects, r.error) for r in first] == [(r.objects, r.error) for r in second]


def test_identical_jobs_render_once(chart: Path) -> None:
    renderer = HelmRenderer(sdk(), cache_dir=None, timeout=60)
    results = renderer.render_many([demo_job(chart, {"domain": "x.mil"})] * 3)
    assert renderer.rendered == 1 and len(results) == 3 and all(r.ok for r in results)


def test_cache_key_covers_chart_values_and_helm_version(chart: Path) -> None:
    helm = Helm("sdk", ("x",), "v1")
    base = job_key(helm, demo_job(chart, {"domain": "a", "b": 1}))
    assert base == job_key(helm, demo_job(chart, {"b": 1, "domain": "a"}))  # key order is no change
    assert base != job_key(helm, demo_job(chart, {"domain": "b", "b": 1}))
    assert base != job_key(Helm("sdk", ("x",), "v2"), demo_job(chart, {"domain": "a", "b": 1}))
    assert base != job_key(helm, HelmJob(chart, "digest-2", {"domain": "a", "b": 1}, "rel", "ns"))


def test_a_crashing_worker_is_a_failure_per_job_not_a_crash(chart: Path) -> None:
    crashing = Helm("sdk", (sys.executable, "-c", "import os; os.abort()"), "crash")
    renderer = HelmRenderer(crashing, cache_dir=None, timeout=30, jobs=1)
    results = renderer.render_many([demo_job(chart, {"domain": "a"}), demo_job(chart, {"domain": "b"})])
    assert [r.kind for r in results] == ["panic", "panic"]
    assert all("exited with code" in r.error for r in results)


def test_a_hanging_worker_is_killed_at_the_timeout(chart: Path, tmp_path: Path) -> None:
    hanging = Helm("sdk", (sys.executable, "-c", "import time; time.sleep(60)"), "hang")
    renderer = HelmRenderer(hanging, cache_dir=tmp_path / "cache", timeout=1, jobs=1)
    (result,) = renderer.render_many([demo_job(chart, {"domain": "a"})])
    assert result.kind == "timeout" and "timed out after 1 s" in result.error
    assert not list((tmp_path / "cache").rglob("*.json"))  # a timeout is not cached: it may not recur


def test_explicit_helm_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(HelmUnavailable, match="no such executable"):
        find_helm(tmp_path / "helm")


def test_no_renderer_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(HelmUnavailable, match="neither `helm` nor helm-python-sdk") as err:
        find_helm()
    assert "--helm" in err.value.hint
