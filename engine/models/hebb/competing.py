"""``CompetingHebbian``: Krotov & Hopfield (PNAS 2019), "Unsupervised learning by competing hidden units".

Each hidden unit μ has weights W_μ; its input current is ⟨W_μ, x⟩ = Σ_i sign(W_μi)|W_μi|^(p−1) x_i (the
Lebedev-p inner product). Per sample the strongest unit is pushed toward the input, the k-th strongest
pushed away with strength delta, and ΔW_μ = g_μ (x − ⟨W_μ, x⟩ W_μ) keeps each |W_μ|_p at 1 — local,
Hebbian-like plasticity. The receptive fields turn from noise into strokes and digit parts; the
hidden activities h_μ = max(W_μ·x, 0)^power (``transform``) are features a linear readout classifies.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import TransformerMixin

from engine import interrupt
from engine.estimator import EpochEstimator, integer, real, seed
from engine.kernels import hebb as K
from engine.models.hebb.classifier import same_value
from engine.validation import check_array, check_bounded_state, check_float, check_int, check_memory


class CompetingHebbian(TransformerMixin, EpochEstimator):
    """Competing hidden units, scikit-learn style (fit / partial_fit / transform; ``fields()`` the receptive fields).

    Pass e (from 0) of ``n_epochs`` uses the rate ``learning_rate · (1 − e / n_epochs)`` (the published
    schedule); each minibatch's update is scaled so that its largest entry equals that rate.
    """

    _constraints = {
        "n_hidden": integer(2, 100000),
        "p": real(2.0),
        "k": integer(2, 100000),
        "delta": real(0.0),
        "power": real(1.0),
        "learning_rate": real(0, lo_open=True),
        "batch_size": integer(1, 100000),
        "n_epochs": integer(1, 100000),
        "random_state": seed(),
    }

    def __init__(self, n_hidden: int = 2000, p: float = 3.0, k: int = 7, delta: float = 0.4, power: float = 4.5,
                 learning_rate: float = 0.04, batch_size: int = 100, n_epochs: int = 100,
                 random_state: int | None = None):
        self.n_hidden = n_hidden
        self.p = p
        self.k = k
        self.delta = delta
        self.power = power
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state

    def _params(self) -> dict:
        p = super()._params()
        if p["k"] > p["n_hidden"]:
            raise ValueError(f"k must be ≤ n_hidden ({p['n_hidden']}): the k-th strongest unit is pushed away, "
                             f"got k={p['k']}")
        return p

    def _params_changed(self, old: dict) -> None:
        if any(not same_value(old[name], getattr(self, name)) for name in ("n_hidden", "p")):
            for name in ("weights_", "n_epochs_", "n_features_in_"):
                self.__dict__.pop(name, None)

    # ------------------------------------------------------------------ learning
    def _start(self, n_features: int, p: dict) -> None:
        check_memory(f"n_hidden={p['n_hidden']}", 3.0 * p["n_hidden"] * n_features * 8,
                     hint="fewer hidden units")
        self._rng = np.random.default_rng(p["random_state"])
        self.weights_ = self._rng.normal(0.0, 1.0, size=(p["n_hidden"], n_features))
        self._lebedev = np.empty_like(self.weights_)
        K.lebedev_weights(self.weights_, p["p"], self._lebedev, np.arange(p["n_hidden"], dtype=np.int64))
        self.n_epochs_ = 0

    def _learn(self, X: np.ndarray, order: np.ndarray, rate: float, p: dict) -> None:
        bs = p["batch_size"]
        backup = (self.weights_.copy(), self._lebedev.copy())   # kept if the weights diverge
        rows = np.empty(2 * bs, dtype=np.int64)
        ds = np.empty((2 * bs, X.shape[1]))
        for start in range(0, order.shape[0], bs):
            Xb = np.ascontiguousarray(X[order[start:start + bs]])
            currents = interrupt.matmul(self._lebedev, Xb.T)   # the one dense product: BLAS, in chunks
            K.competing_update(self.weights_, self._lebedev, currents, Xb, p["k"], p["delta"], p["p"], rate,
                               rows, ds)
        try:
            check_bounded_state("weights", self.weights_, at=f"at epoch {self.n_epochs_ + 1}",
                                hint=f"learning_rate={rate:g} is too large for this rule; lower it or scale X "
                                     f"to [0, 1]")
        except ValueError:
            self.weights_, self._lebedev = backup
            raise

    def epoch_rate(self, epoch: int) -> float:
        """The rate of pass ``epoch``: learning_rate · (1 − epoch / n_epochs), at least learning_rate / n_epochs."""
        p = self._params()
        return p["learning_rate"] * max(1.0 - epoch / p["n_epochs"], 1.0 / p["n_epochs"])

    def initialize(self, X: Any) -> "CompetingHebbian":
        """Random N(0, 1) weights for inputs like X, before any learning (a live model's t = 0)."""
        p = self._params()
        X = self._check_X(X, reset=True)
        self._start(X.shape[1], p)
        return self

    def present(self, X: Any, learning_rate: float) -> "CompetingHebbian":
        """Present the rows of X in order, ``batch_size`` at a time, at ``learning_rate`` (no pass counted)."""
        p = self._params()
        self._check_fitted("present")
        X = self._check_X(X, reset=False)
        rate = check_float("learning_rate", learning_rate, 0.0, lo_open=True)
        self._learn(X, np.arange(X.shape[0]), rate, p)
        return self

    def _pass(self, X: np.ndarray, p: dict) -> None:
        self._learn(X, self._rng.permutation(X.shape[0]), self.epoch_rate(self.n_epochs_), p)
        self.n_epochs_ += 1

    # ------------------------------------------------------------------ features
    def transform(self, X: Any) -> np.ndarray:
        """Hidden activities h_μ = max(W_μ · x, 0)^power, (n, n_hidden)."""
        self._check_fitted("transform")
        X = self._check_X(X, reset=False)
        currents = X @ self.weights_.T
        np.maximum(currents, 0.0, out=currents)
        return currents ** self.power

    def fields(self, n: int | None = None) -> np.ndarray:
        """The receptive fields W (n_hidden, n_features) — the first ``n`` when given — as a copy
        (reshape a row to see it as an image)."""
        self._check_fitted("fields")
        if n is None:
            return self.weights_.copy()
        return self.weights_[:check_int("n", n, 1)].copy()

    def norms(self) -> np.ndarray:
        """Each unit's Lebedev norm |W_μ|_p = (Σ_i |W_μi|^p)^(1/p); learning drives it to 1."""
        self._check_fitted("norms")
        return (np.abs(self.weights_) ** self.p).sum(axis=1) ** (1.0 / self.p)

    def set_fields(self, weights: Any) -> None:
        """Install receptive fields of the fitted shape (a saved session), checked."""
        self._check_fitted("set_fields")
        self.weights_ = check_array("weights", weights, shape=self.weights_.shape, copy=True)
        K.lebedev_weights(self.weights_, float(self.p), self._lebedev,
                          np.arange(self.weights_.shape[0], dtype=np.int64))

