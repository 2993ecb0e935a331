"""The RBM and DBN MNIST experiments: settings checked, progress yielded, result and views, cancel."""
from __future__ import annotations

import numpy as np
import pytest

from engine import registry
from engine.experiments.rbm_mnist import DBN_EXPERIMENT, RBM_EXPERIMENT
from engine.experiments.runner import drive
from engine.model import Cancelled


def test_registered_for_their_models():
    assert registry.experiment("rbm-mnist") is RBM_EXPERIMENT and RBM_EXPERIMENT.model == "rbm"
    assert registry.experiment("dbn-mnist") is DBN_EXPERIMENT and DBN_EXPERIMENT.model == "dbn"
    assert RBM_EXPERIMENT.defaults["n_hidden"] == 500 and RBM_EXPERIMENT.defaults["n_train"] == 60000
    assert tuple(DBN_EXPERIMENT.defaults["layers"]) == (500, 500)


def test_rbm_experiment_runs_reports_progress_and_fills_its_views():
    settings = dict(n_hidden=32, n_epochs=3, n_train=1000, learning_rate=0.1)
    seen = []
    result = drive(RBM_EXPERIMENT, settings, lambda f, m: seen.append(f))
    assert 0.4 < result["test_accuracy"] <= 1.0  # chance is 0.1; this short run gets ≈ 0.6
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 1.0
    assert result["reconstruction_errors"].shape == (3,)
    assert result["reconstruction_errors"][-1] < result["reconstruction_errors"][0]
    for view in RBM_EXPERIMENT.views:
        assert view.key in result
    assert result["summary"][0, 0] == result["test_accuracy"]


def test_dbn_experiment_runs_and_cancels():
    settings = dict(layers=(64, 32), n_epochs=3, n_train=1000, learning_rate=0.1)
    result = drive(DBN_EXPERIMENT, settings)
    assert 0.2 < result["test_accuracy"] <= 1.0  # chance is 0.1 (learning quality: models/rbm/test_dbn.py)
    assert result["reconstruction_errors"].shape == (2, 3)
    for view in DBN_EXPERIMENT.views:
        assert view.key in result
    with pytest.raises(Cancelled):
        drive(DBN_EXPERIMENT, settings, lambda f, m: f < 0.3)


@pytest.mark.parametrize("experiment,settings,name", [
    (RBM_EXPERIMENT, {"n_hidden": 2001}, "n_hidden"), (RBM_EXPERIMENT, {"k": 51}, "k"),
    (RBM_EXPERIMENT, {"n_train": 99}, "n_train"), (RBM_EXPERIMENT, {"method": "x"}, "method"),
    (RBM_EXPERIMENT, {"learning_rate": np.nan}, "learning_rate"), (RBM_EXPERIMENT, {"epochs": 3}, "epochs"),
    (DBN_EXPERIMENT, {"layers": (10, 10, 10, 10)}, "layers"), (DBN_EXPERIMENT, {"layers": (10, 3000)}, "layers"),
    (DBN_EXPERIMENT, {"n_hidden": 10}, "n_hidden"), (DBN_EXPERIMENT, {"seed": -1}, "seed")])
def test_bad_settings_are_refused_before_any_work(experiment, settings, name):
    with pytest.raises(ValueError, match=name):
        next(experiment.run(settings))


def test_one_task_per_training_the_same_rows_on_local_processes():
    from engine import experiments
    settings = dict(n_hidden=16, n_epochs=2, n_train=500, learning_rate=0.1, n_seeds=2)
    serial = experiments.run("rbm-mnist", settings, seed=3)
    assert serial.table["rep"].tolist() == [0, 1] and {"error_epoch_1", "error_epoch_2"} <= set(serial.table)
    assert serial.table["test_accuracy"][0] != serial.table["test_accuracy"][1]    # two seeds, two trainings
    parallel = experiments.run("rbm-mnist", settings, seed=3, n_jobs=2)
    for k in ("test_accuracy", "error_epoch_1", "error_epoch_2"):
        np.testing.assert_array_equal(serial.table[k], parallel.table[k], err_msg=k)
    assert serial.data["test_accuracy"] == pytest.approx(serial.table["test_accuracy"].mean())
    assert serial.data["reconstruction_errors"].shape == (2,) and serial.data["test_accuracy_std"] > 0
    dbn = experiments.run("dbn-mnist", dict(layers=(16, 8), n_epochs=2, n_train=500, learning_rate=0.1), seed=3)
    assert dbn.data["reconstruction_errors"].shape == (2, 2) and "error_layer_2_epoch_2" in dbn.table
