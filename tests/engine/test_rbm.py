"""RBM and DBN: the seeds' 3×2 machine exactly, kernels vs numpy, gradients, training, I/O, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from engine import io
from engine.kernels import rbm as kernels
from engine.model import Cancelled
from engine.models.rbm import (DBN, RBM, SEED_3X2_HIDDEN_BIAS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_WEIGHTS, DBNModel,
                               RBMModel, all_binary_states, load_mnist_images)


def seed_rbm() -> RBM:
    return RBM(2, dtype="float64").set_weights(SEED_3X2_WEIGHTS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_HIDDEN_BIAS)


def random_rbm(nv=4, nh=3, seed=0, scale=1.0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(nh, dtype="float64", random_state=seed).set_weights(
        scale * rng.standard_normal((nv, nh)), 0.5 * rng.standard_normal(nv), 0.5 * rng.standard_normal(nh))


@pytest.fixture(scope="module")
def mnist_small():
    x, y = load_mnist_images("train")
    return (x[:2000] / 255.0).astype(np.float32), y[:2000]


# --------------------------------------------------------------------------- the seed's 3×2 RBM
def test_seed_3x2_energy_partition_function_and_conditionals():
    rbm = seed_rbm()
    assert rbm.energy([1, 0, 1], [0, 1])[0] == pytest.approx(-0.3)
    V, H, p, Z = rbm.exact_distribution()
    assert Z == pytest.approx(57.684, abs=5e-4)
    assert round(Z, 2) == 57.68
    assert rbm.transform([[0, 0, 1]])[0, 0] == pytest.approx(0.5987, abs=5e-5)
    assert rbm.prob_v_given_h([[0, 1]])[0, 0] == pytest.approx(0.5744, abs=5e-5)
    # the seed's table: p(v=[1,0,1], h=[0,1]) = exp(0.3)/Z = 0.023 and p(v=[1,1,1]) = 0.17
    iv = int(np.flatnonzero((V == [1, 0, 1]).all(1))[0])
    ih = int(np.flatnonzero((H == [0, 1]).all(1))[0])
    assert p[iv, ih] == pytest.approx(np.exp(0.3) / Z)
    assert round(p[iv, ih], 3) == 0.023
    # the seed sums its rounded table entries (0.03 + 0.03 + 0.05 + 0.06); the exact value is 0.1621
    assert p[7].round(2).sum() == pytest.approx(0.17)
    assert p[7].sum() == pytest.approx(0.16213, abs=1e-5)
    assert p.sum() == pytest.approx(1.0)
    # a few rows of the seed's energy table, v|h → E
    for v, h, e in (([0, 1, 0], [1, 1], -1.1), ([1, 1, 0], [1, 1], -1.3), ([0, 0, 1], [0, 1], 0.0),
                    ([1, 1, 1], [1, 1], -1.2)):
        assert rbm.energy(v, h)[0] == pytest.approx(e)


def test_seed_conditionals_by_enumeration_match_the_seed_worked_example():
    V, H, p, _ = seed_rbm().exact_distribution()
    iv = int(np.flatnonzero((V == [0, 0, 1]).all(1))[0])
    p_h_given_v = p[iv] / p[iv].sum()
    assert p_h_given_v == pytest.approx([0.2107, 0.1906, 0.3143, 0.2844], abs=5e-5)
    ih = int(np.flatnonzero((H == [0, 1]).all(1))[0])
    p_v_given_h = p[:, ih] / p[:, ih].sum()
    assert p_v_given_h[V[:, 0] == 1].sum() == pytest.approx(0.5744, abs=5e-5)


@pytest.mark.parametrize("nv,nh", [(4, 3), (3, 5), (6, 2)])
def test_closed_form_conditionals_equal_enumeration(nv, nh):
    rbm = random_rbm(nv, nh, seed=nv * 10 + nh)
    V, H, p, Z = rbm.exact_distribution()
    p_h1_given_v = (p @ H) / p.sum(axis=1, keepdims=True)      # E[h | v] by enumeration
    np.testing.assert_allclose(rbm.transform(V), p_h1_given_v, rtol=1e-10)
    p_v1_given_h = (p.T @ V) / p.sum(axis=0)[:, None]
    np.testing.assert_allclose(rbm.prob_v_given_h(H), p_v1_given_h, rtol=1e-10)
    # p(v) from the free energy equals the joint's marginal; Z from either side of the machine
    _, pv = rbm.marginal_visible()
    np.testing.assert_allclose(pv, p.sum(axis=1), rtol=1e-10)
    e = np.array([[rbm.energy(v, h)[0] for h in H] for v in V])
    assert np.exp(-e).sum() == pytest.approx(Z, rel=1e-12)


def test_exact_gradient_matches_finite_differences():
    rbm = random_rbm(4, 3, seed=3)
    X = all_binary_states(4)[[1, 3, 3, 6, 9, 14]]
    dW, db, dc = rbm.exact_gradient(X)
    eps = 1e-6
    W0 = rbm.weights_.copy()
    for i, j in ((0, 0), (2, 1), (3, 2)):
        rbm.weights_ = W0.copy()
        rbm.weights_[i, j] += eps
        up = rbm.exact_log_likelihood(X)
        rbm.weights_[i, j] -= 2 * eps
        down = rbm.exact_log_likelihood(X)
        assert (up - down) / (2 * eps) == pytest.approx(dW[i, j], abs=1e-6)
    rbm.weights_ = W0
    b0 = rbm.visible_bias_.copy()
    rbm.visible_bias_ = b0 + np.array([eps, 0, 0, 0])
    up = rbm.exact_log_likelihood(X)
    rbm.visible_bias_ = b0 - np.array([eps, 0, 0, 0])
    assert (up - rbm.exact_log_likelihood(X)) / (2 * eps) == pytest.approx(db[0], abs=1e-6)
    assert dc.shape == (3,)


# --------------------------------------------------------------------------- kernels
def test_bernoulli_kernel_matches_numpy_reference():
    rng = np.random.default_rng(0)
    for dtype, shape in ((np.float32, (7, 13)), (np.float64, (4, 5)), (np.float32, (1, 1))):
        prob = rng.random(shape).astype(dtype)
        state = np.zeros(4, np.uint64)
        kernels.seed_state(42, state)
        codes = np.empty(shape, np.int64)
        kernels.uniform_codes(state.copy(), codes)
        sample = np.empty_like(prob)
        kernels.bernoulli(prob, sample, state)
        np.testing.assert_array_equal(sample, kernels.bernoulli_reference(prob, codes))


def test_bernoulli_kernel_is_seeded_and_unbiased():
    prob = np.full((200, 500), 0.3, np.float32)
    out = []
    for _ in range(2):
        st = np.zeros(4, np.uint64)
        kernels.seed_state(7, st)
        s = np.empty_like(prob)
        kernels.bernoulli(prob, s, st)
        out.append(s)
    np.testing.assert_array_equal(out[0], out[1])
    assert out[0].mean() == pytest.approx(0.3, abs=0.005)
    codes = np.empty(100001, np.int64)
    kernels.uniform_codes(st, codes)
    assert codes.min() >= 0 and codes.max() < 2 ** 24
    assert (codes / 2 ** 24).mean() == pytest.approx(0.5, abs=0.005)


def test_sigmoid_inplace_matches_reference():
    x = np.linspace(-30, 30, 60).reshape(3, 20)
    bias = np.linspace(-1, 1, 20)
    expected = 1 / (1 + np.exp(-0.7 * (x + bias)))
    np.testing.assert_allclose(kernels.sigmoid_inplace(x.copy(), bias, 0.7), expected, rtol=1e-12)


# --------------------------------------------------------------------------- learning on tiny machines
def tiny_data(n=600, seed=0):
    """Samples from a 6-unit distribution with three prototypes and 5 % bit noise."""
    rng = np.random.default_rng(seed)
    protos = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]], float)
    X = protos[rng.integers(0, 3, n)]
    flip = rng.random(X.shape) < 0.05
    return np.abs(X - flip)


def kl_data_model(rbm: RBM, X: np.ndarray) -> float:
    V, pv = rbm.marginal_visible()
    codes = (X.astype(int) << np.arange(5, -1, -1)).sum(1)
    q = np.bincount(codes, minlength=64) / len(X)
    nz = q > 0
    return float(np.sum(q[nz] * np.log(q[nz] / pv[nz])))


@pytest.mark.parametrize("method", ["cd", "pcd", "pt"])
def test_stochastic_gradients_point_like_the_exact_gradient(method):
    X = tiny_data(400)
    rbm = random_rbm(6, 4, seed=5, scale=0.3)
    rbm.set_params(method=method, k=3, n_chains=400, batch_size=400, random_state=1)
    rbm._reset_rng()
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
    xt, _ = load_mnist_images("test")
    test = xt[:200] / 255.0
    known = np.ones((28, 28), bool)
    known[18:] = False
    known = known.ravel()
    completed = rbm.complete(test * known, known)
    rbm_err = np.mean((completed[:, ~known] - test[:, ~known]) ** 2)
    mean_err = np.mean((X.mean(0)[~known] - test[:, ~known]) ** 2)
    assert rbm_err < mean_err
    assert np.array_equal(completed[:, known], (test * known)[:, known])


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


def test_dbn_trains_greedily_and_classifies(mnist_small):
    X, y = mnist_small
    dbn = DBN((64, 32), n_epochs=5, learning_rate=0.1, random_state=0).fit(X[:1500], y[:1500])
    assert [r.weights_.shape for r in dbn.rbms_] == [(784, 64), (64, 32)]
    assert dbn.transform(X[:10]).shape == (10, 32)
    assert dbn.score(X[1500:], y[1500:]) > 0.55  # chance is 0.1; a short run on 1,500 digits gets ≈ 0.67
    assert dbn.fields(2).shape == (784, 32)
    assert dbn.gibbs(5, 10, random_state=0).shape == (5, 784)
    same = DBN((64, 32), n_epochs=5, learning_rate=0.1, random_state=0).fit(X[:1500])
    np.testing.assert_array_equal(same.rbms_[1].weights_, dbn.rbms_[1].weights_)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,name", [({"k": 0}, "k"), ({"n_hidden": 0}, "n_hidden"), ({"method": "x"}, "method"),
                                         ({"learning_rate": float("nan")}, "learning_rate"),
                                         ({"batch_size": 0}, "batch_size"), ({"momentum": 1.5}, "momentum"),
                                         ({"random_state": -1}, "random_state"), ({"dtype": "int8"}, "dtype")])
def test_bad_hyper_parameters_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        RBM(**kwargs)


def test_bad_data_raises_naming_the_argument():
    rbm = seed_rbm()
    with pytest.raises(ValueError, match="X.*3 features"):
        rbm.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X.*NaN"):
        rbm.free_energy([[0, np.nan, 1]])
    with pytest.raises(ValueError, match=r"X.*\[0, 1\]"):
        RBM(3).fit(np.full((5, 3), 2.0))
    with pytest.raises(ValueError, match="X /"):
        RBM(3).fit(np.full((5, 3), 255, np.uint8))
    with pytest.raises(ValueError, match="v.*binary"):
        rbm.energy([[0.5, 0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="X.*binary"):
        rbm.exact_log_likelihood([[0.5, 0, 1]])
    with pytest.raises(ValueError, match="n_steps"):
        rbm.gibbs([[0, 1, 0]], -1)
    with pytest.raises(ValueError, match="known"):
        rbm.complete([[0, 1, 0]], [1, 0, 1])
    with pytest.raises(ValueError, match="no weights"):
        RBM(3).transform([[0, 1]])
    with pytest.raises(ValueError, match="min"):
        RBM(30, dtype="float64").initialize(30).log_partition_function()
    with pytest.raises(ValueError, match="y"):
        DBN((4,)).fit(np.zeros((5, 3)), y=[1, 2])
    with pytest.raises(ValueError, match="layers"):
        DBN(layers=5)


# --------------------------------------------------------------------------- the GUI models
def small_params(**extra):
    return dict(n_hidden=64, n_train=1000, batch_size=50, eval_every=5, **extra)


def test_rbm_model_views_snapshot_and_actions():
    model = RBMModel(small_params(), seed=0)
    snap0 = model.snapshot()
    for view in model.views():
        assert view.key in snap0.data
    assert snap0.data["recon_error"].size >= 1 and snap0.data["pseudo_ll"].size >= 1  # never empty at start
    fields0 = snap0.data["fields"].copy()
    model.step(12)
    snap = model.snapshot()
    assert snap.t == 12
    assert snap.data["fields"].shape == (64, 28, 28)
    assert not np.array_equal(snap.data["fields"], fields0)  # receptive fields change while training
    assert snap.data["reconstructions"].shape == (20, 28, 28)
    assert snap.data["free_energy_gap"].shape[0] == 2
    snap.data["fields"][:] = 0  # a copy: the model is untouched
    assert np.abs(model.snapshot().data["fields"]).sum() > 0
    for name, _, _ in model.actions():
        getattr(model, name)()
    model.occlude_and_reconstruct()
    rec = model.snapshot().data["reconstructions"]
    assert np.all(rec[:10, 18:, :] == 0)  # occluded inputs on top, completions below
    assert rec[10:, 18:, :].sum() > 0


def test_rbm_model_tiny_preset_shows_the_seed_table():
    model = RBMModel({"preset": "seed_3x2"}, seed=0)
    snap = model.snapshot()
    table = snap.data["tiny_table"]
    assert table.shape == (2, 32)
    assert snap.data["tiny_z"] == pytest.approx(57.684, abs=5e-4)
    assert table[0, 0b10101] == pytest.approx(np.exp(0.3) / 57.684, abs=1e-4)  # v=101, h=01
    model.step(300)
    snap = model.snapshot()
    assert np.abs(snap.data["tiny_table"][1] - snap.data["tiny_table"][0]).max() < 0.01
    assert snap.data["tiny_kl"][-1] < 0.01


@pytest.mark.parametrize("params", [small_params(), small_params(method="pt"), {"preset": "seed_3x2"}])
def test_rbm_model_save_load_round_trip(tmp_path, params):
    model = RBMModel(params, seed=1)
    model.step(7)
    model.occlude_and_reconstruct()
    path = io.save(model, tmp_path / "rbm.npz")
    loaded = io.load(path)
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
    bad = dict(state, rbm_weights=np.zeros((10, 64)))
    with pytest.raises(ValueError, match="rbm_weights"):
        model.load_state(bad)
    bad = dict(state)
    del bad["fantasy_v"]
    with pytest.raises(ValueError, match="fantasy_v"):
        model.load_state(bad)
    with pytest.raises(ValueError, match="k"):
        model.with_params(k=0)
    with pytest.raises(ValueError, match="learning_rate"):
        model.with_params(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="n"):
        model.step(0)
    model.with_params(method="pcd", learning_rate=0.02)  # live change keeps the weights
    np.testing.assert_array_equal(model.rbm.weights_, state["rbm_weights"])
    model.step(2)
    assert model.t == 4


def test_rbm_model_same_seed_same_run():
    a, b = RBMModel(small_params(), seed=5), RBMModel(small_params(), seed=5)
    a.step(6)
    b.step(6)
    np.testing.assert_array_equal(a.rbm.weights_, b.rbm.weights_)
    np.testing.assert_array_equal(a.snapshot().data["fantasy"], b.snapshot().data["fantasy"])


def test_dbn_model_trains_layer_by_layer_and_round_trips(tmp_path):
    model = DBNModel(dict(n_layers=3, n_hidden_1=32, n_hidden_2=16, n_hidden_3=8, n_train=500, batch_size=50,
                          epochs_per_layer=0.4, n_shown=8), seed=0)
    snap = model.snapshot()
    for view in model.views():
        assert view.key in snap.data
    w2 = model.rbms[1].weights_.copy()
    model.step(4)  # layer 1 only
    assert model.layer == 1 and np.array_equal(model.rbms[1].weights_, w2)
    model.step(4)
    assert model.layer == 2 and not np.array_equal(model.rbms[1].weights_, w2)
    snap = model.snapshot()
    assert [snap.data[f"fields_{i}"].shape for i in (1, 2, 3)] == [(8, 28, 28)] * 3
    model.new_fantasy()
    path = io.save(model, tmp_path / "dbn.npz")
    loaded = io.load(path)
    for key, value in model.snapshot().data.items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(loaded.snapshot().data[key]), err_msg=key)
    model.step(5)
    loaded.step(5)
    assert model.done and loaded.done
    for r1, r2 in zip(model.rbms, loaded.rbms):
        np.testing.assert_array_equal(r1.weights_, r2.weights_)


def test_cli_runs_and_saves_the_rbm(tmp_path, capsys):
    from engine.cli import main
    out = tmp_path / "cli_rbm.npz"
    assert main(["run", "rbm", "n_hidden=32", "n_train=500", "--steps", "5", "--save", str(out), "--quiet"]) == 0
    assert io.load(out).t == 5
    assert main(["run", "rbm", "k=0", "--steps", "1", "--quiet"]) == 2


def test_experiment_runs_and_cancels():
    exp = {e.name: e for e in RBMModel.experiments()}["rbm-mnist"]
    settings = dict(exp.defaults, n_hidden=32, n_epochs=3, n_train=1000, learning_rate=0.1)
    result = exp.run(settings, lambda f, m: True)
    assert 0.4 < result["test_accuracy"] <= 1.0  # chance is 0.1; this short run gets ≈ 0.6
    with pytest.raises(Cancelled):
        exp.run(settings, lambda f, m: False)
