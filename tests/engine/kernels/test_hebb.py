"""The Hebbian kernels against their plain numpy references."""
import numpy as np
import pytest

from engine.kernels import hebb as K


@pytest.mark.parametrize("rule", ["hebb", "instar", "outstar"])
@pytest.mark.parametrize("n_units, off", [(1, -1.0), (4, -1.0), (4, 0.0)])
@pytest.mark.parametrize("standardize", [False, True])
def test_classifier_present_matches_reference(rule, n_units, off, standardize):
    rng = np.random.default_rng(1)
    X = rng.random((30, 7))
    labels = rng.integers(0, 2 if n_units == 1 else n_units, 30)
    order = rng.permutation(30).astype(np.int64)
    out = []
    for fn in (K.classifier_present, K.classifier_present_reference):
        W, b, counts = rng.normal(size=(n_units, 7)) * 0 + 0.1, np.zeros(n_units), np.zeros(n_units, np.int64)
        fn(W, b, X, labels, order, K.RULE_CODES[rule], 0.2, True, standardize, off, counts)
        out.append((W, b, counts))
    for a, r in zip(*out):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


def test_prototypes_present_matches_reference():
    rng = np.random.default_rng(2)
    X = rng.random((60, 5))
    labels = rng.integers(0, 3, 60)
    order = np.concatenate([rng.permutation(60), rng.permutation(60)]).astype(np.int64)
    out = []
    for fn in (K.prototypes_present, K.prototypes_present_reference):
        W, b, counts = np.zeros((12, 5)), np.zeros(12), np.zeros(12, np.int64)
        fn(W, b, X, labels, order, 4, 0.1, True, counts)
        out.append((W, b, counts))
    for a, r in zip(*out):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sanger", [False, True])
def test_gha_present_matches_reference(sanger):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 6))
    order = rng.permutation(50).astype(np.int64)
    W0 = rng.normal(size=(3, 6)) * 0.3
    W1, W2 = W0.copy(), W0.copy()
    K.gha_present(W1, X, order, 0.01, sanger)
    K.gha_present_reference(W2, X, order, 0.01, sanger)
    np.testing.assert_allclose(W1, W2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2.0, 3.0])
def test_competing_update_matches_the_published_loop(p):
    rng = np.random.default_rng(4)
    n_hidden, n_features, batch = 40, 12, 10
    X = rng.random((batch * 3, n_features))
    W0 = rng.normal(size=(n_hidden, n_features))
    ref = W0.copy()
    K.competing_epoch_reference(ref, X, np.arange(X.shape[0]), batch, 5, 0.4, p, 0.05)
    W = W0.copy()
    Wp = np.empty_like(W)
    K.lebedev_weights(W, p, Wp, np.arange(n_hidden))
    rows, ds = np.empty(2 * batch, np.int64), np.empty((2 * batch, n_features))
    for start in range(0, X.shape[0], batch):
        Xb = np.ascontiguousarray(X[start:start + batch])
        K.competing_update(W, Wp, Wp @ Xb.T, Xb, 5, 0.4, p, 0.05, rows, ds)
    np.testing.assert_allclose(W, ref, rtol=1e-10, atol=1e-12)
    full = np.empty_like(W)
    K.lebedev_weights(W, p, full, np.arange(n_hidden))
    np.testing.assert_allclose(Wp, full, rtol=1e-12)   # the touched rows were refreshed, the rest unchanged
