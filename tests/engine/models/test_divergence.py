"""Issue 14.14, the audit: every public training entry point stops with the clear message the first time
its state becomes non-finite ("weights diverged at epoch N …: learning_rate=… is too large …") and keeps
the state from before the failing update. fit / partial_fit of SOM, CompetitiveLayer and RBM, and the
SOM / competitive / RBM / CHL GUI steps are covered in test_limits.py and the families' tests; here the
per-minibatch entry points a script calls (train_batch), the Boltzmann machine, DAM, and the Hebb family.
BAM, the linear associator, Hopfield, the modern Hopfield network and the auto-associative DAM store in
closed form (no rate, nothing to diverge); Ising has no weights."""
from __future__ import annotations

import numpy as np
import pytest

from engine.models.boltzmann import BoltzmannMachine, BoltzmannModel
from engine.models.chl import CHL
from engine.models.dense import DAMClassifier
from engine.models.hebb import CompetingHebbian, HebbClassifier, HebbianPCA
from engine.models.rbm import DBN, RBM

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the overflowing updates themselves


def data(n=40, f=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, f))
    return X, np.arange(n) % 2


def poison(monkeypatch, cls, method, array_of):
    """Make ``cls.method`` leave a NaN in the array ``array_of(self)`` after it runs (a diverged update)."""
    real = getattr(cls, method)

    def poisoned(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        array_of(self)[0, 0] = np.nan
        return out
    monkeypatch.setattr(cls, method, poisoned)


@pytest.mark.parametrize("make", [lambda: RBM(4, random_state=0).initialize(16),
                                  lambda: DBN((4, 3), random_state=0).initialize(16)])
def test_train_batch_of_rbm_and_dbn_stops_at_the_first_bad_minibatch(monkeypatch, make):
    # issue 14.14: RBM.train_batch from a script had no divergence check (the GUI model checked)
    est = make()
    X = (data()[0] > 0.5).astype(float)
    est.train_batch(X[:10])
    rbm = est if isinstance(est, RBM) else est.rbms_[0]
    before = rbm.weights_.copy()
    poison(monkeypatch, RBM, "_apply_update", lambda self: self.weights_)
    with pytest.raises(ValueError, match=r"weights diverged at epoch 1 \(NaN or infinite values\): "
                                         r"learning_rate=0\.05 \(momentum=0\.5\) is too large"):
        est.train_batch(X[10:20])
    np.testing.assert_array_equal(rbm.weights_, before)


@pytest.mark.parametrize("entry", ["train_batch", "train_batches"])
def test_chl_minibatch_entry_points_stop_and_keep_the_weights(entry):
    X, y = data()
    net = CHL(hidden=(4,), learning_rate=1e300, random_state=0).initialize(16, [0, 1])
    with pytest.raises(ValueError, match=r"weights diverged \(NaN or infinite values\): learning_rate=1e\+300 "
                                         r"is too large"):
        for _ in range(20):
            getattr(net, entry)(X[:10], y[:10])
    assert all(np.all(np.isfinite(w)) for w in net.weights_)


def test_chl_train_batch_keeps_the_weights_from_before_the_failing_call():
    X, y = data()
    net = CHL(hidden=(4,), learning_rate=1e300, random_state=0).initialize(16, [0, 1])
    for _ in range(20):
        before = [w.copy() for w in net.weights_]
        try:
            net.train_batch(X[:10], y[:10])
        except ValueError:
            break
    else:
        pytest.fail("a rate of 1e300 never diverged")
    for a, b in zip(net.weights_, before):
        np.testing.assert_array_equal(a, b)


def test_dam_train_batch_stops_and_keeps_the_memories(monkeypatch):
    X, y = data()
    clf = DAMClassifier(n_memories=4, batch_size=10, random_state=0).initialize(16, [0, 1])
    clf.train_batch(X[:10], y[:10])
    before = clf.memories_.copy()
    poison(monkeypatch, DAMClassifier, "_update", lambda self: self.memories_)
    with pytest.raises(ValueError, match=r"memories diverged at epoch 1 \(NaN or infinite values\)"):
        clf.train_batch(X[10:20], y[10:20])
    np.testing.assert_array_equal(clf.memories_, before)


def test_dam_model_step_fails_and_keeps_finite_memories(monkeypatch):
    from engine.models.dense import DAMModel
    model = DAMModel(DAMModel.Params(n_memories=4, n_train=1000, n_test=100, batch_size=100), seed=0)
    model.step(1)
    before = model.clf.memories_.copy()
    poison(monkeypatch, DAMClassifier, "_update", lambda self: self.memories_)
    with pytest.raises(ValueError, match="memories diverged at epoch 1"):
        model.step(1)
    np.testing.assert_array_equal(model.clf.memories_, before)


def test_boltzmann_fit_and_learn_step_refuse_a_run_away_rate():
    X = (data()[0][:, :4] > 0.5).astype(np.uint8)
    bm = BoltzmannMachine(4, 1, seed=0)
    # before: fit returned weights of 6e299 without a word
    with pytest.raises(ValueError, match=r"weights diverged at epoch 1 \(values up to .*, bound 1e\+06\): "
                                         r"learning_rate=1e\+300 is too large"):
        bm.fit(X, epochs=20, learning_rate=1e300)
    W = bm.W.copy()
    with pytest.raises(ValueError, match="weights diverged"):
        bm.learn_step(X, learning_rate=1e300)
    np.testing.assert_array_equal(bm.W, W)
    bm.fit(X, epochs=3, learning_rate=0.1)     # and learns on from there


def test_boltzmann_model_step_fails_and_keeps_finite_weights():
    model = BoltzmannModel(seed=0)
    model.step(2)
    t = model.t
    model.learning_rate_now = lambda: 1e300     # what the form cannot set: the machine's own check must catch it
    with pytest.raises(ValueError, match="weights diverged"):
        model.step(1)
    assert model.t == t and np.all(np.isfinite(model.machine.W)) and np.abs(model.machine.W).max() < 1e6


@pytest.mark.parametrize("fit, what", [
    (lambda X, y: HebbClassifier(learning_rate=1e300, n_epochs=3).fit(X * 1e10, y), "weights"),
    (lambda X, y: HebbianPCA(n_components=2, learning_rate=1e3, n_epochs=3, random_state=0).fit(X), "components"),
    (lambda X, y: CompetingHebbian(n_hidden=8, k=2, learning_rate=1e300, n_epochs=3, random_state=0).fit(X),
     "weights"),
])
def test_hebb_family_says_which_epoch_and_which_rate(fit, what):
    X, y = data()
    with pytest.raises(ValueError, match=rf"{what} diverged at epoch \d+ \(NaN or infinite values\): "
                                         r"learning_rate=.* is too large"):
        fit(X, y)
