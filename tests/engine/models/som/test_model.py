"""SOMModel: the GUI contract (presets, views, live changes, snapshots, save/load, CLI, frame budget)."""
from __future__ import annotations


import numpy as np
import pytest

from engine import io, registry
from engine.cli import main as cli_main
from engine.models.som import PRESETS, SOMModel


def test_registered_under_som():
    assert registry.get("som") is SOMModel


def test_default_preset_is_the_seeds_iris_map():
    m = SOMModel(seed=0)
    assert m.config["rows"] == m.config["cols"] == 50
    assert m.config["neighborhood"] == "bubble" and m.config["sigma_decay"] == "step"
    assert m.X.shape == (150, 4)


@pytest.mark.parametrize("preset", ["iris_50x50", "digits", "blobs", "mnist_30x30"])
def test_every_view_has_its_data_from_the_start(preset):
    m = SOMModel({"preset": preset, "n_data": 300} if preset == "mnist_30x30" else {"preset": preset}, seed=0)
    m.step(2)
    snap = m.snapshot()
    rows, cols = m.config["rows"], m.config["cols"]
    images = preset in ("digits", "mnist_30x30")
    keys = [view.key for view in m.views()]
    # prototype pictures only for image data (Iris and blobs have component planes instead)
    assert ("prototypes" in keys) == images == ("prototypes" in snap.data)
    for view in m.views():
        assert view.key in snap.data, view.key
        for key in view.series:
            assert key in snap.data
    assert snap.data["umatrix"].shape == (rows, cols)
    assert snap.data["bmu_labels"].shape == (rows, cols) and snap.data["bmu_labels"].max() >= 0
    assert snap.data["hits"].sum() == len(m.eval_index)
    assert snap.data["components"].shape[1:] == (rows, cols)
    if images:
        assert snap.data["prototypes"].ndim == 3
    assert len(snap.data["qe"]) >= 1 and len(snap.data["te"]) >= 1


def test_mnist_100x100_preset_is_the_seeds_map():
    m = SOMModel({"preset": "mnist_100x100"}, seed=0)
    assert m.X.shape == (2000, 784) and m.X.min() == -1.0 and m.X.max() == 1.0
    assert m.som.rows == m.som.cols == 100
    m.step(1)
    snap = m.snapshot()
    assert snap.data["prototypes"].shape == (900, 28, 28)     # 30×30 tiles sampled over the grid
    assert snap.data["umatrix"].shape == (100, 100)


def test_snapshot_returns_copies():
    m = SOMModel({"preset": "digits"}, seed=0)
    m.step(3)
    snap = m.snapshot()
    for key in ("umatrix", "hits", "bmu_labels", "prototypes", "components", "qe"):
        snap.data[key][...] = -7
    again = m.snapshot()
    for key in ("umatrix", "hits", "bmu_labels", "prototypes", "components", "qe"):
        assert not np.all(again.data[key] == -7), key


