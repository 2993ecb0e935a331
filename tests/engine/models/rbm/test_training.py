"""Speed changes nothing: RBM.fit (fused kernels, reused buffers, stacked products) trains the same
weights as the plain numpy reference of the same algorithm (tests/engine/models/rbm/reference.py)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.models.rbm import RBM, training
from tests.engine.models.rbm.helpers import mnist_float, tiny_data
from tests.engine.models.rbm.reference import reference_fit

# float32: σ's exp (engine.kernels.rbm.fast_exp) is within 2 ulp of numpy's, so a draw whose code
# sits exactly at p·2**24 can go the other way, and float32 sums round differently; the weights stay
# within this of the reference (measured ≤ 3e-6 on these runs)
FLOAT32_ATOL = 1e-4

CASES = [dict(method="cd", k=1), dict(method="cd", k=3, momentum=0.0), dict(method="pcd", k=1),
         dict(method="pcd", k=2, n_chains=7, weight_decay=0.01), dict(method="pt", k=1, n_temperatures=3)]


def _fit_both(X, n_hidden, dtype, **settings):
    settings = dict(dict(learning_rate=0.1, batch_size=10, n_epochs=2, momentum=0.5, random_state=5), **settings)
    ours = RBM(n_hidden, dtype=dtype, **settings).fit(X)
    return ours, reference_fit(X, n_hidden, dtype=dtype, **settings)


@pytest.fixture(params=["as-chosen", "sparse", "dense"])
def products(request, monkeypatch):
    """The products over the nonzeros as the density chooses them, always, or never."""
    if request.param != "as-chosen":
        monkeypatch.setattr(training, "SPARSE_DENSITY", 1.0 if request.param == "sparse" else -1.0)
    return request.param


@pytest.mark.parametrize("settings", CASES, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fit_equals_the_numpy_reference(settings, dtype, products):
    X = tiny_data(90, seed=1)  # 9 minibatches: the last is full, one PCD batch asks for the error
    X = np.hstack([X, X[:, :3]])  # 9 visible units: an odd row width moves the draws across rows
    ours, (W, b, c, errors) = _fit_both(X, 5, dtype, **settings)
    tol = dict(rtol=0, atol=1e-10 if dtype == "float64" else FLOAT32_ATOL)
    np.testing.assert_allclose(ours.weights_, W, **tol)
    np.testing.assert_allclose(ours.visible_bias_, b, **tol)
    np.testing.assert_allclose(ours.hidden_bias_, c, **tol)
    np.testing.assert_allclose(ours.reconstruction_errors_, errors, **tol)
    assert ours.weights_.dtype == np.dtype(dtype)
    assert np.abs(W).max() > 0.05  # training moved the weights: the comparison is not of the initial ones


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_fit_on_mnist_digits_equals_the_reference(method, products):
    # the shapes of the real use (784 visible units, a short last minibatch) on 130 digits
    X = mnist_float("train", 130)[0].astype(np.float64)
    ours, (W, b, c, errors) = _fit_both(X, 24, "float64", method=method, batch_size=50, n_epochs=1)
    np.testing.assert_allclose(ours.weights_, W, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.visible_bias_, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.hidden_bias_, c, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.reconstruction_errors_, errors, rtol=1e-12)


def test_train_batch_and_estimate_gradient_are_one_step_of_the_reference():
    X = tiny_data(10, seed=2)
    settings = dict(method="cd", learning_rate=0.2, batch_size=10, n_epochs=1, momentum=0.0, random_state=1)
    rbm = RBM(4, dtype="float64", **settings)
    rbm.initialize(6)
    start = rbm.get_state()
    order = np.random.default_rng(1)  # fit shuffles; a step on the shuffled rows is fit's one update
    order.integers(1, 2 ** 62)
    order.standard_normal((6, 4))
    rows = X[order.permutation(10)]
    error = rbm.train_batch(rows)
    W, b, c, errors = reference_fit(X, 4, dtype="float64", **settings)
    np.testing.assert_allclose(rbm.weights_, W, rtol=0, atol=1e-12)
    assert error == pytest.approx(errors[0], rel=1e-12)
    again = RBM(4, dtype="float64", **settings)
    again.initialize(6)
    again.set_state(start)
    dW, db, dc = again.estimate_gradient(rows)
    np.testing.assert_allclose(start["weights"] + 0.2 * dW, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(0.2 * db, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(0.2 * dc, c, rtol=0, atol=1e-12)



@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_a_seed_trains_the_same_weights_at_one_and_two_threads(method, dtype):
    # the step's parallel parts split whole output elements between threads (engine.kernels.rbm), so
    # a thread count repeats itself exactly and 1 and 2 threads differ at most by the dense products'
    # BLAS: numpy's OpenBLAS on one thread, scipy's (numba's np.dot) in blocks on more — alike to the
    # bit here in float32, within a few ulp in float64 (128 hidden: every product splits)
    X = mnist_float("train", 300)[0].astype(dtype)

    def fit(n_jobs):
        return RBM(128, method=method, batch_size=100, n_epochs=1, random_state=3, dtype=dtype,
                   n_jobs=n_jobs).fit(X).weights_
    one, two = fit(1), fit(2)
    np.testing.assert_array_equal(fit(2), two)
    np.testing.assert_array_equal(fit(1), one)
    np.testing.assert_allclose(two, one, rtol=0, atol=1e-15 if dtype == "float64" else 0)
    assert np.abs(one).max() > 0.05
