"""The RBM estimator: gradients, training, parallel tempering, scikit-learn conventions, bad input."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from engine.estimator import NotFittedError
from engine.models.rbm import DBN, RBM
from tests.engine.models.rbm.helpers import mnist_float, random_rbm, seed_rbm, tiny_data


@pytest.fixture(scope="module")
def mnist_small():
    return mnist_float("train", 2000)


def kl_data_model(rbm: RBM, X: np.ndarray) -> float:
    V, pv = rbm.marginal_visible()
    codes = (X.astype(int) << np.arange(5, -1, -1)).sum(1)
    q = np.bincount(codes, minlength=64) / len(X)
    nz = q > 0
    return float(np.sum(q[nz] * np.log(q[nz] / pv[nz])))


# --------------------------------------------------------------------------- learning on tiny machines
@pytest.mark.parametrize("method", ["cd", "pcd", "pt"])
def test_stochastic_gradients_point_like_the_exact_gradient(method):
    X = tiny_data(400)
    rbm = random_rbm(6, 4, seed=5, scale=0.3, method=method, k=3, n_chains=400, batch_size=400)
    exact = np.concatenate([g.ravel() for g in rbm.exact_gradient(X)])
    est = np.zeros_like(exact)
    for _ in range(30):  # average out the sampling noise (persistent chains mix meanwhile)
        est += np.concatenate([g.ravel() for g in rbm.estimate_gradient(X)])
    cosine = est @ exact / np.linalg.norm(est) / np.linalg.norm(exact)
    assert cosine > 0.9, cosine


@pytest.mark.parametrize("method", ["cd", "pcd", "pt"])
def test_training_a_tiny_rbm_drives_exact_kl_down(method):
    X = tiny_data(600)
    rbm = RBM(4, method=method, k=1, learning_rate=0.1, batch_size=20, n_epochs=30, momentum=0.5, n_chains=20,
              dtype="float64", random_state=0)
    rbm.initialize(6)
    before = kl_data_model(rbm, X)
    rbm.fit(X)
    after = kl_data_model(rbm, X)
    assert after < 0.5 * before, (before, after)


def test_lr_schedules_and_weight_decay():
    rbm = RBM(3, lr_schedule="linear", n_epochs=10, learning_rate=0.1, dtype="float64", random_state=0)
    rbm.initialize(4)
    assert rbm.current_learning_rate() == pytest.approx(0.1)
    rbm.epoch_ = 10
    assert rbm.current_learning_rate() == pytest.approx(0.01)
    rbm.set_params(lr_schedule="exponential")
    rbm.epoch_ = 5
    assert rbm.current_learning_rate() == pytest.approx(0.1 * 0.1 ** 0.5)
    # weight decay alone (no data signal: the data equals the reconstruction targets) shrinks weights
    X = tiny_data(200)
    big = RBM(3, weight_decay=0.01, learning_rate=0.05, n_epochs=20, dtype="float64", random_state=0).fit(X)
    small = RBM(3, weight_decay=0.0, learning_rate=0.05, n_epochs=20, dtype="float64", random_state=0).fit(X)
    assert np.abs(big.weights_).sum() < np.abs(small.weights_).sum()


# --------------------------------------------------------------------------- parallel tempering
def pt_rbm(seed=0) -> RBM:
    """A PT machine with strong weights (so the temperatures differ), its chains run in a while."""
    rbm = random_rbm(6, 4, seed=seed, scale=2.0, method="pt", n_temperatures=4, n_chains=50, batch_size=20)
    X = tiny_data(100)
    for _ in range(20):
        rbm.train_batch(X[:20])
    return rbm


def test_parallel_tempering_swaps_particles_at_a_measurable_rate():
    rbm = pt_rbm()
    assert np.all(rbm.swaps_proposed_ > 0)
    rate = rbm.swaps_accepted_ / rbm.swaps_proposed_
    assert np.all(rate > 0.05), rate  # every neighbouring pair exchanges particles
    assert np.all(rate < 1.0), rate   # …and some swaps are refused (the Metropolis test is live)


def test_a_temperature_swap_exchanges_the_chain_states():
    rbm = pt_rbm(seed=1)
    v0, h0 = rbm.particles()
    accepted0 = rbm.swaps_accepted_.copy()
    rbm.swap_temperatures()
    v1, h1 = rbm.particles()
    start = rbm.n_updates_ % 2
    exchanged = 0
    for t in range(rbm.n_temperatures - 1):
        for j in range(v0.shape[1]):
            swapped = (np.array_equal(v1[t, j], v0[t + 1, j]) and np.array_equal(v1[t + 1, j], v0[t, j])
                       and np.array_equal(h1[t, j], h0[t + 1, j]) and np.array_equal(h1[t + 1, j], h0[t, j]))
            kept = np.array_equal(v1[t, j], v0[t, j]) and np.array_equal(h1[t, j], h0[t, j])
            if (t - start) % 2 == 0 and swapped and not kept:
                exchanged += 1
    moved = int((rbm.swaps_accepted_ - accepted0).sum())
    assert moved > 0 and exchanged > 0
    # every particle is still somewhere: a swap exchanges states, it never copies or invents one
    before = sorted(map(tuple, np.concatenate([v0, h0], axis=2).reshape(-1, 10)))
    after = sorted(map(tuple, np.concatenate([v1, h1], axis=2).reshape(-1, 10)))
    assert before == after
    with pytest.raises(ValueError, match="method='pt'"):
        seed_rbm().swap_temperatures()


# --------------------------------------------------------------------------- MNIST
def test_mnist_training_reduces_error_and_completes_occluded_digits(mnist_small):
    X, _ = mnist_small
    rbm = RBM(100, learning_rate=0.05, batch_size=50, n_epochs=3, random_state=0)
    rbm.initialize(784)
    untrained = rbm.reconstruction_error(X[:500])
    rbm.fit(X)
    trained = rbm.reconstruction_error(X[:500])
    assert trained < 0.5 * untrained
    assert rbm.reconstruction_errors_[-1] < rbm.reconstruction_errors_[0]
    # occlude the bottom 10 rows (seed 000 11.RBM.py) of held-out digits and complete them
    test, _ = mnist_float("test", 200)
    known = np.ones((28, 28), bool)
    known[18:] = False
    known = known.ravel()
    completed = rbm.complete(test * known, known)
    rbm_err = np.mean((completed[:, ~known] - test[:, ~known]) ** 2)
    mean_err = np.mean((X.mean(0)[~known] - test[:, ~known]) ** 2)
    assert rbm_err < mean_err
    np.testing.assert_allclose(completed[:, known], (test * known)[:, known])


def test_same_seed_same_weights_and_transform_shape(mnist_small):
    X = mnist_small[0][:500]
    a = RBM(32, n_epochs=1, random_state=3).fit(X)
    b = RBM(32, n_epochs=1, random_state=3).fit(X)
    c = RBM(32, n_epochs=1, random_state=4).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert not np.array_equal(a.weights_, c.weights_)
    assert a.transform(X).shape == (500, 32)
    assert a.free_energy(X).shape == (500,)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    g1, g2 = a.gibbs(X[:4], 5, random_state=1), b.gibbs(X[:4], 5, random_state=1)
    np.testing.assert_array_equal(g1, g2)
    assert set(np.unique(g1)) <= {0.0, 1.0}


def test_partial_fit_and_pseudo_likelihood_improve(mnist_small):
    X = mnist_small[0][:1000]
    rbm = RBM(50, batch_size=50, random_state=0).partial_fit(X[:50])
    before = rbm.pseudo_log_likelihood(X[:300], random_state=0)
    for _ in range(3):
        rbm.partial_fit(X)
    assert rbm.pseudo_log_likelihood(X[:300], random_state=0) > before
    assert rbm.n_updates_ == 1 + 3 * 20


def test_iter_fit_yields_progress_and_ends_where_fit_ends():
    X = tiny_data(200)
    steps = list(RBM(4, n_epochs=3, batch_size=10, random_state=0).iter_fit(X))
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(steps) >= 3 * 10
    a, b = RBM(4, n_epochs=3, batch_size=10, random_state=0), RBM(4, n_epochs=3, batch_size=10, random_state=0)
    for _ in a.iter_fit(X):
        pass
    np.testing.assert_array_equal(a.weights_, b.fit(X).weights_)
    assert len(a.reconstruction_errors_) == 3


# --------------------------------------------------------------------------- scikit-learn conventions
OUTSIDE_0_1 = "RBM inputs are probabilities in [0, 1] (an error names the range); this check's data lie outside"
ESTIMATOR_FAILS = {name: OUTSIDE_0_1 for name in (
    "check_estimators_overwrite_params", "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit",
    "check_estimators_dtypes", "check_pipeline_consistency", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
    "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d")}

@pytest.mark.parametrize("estimator", [RBM(3, n_epochs=2, batch_size=10, random_state=0),
                                       DBN((4, 3), n_epochs=2, batch_size=10, random_state=0)],
                         ids=["RBM", "DBN"])
def test_scikit_learn_check_estimator(estimator):
    check_estimator(estimator, expected_failed_checks=ESTIMATOR_FAILS)


@pytest.mark.parametrize("make", [lambda: RBM(5, n_epochs=2, batch_size=20, random_state=0),
                                  lambda: DBN((5, 3), n_epochs=2, batch_size=20, random_state=0)],
                         ids=["RBM", "DBN"])
def test_fit_keeps_hyper_parameters_clones_and_pickles(make):
    """What the skipped checks test, on data in [0, 1]."""
    X = tiny_data(100)
    est = make()
    with pytest.raises(NotFittedError):
        est.transform(X)
    params = est.get_params()
    est.fit(X)
    assert est.get_params() == params and est.n_features_in_ == 6
    assert clone(est).get_params() == params and not hasattr(clone(est), "n_features_in_")
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    np.testing.assert_array_equal(make().fit(X).transform(X), est.transform(X))  # idempotent, seeded
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 6 features"):
        est.transform(X[:, :4])


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,name", [({"k": 0}, "k"), ({"n_hidden": 0}, "n_hidden"), ({"method": "x"}, "method"),
                                         ({"learning_rate": float("nan")}, "learning_rate"),
                                         ({"batch_size": 0}, "batch_size"), ({"momentum": 1.5}, "momentum"),
                                         ({"random_state": -1}, "random_state"), ({"dtype": "int8"}, "dtype"),
                                         ({"n_chains": 0}, "n_chains"), ({"n_jobs": 2.5}, "n_jobs")])
def test_bad_hyper_parameters_raise_on_fit_and_update_params(kwargs, name):
    rbm = RBM(**kwargs)  # __init__ only stores
    with pytest.raises(ValueError, match=name):
        rbm.fit(tiny_data(20))
    trained = RBM(3, random_state=0).fit(tiny_data(20))
    with pytest.raises(ValueError, match=name):
        trained.update_params(**kwargs)
    assert trained.get_params() == RBM(3, random_state=0).get_params()  # nothing changed
    trained.set_params(**kwargs)  # scikit-learn's set_params only stores…
    with pytest.raises(ValueError, match=name):
        trained.train_batch(tiny_data(5))  # …and the next use names the bad value


def test_set_params_keeps_weights_or_drops_what_no_longer_fits():
    rbm = RBM(3, dtype="float64", random_state=0).fit(tiny_data(50))
    w = rbm.weights_.copy()
    rbm.set_params(method="pcd", n_chains=7, dtype="float32")
    assert rbm.weights_.dtype == np.float32
    np.testing.assert_allclose(rbm.weights_, w, rtol=1e-6)
    assert rbm.particles()[0].shape == (1, 7, 6)
    rbm.set_params(n_hidden=5)
    with pytest.raises(NotFittedError):
        rbm.transform(tiny_data(2))


def test_bad_data_raises_naming_the_argument():
    rbm = seed_rbm()
    with pytest.raises(ValueError, match="X has 4 features, but RBM is expecting 3"):
        rbm.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X.*NaN"):
        rbm.free_energy([[0, np.nan, 1]])
    with pytest.raises(ValueError, match=r"X.*\[0, 1\]"):
        RBM(3).fit(np.full((5, 3), 2.0))
    with pytest.raises(ValueError, match="X /"):
        RBM(3).fit(np.full((5, 3), 255, np.uint8))
    with pytest.raises(ValueError, match="v.*0/1"):
        rbm.energy([[0.5, 0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="X.*0/1"):
        rbm.exact_log_likelihood([[0.5, 0, 1]])
    with pytest.raises(ValueError, match="n_steps"):
        rbm.gibbs([[0, 1, 0]], -1)
    with pytest.raises(ValueError, match="known"):
        rbm.complete([[0, 1, 0]], [1, 0, 1])
    with pytest.raises(NotFittedError, match="not fitted"):
        RBM(3).transform([[0, 1]])
    with pytest.raises(ValueError, match="weights"):
        RBM(3).set_weights(np.zeros((0, 2)), [], [0, 0])


def test_set_state_validates_every_entry():
    rbm = random_rbm(4, 3, method="pcd", n_chains=5)
    state = rbm.get_state()
    w = rbm.weights_.copy()
    for key, value, match in (("weights", np.zeros((5, 3)), "weights"), ("chain_v", np.zeros((1, 4, 4)), "chain_v"),
                              ("kernel_state", np.zeros(4, np.uint64), "kernel_state"),
                              ("counters", np.array([-1, 0]), "counters"), ("counters", np.array([1.0, 2.0]), "counters"),
                              ("velocity_b", np.full(4, np.inf), "velocity_b"), ("rng", np.zeros(6, np.uint64), "rng")):
        with pytest.raises(ValueError, match=match):
            rbm.set_state(dict(state, **{key: value}))
        np.testing.assert_array_equal(rbm.weights_, w)
    bad = dict(state)
    del bad["hidden_bias"]
    with pytest.raises(ValueError, match="hidden_bias"):
        rbm.set_state(bad)
    rbm.set_state(state)  # the saved state itself loads
