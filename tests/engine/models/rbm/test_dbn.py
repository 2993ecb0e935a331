"""The deep belief net: greedy training, the per-minibatch steps the GUI uses, its saved state."""
from __future__ import annotations

import numpy as np
import pytest

from engine.estimator import NotFittedError
from engine.models.rbm import DBN
from tests.engine.models.rbm.helpers import mnist_float, tiny_data


@pytest.fixture(scope="module")
def mnist_small():
    return mnist_float("train", 2000)


def test_dbn_trains_greedily_and_classifies(mnist_small):
    X, y = mnist_small
    dbn = DBN((64, 32), n_epochs=5, learning_rate=0.1, random_state=0).fit(X[:1500], y[:1500])
    assert [r.weights_.shape for r in dbn.rbms_] == [(784, 64), (64, 32)]
    assert dbn.done and dbn.layer_ == 2
    assert dbn.transform(X[:10]).shape == (10, 32)
    assert dbn.score(X[1500:], y[1500:]) > 0.55  # chance is 0.1; a short run on 1,500 digits gets ≈ 0.67
    assert dbn.fields(2).shape == (784, 32)
    assert dbn.gibbs(5, 10, random_state=0).shape == (5, 784)
    same = DBN((64, 32), n_epochs=5, learning_rate=0.1, random_state=0).fit(X[:1500])
    np.testing.assert_array_equal(same.rbms_[1].weights_, dbn.rbms_[1].weights_)


def test_train_batch_trains_the_current_layer_only_then_moves_up():
    X = tiny_data(40)
    dbn = DBN((5, 3), batch_size=10, random_state=0).initialize(6)
    w0, w1 = dbn.rbms_[0].weights_.copy(), dbn.rbms_[1].weights_.copy()
    err = dbn.train_batch(X[:10])
    assert np.isfinite(err)
    assert not np.array_equal(dbn.rbms_[0].weights_, w0) and np.array_equal(dbn.rbms_[1].weights_, w1)
    dbn.next_layer()
    w0 = dbn.rbms_[0].weights_.copy()
    dbn.train_batch(X[10:20])
    assert np.array_equal(dbn.rbms_[0].weights_, w0) and not np.array_equal(dbn.rbms_[1].weights_, w1)
    dbn.next_layer()
    dbn.next_layer()  # past the top: nothing more happens
    assert dbn.done and dbn.layer_ == 2
    with pytest.raises(ValueError, match="every layer"):
        dbn.train_batch(X[:10])


def test_fields_of_the_shown_units_equal_the_full_product():
    dbn = DBN((5, 4, 3), random_state=0).initialize(6)
    full = dbn.rbms_[0].weights_.astype(np.float64) @ dbn.rbms_[1].weights_ @ dbn.rbms_[2].weights_
    np.testing.assert_allclose(dbn.fields(3, 2), full[:, :2], rtol=1e-5)
    assert dbn.down(np.zeros((2, 4))).shape == (2, 6)


def test_set_params_reaches_every_layer_and_a_new_shape_drops_the_net():
    dbn = DBN((5, 3), random_state=0).initialize(6)
    dbn.update_params(learning_rate=0.2, momentum=0.0)
    assert [r.learning_rate for r in dbn.rbms_] == [0.2, 0.2] and [r.momentum for r in dbn.rbms_] == [0.0, 0.0]
    with pytest.raises(ValueError, match="layers"):
        dbn.update_params(layers=(5, 0))
    assert dbn.layers == (5, 3)
    dbn.set_params(layers=(4,))
    with pytest.raises(NotFittedError):
        dbn.transform(tiny_data(2))


def test_state_round_trip_and_atomic_refusal():
    X = tiny_data(40)
    dbn = DBN((5, 3), method="pcd", batch_size=10, random_state=0).initialize(6)
    dbn.train_batch(X[:10])
    state = dbn.get_state()
    other = DBN((5, 3), method="pcd", batch_size=10, random_state=1).initialize(6)
    w = [r.weights_.copy() for r in other.rbms_]
    bad = dict(state, layer1_weights=np.zeros((5, 4)))
    with pytest.raises(ValueError, match="layer1_weights"):
        other.set_state(bad, 0)
    for r, w_ in zip(other.rbms_, w):  # layer 0 was fine, yet nothing changed
        np.testing.assert_array_equal(r.weights_, w_)
    with pytest.raises(ValueError, match="layer"):
        other.set_state(state, 3)
    other.set_state(state, 1)
    assert other.layer_ == 1
    dbn.next_layer()
    dbn.train_batch(X[10:20])
    other.train_batch(X[10:20])
    np.testing.assert_array_equal(dbn.rbms_[1].weights_, other.rbms_[1].weights_)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="y"):
        DBN((4,)).fit(np.zeros((5, 3)), y=[1, 2])
    with pytest.raises(ValueError, match="layers"):
        DBN(layers=5).fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="layers"):
        DBN(layers=(1,) * 6).fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="classifier"):
        DBN((3,), n_epochs=1).fit(tiny_data(20)).predict(tiny_data(2))
    with pytest.raises(NotFittedError):
        DBN((3,)).gibbs(2)
