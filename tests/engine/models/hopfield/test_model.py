"""HopfieldModel (the GUI's model): demo state, views, live parameters, GUI methods,
save/load round-trips."""
import subprocess
import sys

import numpy as np
import pytest

from engine import Hopfield, io, registry
from engine.models.hopfield import HopfieldModel, demo_letters


def bipolar_of(model):
    return np.where(model.probe_state == model.net.on_value, 1, -1)


def test_registered_and_exported():
    assert registry.get("hopfield") is HopfieldModel
    model = registry.create("hopfield", seed=0)
    assert model.unit == "sweep" and model.name == "hopfield"
    import engine
    assert engine.Hopfield is Hopfield


def test_default_state_is_a_ready_demo():
    model = HopfieldModel(seed=0)
    snap = model.snapshot()
    assert model.pattern_shape == (7, 7)
    assert snap.data["state"].shape == (7, 7) and snap.data["weights"].shape == (49, 49)
    assert snap.data["patterns"].shape == (3, 7, 7) and snap.data["n_patterns"] == 3.0
    assert snap.data["energy"].shape == (1,) and snap.data["overlap"].shape == (3, 1)
    assert np.abs(snap.data["weights"]).sum() > 0
    letters = 2 * demo_letters(7, 7).reshape(3, 49).astype(np.int8) - 1
    assert np.array_equal(model.patterns, letters)
    assert np.count_nonzero(bipolar_of(model) != letters[0]) == round(0.2 * 49)  # T with 20 % flips
    for view in HopfieldModel().views():
        assert view.key in snap.data
        assert np.size(snap.data[view.key]) > 0


def test_views_layout():
    views = {v.key: v for v in HopfieldModel().views()}
    assert views["state"].kind == "lattice" and views["state"].main and views["state"].paintable
    assert views["state"].colormap == "spin"
    assert views["weights"].kind == "heatmap" and views["weights"].colormap == "diverging"
    assert views["energy"].kind == "curve" and views["energy"].y_label == "E"
    assert views["overlap"].kind == "curve" and views["overlap"].labels[:2] == ("pattern 1", "pattern 2")
    assert views["overlap"].y_label == "overlap m"


def test_step_recalls_the_demo_letter_and_records_per_sweep():
    model = HopfieldModel(seed=1)
    model.step(6)
    snap = model.snapshot()
    assert snap.t == 6 and snap.unit == "sweep"
    assert snap.data["energy"].shape == (7,) and snap.data["overlap"].shape == (3, 7)
    assert np.all(np.diff(snap.data["energy"]) <= 1e-9)
    assert snap.data["overlap"][0, -1] == 1.0 and snap.data["fixed_point"] == 1.0
    assert 1 <= snap.data["sweeps_to_fixed_point"] <= 6
    assert np.array_equal(bipolar_of(model), model.patterns[0])
    assert snap.data["energy_now"] == pytest.approx(model.net.energy(model.probe_state))
    model.step(3)  # play goes on at the fixed point and records it
    assert model.snapshot().data["energy"].shape == (10,) and model.t == 9


def test_snapshot_is_a_copy():
    model = HopfieldModel(seed=2)
    snap = model.snapshot()
    snap.data["state"][:] = 0
    snap.data["energy"][:] = 0
    assert not np.all(model.snapshot().data["state"] == 0)
    with pytest.raises(ValueError):
        snap.data["weights"][0, 1] = 1.0
    before = model.snapshot().data["weights"].copy()
    model.with_params(rule="storkey")
    assert not np.array_equal(model.snapshot().data["weights"], before)
    assert np.array_equal(snap.data["weights"], before)  # an old frame keeps its weights


def test_same_seed_same_run_and_reset():
    a, b = HopfieldModel(seed=5), HopfieldModel(seed=5)
    for m in (a, b):
        m.with_params(mode="glauber", temperature=2.0)
        m.step(4)
    assert np.array_equal(a.probe_state, b.probe_state)
    assert np.array_equal(a.snapshot().data["energy"], b.snapshot().data["energy"])
    a.reset(seed=9)
    c = HopfieldModel(seed=9)
    assert a.t == 0 and np.array_equal(a.probe_state, c.probe_state)


