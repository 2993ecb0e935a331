"""CompetitiveLayer: the seeds' worked example, clustering, conscience, validation, scikit-learn."""
from __future__ import annotations


import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.estimator import NotFittedError
from engine.models.competitive import CompetitiveLayer, competitive_step
from engine.models.shared import load_training_data

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
        layer.set_params(shuffle=False).partial_fit(SEED_X)
        np.testing.assert_allclose(layer.weights_.T, [[0.75, 0.15], [0.10, 0.85], [0.85, 0.15]])
        assert layer.predict(SEED_X).tolist() == [0, 1]


def test_clusters_the_seeds_blobs(blobs):
    X, y = blobs
    layer = CompetitiveLayer(n_units=3, learning_rate=0.01, n_epochs=10, random_state=0).fit(X)
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
    a = CompetitiveLayer(3, n_epochs=2, random_state=4).fit(X).weights_
    b = CompetitiveLayer(3, n_epochs=2, random_state=4).fit(X).weights_
    c = CompetitiveLayer(3, n_epochs=2, random_state=5).fit(X).weights_
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_learning_rate_schedule_decays(blobs):
    X, _ = blobs
    layer = CompetitiveLayer(3, 0.5, lr_decay="linear", n_epochs=3, random_state=0).fit(X)
    assert np.isfinite(layer.weights_).all()
    assert layer.score(X) == pytest.approx(-layer.error(X))


@pytest.mark.parametrize("kwargs,name", [
    (dict(n_units=0), "n_units"), (dict(learning_rate=0), "learning_rate"), (dict(learning_rate=np.inf), "learning_rate"),
    (dict(winner="nearest"), "winner"), (dict(conscience=-1), "conscience"), (dict(conscience_rate=2.0), "conscience_rate"),
    (dict(init="zeros"), "init"), (dict(random_state=1.5), "random_state"), (dict(lr_decay="step"), "lr_decay"),
    (dict(n_epochs=0), "n_epochs"), (dict(shuffle="yes"), "shuffle"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    """Checked by fit (scikit-learn's constructors only store) and by update_params, which then changes nothing."""
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=name):
        CompetitiveLayer(**kwargs).fit(X)
    layer = CompetitiveLayer()
    with pytest.raises(ValueError, match=name):
        layer.update_params(**kwargs)
    assert layer.get_params() == CompetitiveLayer().get_params()


def test_bad_data_raises_and_keeps_weights(blobs):
    X, _ = blobs
    layer = CompetitiveLayer(3, n_epochs=1, random_state=0).fit(X)
    before = np.array(layer.weights_)
    with pytest.raises(ValueError, match="X has 3 features, but CompetitiveLayer is expecting 2 features"):
        layer.partial_fit(np.zeros((5, 3)))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        layer.partial_fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        layer.predict(np.zeros((0, 2)))
    with pytest.raises(NotFittedError, match="not fitted"):
        CompetitiveLayer(3).predict(X)
    with pytest.raises(ValueError, match="x must have shape"):
        competitive_step(SEED_W.T, [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="learning_rate"):
        competitive_step(SEED_W.T, SEED_X[0], 0.0)
    np.testing.assert_array_equal(layer.weights_, before)


def test_works_with_scikit_learn_clone(blobs):
    from sklearn.base import clone
    X, _ = blobs
    layer = CompetitiveLayer(3, 0.05, conscience=1.0, n_epochs=2, random_state=0)
    twin = clone(layer)
    np.testing.assert_array_equal(twin.fit_predict(X), layer.fit_predict(X))
    assert layer.n_epochs == 2 and layer.epoch_ == 2


def _dead_unit(estimator) -> dict:
    if estimator.init == "uniform":
        return {"check_clustering": "a unit started at random in the data's box may never win (a dead unit, "
                                    "what the conscience is for); labels then skip its index, and this check "
                                    "wants labels 0..k−1 without gaps"}
    return {}


@parametrize_with_checks([CompetitiveLayer(3, n_epochs=2, random_state=0),
                          CompetitiveLayer(3, init="samples", n_epochs=2, random_state=0)],
                         expected_failed_checks=_dead_unit)
def test_scikit_learn_accepts_the_layer(estimator, check):
    check(estimator)


def test_fit_gives_labels_and_a_new_unit_count_drops_the_weights(blobs):
    X, y = blobs
    layer = CompetitiveLayer(3, 0.05, n_epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(layer.labels_, layer.predict(X))
    layer.set_params(n_units=4)
    with pytest.raises(NotFittedError):
        layer.predict(X)
    assert layer.partial_fit(X).weights_.shape == (4, 2)
