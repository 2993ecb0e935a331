"""CHL / EqProp: exactly the seed's listing, the gradient it follows, scikit-learn's conventions, MNIST."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from engine.datasets import load_mnist
from engine.models.chl import CHL
from tests.engine.models.chl import seed_listing as seed


def _seeded_pair(sizes, batch, *, scale=1.0, rng_seed=0):
    """A CHL in float64 and the listing's (w, b) with the same parameters, plus a minibatch."""
    rng = np.random.default_rng(rng_seed)
    w, b = seed.initial_parameters(sizes, rng)
    w = [wk * scale for wk in w]
    X = rng.random((batch, sizes[0]))
    y = rng.integers(0, sizes[-1], batch)
    net = CHL(hidden=tuple(sizes[1:-1]), dtype="float64", random_state=0)
    net.initialize(sizes[0], np.arange(sizes[-1]))
    for ours, theirs in zip(net.weights_ + net.biases_, w + b):
        ours[...] = theirs.reshape(ours.shape)
    return net, w, b, X, y


# --------------------------------------------------------------------------- the seed's listing, exactly
@pytest.mark.parametrize("sizes,scale", [((784, 128, 10), 1.0), ((784, 128, 10), 30.0), ((20, 16, 12, 4), 50.0)],
                         ids=["seed", "seed-trained-scale", "three-layers"])
def test_one_minibatch_update_equals_the_seed_listing(sizes, scale):
    """The speed-ups (drive once, one product for W_0, the kernel) change nothing: 1e-10 in float64."""
    net, w, b, X, y = _seeded_pair(sizes, 10, scale=scale)
    if sizes[0] == 784:   # real digits, as the listing trains on
        x, labels = load_mnist("train", 10)
        X, y = x.reshape(10, -1) / 255.0, labels.astype(np.int64)
    net.train_batch(X, y)
    seed.update(X, np.eye(sizes[-1])[y], w, b, eta=0.01, gamma=0.5, dt=0.5, T=10)
    for ours, theirs in zip(net.weights_ + net.biases_, w + b):
        np.testing.assert_allclose(ours, theirs.reshape(ours.shape), rtol=0, atol=1e-10)
    assert not np.allclose(w[0], _seeded_pair(sizes, 10, scale=scale)[1][0])   # it did learn


def test_free_phase_and_accuracy_equal_the_listing():
    net, w, b, X, y = _seeded_pair((30, 8, 5), 40, scale=40.0)
    free = seed.forward_phase(X, w, b, 0.5, 0.5, 10)
    ours = net.layer_activities(X)
    for a, c in zip(ours, free):
        np.testing.assert_allclose(a, c, rtol=0, atol=1e-12)
    assert net.score(X, y) == seed.accuracy(X, np.eye(5)[y], w, b)


# --------------------------------------------------------------------------- the gradient it follows
def _tiny(method, beta=0.5):
    rng = np.random.default_rng(1)
    X, y = rng.random((4, 6)), np.array([0, 1, 2, 1])
    # T = 200: the phases reach their fixed points, where the theory holds
    net = CHL(hidden=(5,), T=200.0, learning_rate=1e-3, method=method, beta=beta, dtype="float64", random_state=0)
    net.initialize(6, np.arange(3))
    for w in net.weights_:
        w[...] = rng.normal(0.0, 1.0, w.shape)
    return net, X, y


def _loss(net, X, y):
    """J = ½ Σ_n ‖x̌_L − y‖²: the squared error of the settled free output, summed over the batch."""
    return 0.5 * float(np.sum((net.output(X) - np.eye(3)[y]) ** 2))


def _gradient(net, X, y, h=1e-6):
    """∂J/∂θ for every weight and bias, by central finite differences through the settled network."""
    grads = []
    for a in net.weights_ + net.biases_:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + h
            up = _loss(net, X, y)
            a[i] = old - h
            g[i] = (up - _loss(net, X, y)) / (2 * h)
            a[i] = old
        grads.append(g)
    return grads


def _step(net, X, y):
    before = [a.copy() for a in net.weights_ + net.biases_]
    net.train_batch(X, y)
    return [a - b for a, b in zip(net.weights_ + net.biases_, before)]


