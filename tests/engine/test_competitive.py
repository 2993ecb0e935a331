"""Competitive learning: the seeds' worked example, clustering, conscience, the GUI model."""
from __future__ import annotations


import numpy as np
import pytest

from engine import io, registry
from engine.cli import main as cli_main
from engine.models.competitive import CompetitiveLayer, CompetitiveModel, competitive_step
from engine.models.som import load_training_data

# seed 000 §6-2: three inputs, two output units; the seeds store w as (inputs, units)
SEED_W = np.array([[0.7, 0.2], [0.1, 0.8], [0.8, 0.1]])
SEED_X = np.array([[0.8, 0.1, 0.9], [0.1, 0.9, 0.2]])


@pytest.fixture(scope="module")
def blobs():
    X, y, _ = load_training_data("blobs", 1500, 0)
    return X, y


def test_public_names_are_exported():
    import engine
    assert engine.CompetitiveLayer is CompetitiveLayer
    assert registry.get("competitive") is CompetitiveModel


def test_the_seeds_worked_example():
    w = SEED_W.T                                             # ours: (units, features)
    np.testing.assert_allclose(np.round(SEED_X @ SEED_W, 2), [[1.29, 0.33], [0.32, 0.76]])
    layer = CompetitiveLayer(2, 0.5)
    layer.weights_ = w
    np.testing.assert_allclose(np.round(layer.activations(SEED_X), 2), [[1.29, 0.33], [0.32, 0.76]])
    np.testing.assert_allclose(np.round(layer.transform(SEED_X), 2), [[0.14, 1.22], [1.17, 0.17]])
    for rule in ("distance", "activation"):
        win, new = competitive_step(w, SEED_X[0], 0.5, winner=rule)
        assert win == 0
        np.testing.assert_allclose(new[0], [0.75, 0.10, 0.85])
        np.testing.assert_array_equal(new[1], w[1])
        win, new2 = competitive_step(new, SEED_X[1], 0.5, winner=rule)
        assert win == 1
        np.testing.assert_allclose(new2.T, [[0.75, 0.15], [0.10, 0.85], [0.85, 0.15]])
    # the same two presentations through the numba kernel
    for rule in ("distance", "activation"):
        layer = CompetitiveLayer(2, 0.5, winner=rule)
        layer.weights_ = w
        layer.partial_fit(SEED_X, shuffle=False)
        np.testing.assert_allclose(layer.weights_.T, [[0.75, 0.15], [0.10, 0.85], [0.85, 0.15]])
        assert layer.predict(SEED_X).tolist() == [0, 1]


def test_clusters_the_seeds_blobs(blobs):
    X, y = blobs
    layer = CompetitiveLayer(n_units=3, learning_rate=0.01, random_state=0).fit(X, epochs=10)
    centres = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 0.0]])
    w = layer.weights_
    assert w.shape == (3, 2)
    # every true centre has a prototype within 0.05 (the seeds' figure: stars on the clusters)
    assert np.all(np.min(np.linalg.norm(centres[:, None] - w[None], axis=2), axis=1) < 0.05)
    # the seeds' run: error 0.224 → 0.189
    assert layer.error_history_[-1] < layer.error_history_[0]
    assert 0.17 < layer.error_history_[-1] < 0.21
    # clusters agree with the generating labels up to renaming
    from sklearn.metrics import adjusted_rand_score
    assert adjusted_rand_score(y, layer.predict(X)) > 0.85


def test_conscience_revives_dead_units():
    rng = np.random.default_rng(0)
    X = rng.normal(0.0, 0.05, size=(600, 2)) + np.array([5.0, 5.0])
    w0 = np.array([[5.0, 5.0], [0.0, 0.0], [-1.0, 0.0], [0.0, -1.0]])   # three units far away
    plain = CompetitiveLayer(4, 0.05, random_state=0)
    plain.weights_ = w0
    for _ in range(5):
        plain.partial_fit(X)
    assert np.unique(plain.predict(X)).size == 1
    fair = CompetitiveLayer(4, 0.05, conscience=200.0, conscience_rate=0.01, random_state=0)
    fair.weights_ = w0
    for _ in range(5):
        fair.partial_fit(X)
    assert np.all(np.linalg.norm(fair.weights_ - [5.0, 5.0], axis=1) < 1.0)
    assert np.unique(fair.predict(X)).size >= 3


