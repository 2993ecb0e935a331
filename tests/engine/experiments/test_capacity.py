"""The capacity experiment ("capacity", also "hopfield-capacity"): retrieval, bit error and fixed points
against load P/N for every rule at several N, driven as every caller drives it, with progress and cancel;
and the capacity facts the seeds state, measured at N = 500."""
import dataclasses
import math

import numpy as np
import pytest

from engine import experiments, registry
from engine.experiments.capacity import ALPHA_C, EXPERIMENT, RULES
from engine.experiments.runner import drive
from engine.model import Cancelled

SMALL = {"n_neurons": 60, "alpha_max": 0.4, "n_loads": 6, "n_seeds": 2, "max_sweeps": 20,
         "rules": ["hebbian", "storkey", "pseudoinverse"]}


def test_registered_for_the_hopfield_model_under_both_names():
    assert registry.experiment("hopfield-capacity") is EXPERIMENT
    assert registry.experiment("capacity") is EXPERIMENT
    assert EXPERIMENT in registry.experiments_for("hopfield")
    assert EXPERIMENT.defaults["n_neurons"] == [100, 200] and set(EXPERIMENT.defaults["rules"]) == set(RULES)


def test_capacity_results():
    calls = []
    result = drive(EXPERIMENT, SMALL, lambda f, m: calls.append(f))
    assert calls[0] == 0.0 and calls[-1] == 1.0 and calls == sorted(calls)
    assert np.allclose(result["load"], np.arange(1, 7) * 0.4 / 6)
    assert result["theory_hebbian"][0, 0] == ALPHA_C
    assert result["theory_hebbian"][0, 3] == pytest.approx(1 / (2 * np.log(60)))
    assert result["theory_storkey"][0, 0] == pytest.approx(1 / np.sqrt(2 * np.log(60)))
    for rule in SMALL["rules"]:
        r = result[f"retrieval_{rule}"]
        assert r.shape == (1, 6) and np.all((0 <= r) & (r <= 1))
        assert r[0, 0] == 1.0  # 4 patterns in 60 units: all retrieved
    assert np.all(result["stable_pseudoinverse"] == 1.0)
    assert result["retrieval_hebbian"][0, -1] < result["retrieval_storkey"][0, -1]  # P/N = 0.4
    for view in EXPERIMENT.views[:3]:
        assert view.key in result and view.x_key in result and view.theory in result
    assert np.array_equal(drive(EXPERIMENT, SMALL)["retrieval_hebbian"], result["retrieval_hebbian"])


def test_several_sizes_give_one_curve_each():
    res = experiments.run("capacity", {**SMALL, "n_neurons": [40, 80], "n_loads": 2, "n_seeds": 1,
                                       "rules": ["hebbian"]})
    assert res.data["retrieval_hebbian"].shape == (2, 2)
    assert res.data["size_labels"].tolist() == ["N = 40", "N = 80"]
    assert sorted(set(res.table["n_neurons"].tolist())) == [40, 80] and len(res.table["rule"]) == 4


def test_cancel_closes_the_generator():
    closed, seen = [], []

    def watched(settings):
        try:
            return (yield from EXPERIMENT._serial(settings))
        finally:
            closed.append(True)

    exp = dataclasses.replace(EXPERIMENT, run=watched)
    with pytest.raises(Cancelled):
        drive(exp, SMALL, lambda f, m: seen.append(f) or f < 0.3)
    assert closed == [True] and seen[-1] >= 0.3 and max(seen) < 1.0


@pytest.mark.parametrize("bad, name", [({"n_neurons": 1}, "n_neurons"), ({"n_neurons": []}, "n_neurons"),
                                       ({"n_neurons": [50, -3]}, r"n_neurons\[1\]"), ({"n_loads": 0}, "n_loads"),
                                       ({"alpha_max": 0.0}, "alpha_max"), ({"flip_fraction": 1.5}, "flip_fraction"),
                                       ({"mode": "x"}, "mode"), ({"rules": ["hebbian", "oja"]}, r"rules\[1\]"),
                                       ({"colour": 1}, "colour")])
def test_bad_settings_name_the_setting(bad, name):
    with pytest.raises(ValueError, match=name):
        experiments.run("capacity", bad)


# --------------------------------------------------------------------------- the seeds' capacity facts, N = 500
N = 500


