"""What the GUI runs: RBMModel (MNIST), RBMTableModel (the seeds' 3×2 table), DBNModel."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import io, registry
from engine.models.rbm import DBNModel, RBMModel, RBMTableModel

OLD_SESSIONS = Path(__file__).resolve().parents[3] / "data" / "sessions_0.1.0"


def small_params(**extra):
    return dict(dict(n_hidden=64, n_train=1000, batch_size=50, eval_every=5), **extra)


def small_dbn(**extra):
    return dict(dict(n_layers=3, n_hidden_1=32, n_hidden_2=16, n_hidden_3=8, n_train=500, batch_size=50,
                     epochs_per_layer=0.4, n_shown=8), **extra)


# --------------------------------------------------------------------------- RBMModel
def test_rbm_model_views_snapshot_and_actions():
    model = RBMModel(small_params(), seed=0)
    snap0 = model.snapshot()
    keys = [view.key for view in model.views()]
    assert all(key in snap0.data for key in keys)
    assert not any("Seed" in view.title or key.startswith("tiny") for view, key in zip(model.views(), keys))
    assert snap0.data["recon_error"].size >= 1 and snap0.data["pseudo_ll"].size >= 1  # never empty at start
    fields0 = snap0.data["fields"].copy()
    model.step(12)
    snap = model.snapshot()
    assert snap.t == 12
    assert snap.data["fields"].shape == (64, 28, 28)
    assert not np.array_equal(snap.data["fields"], fields0)  # receptive fields change while training
    assert snap.data["reconstructions"].shape == (20, 28, 28)
    assert snap.data["free_energy_gap"].shape[0] == 2
    for name, _, _ in model.actions():
        getattr(model, name)()
    model.occlude_and_reconstruct()
    rec = model.snapshot().data["reconstructions"]
    assert np.all(rec[:10, 18:, :] == 0)  # occluded inputs on top, completions below
    assert rec[10:, 18:, :].sum() > 0


@pytest.mark.parametrize("params", [small_params(), small_params(method="pt")], ids=["cd", "pt"])
def test_rbm_model_save_load_round_trip(tmp_path, params):
    model = RBMModel(params, seed=1)
    model.step(7)
    model.occlude_and_reconstruct()
    loaded = io.load(io.save(model, tmp_path / "rbm.npz"))
    a, b = model.snapshot().data, loaded.snapshot().data
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)
    model.step(3)
    loaded.step(3)
    np.testing.assert_array_equal(model.rbm.weights_, loaded.rbm.weights_)
    np.testing.assert_array_equal(model.snapshot().data["fantasy"], loaded.snapshot().data["fantasy"])


def test_rbm_model_rejects_bad_state_and_params_and_keeps_going():
    model = RBMModel(small_params(), seed=0)
    model.step(2)
    state = model.state()
    bad_entries = [("rbm_weights", np.zeros((10, 64))), ("counters", np.array([0, 5000, 0])),
                   ("counters", np.array([-1, 0, 0])), ("counters", np.array([0, 0, 2])),
                   ("order", np.full(1000, 1000)), ("order", np.zeros(1000)), ("fantasy_v", np.full((20, 784), 2.0)),
                   ("rbm_kernel_state", np.zeros(4, np.uint64)), ("rbm_counters", np.array([3, -1])),
                   ("recon_error", np.array([np.nan]))]
    for key, value in bad_entries:
        with pytest.raises(ValueError, match=key):
            model.load_state(dict(state, **{key: value}))
    bad = dict(state)
    del bad["fantasy_v"]
    with pytest.raises(ValueError, match="fantasy_v"):
        model.load_state(bad)
    np.testing.assert_array_equal(model.rbm.weights_, state["rbm_weights"])  # nothing changed
    with pytest.raises(ValueError, match="k"):
        model.with_params(k=0)
    with pytest.raises(ValueError, match="learning_rate"):
        model.with_params(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="n"):
        model.step(0)
    model.with_params(method="pcd", learning_rate=0.02)  # live change keeps the weights
    assert model.rbm.method == "pcd" and model.rbm.learning_rate == 0.02
    np.testing.assert_array_equal(model.rbm.weights_, state["rbm_weights"])
    model.step(2)
    assert model.t == 4


def test_rbm_model_same_seed_same_run():
    a, b = RBMModel(small_params(), seed=5), RBMModel(small_params(), seed=5)
    a.step(6)
    b.step(6)
    np.testing.assert_array_equal(a.rbm.weights_, b.rbm.weights_)
    np.testing.assert_array_equal(a.snapshot().data["fantasy"], b.snapshot().data["fantasy"])


# --------------------------------------------------------------------------- RBMTableModel
def test_table_model_shows_the_seed_table_and_sampling_converges():
    model = RBMTableModel(seed=0)
    assert [v.key for v in model.views()] == ["tiny_table", "tiny_kl"]
    snap = model.snapshot()
    table = snap.data["tiny_table"]
    assert table.shape == (2, 32)
    assert snap.data["tiny_z"] == pytest.approx(57.684, abs=5e-4)
    assert table[0, 0b10101] == pytest.approx(np.exp(0.3) / 57.684, abs=1e-4)  # v=101, h=01
    model.step(300)
    snap = model.snapshot()
    assert np.abs(snap.data["tiny_table"][1] - snap.data["tiny_table"][0]).max() < 0.01
    assert snap.data["tiny_kl"][-1] < 0.01
    model.new_chains()
    assert model.snapshot().data["tiny_kl"].size == 0


def test_table_model_round_trip_and_bad_state(tmp_path):
    model = RBMTableModel({"n_chains": 50}, seed=2)
    model.step(5)
    loaded = io.load(io.save(model, tmp_path / "table.npz"))
    model.step(3)
    loaded.step(3)
    for key, value in model.snapshot().data.items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(loaded.snapshot().data[key]), err_msg=key)
    state = model.state()
    for key, value in (("tiny_counts", np.full(32, -1)), ("tiny_counts", np.zeros(32)), ("tiny_v", np.full((50, 3), 0.5)),
                       ("tiny_h", np.zeros((40, 2)))):
        with pytest.raises(ValueError, match=key):
            model.load_state(dict(state, **{key: value}))


def test_old_seed_3x2_session_loads_as_the_table_model():
    model = io.load(OLD_SESSIONS / "rbm-preset_seed_3x2.npz")
    assert isinstance(model, RBMTableModel) and model.t == 3
    assert model.snapshot().data["tiny_table"].shape == (2, 32)
    assert registry.get("rbm-table") is RBMTableModel


# --------------------------------------------------------------------------- DBNModel
def test_dbn_model_trains_layer_by_layer_and_round_trips(tmp_path):
    model = DBNModel(small_dbn(), seed=0)
    snap = model.snapshot()
    assert [view.key for view in model.views()] == ["fields_1", "fields_2", "fields_3", "recon_error", "fantasy"]
    for view in model.views():
        assert view.key in snap.data
    w2 = model.dbn.rbms_[1].weights_.copy()
    model.step(4)  # layer 1 only
    assert model.dbn.layer_ == 1 and np.array_equal(model.dbn.rbms_[1].weights_, w2)
    model.step(4)
    assert model.dbn.layer_ == 2 and not np.array_equal(model.dbn.rbms_[1].weights_, w2)
    snap = model.snapshot()
    assert [snap.data[f"fields_{i}"].shape for i in (1, 2, 3)] == [(8, 28, 28)] * 3
    model.new_fantasy()
    loaded = io.load(io.save(model, tmp_path / "dbn.npz"))
    for key, value in model.snapshot().data.items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(loaded.snapshot().data[key]), err_msg=key)
    model.step(5)
    loaded.step(5)
    assert model.done and loaded.done
    for r1, r2 in zip(model.dbn.rbms_, loaded.dbn.rbms_):
        np.testing.assert_array_equal(r1.weights_, r2.weights_)


def test_two_layer_dbn_shows_no_third_layer_and_refuses_bad_state():
    model = DBNModel(small_dbn(n_layers=2), seed=0)
    keys = [view.key for view in model.views()]
    assert "fields_3" not in keys and not any("Layer 3" in v.title for v in model.views())
    snap = model.snapshot()
    assert "fields_3" not in snap.data and snap.data["recon_error"].shape[0] == 2
    model.step(2)
    state = model.state()
    for key, value in (("counters", np.array([3, 0, 0])), ("counters", np.array([0, 0, 501])),
                       ("order", np.full(500, -1)), ("top_v", np.full((16, 16), 0.5)),
                       ("layer1_weights", np.zeros((16, 7)))):
        with pytest.raises(ValueError, match="layer|" + key):
            model.load_state(dict(state, **{key: value}))
    model.with_params(learning_rate=0.01)
    assert [r.learning_rate for r in model.dbn.rbms_] == [0.01, 0.01]


# --------------------------------------------------------------------------- snapshots are copies
def _engine_arrays(obj, seen=None) -> list[np.ndarray]:
    """Every array a model holds, looking into its estimators, lists and dicts."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, dict):
        return [a for v in obj.values() for a in _engine_arrays(v, seen)]
    if isinstance(obj, (list, tuple)):
        return [a for v in obj for a in _engine_arrays(v, seen)]
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("engine."):
        return [a for v in vars(obj).values() for a in _engine_arrays(v, seen)]
    return []