def test_same_seed_same_result(blobs):
    X, _ = blobs
    a = CompetitiveLayer(3, random_state=4).fit(X, epochs=2).weights_
    b = CompetitiveLayer(3, random_state=4).fit(X, epochs=2).weights_
    c = CompetitiveLayer(3, random_state=5).fit(X, epochs=2).weights_
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_learning_rate_schedule_decays(blobs):
    X, _ = blobs
    layer = CompetitiveLayer(3, 0.5, lr_decay="linear", random_state=0).fit(X, epochs=3)
    assert np.isfinite(layer.weights_).all()
    assert layer.score(X) == pytest.approx(-layer.error(X))


@pytest.mark.parametrize("kwargs,name", [
    (dict(n_units=0), "n_units"), (dict(learning_rate=0), "learning_rate"), (dict(learning_rate=np.inf), "learning_rate"),
    (dict(winner="nearest"), "winner"), (dict(conscience=-1), "conscience"), (dict(conscience_rate=2.0), "conscience_rate"),
    (dict(init="zeros"), "init"), (dict(random_state=1.5), "random_state"), (dict(lr_decay="step"), "lr_decay"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CompetitiveLayer(**kwargs)


def test_bad_data_raises_and_keeps_weights(blobs):
    X, _ = blobs
    layer = CompetitiveLayer(3, random_state=0).fit(X, epochs=1)
    before = np.array(layer.weights_)
    with pytest.raises(ValueError, match="X must have 2 features"):
        layer.partial_fit(np.zeros((5, 3)))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="X contains NaN"):
        layer.partial_fit(bad)
    with pytest.raises(ValueError, match="at least one sample"):
        layer.predict(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="no weights yet"):
        CompetitiveLayer(3).predict(X)
    with pytest.raises(ValueError, match="x must have shape"):
        competitive_step(SEED_W.T, [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="learning_rate"):
        competitive_step(SEED_W.T, SEED_X[0], 0.0)
    np.testing.assert_array_equal(layer.weights_, before)


# --------------------------------------------------------------------------- the GUI model
@pytest.mark.parametrize("dataset", ["blobs", "iris", "digits"])
def test_model_views_have_data(dataset):
    m = CompetitiveModel({"dataset": dataset}, seed=0)
    m.step(3)
    snap = m.snapshot()
    image_views = {"prototype_images", "nearest"}
    for view in CompetitiveModel().views():
        # pictures of prototypes only for image data: a 1×2 "image" of a 2-D point tells nothing
        assert (view.key in snap.data) == (view.key not in image_views or dataset == "digits"), view.key
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
    w = m.layer._weights.copy()
    m.with_params(winner="activation", conscience=2.0, learning_rate=0.05)
    np.testing.assert_array_equal(m.layer._weights, w)
    assert m.layer.winner == "activation"
    with pytest.raises(ValueError, match="learning_rate"):
        m.with_params(learning_rate=0.0)
    with pytest.raises(ValueError, match="dataset"):
        m.with_params(dataset="cifar")
    with pytest.raises(ValueError, match="n_data must be ≤ 150"):
        m.with_params(dataset="iris", n_data=1000)
    assert m.X.shape == (1500, 2)
    assert m.layer.learning_rate == 0.05
    m.with_params(n_units=5)
    assert m.layer._weights.shape == (5, 2) and m.t == 0


def test_model_save_load_resumes_identically(tmp_path):
    m = CompetitiveModel({"conscience": 1.0}, seed=1)
    m.step(123)
    back = io.load(io.save(m, tmp_path / "c.npz"))
    for key, value in m.snapshot().data.items():
        np.testing.assert_array_equal(back.snapshot().data[key], value)
    m.step(50)
    back.step(50)
    np.testing.assert_array_equal(back.layer._weights, m.layer._weights)
    with pytest.raises(ValueError, match="weights"):
        m.load_state(dict(m.state(), weights=np.zeros((2, 2))))


def test_cli(tmp_path):
    assert cli_main(["run", "competitive", "dataset=iris", "--steps", "20", "--quiet",
                     "--save", str(tmp_path / "c.npz")]) == 0
    assert io.load(tmp_path / "c.npz").t == 20


def test_works_with_scikit_learn_clone(blobs):
    from sklearn.base import clone
    X, _ = blobs
    layer = CompetitiveLayer(3, 0.05, conscience=1.0, random_state=0)
    twin = clone(layer)
    np.testing.assert_array_equal(twin.fit_predict(X, epochs=2), layer.fit_predict(X, epochs=2))
