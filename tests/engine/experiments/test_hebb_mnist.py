"""The hebb-mnist experiment on a small subset: the same code path as the full run, fast enough for CI."""
import numpy as np
import pytest

from engine import registry
from engine.experiments import runner
from engine.model import Cancelled

SMALL = {"n_train": 2000, "n_test": 1000, "decay_passes": 2, "n_prototypes": 3, "n_hidden": 40, "k": 3,
         "competing_epochs": 2, "readout_rounds": 3}


def test_small_run_reports_the_four_learners():
    exp = registry.experiment("hebb-mnist")
    assert exp in registry.experiments_for("hebb")
    seen = []
    result = runner.drive(exp, SMALL, lambda f, m: seen.append(f) or True)
    acc = result["accuracy"]
    assert acc.shape == (4,) and np.all((acc > 0.3) & (acc <= 1))
    assert acc[1] > acc[0]                       # unit-length prototypes beat the seeds' dot product
    assert result["fields"].shape == (40, 28, 28)
    assert seen == sorted(seen) and len(seen) > 10


def test_cancel_between_chunks_and_bad_settings():
    exp = registry.experiment("hebb-mnist")
    with pytest.raises(Cancelled):
        runner.drive(exp, SMALL, lambda f, m: not m.startswith("competing"))
    with pytest.raises(ValueError, match="n_train"):
        runner.drive(exp, {"n_train": 10})
    with pytest.raises(ValueError, match="unknown"):
        runner.drive(exp, {"epochs": 3})