@pytest.mark.parametrize("make", [lambda: RBMModel(small_params(n_hidden=16), seed=0),
                                  lambda: RBMModel(small_params(n_hidden=1, n_shown=1), seed=0),
                                  lambda: RBMTableModel(seed=0),
                                  lambda: DBNModel(small_dbn(n_layers=2), seed=0),
                                  lambda: DBNModel(small_dbn(n_layers=1, n_hidden_1=1, n_shown=1), seed=0)],
                         ids=["rbm", "rbm-1-hidden", "rbm-table", "dbn", "dbn-1-unit"])
def test_snapshot_shares_no_memory_with_the_model(make):
    model = make()
    model.step(2)
    if isinstance(model, RBMModel):
        model.occlude_and_reconstruct()  # the completion is shown too
    held = _engine_arrays(model)
    assert len(held) > 3
    snap = model.snapshot()
    for key, value in snap.data.items():
        if isinstance(value, np.ndarray):
            assert not any(np.shares_memory(value, a) for a in held), key
    before = {k: np.array(v, copy=True) for k, v in snap.data.items()}
    for value in snap.data.values():
        if isinstance(value, np.ndarray) and value.size:
            value[...] = 7  # a view scribbling on its frame…
    for key, value in model.snapshot().data.items():  # …changes nothing in the model
        np.testing.assert_array_equal(np.asarray(value), before[key], err_msg=key)


def test_cli_runs_and_saves_the_rbm(tmp_path):
    from engine.cli import main
    out = tmp_path / "cli_rbm.npz"
    assert main(["run", "rbm", "n_hidden=32", "n_train=500", "--steps", "5", "--save", str(out), "--quiet"]) == 0
    assert io.load(out).t == 5
    assert main(["run", "rbm", "k=0", "--steps", "1", "--quiet"]) == 2
