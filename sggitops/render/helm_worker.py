"""Render Helm charts with helm-python-sdk in a child process: `python -m sggitops.render.helm_worker`.

Helm's Go SDK runs inside this process through ctypes: a Go panic that escapes the C ABI, a deadlock
or a runaway template would take the whole interpreter with it. So sggitops never loads it in its own
process; it starts this worker, writes the jobs as JSON on stdin, and reads one JSON document from
stdout under a timeout (sggitops.render.helm kills the worker when it overruns).

Input:  `{"jobs": [{"chart": DIR, "values": {...}, "name": NAME, "namespace": NS}, ...]}`
Output: `{"results": [{"objects": [...]} | {"error": MESSAGE, "kind": "render|values|load|panic"}]}`
in the order of the jobs. Objects are the rendered manifests parsed as YAML (NOTES.txt and empty
documents left out), template files in sorted order, so the parent does no YAML parsing.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from sggitops import yamlio
from sggitops.errors import InputError

SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")
"""Helm's own document separator (releaseutil.SplitManifests): `---` even when text follows it at once."""


def _objects(manifests: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in sorted(manifests):
        if name.endswith("NOTES.txt") or not manifests[name].strip():
            continue
        for part in SEPARATOR.split(manifests[name]):
            if not part.strip():
                continue
            try:
                docs = yamlio.load_plain_all(part, name, keep=False)
            except InputError as err:
                raise ValueError(f"{name} rendered YAML that does not parse: {err.message}") from None
            out.extend(doc for _line, _col, doc in docs if isinstance(doc, dict))
    return out


def render_job(helm: Any, job: dict[str, Any], charts: dict[str, Any]) -> dict[str, Any]:
    """One job's result; every Helm failure becomes an `error` entry (the worker never dies on one)."""
    try:
        chart = charts.get(job["chart"])
        if chart is None:
            chart = charts[job["chart"]] = helm.Chart.load(job["chart"])
        manifests = chart.render(job.get("values") or {}, name=job["name"], namespace=job["namespace"])
        return {"objects": _objects(manifests)}
    except helm.HelmChartLoadError as err:
        return {"error": str(err), "kind": "load"}
    except helm.HelmValuesError as err:
        return {"error": str(err), "kind": "values"}
    except helm.HelmPanicError as err:
        return {"error": str(err), "kind": "panic"}
    except helm.HelmError as err:
        return {"error": str(err), "kind": "render"}
    except ValueError as err:
        return {"error": str(err), "kind": "render"}


def main() -> int:
    try:
        import helm_python as helm
    except ImportError as err:
        sys.stdout.write(json.dumps({"fatal": f"helm-python-sdk is not importable: {err}"}))
        return 3
    request = json.loads(sys.stdin.read() or "{}")
    charts: dict[str, Any] = {}
    results = [render_job(helm, job, charts) for job in request.get("jobs") or []]
    for chart in charts.values():
        chart.close()
    sys.stdout.write(json.dumps({"results": results}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
