"""The reliability harness (tools/reliability, issue 16) in quick mode on its fast families: every
case ends in a clear message or the right result. The full run (every family, the soaks and the
hammer) is `python -m tools.reliability`; its counts are in tools/reliability/README.md."""
import json
import tempfile
from pathlib import Path

import pytest

from tools.reliability import core, runner


@pytest.mark.slow
def test_quick_harness_on_files_sessions_faults_and_api_has_no_failure():
    families = ["files", "sessions", "write-faults", "api"]
    results = []
    with tempfile.TemporaryFile("w+") as log:
        for fam in families:
            results += runner.run_family(fam, True, log)
        log.seek(0)
        tail = log.read()[-3000:]
    failures = [r for r in results if r["kind"] == "failure"]
    assert not failures, json.dumps(failures, indent=1) + "\n" + tail
    assert len(results) > 100
    print("\n" + runner.table(results, families))


def test_a_case_that_raises_the_wrong_exception_or_names_nothing_is_a_failure(tmp_path):
    """The classification itself: the harness must not count a TypeError or a vague message as clear."""
    def raises(exc):
        def run(tmp: Path):
            raise exc
        return run
    got = {name: core.execute(case, tmp_path).kind for name, case in {
        "type error": core.Case("t", raises(TypeError("boom"))),
        "vague": core.Case("v", raises(ValueError("bad")), "refuse", ("rows",)),
        "named": core.Case("n", raises(ValueError("rows must be ≥ 1")), "refuse", ("rows",)),
        "accepted": core.Case("a", lambda tmp: None, "refuse"),
        "good": core.Case("g", lambda tmp: None, "ok"),
        "wrong": core.Case("w", raises(AssertionError("x differs")), "ok"),
        "huge": core.Case("h", lambda tmp: bytearray(300 << 20), "ok", mem_slack=100 << 20),
    }.items()}
    assert got == {"type error": "failure", "vague": "failure", "named": "clear", "accepted": "failure",
                   "good": "right", "wrong": "failure", "huge": "failure"}


def test_a_hanging_or_crashing_case_is_a_failure_and_the_next_case_still_runs():
    with tempfile.TemporaryFile("w+") as log:
        results = runner.run_family("tests.tools.hostile_cases:cases", False, log)
    assert [(r["name"], r["kind"]) for r in results] == [
        ("hang", "failure"), ("fine", "right"), ("crash", "failure"), ("clear", "clear")]
    assert "hang" in results[0]["detail"] and "crash" in results[2]["detail"]
