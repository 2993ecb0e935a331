"""The hopfield-capacity experiment: retrieval and fixed points against load P/N for the three rules,
driven as every caller drives it (engine.experiments.runner.drive), with progress and cancel."""
import dataclasses

import numpy as np
import pytest

from engine import registry
from engine.experiments.capacity import ALPHA_C, EXPERIMENT, run_capacity
from engine.experiments.runner import drive
from engine.model import Cancelled

SMALL = {"n_neurons": 60, "p_max": 24, "p_step": 4, "n_seeds": 2, "max_sweeps": 20}


def test_registered_for_the_hopfield_model():
    assert registry.experiment("hopfield-capacity") is EXPERIMENT
    assert EXPERIMENT in registry.experiments_for("hopfield")
    assert EXPERIMENT.defaults["n_neurons"] == 200


def test_capacity_results():
    calls = []
    result = drive(EXPERIMENT, SMALL, lambda f, m: calls.append(f))
    assert calls[0] == 0.0 and calls[-1] == 1.0 and calls == sorted(calls)
    assert np.allclose(result["load"], np.arange(4, 25, 4) / 60)
    assert result["theory"].shape == (2, 5) and result["theory"][0, 0] == ALPHA_C
    assert result["alpha_error_free"] == pytest.approx(1 / (2 * np.log(60)))
    for rule in ("hebbian", "storkey", "pseudoinverse"):
        r = result[f"retrieval_{rule}"]
        assert r.shape == (6,) and np.all((0 <= r) & (r <= 1))
        assert r[0] == 1.0  # 4 patterns in 60 units: all retrieved
    assert np.all(result["stable_pseudoinverse"] == 1.0)
    assert result["retrieval_hebbian"][-1] < result["retrieval_storkey"][-1]  # P/N = 0.4
    for view in EXPERIMENT.views:
        assert view.key in result and view.x_key in result and view.theory in result
        assert all(k in result for k in view.series)
    assert np.array_equal(drive(EXPERIMENT, SMALL)["retrieval_hebbian"], result["retrieval_hebbian"])


def test_cancel_closes_the_generator():
    closed, seen = [], []

    def watched(settings):
        try:
            return (yield from run_capacity(settings))
        finally:
            closed.append(True)

    exp = dataclasses.replace(EXPERIMENT, run=watched)
    with pytest.raises(Cancelled):
        drive(exp, SMALL, lambda f, m: seen.append(f) or f < 0.3)
    assert closed == [True] and seen[-1] >= 0.3 and max(seen) < 1.0


@pytest.mark.parametrize("bad, name", [({"n_neurons": 1}, "n_neurons"), ({"p_step": 0}, "p_step"),
                                       ({"flip_fraction": 1.5}, "flip_fraction"), ({"mode": "x"}, "mode"),
                                       ({"rules": 1}, "rules")])
def test_bad_settings_name_the_setting(bad, name):
    with pytest.raises(ValueError, match=name):
        drive(EXPERIMENT, bad)
