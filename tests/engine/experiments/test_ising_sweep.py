"""The Ising temperature sweep ("ising-sweep"): results, cancel through the runner, settings, the CLI."""
import subprocess
import sys

import numpy as np
import pytest

from engine import experiments, registry
from engine.experiments import ising_sweep
from engine.experiments.runner import drive
from engine.model import Cancelled

SMALL = dict(L=8, n_T=3, n_equilibrate=20, n_measure=50, seeds=2, T_min=1.5, T_max=3.0)


def test_sweep_returns_a_curve_per_temperature_with_onsager_beside_it():
    seen = []
    out = drive(ising_sweep.EXPERIMENT, SMALL, lambda f, msg: seen.append(f))
    for key in ("T", "E", "C", "M", "absM", "chi", "E_std", "chi_std"):
        assert out[key].shape == (3,)
    assert out["onsager_M"].shape[0] == 2 and out["onsager_E"].shape[0] == 2
    assert seen == sorted(seen) and seen[-1] == 1.0
    # below T_c a cold start stays ordered; well above it the lattice has melted
    assert out["absM"][0] > 0.9 and out["absM"][-1] < out["absM"][0]


def test_same_settings_same_result():
    a = drive(ising_sweep.EXPERIMENT, SMALL)
    b = drive(ising_sweep.EXPERIMENT, SMALL)
    assert all((a[k] == b[k]).all() for k in a)


def test_one_task_per_lattice_the_same_rows_on_local_processes():
    serial = experiments.run("ising-sweep", SMALL)
    assert len(serial.table["T"]) == 6 and serial.table["seed"].tolist() == [0, 0, 0, 1, 1, 1]
    parallel = experiments.run("ising-sweep", SMALL, n_jobs=2)
    for k in serial.table:
        np.testing.assert_array_equal(serial.table[k], parallel.table[k], err_msg=k)
    np.testing.assert_array_equal(serial.data["absM"], parallel.data["absM"])


def test_partial_rows_give_nan_where_no_lattice_is_done():
    s = ising_sweep.check_settings(SMALL)
    row = ising_sweep.run_task(s, {"seed": 1, "T_index": 2}, 0)
    out = ising_sweep.finish(s, {k: np.array([v]) for k, v in row.items()})
    assert np.isnan(out["absM"][:2]).all() and out["absM"][2] == row["absM"] and out["absM_std"][2] == 0.0


def test_progress_returning_false_cancels():
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        return len(calls) < 2
    with pytest.raises(Cancelled):
        drive(ising_sweep.EXPERIMENT, dict(L=8, n_T=5, n_equilibrate=5, n_measure=5, seeds=1), progress)
    assert len(calls) == 2  # no further temperature was run after the refusal


@pytest.mark.parametrize("settings, word", [
    (dict(T_min=-1.0), "T_min"), (dict(algorithm="x"), "algorithm"), (dict(bogus=1), "bogus"),
    (dict(J=0.0), "J"), (dict(seeds=0), "seeds"), (dict(seeds=[1, -2]), "seeds"), (dict(L=1), "L"),
    (dict(seeds=[3, 3]), "seeds must be different"),
])
def test_bad_settings_raise_naming_them(settings, word):
    with pytest.raises(ValueError, match=word):
        drive(ising_sweep.EXPERIMENT, settings)


def test_registered_for_the_ising_model():
    assert registry.experiment("ising-sweep") is ising_sweep.EXPERIMENT
    assert "ising-sweep" in [e.name for e in registry.experiments_for("ising")]


def test_cli_runs_the_sweep(capsys):
    from engine.cli import main
    assert main(["run", "ising-sweep", "L=8", "n_T=2", "n_equilibrate=5", "n_measure=5", "seeds=1",
                 "--quiet"]) == 0
    assert "Onsager" in capsys.readouterr().out


def test_the_ising_model_does_not_import_experiments():
    code = ("import sys, engine.models.ising; "
            "print(sorted(m for m in sys.modules if m.startswith('engine.experiments')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
