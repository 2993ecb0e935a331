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


# --------------------------------------------------------------------------- tasks that are generators
def _long_task(settings, task, seed):
    """A task with steps of its own (an MNIST training): yields within, returns its row."""
    try:
        for i in range(4):
            yield i / 4, f"epoch {i + 1}"
        return {"k": task["k"], "seed": seed}
    finally:
        closed.append(task["k"])


LONG = runner.Study(name="long", title="Long tasks", defaults={"n": 3, "seed": 0},
                    check=lambda s: {"n": 3, "seed": 0, **s}, tasks=lambda s: [{"k": k} for k in range(s["n"])],
                    run_task=_long_task, finish=lambda s, table: {"k": table.get("k", np.zeros(0))})


def test_a_generator_task_reports_its_own_steps_and_cancels_inside():
    seen = []
    res = runner.run(LONG, {}, progress=lambda f, m: seen.append((f, m)))
    assert res.table["k"].tolist() == [0, 1, 2]
    assert res.table["seed"].tolist() == [runner.task_seed(0, k) for k in range(3)]
    inside = [(f, m) for f, m in seen if "epoch" in m]
    assert len(inside) == 12 and inside[1][0] == pytest.approx(0.25 / 3) and "k 0: epoch 2" in inside[1][1]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    closed.clear()
    with pytest.raises(Cancelled, match="after 1 of 3"):      # inside the second task, at its third epoch
        runner.run(LONG, {}, progress=lambda f, m: f < 1 / 3 + 0.5 / 3)
    assert closed == [0, 1]                                   # the cancelled task's finally ran
    seen.clear()       # drive() (the study's serial generator) steps through the task too
    assert runner.drive(LONG, {}, lambda f, m: seen.append(f))["k"].tolist() == [0, 1, 2]
    assert len(seen) == 3 + 12 + 1 and seen == sorted(seen)
    # on other backends a generator task runs through: the same rows
    np.testing.assert_array_equal(runner.run(LONG, {}, n_jobs=2).table["seed"], res.table["seed"])


def test_dask_chunks_deal_every_task_once_each_spanning_the_list():
    items = list(range(400))
    chunks = runner._chunks(items, 2)
    assert sorted(i for c in chunks for i in c) == items
    assert len(chunks) == 2 * runner.CHUNKS_PER_SLOT and {len(c) for c in chunks} == {13, 12}
    assert all(c[0] < 32 and c[-1] >= 368 for c in chunks)      # each from the start to the end of the list
    assert runner._chunks(list(range(5)), 4) == [[0], [1], [2], [3], [4]]   # few tasks: one per chunk
