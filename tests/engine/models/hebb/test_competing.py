"""CompetingHebbian (Krotov & Hopfield 2019): the published loop, the fields, the live model, checks."""
import warnings

import numpy as np
import pytest

from engine import registry
from engine.kernels import hebb as K
from engine.models.hebb import CompetingHebbian


def _mnist(n):
    from engine.datasets import load_mnist
    x, y = load_mnist("train", n)
    return x.reshape(n, -1) / 255.0, y


def test_one_pass_equals_the_published_numpy_loop():
    X, _ = _mnist(600)
    net = CompetingHebbian(n_hidden=50, n_epochs=4, batch_size=100, random_state=0).initialize(X)
    W0 = net.fields()
    order = np.arange(600)
    net.present(X, 0.04)
    ref = W0.copy()
    K.competing_epoch_reference(ref, X, order, 100, 7, 0.4, 3.0, 0.04)
    np.testing.assert_allclose(net.fields(), ref, rtol=1e-10, atol=1e-12)


def test_learning_drives_the_lebedev_norms_to_one_and_the_features_classify():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    X, y = _mnist(3000)
    net = CompetingHebbian(n_hidden=100, n_epochs=15, learning_rate=0.04, random_state=0)
    start = CompetingHebbian(n_hidden=100, random_state=0).initialize(X).norms().mean()
    net.fit(X)
    assert start > 5 and net.norms().mean() < 0.7 * start        # on its way to 1 (the published N(0, 1) start)
    H = net.transform(X)
    assert H.shape == (3000, 100) and H.min() >= 0
    F = StandardScaler().fit_transform(H)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = LogisticRegression(max_iter=300).fit(F[:2000], y[:2000]).score(F[2000:], y[2000:])
    assert acc > 0.7                   # far above chance after a few passes; the full run is the experiment


def test_same_seed_same_fields():
    X, _ = _mnist(400)
    a = CompetingHebbian(n_hidden=30, n_epochs=2, random_state=5).fit(X)
    b = CompetingHebbian(n_hidden=30, n_epochs=2, random_state=5).fit(X)
    np.testing.assert_array_equal(a.fields(), b.fields())
    np.testing.assert_array_equal(a.fields(5), a.fields()[:5])
    with pytest.raises(ValueError, match="n must be"):
        a.fields(0)
    assert a.n_epochs_ == 2 and a.epoch_rate(1) == pytest.approx(0.02)


@pytest.mark.parametrize("change, message", [
    (dict(learning_rate=0.0), "learning_rate"), (dict(p=1.5), "p"), (dict(k=1), "k"), (dict(k=40), "k"),
    (dict(delta=-0.1), "delta"), (dict(n_hidden=1), "n_hidden"), (dict(batch_size=0), "batch_size"),
    (dict(power=0.5), "power"),
])
def test_bad_parameters_are_refused_naming_them(change, message):
    X, _ = _mnist(100)
    with pytest.raises(ValueError, match=message):
        CompetingHebbian(**{"n_hidden": 30, **change}).fit(X)


def test_bad_data_is_refused():
    X, _ = _mnist(100)
    net = CompetingHebbian(n_hidden=20, n_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="784 features"):
        net.transform(np.ones((2, 10)))
    with pytest.raises(ValueError, match="NaN"):
        net.partial_fit(np.full((2, 784), np.nan))
    with pytest.raises(ValueError, match="0 sample"):
        CompetingHebbian(n_hidden=20).fit(np.zeros((0, 784)))
    with pytest.raises(ValueError, match="not fitted"):
        CompetingHebbian().transform(X)
    with pytest.raises(ValueError, match="n_hidden"):
        CompetingHebbian(n_hidden=100000).fit(np.zeros((2, 10**6), dtype=np.float32))


def test_scikit_learn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(CompetingHebbian(n_hidden=10, k=3, n_epochs=2, batch_size=10), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed, failed


def test_live_model_learns_scores_and_round_trips():
    m = registry.create("competing", {"n_hidden": 20, "n_data": 500, "readout_samples": 300}, seed=0)
    before = m.snapshot()
    m.step(5)                                  # one pass of 500 images: the readout is scored
    s = m.snapshot()
    assert s.data["accuracy"].shape == (1,) and 0.1 < s.data["accuracy"][0] <= 1
    assert not np.array_equal(before.data["fields"], s.data["fields"])
    assert s.data["fields"].shape == (20, 28, 28)
    saved = m.state()
    other = registry.create("competing", m.params, seed=9)
    other.load_state(saved)
    m.step(3)
    other.step(3)
    np.testing.assert_array_equal(m.snapshot().data["fields"], other.snapshot().data["fields"])
    m.with_params(k=3, learning_rate=0.01)
    assert m.t == 8 and m.net.k == 3
    with pytest.raises(ValueError, match="k must be"):
        m.with_params(k=50)
    assert m.net.k == 3 and m.params.k == 3
