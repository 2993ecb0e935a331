"""``HebbianPCA``: principal components by Hebbian learning — Oja's rule and Sanger's GHA.

Oja (1982): y = w·x, Δw = α y (x − y w) — Hebb's rule with a decay that keeps |w| → 1, so w turns
onto the first principal component. Sanger (1989): each unit i unlearns what units 1…i already
explain, Δw_i = α y_i (x − Σ_{l ≤ i} y_l w_l), and the units find the components in order.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import TransformerMixin

from engine.estimator import EpochEstimator, boolean, choice, integer, real, seed
from engine.kernels import hebb as K
from engine.models.hebb.classifier import same_value
from engine.validation import check_array, check_bounded_state, check_float, check_int, check_memory, physical_memory_bytes

PCA_RULES = ("oja", "sanger")


def pass_rate(learning_rate: float, epoch: int) -> float:
    """The rate of pass ``epoch`` (from 0): learning_rate / (1 + epoch)."""
    return check_float("learning_rate", learning_rate, 0.0, lo_open=True) / (1.0 + check_int("epoch", epoch, 0))


def angles_degrees(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between the rows of ``a`` and ``b`` as axes (the sign of a component is arbitrary)."""
    a = np.atleast_2d(check_array("a", a, ndim=(1, 2), non_empty=True))
    b = np.atleast_2d(check_array("b", b, ndim=(1, 2), non_empty=True))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = np.abs((a * b).sum(axis=1)) / np.where(na * nb > 0, na * nb, 1.0)
    return np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))


class HebbianPCA(TransformerMixin, EpochEstimator):
    """Principal components learned one sample at a time (scikit-learn style: fit / partial_fit / transform).

    ``rule="oja"`` with one component is Oja's rule (several components: Oja's subspace rule, which finds
    the principal subspace but not the axes); ``rule="sanger"`` finds the components in order. The data are
    centred on a running mean. Pass e (from 0) uses the rate ``learning_rate / (1 + e)``, so the
    components settle instead of jittering. ``components_`` (n_components, n_features),
    ``explained_variance_`` the variance of the training data along each learned component.
    """

    _constraints = {
        "n_components": integer(1, 10000),
        "rule": choice(*PCA_RULES),
        "learning_rate": real(0, lo_open=True),
        "n_epochs": integer(1, 100000),
        "shuffle": boolean(),
        "random_state": seed(),
    }

    def __init__(self, n_components: int = 1, rule: str = "oja", learning_rate: float = 0.01, n_epochs: int = 10,
                 shuffle: bool = True, random_state: int | None = None):
        self.n_components = n_components
        self.rule = rule
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.shuffle = shuffle
        self.random_state = random_state

    def _params_changed(self, old: dict) -> None:
        if not same_value(old["n_components"], self.n_components):   # a different number of units: start again
            for name in ("components_", "mean_", "n_samples_seen_", "n_epochs_", "explained_variance_",
                         "n_features_in_"):
                self.__dict__.pop(name, None)

    def _start(self, n_features: int, p: dict) -> None:
        if p["n_components"] > n_features:
            raise ValueError(f"n_components must be ≤ the number of features ({n_features}), "
                             f"got {p['n_components']}")
        # the components, their draw, the divergence backup and the temporaries of a norm: 4 × k·n_features
        total = physical_memory_bytes()
        largest = f" (n_components ≤ {int(0.5 * total / (32.0 * n_features))} for {n_features} features here)" if total else ""
        check_memory(f"n_components={p['n_components']}", 32.0 * p["n_components"] * n_features,
                     hint=f"the components take about 32·n_components·n_features bytes to learn{largest}")
        self._rng = np.random.default_rng(p["random_state"])
        w = self._rng.normal(size=(p["n_components"], n_features))
        self.components_ = 0.1 * w / np.linalg.norm(w, axis=1, keepdims=True)   # small: Hebbian growth shows
        self.mean_ = np.zeros(n_features)
        self.n_samples_seen_ = 0
        self.n_epochs_ = 0

    def _pass(self, X: np.ndarray, p: dict) -> None:
        n = X.shape[0]
        self.mean_ = (self.mean_ * self.n_samples_seen_ + X.sum(axis=0)) / (self.n_samples_seen_ + n)
        self.n_samples_seen_ += n
        Xc = np.ascontiguousarray(X - self.mean_)
        order = self._rng.permutation(n) if p["shuffle"] else np.arange(n)
        self._learn(Xc[order], pass_rate(p["learning_rate"], self.n_epochs_), p)
        self.n_epochs_ += 1
        self.explained_variance_ = self._variance(Xc)

    def _learn(self, Xc: np.ndarray, rate: float, p: dict) -> None:
        backup = self.components_.copy()   # kept if the components diverge
        K.gha_present(self.components_, np.ascontiguousarray(Xc), np.arange(Xc.shape[0], dtype=np.int64), rate,
                      p["rule"] == "sanger")
        try:
            check_bounded_state("components", self.components_, at=f"at epoch {self.n_epochs_ + 1}",
                                hint=f"learning_rate={rate:g} is too large for these inputs; lower it or scale "
                                     f"X — α·|x|² must stay well below 1")
        except ValueError:
            self.components_ = backup
            raise

    def _variance(self, Xc: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(self.components_, axis=1)
        proj = Xc @ (self.components_ / np.where(norms > 0, norms, 1.0)[:, None]).T
        return proj.var(axis=0, ddof=1) if Xc.shape[0] > 1 else np.zeros(self.components_.shape[0])

    def initialize(self, X: Any) -> "HebbianPCA":
        """Small random components and the mean of X, before any learning (a live model's t = 0)."""
        p = self._params()
        X = self._check_X(X, reset=True)
        self._start(X.shape[1], p)
        self.mean_ = X.mean(axis=0)
        self.n_samples_seen_ = X.shape[0]
        self.explained_variance_ = self._variance(X - self.mean_)
        return self

    def present(self, X: Any, learning_rate: float) -> "HebbianPCA":
        """Present the rows of X in order at ``learning_rate`` (centred on ``mean_``; no pass counted, no variance)."""
        p = self._params()
        self._check_fitted("present")
        X = self._check_X(X, reset=False)
        rate = check_float("learning_rate", learning_rate, 0.0, lo_open=True)
        self._learn(X - self.mean_, rate, p)
        return self

    def set_components(self, components: Any) -> None:
        """Install components of the fitted shape (a saved session), checked."""
        self._check_fitted("set_components")
        self.components_ = check_array("components", components, shape=self.components_.shape, copy=True)

    def transform(self, X: Any) -> np.ndarray:
        """y = W (x − mean): (n, n_components)."""
        self._check_fitted("transform")
        X = self._check_X(X, reset=False)
        return (X - self.mean_) @ self.components_.T

    def angles_to(self, components: Any) -> np.ndarray:
        """Angle in degrees between each learned component and the matching row of ``components``."""
        self._check_fitted("angles_to")
        ref = check_array("components", components, shape=(None, self.components_.shape[1]))
        if ref.shape[0] < self.components_.shape[0]:
            raise ValueError(f"components must have at least {self.components_.shape[0]} rows, got {ref.shape[0]}")
        return angles_degrees(self.components_, ref[: self.components_.shape[0]])