def test_an_epoch_ends_with_measures_and_qe_falls():
    m = SOMModel({"preset": "iris_50x50"}, seed=0)
    per_epoch = -(-m.config["samples_per_epoch"] // m.config["samples_per_step"])
    m.step(per_epoch * 5)
    assert m.epoch == 5
    qe = m.snapshot().data["qe"]
    assert len(qe) == 6 and qe[-1] < qe[0]
    assert len(m.snapshot().data["running_error"]) == 5


def test_live_changes_keep_the_map():
    m = SOMModel(seed=0)
    m.step(10)
    w = m.som.weights_.copy()
    m.with_params(topology="hexagonal")
    assert m.snapshot().data["hexagonal"] == 1.0
    np.testing.assert_array_equal(m.som.weights_, w)
    m.with_params(neighborhood="gaussian", sigma=5.0)
    assert m.som.neighborhood == "gaussian" and m.som.sigma == 5.0
    m.step(10)
    m.with_params(mode="batch")
    m.step(10)
    assert m.t == 30
    assert np.isfinite(m.snapshot().data["umatrix"]).all()


def test_bad_changes_raise_and_keep_the_state():
    m = SOMModel({"preset": "blobs"}, seed=0)
    m.step(4)
    w = m.som.weights_.copy()
    params = m.params
    with pytest.raises(ValueError, match="mexican_hat"):
        m.with_params(mode="batch", neighborhood="mexican_hat")
    with pytest.raises(ValueError, match="rows × cols"):
        m.with_params(rows=1, cols=1)
    with pytest.raises(ValueError, match="rows must be even"):
        m.with_params(toroidal=True, rows=15)
    with pytest.raises(ValueError, match="learning_rate"):
        m.with_params(learning_rate=-1.0)
    with pytest.raises(ValueError, match="neighborhood"):
        m.with_params(neighborhood="cone")
    with pytest.raises(ValueError, match=r"n_data must be an integer in \[\d, 150\], got"):
        m.with_params(preset="iris_50x50", n_data=500)
    with pytest.raises(ValueError, match="n must be"):
        m.step(0)
    assert m.params == params and m.t == 4
    np.testing.assert_array_equal(m.som.weights_, w)


def test_grid_change_rebuilds():
    m = SOMModel({"preset": "blobs"}, seed=0)
    m.with_params(rows=8, cols=6)
    assert m.som.weights_.shape == (8, 6, 2) and m.snapshot().data["umatrix"].shape == (8, 6)


def test_same_seed_same_run():
    a, b = SOMModel({"preset": "blobs"}, seed=3), SOMModel({"preset": "blobs"}, seed=3)
    a.step(40)
    b.step(40)
    np.testing.assert_array_equal(a.som.weights_, b.som.weights_)
    c = SOMModel({"preset": "blobs"}, seed=4)
    c.step(40)
    assert not np.allclose(a.som.weights_, c.som.weights_)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_save_load_round_trip_and_resume_identically(tmp_path, mode):
    m = SOMModel({"preset": "blobs", "mode": mode}, seed=2)
    m.step(37)                                   # mid-epoch: order, position and batch sums matter
    path = io.save(m, tmp_path / "som.npz")
    back = io.load(path)
    assert back.t == m.t and back.epoch == m.epoch and back.position == m.position
    np.testing.assert_array_equal(back.som.weights_, m.som.weights_)
    for key, value in m.snapshot().data.items():
        np.testing.assert_array_equal(back.snapshot().data[key], value)
    m.step(40)
    back.step(40)
    np.testing.assert_array_equal(back.som.weights_, m.som.weights_)
    np.testing.assert_array_equal(back.snapshot().data["qe"], m.snapshot().data["qe"])


def test_load_extra_state_names_the_bad_entry():
    m = SOMModel({"preset": "blobs"}, seed=0)
    state = m.state()
    bad = dict(state, codebook=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="codebook"):
        m.load_state(bad)
    missing = {k: v for k, v in state.items() if k != "hits"}
    with pytest.raises(ValueError, match="hits"):
        m.load_state(missing)
    bad_order = dict(state, order=np.array([0, 10 ** 6]))
    with pytest.raises(ValueError, match="order"):
        m.load_state(bad_order)


def test_measure_action():
    assert ("measure", "Measure now", "compute QE, TE, hits and class labels on the current map") in SOMModel.actions()
    m = SOMModel({"preset": "blobs"}, seed=0)
    m.step(3)
    m.measure()
    assert len(m.snapshot().data["qe"]) == 2


def test_cli_runs_and_saves(tmp_path, capsys):
    out = tmp_path / "som.npz"
    assert cli_main(["run", "som", "preset=blobs", "neighborhood=mexican_hat", "learning_rate=0.02", "--steps", "40",
                     "--quiet", "--save", str(out)]) == 0
    assert "qe[-1]" in capsys.readouterr().out
    assert io.load(out).t == 40
    # at the preset's rate 0.5 the mexican hat's prototypes run away (5.8e6 on data within ±1.3): said, not saved
    assert cli_main(["run", "som", "preset=blobs", "neighborhood=mexican_hat", "--steps", "40", "--quiet"]) == 2
    assert "weights diverged at epoch 1" in capsys.readouterr().err
    assert cli_main(["run", "som", "rows=1", "cols=1", "--steps", "1", "--quiet"]) == 2


def test_presets_cover_the_issue():
    assert set(PRESETS) == {"iris_50x50", "mnist_100x100", "mnist_30x30", "digits", "blobs"}


def test_views_follow_the_data_set():
    m = SOMModel({"preset": "blobs"}, seed=0)
    assert "prototypes" not in [v.key for v in m.views()]
    m.with_params(preset="digits")
    assert "prototypes" in [v.key for v in m.views()]


@pytest.mark.parametrize("key,value,words", [
    ("position", np.array(10 ** 6), "position"),
    ("epoch", np.array(-1), "epoch"),
    ("eval_index", np.array([0, 1500]), "eval_index"),
    ("order", np.array([0.5, 1.0]), "integer"),
    ("bmu_labels", np.full((15, 15), -2), "bmu_labels"),
    ("hits", -np.ones((15, 15)), "hits"),
    ("batch_counts", np.full(225, np.nan), "batch_counts"),
    ("running_error", np.array([1.0, 2.0]), "running_error"),
    ("qe", np.array([np.inf]), "qe"),
])
def test_load_state_checks_every_entry_and_keeps_the_model(key, value, words):
    m = SOMModel({"preset": "blobs"}, seed=0)
    m.step(7)
    before = m.state()
    with pytest.raises(ValueError, match=words):
        m.load_state(dict(before, **{key: value}))
    for k, v in m.state().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def _schedule_steps(cfg) -> int:
    """Steps (chunks) of one whole schedule: epochs × chunks per epoch."""
    return cfg["epochs"] * -(-cfg["samples_per_epoch"] // cfg["samples_per_step"])


def test_the_gui_starts_at_a_speed_where_the_schedule_can_be_watched():
    # At the "max" speed the default Iris map's whole schedule (radius 20 → 0) ran in 1–2 s.
    rate = SOMModel.default_rate
    assert rate is not None and np.isfinite(rate) and rate > 0
    default = SOMModel.resolve(SOMModel.Params())
    assert 20.0 <= _schedule_steps(default) / rate <= 60.0
    for name in PRESETS:  # every preset's schedule lasts at least ten seconds
        assert _schedule_steps(SOMModel.resolve(SOMModel.Params(preset=name))) / rate >= 10.0, name
    m = SOMModel(seed=0)
    m.step(_schedule_steps(default) // 2)   # half the steps: half the schedule (epoch 150 of 300)
    assert m.epoch == default["epochs"] // 2


def test_a_batch_epoch_end_interrupted_by_a_stop_is_finished_by_the_next_step(tmp_path):
    """A stop request inside the epoch-end batch update (engine/interrupt.py) leaves the prototypes as
    they were and the epoch pending: the model saves, and its next step finishes that epoch end, so
    the run goes on as an uninterrupted one does."""
    import threading

    from engine import interrupt
    whole = SOMModel({"preset": "blobs", "mode": "batch"}, seed=2)
    stopped = SOMModel({"preset": "blobs", "mode": "batch"}, seed=2)
    flag = threading.Event()
    real_apply = stopped.som.apply_batch

    def stop_then_apply(*args):
        flag.set()                              # the request arrives as the epoch-end update begins
        return real_apply(*args)
    stopped.som.apply_batch = stop_then_apply
    with interrupt.watching(flag):
        while stopped.epoch == 0:
            weights = stopped.som.weights_.copy()
            try:
                stopped.step(1)
            except interrupt.StepInterrupted:
                break
    assert flag.is_set() and stopped.epoch == 0 and stopped.position == stopped.order.shape[0]
    np.testing.assert_array_equal(stopped.som.weights_, weights)
    back = io.load(io.save(stopped, tmp_path / "som.npz"))
    whole.step(back.t + 5)
    back.step(5)
    assert back.epoch == whole.epoch >= 1
    np.testing.assert_array_equal(back.som.weights_, whole.som.weights_)
    np.testing.assert_array_equal(back.snapshot().data["qe"], whole.snapshot().data["qe"])