def _hebbian(p, seeds=3, **extra):
    """Retrieval rate and fixed-point fraction of P patterns at N = 500 (10 % noise probes)."""
    res = experiments.run("capacity", {"n_neurons": N, "alpha_max": p / N, "n_loads": 1, "n_seeds": seeds,
                                       "max_sweeps": 30, **extra}, seed=1)
    return res


@pytest.mark.slow
def test_hebbian_capacity_at_500_units():
    # below N/(2 ln N) ≈ 40 each pattern is stable with high probability (a bit flips with probability
    # Φ(−√(N/P)) ≈ 1e-4 at P = 35): every noisy probe comes back, almost every bit right
    low = _hebbian(int(N / (2 * math.log(N))) - 5, rules=["hebbian"])
    assert low.data["retrieval_hebbian"][0, 0] == 1.0 and low.data["bit_error_hebbian"][0, 0] < 1e-3
    assert low.data["stable_hebbian"][0, 0] >= 0.95
    # below N/(4 ln N) ≈ 20 all of them at once: every pattern a fixed point, no bit wrong
    none_wrong = _hebbian(int(N / (4 * math.log(N))) - 2, rules=["hebbian"])
    assert none_wrong.data["stable_hebbian"][0, 0] == 1.0 and none_wrong.data["bit_error_hebbian"][0, 0] == 0.0
    # near α_c ≈ 0.138 about half the noisy probes come back (overlap ≥ 0.95): finite N keeps a little more
    near = _hebbian(70, rules=["hebbian"])
    assert 0.3 <= near.data["retrieval_hebbian"][0, 0] <= 0.9
    # well above, almost none
    assert _hebbian(100, seeds=1, rules=["hebbian"]).data["retrieval_hebbian"][0, 0] < 0.2


@pytest.mark.slow
def test_pseudoinverse_keeps_every_pattern_to_n_minus_1_and_storkey_beats_hebbian():
    full = experiments.run("capacity", {"n_neurons": 100, "alpha_max": 0.99, "n_loads": 1, "n_seeds": 2,
                                        "rules": ["pseudoinverse"]})
    assert full.table["n_patterns"][0] == 99 and full.data["stable_pseudoinverse"][0, 0] == 1.0
    both = _hebbian(90, seeds=2, rules=["hebbian", "storkey"])
    assert both.data["retrieval_storkey"][0, 0] > both.data["retrieval_hebbian"][0, 0] + 0.3


@pytest.mark.slow
def test_perceptron_stores_as_many_patterns_as_units_and_its_margin_widens_the_basins():
    full = experiments.run("capacity", {"n_neurons": 200, "alpha_max": 1.0, "n_loads": 1, "n_seeds": 1,
                                        "rules": ["perceptron"]})
    assert full.table["n_patterns"][0] == 200 and full.data["stable_perceptron"][0, 0] == 1.0   # far past 0.138N
    settings = {"n_neurons": 200, "alpha_max": 0.4, "n_loads": 1, "n_seeds": 1, "rules": ["perceptron"]}
    bare = experiments.run("capacity", settings).data["retrieval_perceptron"][0, 0]
    wide = experiments.run("capacity", {**settings, "margin": 0.5}).data["retrieval_perceptron"][0, 0]
    assert wide > bare + 0.3


def test_the_dense_memory_holds_loads_that_the_hebbian_network_loses():
    res = experiments.run("capacity", {"n_neurons": 100, "alpha_max": 0.3, "n_loads": 1, "n_seeds": 2,
                                       "rules": ["hebbian", "dense"], "dense_power": 3})
    assert res.data["retrieval_dense"][0, 0] == 1.0 and res.data["stable_dense"][0, 0] == 1.0   # 30 in 100
    assert res.data["retrieval_hebbian"][0, 0] < 0.5
    n = 100   # Krotov & Hopfield: N^(n−1) / (2 (2n−3)!! ln N) patterns, as a load
    assert res.data["theory_dense"][0, 0] == pytest.approx(n ** 2 / (2 * 3 * math.log(n)) / n)
    with pytest.raises(ValueError, match="dense_power"):
        experiments.run("capacity", {"dense_power": 1})


def test_a_hopfield_capacity_task_does_not_import_scikit_learn():
    # every Dask or joblib worker imports what its first task needs: scikit-learn (the dense package's
    # classifier) cost 5 s of a loaded worker's start
    import subprocess
    import sys
    code = ("import sys; from engine import experiments; "
            "experiments.run('capacity', {'n_neurons': 30, 'n_loads': 1, 'n_seeds': 1, 'rules': ['hebbian']}); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
