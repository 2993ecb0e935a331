"""CompetitiveModel: views, live changes, save/load, the CLI."""
from __future__ import annotations

import numpy as np
import pytest

from engine import io, registry
from engine.cli import main as cli_main
from engine.models.competitive import CompetitiveModel


def test_registered_under_competitive():
    assert registry.get("competitive") is CompetitiveModel


@pytest.mark.parametrize("dataset", ["blobs", "iris", "digits"])
def test_model_views_have_data(dataset):
    m = CompetitiveModel({"dataset": dataset}, seed=0)
    m.step(3)
    snap = m.snapshot()
    keys = {view.key for view in m.views()}
    # pictures of prototypes only for image data: a 1×2 "image" of a 2-D point tells nothing
    assert ({"prototype_images", "nearest"} <= keys) == (dataset == "digits")
    for view in m.views():
        assert view.key in snap.data, view.key
        for key in view.series:
            assert key in snap.data
    n = m.X.shape[0]
    assert snap.data["data"].shape == (n, 2) and snap.data["assignment"].shape == (n,)
    assert snap.data["prototypes"].shape == (m.layer.n_units, 2)
    if dataset == "digits":
        assert snap.data["nearest"].shape == (m.layer.n_units * 11, 8, 8)


def test_model_prototypes_move_onto_the_blobs():
    m = CompetitiveModel(seed=0)
    m.step(100 * 3)                          # three epochs of 1500 samples
    assert m.epoch == 3 and len(m.snapshot().data["error"]) == 3
    protos = m.snapshot().data["prototypes"]
    centres = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    assert np.all(np.min(np.linalg.norm(centres[:, None] - protos[None], axis=2), axis=1) < 0.1)


def test_model_live_change_and_bad_change():
    m = CompetitiveModel(seed=0)
    m.step(5)
    w = m.layer.weights_.copy()
    m.with_params(winner="activation", conscience=2.0, learning_rate=0.05)
    np.testing.assert_array_equal(m.layer.weights_, w)
    assert m.layer.winner == "activation"
    with pytest.raises(ValueError, match="learning_rate"):
        m.with_params(learning_rate=0.0)
    with pytest.raises(ValueError, match="dataset"):
        m.with_params(dataset="cifar")
    with pytest.raises(ValueError, match=r"n_data must be an integer in \[\d, 150\], got"):
        m.with_params(dataset="iris", n_data=1000)
    assert m.X.shape == (1500, 2)
    assert m.layer.learning_rate == 0.05
    m.with_params(n_units=5)
    assert m.layer.weights_.shape == (5, 2) and m.t == 0


def test_model_save_load_resumes_identically(tmp_path):
    m = CompetitiveModel({"conscience": 1.0}, seed=1)
    m.step(123)
    back = io.load(io.save(m, tmp_path / "c.npz"))
    for key, value in m.snapshot().data.items():
        np.testing.assert_array_equal(back.snapshot().data[key], value)
    m.step(50)
    back.step(50)
    np.testing.assert_array_equal(back.layer.weights_, m.layer.weights_)
    with pytest.raises(ValueError, match="weights"):
        m.load_state(dict(m.state(), weights=np.zeros((2, 2))))


def test_cli(tmp_path):
    assert cli_main(["run", "competitive", "dataset=iris", "--steps", "20", "--quiet",
                     "--save", str(tmp_path / "c.npz")]) == 0
    assert io.load(tmp_path / "c.npz").t == 20




@pytest.mark.parametrize("key,value,words", [
    ("epoch_assignment", np.full(1500, 3), "epoch_assignment"),       # unit 3 of a 3-unit layer
    ("epoch_assignment", np.zeros(1500), "integer"),
    ("position", np.array(10 ** 6), "position"),
    ("epoch", np.array(-1), "epoch"),
    ("order", np.array([0, -1]), "order"),
    ("win_frequency", np.array([0.5, 0.5, 2.0]), "win_frequency"),
    ("running_error", np.array(np.nan), "running_error"),
    ("nearest", np.zeros((3, 1, 2)), "nearest"),
])
def test_load_state_checks_every_entry_and_keeps_the_model(key, value, words):
    m = CompetitiveModel(seed=0)
    m.step(7)
    before = m.state()
    with pytest.raises(ValueError, match=words):
        m.load_state(dict(before, **{key: value}))
    for k, v in m.state().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