def test_rule_change_restores_at_once():
    model = HopfieldModel(seed=0)
    for rule in ("storkey", "pseudoinverse", "hebbian"):
        model.with_params(rule=rule)
        ref = Hopfield(49, rule)
        ref.store(model.patterns)
        assert np.array_equal(model.snapshot().data["weights"], ref.weights)
        assert np.allclose(model._field, ref.weights @ model.probe_state)


def test_coding_scale_threshold_apply_live():
    model = HopfieldModel(seed=0)
    bip = bipolar_of(model).copy()
    weights = model.net.weights.copy()
    model.with_params(coding="binary")
    assert model.probe_state.dtype == np.uint8 and np.array_equal(model.probe_state, (bip + 1) // 2)
    assert set(np.unique(model.snapshot().data["state"])) <= {0.0, 1.0}
    assert np.array_equal(model.net.weights, weights)
    assert np.allclose(model._field, weights @ model.probe_state.astype(float))
    model.with_params(scale="1/N")
    assert np.allclose(model.net.weights, weights / 49)
    model.with_params(threshold=0.5)
    assert np.all(model.net.thresholds == 0.5)
    start = model.snapshot().data["energy_now"]  # energy under the new parameters
    model.step(3)
    assert np.all(np.diff([start, *model.snapshot().data["energy"][-3:]]) <= 1e-9)


def test_resize_remakes_the_demo_letters():
    model = HopfieldModel(seed=0)
    model.set_patterns(np.ones((1, 49)))
    model.with_params(rows=14, cols=10)
    snap = model.snapshot()
    assert model.pattern_shape == (14, 10) and snap.data["state"].shape == (14, 10)
    assert snap.data["patterns"].shape == (3, 14, 10)
    assert np.array_equal(model.patterns, 2 * demo_letters(14, 10).reshape(3, 140).astype(np.int8) - 1)


def test_set_patterns_shapes_codings_and_clear():
    model = HopfieldModel(seed=0)
    rng = np.random.default_rng(0)
    images = (rng.random((4, 7, 7)) < 0.5).astype(np.uint8)
    model.set_patterns(images)
    assert np.array_equal(model.patterns, 2 * images.reshape(4, 49).astype(np.int8) - 1)
    assert model.snapshot().data["overlap"].shape == (4, 1)
    model.set_patterns(2 * images.reshape(4, 49).astype(np.int8) - 1)
    assert model.net.n_patterns == 4
    model.set_patterns(np.zeros((0, 49)))
    snap = model.snapshot()
    assert snap.data["n_patterns"] == 0 and snap.data["overlap"].shape == (0, 1) and not snap.data["weights"].any()
    model.step(2)
    assert model.snapshot().data["overlap"].shape == (0, 3)
    for bad in (np.ones((2, 48)), np.ones((2, 6, 7)), np.full((1, 49), 2), np.array([[0, 1, -1] * 16 + [1]])):
        with pytest.raises(ValueError, match="patterns"):
            model.set_patterns(bad)


def test_set_probe_restarts_histories():
    model = HopfieldModel(seed=0)
    model.step(3)
    u = 2 * demo_letters(7, 7)[1].astype(np.int8) - 1
    model.set_probe(u)
    snap = model.snapshot()
    assert snap.data["energy"].shape == (1,) and snap.data["overlap"][1, 0] == 1.0
    model.set_probe(((u + 1) // 2).reshape(-1))  # 0/1 works too
    assert np.array_equal(bipolar_of(model), u.reshape(-1))
    for bad in (np.ones(48), np.full(49, 3), np.ones((7, 8))):
        with pytest.raises(ValueError, match="x"):
            model.set_probe(bad)


def test_paint_sets_units_and_fields():
    model = HopfieldModel(seed=0)
    model.paint("state", np.array([0, 1, 2]), 1)
    model.paint("state", [10], -1)
    s = model.probe_state
    assert s[0] == s[1] == s[2] == 1 and s[10] == -1
    assert np.allclose(model._field, model.net.weights @ s.astype(float))
    model.with_params(coding="binary")
    model.paint("state", [3], -1)
    assert model.probe_state[3] == 0
    for args, name in ((("weights", [0], 1), "key"), (("state", [49], 1), "index"),
                       (("state", [0.5], 1), "index"), (("state", [0], 0.5), "value"),
                       (("state", [0], float("nan")), "value")):
        with pytest.raises(ValueError, match=name):
            model.paint(*args)


def test_actions_run():
    model = HopfieldModel(seed=0)
    names = [a[0] for a in HopfieldModel.actions()]
    assert names == ["recall_probe", "corrupt_probe", "restore_probe", "forget_pattern", "dream"]
    model.recall_probe()
    assert model.snapshot().data["fixed_point"] == 1.0 and 1 <= model.t <= 100
    first = model.probe_state.copy()
    model.corrupt_probe()
    assert np.count_nonzero(model.probe_state != first) == 10
    noisy = model.probe_state.copy()
    model.step(4)
    model.restore_probe()
    assert np.array_equal(model.probe_state, noisy)


@pytest.mark.parametrize("setup", ["default", "glauber-binary", "empty", "storkey-paint"])
def test_save_load_round_trip_exactly(tmp_path, setup):
    model = HopfieldModel(seed=3)
    if setup == "glauber-binary":
        model.with_params(mode="glauber", temperature=1.5, coding="binary", threshold=0.3)
    elif setup == "empty":
        model.set_patterns([])
    elif setup == "storkey-paint":
        model.with_params(rule="storkey", mode="energy")
        model.paint("state", [4, 5], 1)
    model.step(5)
    path = io.save(model, tmp_path / "hop.npz")
    loaded = io.load(path)
    assert loaded.params == model.params and loaded.t == model.t
    a, b = model.state(), loaded.state()
    assert set(a) == set(b)
    for key in a:  # NaN records are curve-segment breaks (a rule change, painting)
        assert np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f"), key
    model.step(3)
    loaded.step(3)
    sa, sb = model.snapshot().data, loaded.snapshot().data
    for key in sa:
        assert np.array_equal(sa[key], sb[key], equal_nan=np.asarray(sa[key]).dtype.kind == "f"), key


def test_load_state_rejects_bad_entries():
    model = HopfieldModel(seed=0)
    good = model.state()
    cases = {
        "weights": np.zeros((48, 48)),
        "patterns": np.zeros((3, 49)),
        "probe_state": np.ones(40),
        "local_field": np.full(49, np.nan),
        "overlap_history": np.zeros((2, 1)),
        "sweeps_since_probe": np.array(1.5),
    }
    for key, bad in cases.items():
        state = dict(good)
        state[key] = bad
        with pytest.raises(ValueError, match=key):
            HopfieldModel(seed=0).load_state(state)
    asym = good["weights"].copy()
    asym[0, 1] += 1
    with pytest.raises(ValueError, match="weights"):
        HopfieldModel(seed=0).load_state({**good, "weights": asym})
    state = dict(good)
    del state["local_field"]
    with pytest.raises(ValueError, match="local_field"):
        HopfieldModel(seed=0).load_state(state)


def test_bad_params_and_step():
    model = HopfieldModel(seed=0)
    for change in ({"rows": 0}, {"cols": 65}, {"rule": "oja"}, {"mode": "fast"}, {"temperature": -1.0},
                   {"coding": "ternary"}, {"threshold": float("nan")}, {"max_sweeps": 0}):
        with pytest.raises(ValueError, match=next(iter(change))):
            model.with_params(**change)
    with pytest.raises(ValueError, match="n"):
        model.step(0)


def test_cli_runs_the_model(tmp_path, capsys):
    from engine.cli import main
    assert main(["run", "hopfield", "rule=storkey", "--steps", "5", "--quiet", "--seed", "1",
                 "--save", str(tmp_path / "m.npz")]) == 0
    assert io.load(tmp_path / "m.npz").t == 5


def test_pattern_editor_protocol():
    """engine.model.Model.pattern_editor: pattern_shape, set_patterns (k, rows·cols), set_probe, and the
    stored set in the snapshot under patterns_key as (k, rows, cols)."""
    assert HopfieldModel.pattern_editor and HopfieldModel.patterns_key == "patterns"
    model = HopfieldModel({"rows": 5, "cols": 8}, seed=0)
    assert model.pattern_shape == (5, 8)
    rng = np.random.default_rng(1)
    stored = (rng.random((2, 40)) < 0.5).astype(np.uint8)
    model.set_patterns(stored)
    shown = model.snapshot().data[HopfieldModel.patterns_key]
    assert shown.shape == (2, 5, 8) and np.array_equal(np.where(shown > 0, 1, 0).reshape(2, 40), stored)
    model.set_probe(stored[1].reshape(5, 8))
    assert np.array_equal(model.snapshot().data["state"] > 0, stored[1].reshape(5, 8) > 0)


def test_views_are_filled_by_every_instance():
    for model in (HopfieldModel(seed=0), HopfieldModel({"rows": 4, "cols": 9, "coding": "binary"}, seed=1)):
        for patterns in (None, []):
            if patterns is not None:
                model.set_patterns(patterns)
            data = model.snapshot().data
            for view in model.views():
                assert view.key in data, view.key


def test_uses_only_the_public_api_of_the_network():
    """HopfieldModel drives Hopfield through its public API: no ``net._…`` and no kernel import."""
    import inspect
    from engine.models.hopfield import model as module
    source = inspect.getsource(module)
    assert "net._" not in source and "engine.kernels" not in source


def test_engine_hopfield_imports_no_qt_and_no_experiments():
    code = ("import sys, engine.models.hopfield; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'hebbgui', 'engine.experiments'))]; "
            "sys.exit(str(bad) if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=".", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr



def _segments(energy):
    """The runs of finite values between NaN breaks."""
    return [seg[np.isfinite(seg)] for seg in np.split(energy, np.flatnonzero(np.isnan(energy)))]


@pytest.mark.parametrize("change", [{"rule": "storkey"}, {"rule": "pseudoinverse"}, {"scale": "1/N"},
                                    {"threshold": 0.5}, {"coding": "binary"}])
def test_a_change_that_redefines_the_energy_starts_a_new_curve_segment(change):
    # Rule, scale, threshold and coding each change E(s) itself: the records before and after are of
    # two different functions, so the curve breaks there (a NaN record, then the energy of the state
    # under the new E) instead of joining them.
    model = HopfieldModel(HopfieldModel.Params(rows=14, cols=14), seed=3)
    model.step(3)
    before = len(model.snapshot().data["energy"])
    model.with_params(**change)
    snap = model.snapshot()
    energy, overlap = snap.data["energy"], snap.data["overlap"]
    assert energy.shape == (before + 2,) and overlap.shape[1] == before + 2
    assert np.isnan(energy[before]) and np.isnan(overlap[:, before]).all()
    assert energy[-1] == snap.data["energy_now"] and np.isfinite(overlap[:, -1]).all()
    model.step(5)
    energy = model.snapshot().data["energy"]
    assert energy.shape == (before + 2 + 5,) and np.count_nonzero(np.isnan(energy)) == 1
    for seg in _segments(energy):
        assert np.all(np.diff(seg) <= 1e-9), seg


def test_changes_that_keep_the_energy_keep_the_curve():
    model = HopfieldModel(seed=3)
    model.step(2)
    model.with_params(mode="sync", max_sweeps=50, temperature=1.0)
    assert not np.isnan(model.snapshot().data["energy"]).any()


def test_hebbian_to_storkey_during_recall_never_shows_the_energy_rising():
    # The report: store letters, recall a few sweeps, switch the rule to storkey, recall more. The
    # hebbian energy is ~N times the storkey one, so the joined curve rose at the switch.
    model = HopfieldModel(HopfieldModel.Params(rows=14, cols=14), seed=0)
    model.set_patterns(demo_letters(14, 14, "TUCAE"))
    model.set_probe(model.patterns[1])
    model.corrupt_probe()
    model.step(2)
    switch = len(model.snapshot().data["energy"])
    model.with_params(rule="storkey")
    model.step(4)
    energy = model.snapshot().data["energy"]
    assert np.flatnonzero(np.isnan(energy)).tolist() == [switch]
    segments = _segments(energy)
    assert len(segments) == 2 and segments[0].size == 3 and segments[1].size == 5
    for seg in segments:
        assert np.all(np.diff(seg) <= 1e-9), seg


def test_a_painted_state_starts_a_new_segment_at_the_next_sweep():
    # Painting changes the state outside the dynamics; the sweep after it must not join the energy
    # before the strokes to the energy after the sweep (that can rise).
    model = HopfieldModel(seed=1)
    model.step(6)
    n = len(model.snapshot().data["energy"])
    model.paint("state", np.arange(0, 49, 2), -1)
    model.paint("state", np.arange(1, 20, 3), 1)
    model.step(3)
    energy = model.snapshot().data["energy"]
    assert np.flatnonzero(np.isnan(energy)).tolist() == [n]
    assert energy.shape == (n + 2 + 3,)
    for seg in _segments(energy):
        assert np.all(np.diff(seg) <= 1e-9), seg


def test_a_break_survives_save_and_load(tmp_path):
    model = HopfieldModel(seed=1)
    model.step(2)
    model.with_params(rule="storkey")
    model.step(2)
    loaded = io.load(io.save(model, tmp_path / "s.npz"))
    a, b = model.snapshot().data, loaded.snapshot().data
    assert np.array_equal(a["energy"], b["energy"], equal_nan=True) and np.isnan(b["energy"]).sum() == 1
    assert np.array_equal(a["overlap"], b["overlap"], equal_nan=True)
    bad = dict(model.extra_state(), energy_history=np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="energy_history"):
        model.load_extra_state(bad)


def test_the_cli_summary_reports_the_last_finite_energy():
    from engine.cli import _summary
    model = HopfieldModel(seed=1)
    model.step(2)
    model.with_params(rule="storkey")
    snap = model.snapshot()
    summary = _summary(snap)
    assert np.isfinite(summary["energy[-1]"]) and summary["energy[-1]"] == snap.data["energy"][-1]
    from engine.model import Snapshot
    summary = _summary(Snapshot(t=3, data={"energy": np.array([-3.0, np.nan]), "gone": np.array([np.nan])}))
    assert summary == {"energy[-1]": -3.0}


# --------------------------------------------------------------------------- issue 13: rules, forget, dreams
def over_capacity_model(seed=0):
    """A 7×7 model storing 12 random patterns (α ≈ 0.24: Hebbian keeps few as fixed points)."""
    model = HopfieldModel(seed=seed)
    rng = np.random.default_rng(5)
    model.set_patterns(np.where(rng.random((12, 49)) < 0.5, 1, -1))
    return model


def test_memory_table_counts_the_fixed_points_and_the_perceptron_fills_it():
    model = over_capacity_model()
    data = model.snapshot().data
    assert data["memory"].shape == (12, 2) and list(data["memory_labels"][:2]) == ["pattern 1", "pattern 2"]
    hebbian_stable = data["stable_patterns"]
    assert hebbian_stable < 12 and hebbian_stable == model.net.stable_patterns().sum()
    assert np.array_equal(data["memory"][:, 0] == 1, data["memory"][:, 1] >= 0)  # stable ⇔ every ξ(h − U) ≥ 0
    model.with_params(rule="perceptron", margin=0.5)
    data = model.snapshot().data
    assert data["stable_patterns"] == 12 and data["learning_converged"] == 1.0 and data["learning_epochs"] > 1
    assert np.all(data["memory"][:, 1] > 0.5)
    model.with_params(symmetric=False)
    assert not np.array_equal(model.net.weights, model.net.weights.T)
    assert model.snapshot().data["stable_patterns"] == 12
    model.with_params(max_epochs=1)
    assert model.snapshot().data["learning_converged"] == 0.0


def test_forget_pattern_action_removes_the_nearest_stored_pattern():
    model = HopfieldModel(seed=0)  # demo: T, U, C; the probe is a noisy T
    letters = model.patterns
    model.recall_probe()
    nearest = int(np.argmax(model.net.overlap(model.probe_state)))
    model.forget_pattern()
    data = model.snapshot().data
    assert data["n_patterns"] == 2 and data["patterns"].shape == (2, 7, 7)
    assert np.array_equal(model.patterns, np.delete(letters, nearest, axis=0))
    assert data["overlap"].shape[0] == 2 and data["memory"].shape == (2, 2)
    assert not model.net.is_fixed_point(model.net.from_bipolar(letters[nearest]))
    model.forget_pattern()
    model.forget_pattern()
    with pytest.raises(ValueError, match="nothing is stored"):
        model.forget_pattern()


def test_dream_action_unlearns_deterministically_and_breaks_the_energy_curve():
    runs = []
    for _ in range(2):
        model = over_capacity_model(seed=4)
        model.with_params(n_dreams=200, dream_rate=0.02)
        before = model.snapshot().data
        model.dream()
        runs.append(model)
    after = runs[0].snapshot().data
    assert np.array_equal(runs[0].net.weights, runs[1].net.weights)
    assert not np.array_equal(before["weights"], after["weights"])
    assert np.isnan(after["energy"][-2])  # a new energy segment: E(s) changed
    assert after["energy"][-1] == pytest.approx(runs[0].net.energy(runs[0].probe_state))
    assert after["stable_patterns"] > before["stable_patterns"]  # measured: 3 → 12 of 12


def test_new_options_reach_the_network_and_change_it():
    model = HopfieldModel(seed=0)
    model.with_params(self_connections=True, tie="plus", scale="1/NP")
    net = model.net
    assert net.self_connections and net.tie == "plus" and net.scale == "1/NP"
    assert np.all(np.diag(net.weights) > 0)
    model.with_params(rule="storkey", storkey_passes=3)
    assert model.net.learning_report == ("storkey", 3, True) and np.all(np.diag(model.net.weights) == 0)


@pytest.mark.parametrize("setup", ["perceptron-asymmetric", "dreams-diagonal-tie"])
def test_save_load_round_trip_of_the_new_options_and_state(tmp_path, setup):
    model = over_capacity_model(seed=2)
    if setup == "perceptron-asymmetric":
        model.with_params(rule="perceptron", symmetric=False, margin=0.3, threshold=0.2, coding="binary")
        assert np.any(model.net.learned_thresholds != 0)
    else:
        model.with_params(self_connections=True, tie="plus", scale="1/P", n_dreams=30)
        model.dream()
    model.step(3)
    loaded = io.load(io.save(model, tmp_path / "hop.npz"))
    assert loaded.params == model.params
    assert np.array_equal(loaded.net.weights, model.net.weights)
    assert np.array_equal(loaded.net.learned_thresholds, model.net.learned_thresholds)
    assert loaded.net.learning_report == model.net.learning_report
    model.step(4)
    loaded.step(4)
    sa, sb = model.snapshot().data, loaded.snapshot().data
    for key in sa:
        assert np.array_equal(sa[key], sb[key], equal_nan=np.asarray(sa[key]).dtype.kind == "f"), key


def test_load_state_checks_the_new_entries():
    model = over_capacity_model()
    model.with_params(rule="perceptron")
    good = model.state()
    for key, bad in {"learned_thresholds": np.zeros(3), "learning_epochs": np.array(-1),
                     "learning_converged": np.array(2)}.items():
        with pytest.raises(ValueError, match=key):
            HopfieldModel(seed=0).with_params(rule="perceptron").load_state({**good, key: bad})
    old = {k: v for k, v in good.items() if not k.startswith("learn")}  # a session from before issue 13
    loaded = HopfieldModel(seed=0).with_params(rule="perceptron")
    loaded.load_state(old)
    assert np.all(loaded.net.learned_thresholds == 0) and loaded.net.learning_report.epochs == 0


def test_a_one_row_grid_holds_no_demo_letters_and_runs():
    """Grids down to 1×N (the seed's 5-neuron example is 1×5): no letter fits, so nothing is stored
    at first and the probe is random; patterns set there are stored and recalled as on any grid."""
    model = HopfieldModel({"rows": 1, "cols": 5, "coding": "binary"}, seed=0)
    assert model.net.n_patterns == 0
    model.step(2)
    model.set_patterns(np.array([[0, 1, 0, 1, 1], [1, 0, 1, 1, 0]]))
    model.set_probe(np.array([0, 1, 0, 1, 0]))
    model.recall_probe()
    np.testing.assert_array_equal(model.snapshot().data["state"], [[0, 1, 0, 1, 1]])
    with pytest.raises(ValueError, match="order"):
        model.update_units([5])
