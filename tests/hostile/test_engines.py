"""Engines and tools that cannot take the run down: a Rego template that crashes regopy (SIGSEGV), hangs
or eats memory becomes engine-failed for that policy only; kustomize past its memory or output cap is a
build finding for that root; every subprocess has a timeout."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from sggitops.policy import budget
from sggitops.policy.rego import engine
from sggitops.policy.rego.engine import UNDEFINED, CompiledPolicy, RegoEngineFailed
from sggitops.policy.rego.errors import RegoError
from sggitops.render import command
from sggitops.render.command import Command, CommandLimit, CommandTimeout, Kustomize
from sggitops.render.kustomize import Renderer

CRASHING = """package crash
import rego.v1
violation contains {"msg": msg} if {
    p := input.parameters.allowed[_]
    msg := translations[p][_]
}
"""
GOOD = """package good
import rego.v1
violation contains {"msg": "privileged"} if input.review.object.spec.privileged
"""
SLOW = """package slow
import rego.v1
violation contains {"msg": "n"} if {
    count([x | some x in numbers.range(1, 3000000); x % 7 == 0]) > 0
}
"""


def _good() -> CompiledPolicy:
    return CompiledPolicy({"good.rego": GOOD}, ["good/violation"])


def test_a_template_that_crashes_regopy_is_engine_failed_and_the_next_one_runs() -> None:
    with pytest.raises(RegoEngineFailed, match="SIGSEGV") as caught:
        CompiledPolicy({"crash.rego": CRASHING}, ["crash/violation"])
    assert caught.value.feature == "engine-failed"
    good = _good()
    assert good.query("good/violation", {"review": {"object": {"spec": {"privileged": True}}}}) == [
        {"msg": "privileged"}
    ]


def test_policies_compiled_before_a_crash_are_recompiled_on_the_new_worker() -> None:
    good = _good()
    with pytest.raises(RegoEngineFailed):
        CompiledPolicy({"crash.rego": CRASHING}, ["crash/violation"])
    assert good.query("good/violation", {"review": {"object": {"spec": {}}}}) in ([], UNDEFINED)


def test_a_hanging_query_is_stopped_and_the_policy_stays_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = CompiledPolicy({"slow.rego": SLOW}, ["slow/violation"])
    monkeypatch.setattr(engine, "QUERY_TIMEOUT", 0.05)
    start = time.monotonic()
    with pytest.raises(RegoEngineFailed, match="no answer"):
        slow.query("slow/violation", {})
    with pytest.raises(RegoEngineFailed):  # not retried
        slow.query("slow/violation", {})
    assert time.monotonic() - start < 5
    monkeypatch.setattr(engine, "QUERY_TIMEOUT", 20.0)
    assert _good().query("good/violation", {"review": {"object": {"spec": {"privileged": True}}}})


def test_a_query_over_the_memory_limit_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = CompiledPolicy({"slow.rego": SLOW}, ["slow/violation"])
    monkeypatch.setattr(engine, "WORKER_MEMORY", 1 << 20)
    with pytest.raises(RegoEngineFailed, match="MiB of memory"):
        slow.query("slow/violation", {})


def test_command_output_cap() -> None:
    cmd = Command((sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('y' * 65536)"), timeout=30)
    with pytest.raises(CommandLimit) as caught:
        Command(cmd.argv, timeout=30, max_output=1 << 20).run()
    assert caught.value.limit == "output"


def test_command_memory_limit() -> None:
    hog = (sys.executable, "-c", "x = bytearray(1 << 30)")
    with pytest.raises(CommandLimit) as caught:
        Command(hog, timeout=30, memory=256 << 20).run()
    assert caught.value.limit == "memory"


def test_command_timeout_kills_the_process_group() -> None:
    start = time.monotonic()
    with pytest.raises(CommandTimeout):
        Command(("/bin/sh", "-c", "sleep 30 & sleep 30"), timeout=0.5).run()
    assert time.monotonic() - start < 5


def _fake_kustomize(tmp_path: Path, body: str) -> Kustomize:
    script = tmp_path / "fake-kustomize"
    script.write_text(f"#!{sys.executable}\n{body}\n", "utf-8")
    script.chmod(0o755)
    return Kustomize((str(script),), "fake 1")


@pytest.mark.parametrize(
    ("limit", "body"),
    [
        ("output", "import sys\nwhile True: sys.stdout.write('- a\\n' * 16384)"),
        ("memory", "x = bytearray(3 << 30)"),
    ],
)
def test_kustomize_past_a_limit_is_a_build_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, body: str
) -> None:
    monkeypatch.setattr(command, "OUTPUT_LIMIT", 1 << 20)
    monkeypatch.setattr(command, "MEMORY_LIMIT", 512 << 20)
    repo = tmp_path / "repo"
    (repo / "overlays/dev").mkdir(parents=True)
    (repo / "overlays/dev/kustomization.yaml").write_text("resources: []\n", "utf-8")
    renderer = Renderer(repo, kustomize=_fake_kustomize(tmp_path, body), use_cache=False)
    render = renderer.render("overlays/dev")
    assert [f.rule for f in render.findings] == [f"build/{limit}-limit"]
    assert render.findings[0].file == "overlays/dev/kustomization.yaml"


def test_a_rego_policy_past_its_budget_is_engine_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    good = _good()
    monkeypatch.setattr(budget, "POLICY_BUDGET", 0.0)
    with pytest.raises(RegoEngineFailed, match="time budget"):
        good.query("good/violation", {"review": {"object": {"spec": {}}}})


CONFLICTING = """package conflict
import rego.v1
x := 1 if input.a
x := 2 if input.b
"""


def test_a_batch_of_queries_gives_each_input_its_own_answer() -> None:
    """`query_many` answers as `query` does, input by input: a failing input (a complete rule with two
    values) is its own error, its neighbours are answered; an integer past 64 bits still converts."""
    good = _good()
    inputs = [
        {"review": {"object": {"spec": {"privileged": True}}}},
        {"review": {"object": {"spec": {}}}},
        {"review": {"object": {"spec": {"privileged": True}, "big": 2**70}}},
    ]
    many = good.query_many("good/violation", inputs)
    assert many == [good.query("good/violation", doc) for doc in inputs]
    assert many[0] == [{"msg": "privileged"}] and many[2] == [{"msg": "privileged"}]
    conflict = CompiledPolicy({"conflict.rego": CONFLICTING}, ["conflict/x"])
    answers = conflict.query_many("conflict/x", [{"a": True}, {"a": True, "b": True}, {"b": True}])
    assert answers[0] == 1 and answers[2] == 2
    assert isinstance(answers[1], RegoError) and "multiple outputs" in str(answers[1])


def test_a_hang_in_a_batch_fails_that_policy_and_the_worker_serves_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = CompiledPolicy({"slow.rego": SLOW}, ["slow/violation"])
    monkeypatch.setattr(engine, "QUERY_TIMEOUT", 0.05)
    monkeypatch.setattr(engine, "QUERY_ALLOWANCE", 0.0)
    answers = slow.query_many("slow/violation", [{}, {}])
    assert [type(a) for a in answers] == [RegoEngineFailed, RegoEngineFailed]
    assert all(a.feature == "engine-failed" for a in answers)
    monkeypatch.setattr(engine, "QUERY_TIMEOUT", 20.0)
    assert _good().query_many("good/violation", [{"review": {"object": {"spec": {"privileged": True}}}}]) == [
        [{"msg": "privileged"}]
    ]
