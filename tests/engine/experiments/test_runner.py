"""engine.experiments.runner: an experiment is a generator of (fraction, message) that returns its
result; drive() reports progress and cancels by closing the generator."""
from __future__ import annotations

import numpy as np
import pytest

from engine.experiments import runner
from engine.model import Cancelled, Experiment

closed = []


def _demo(settings):
    n = int(settings.get("n", 3))
    try:
        for i in range(n):
            yield i / n, f"step {i + 1}/{n}"
        return {"squares": np.arange(n) ** 2}
    finally:
        closed.append(n)  # what a generator holds (files, pools) is released on cancel too


DEMO = Experiment("demo", "Demo", _demo, {"n": 3})


def test_drive_reports_progress_and_returns_the_result():
    seen = []
    result = runner.drive(DEMO, {"n": 4}, lambda f, m: seen.append((f, m)))
    np.testing.assert_array_equal(result["squares"], [0, 1, 4, 9])
    assert seen[:4] == [(0.0, "step 1/4"), (0.25, "step 2/4"), (0.5, "step 3/4"), (0.75, "step 4/4")]
    assert seen[-1] == (1.0, "done")
    assert runner.drive(DEMO)["squares"].tolist() == [0, 1, 4]  # no progress callback at all


def test_cancel_closes_the_generator():
    closed.clear()
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        return len(calls) < 2  # cancel at the second report

    with pytest.raises(Cancelled, match="demo cancelled"):
        runner.drive(DEMO, {"n": 100}, progress)
    assert len(calls) == 2 and closed == [100], "the generator's finally block must have run"


def test_bad_experiments_are_value_errors():
    def not_a_dict(settings):
        yield 0.0, "x"
        return [1, 2]

    def bad_fraction(settings):
        yield 2.0, "too far"
        return {}

    with pytest.raises(ValueError, match="returned list, not a dict"):
        runner.drive(Experiment("odd", "Odd", not_a_dict))
    with pytest.raises(ValueError, match=r"bad progress must be a finite number ≥ 0.0 and ≤ 1.0, got 2.0"):
        runner.drive(Experiment("bad", "Bad", bad_fraction))
    with pytest.raises(ValueError, match="experiment must be an engine.model.Experiment, got function"):
        runner.drive(_demo)


def test_run_by_registered_name():
    result = runner.run("hopfield-capacity", {"n_neurons": 20, "alpha_max": 0.2, "n_loads": 2, "n_seeds": 1})
    assert result.data["load"].tolist() == [0.1, 0.2]
    assert set(result.data) >= {"retrieval_hebbian", "retrieval_storkey", "retrieval_pseudoinverse", "theory_hebbian"}
    with pytest.raises(ValueError, match="unknown experiment 'nope'"):
        runner.run("nope")