def test_chl_update_points_down_the_gradient_of_the_loss():
    net, X, y = _tiny("chl")
    grad = _gradient(net, X, y)
    for d, g in zip(_step(net, X, y)[:2], grad[:2]):
        cos = float(d.ravel() @ -g.ravel()) / (np.linalg.norm(d) * np.linalg.norm(g))
        assert cos > 0.9, cos


def test_eqprop_update_tends_to_the_gradient_as_beta_shrinks():
    """(γ/η)·ΔW → −∂J/∂W (biases: the seed's mean over the batch, so ×B), error O(β)."""
    grad = _gradient(*_tiny("eqprop"))
    errors = []
    for beta in (0.1, 0.01, 0.001):
        net, X, y = _tiny("eqprop", beta)
        d = _step(net, X, y)
        est = [dk * net.gamma / net.learning_rate * (X.shape[0] if k >= 2 else 1) for k, dk in enumerate(d)]
        errors.append(max(np.abs(e + g).max() / np.abs(g).max() for e, g in zip(est, grad)))
    assert errors[0] > 5 * errors[1] > 25 * errors[2] and errors[2] < 1e-3, errors


# --------------------------------------------------------------------------- conventions
def test_scikit_learn_check_estimator():
    """Every check passes (none skipped), here on a small net to keep it quick; the defaults pass too."""
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(CHL(hidden=(8,), n_epochs=5, learning_rate=0.05, random_state=0), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results if r["status"] == "failed"]
    assert not failed, failed


def test_labels_of_any_kind():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.2, 0.05, (30, 4)), rng.normal(0.8, 0.05, (30, 4))])
    y = np.array(["no"] * 30 + ["yes"] * 30)
    net = CHL(hidden=(6,), n_epochs=20, learning_rate=0.05, random_state=0).fit(X, y)
    assert list(net.classes_) == ["no", "yes"] and net.score(X, y) == 1.0
    assert net.predict_proba(X).shape == (60, 2) and np.allclose(net.predict_proba(X).sum(axis=1), 1.0)


def test_fit_keeps_hyper_parameters_clones_pickles_and_is_seeded():
    rng = np.random.default_rng(0)
    X, y = rng.random((50, 6)), rng.integers(0, 3, 50)
    est = CHL(hidden=(5, 4), n_epochs=2, random_state=3)
    params = est.get_params()
    est.fit(X, y)
    assert est.get_params() == params and est.n_features_in_ == 6
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    same = CHL(hidden=(5, 4), n_epochs=2, random_state=3).fit(X, y)
    for a, b in zip(same.weights_ + same.biases_, est.weights_ + est.biases_):
        np.testing.assert_array_equal(a, b)
    other = CHL(hidden=(5, 4), n_epochs=2, random_state=4).fit(X, y)
    assert not np.array_equal(other.weights_[0], est.weights_[0])
    assert not hasattr(clone(est), "weights_")


def test_state_round_trip_resumes_exactly():
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    for kw in (dict(), dict(feedback="random"), dict(method="eqprop")):
        a = CHL(hidden=(5,), batch_size=8, random_state=1, **kw).fit(X, y)
        b = CHL(hidden=(5,), batch_size=8, random_state=9, **kw)
        b.set_state(a.get_state())
        a.partial_fit(X, y)
        b.partial_fit(X, y)
        for u, v in zip(a.weights_ + a.biases_ + a.feedback_, b.weights_ + b.biases_ + b.feedback_):
            np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="w1"):
        b.set_state({**a.get_state(), "w1": np.zeros((3, 3))})


# --------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_naming_the_argument():
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 6)), rng.integers(0, 3, 20)
    net = CHL(hidden=(5,), n_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features"):
        net.predict(X[:, :4])
    with pytest.raises(ValueError, match="NaN"):
        net.partial_fit(np.full((2, 6), np.nan), [0, 1])
    with pytest.raises(ValueError, match=r"y has labels \[7\]"):
        net.partial_fit(X[:2], [0, 7])
    with pytest.raises(ValueError, match=r"y has labels \[7\]"):
        net.train_batch(X[:2], [0, 7])
    with pytest.raises(ValueError, match="X must have 6 features"):
        net.train_batch(X[:, :4], y)
    for kw, word in ((dict(T=0.2, dt=0.5), "T must be ≥ dt"), (dict(gamma=0.0), "gamma"), (dict(gamma=-1.0), "gamma"),
                     (dict(learning_rate=0.0), "learning_rate"), (dict(learning_rate=-0.1), "learning_rate"),
                     (dict(dt=1.5), "dt"), (dict(beta=0.0), "beta"), (dict(hidden=()), "hidden"),
                     (dict(hidden=(5, 0)), r"hidden\[1\]"), (dict(method="bp"), "method"),
                     (dict(feedback="none"), "feedback"), (dict(T=1e9), "T / dt")):
        with pytest.raises(ValueError, match=word):
            CHL(**kw).fit(X, y)
    with pytest.raises(ValueError, match="gamma"):
        net.update_params(gamma=0.0)
    assert net.gamma == 0.5                                    # refused: nothing changed
    with pytest.raises(ValueError, match="X_val and y_val"):
        CHL(hidden=(5,)).fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="not fitted"):
        CHL().predict(X)


def test_a_diverging_rate_is_refused_and_the_weights_kept():
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 6)) * 1e3, rng.integers(0, 3, 20)
    net = CHL(hidden=(5,), n_epochs=1, random_state=0).fit(X[:, :6] / 1e3, y)
    before = [w.copy() for w in net.weights_]
    net.update_params(learning_rate=1e6)
    with pytest.raises(ValueError, match="diverged"):
        net.partial_fit(X, y)
    for a, b in zip(net.weights_, before):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- what the GUI reads
def test_activities_trajectory_and_last_phases():
    rng = np.random.default_rng(0)
    X, y = rng.random((12, 6)), rng.integers(0, 3, 12)
    for method in ("chl", "eqprop"):
        net = CHL(hidden=(5, 4), n_epochs=2, batch_size=4, method=method, dtype="float64", random_state=0).fit(X, y)
        free, second = net.layer_activities(X, y)
        assert [a.shape for a in free] == [(12, 6), (12, 5), (12, 4), (12, 3)] == [a.shape for a in second]
        traj_free, traj_second = net.trajectory(X[3], y[3])
        assert [t.shape for t in traj_free] == [(21, 5), (21, 4), (21, 3)]
        for t, a in zip(traj_free, free[1:]):
            np.testing.assert_allclose(t[-1], a[3], atol=1e-12)       # step by step = all at once
        for t, a in zip(traj_second, second[1:]):
            np.testing.assert_allclose(t[-1], a[3], atol=1e-12)
        if method == "chl":
            np.testing.assert_array_equal(traj_second[-1], np.tile(np.eye(3)[y[3]], (21, 1)))  # clamped target
            assert not any(t[0].any() for t in traj_free)             # the free phase starts from zero
        else:
            np.testing.assert_array_equal(traj_second[-1][0], traj_free[-1][-1])   # EqProp starts where free ends
        X0, f, s = net.last_phases()
        assert X0.shape == (4, 6) and [a.shape for a in f] == [(4, 5), (4, 4), (4, 3)]


# --------------------------------------------------------------------------- MNIST (a subset: fast enough for CI)
def _mnist(n_train, n_test):
    x, y = load_mnist("train", n_train)
    xt, yt = load_mnist("test", n_test)
    return x.reshape(n_train, -1) / 255.0, y, xt.reshape(n_test, -1) / 255.0, yt


@pytest.mark.slow
def test_mnist_subset_accuracy_chl_random_feedback_eqprop_and_float32():
    """5,000 digits, 2 epochs at the seed's sizes: ≥ 0.83 on 2,000 test digits (measured 0.83–0.86; the full
    run's numbers are the bench's: 0.93 after one epoch of 60,000). float32 learns as float64 does."""
    X, y, Xt, yt = _mnist(5000, 2000)
    acc = {}
    for name, kw in (("chl32", dict()), ("chl64", dict(dtype="float64")), ("random", dict(feedback="random")),
                     ("eqprop", dict(method="eqprop", learning_rate=0.1, beta=1.0))):
        net = CHL(n_epochs=2, random_state=0, **kw).fit(X, y, X_val=Xt, y_val=yt)
        acc[name] = net.history_["val_accuracy"]
        assert len(net.history_["loss"]) == 2 and net.history_["loss"][1] < net.history_["loss"][0]
    assert min(a[-1] for a in acc.values()) >= 0.83, acc
    assert abs(acc["chl32"][-1] - acc["chl64"][-1]) < 0.01, acc
