"""``DAMClassifier``: Krotov & Hopfield's Dense Associative Memory trained as a classifier (seed 004).

K memories ξ (K, N + Nc) over N visible neurons (pixels, ±1) and Nc classification neurons. For an
image v^A the network flips one classification neuron α and compares energies (eqs. 9, 15, 16):
    c_α^A = tanh[β Σ_μ (F_n(ξ^μ·V^{αA}) − F_n(ξ^μ·U^A))],   β = 1/Tⁿ,  F_n(x) = (x)_+ⁿ  (eq. 3)
with V^{αA} = (v^A, +1 at α, −1 elsewhere) and U^A = (v^A, −1 everywhere). Training descends
C = Σ_A Σ_α (c_α − t_α)^{2m} (eq. 14) with the gradient of eq. (17), momentum p, and an update
normalised per memory by its largest component (eq. 13), ε(t) = ε₀ fᵗ per epoch (eq. 12), the
temperature ramped from ``temperature`` to ``temperature_final`` over ``ramp_epochs`` epochs, and
every weight clipped to [−1, 1] after each minibatch — the seed's notebook, step for step.

What differs from the notebook is arithmetic, not the algorithm: the ten V states of an image share
their visible part, so one BLAS product gives all their drives (engine.kernels.dense), and powers
are taken of x/T (β F_n(x) = (x_+/T)ⁿ), finite where xⁿ would overflow. The seed's floor on the
normaliser (prec = 1e-30) applies to the notebook's un-scaled gradient (no 2mβn factor), so it is
applied here on that scale. Predictions take the argmax of the energy difference before the tanh,
which saturates (ties) where the difference does not.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from engine import interrupt
from engine.estimator import Estimator, integer, real, seed
from engine.kernels import dense as K
from engine.model import rng_from_state_array, rng_state_array
from engine.threads import blas_threads
from engine.validation import (check_bounded_state, check_data, check_int, state_entry, state_float,
                               state_ints)

PRECISION = 1.0e-30  # seed 004's "prec": the floor of the update's normaliser, on the notebook's scale
_LEARNED = ("memories_", "_velocity")
# dam_batch_gradient's gcls partial sums: a fixed count, so the sum's order (and the memories, to the
# last bit) does not depend on how many threads ran them
GRADIENT_PARTS = 8
# The products run on one BLAS thread, for the same reason: OpenBLAS's sums depend on its thread count
# (measured: 1 and 2 threads differ in the last bits), and at a minibatch's size (K × 784 by 784 × 1000,
# 3 ms on one core) a second thread gains little and, on a busy core, costs several times that.
BLAS_THREADS = 1


class DAMClassifier(ClassifierMixin, Estimator):
    """Dense Associative Memory classifier (Krotov & Hopfield 2016, seed 004's configuration by default).

    X holds pixels in [0, 1] (mapped to ±1 inside: 2x − 1); y any labels (``classes_``). Learned state:
    ``memories_`` (n_memories, n_features + n_classes; in [−1, 1] after the first update), ``epoch_`` (epochs trained) and
    ``history_`` — per epoch: "train_error" (counted during the pass, as the notebook does),
    "test_error" (on X_val, y_val; NaN without them), "learning_rate", "temperature".
    """

    _constraints = {
        "n_memories": integer(1, 100000), "power": integer(2, 60), "loss_power": integer(1, 100),
        "learning_rate": real(0.0, 10.0, lo_open=True), "lr_decay": real(0.0, 1.0, lo_open=True),
        "momentum": real(0.0, 0.999), "temperature": real(0.0, 1e6, lo_open=True),
        "temperature_final": real(0.0, 1e6, lo_open=True), "ramp_epochs": integer(0),
        "batch_size": integer(1), "init_mean": real(-1.0, 1.0), "init_std": real(0.0, 10.0),
        "n_epochs": integer(1), "random_state": seed(),
    }

    def __init__(self, n_memories: int = 100, power: int = 20, loss_power: int = 30, learning_rate: float = 4e-2,
                 lr_decay: float = 0.998, momentum: float = 0.6, temperature: float = 540.0,
                 temperature_final: float = 540.0, ramp_epochs: int = 200, batch_size: int = 1000,
                 init_mean: float = -0.3, init_std: float = 0.3, n_epochs: int = 300,
                 random_state: int | None = None):
        self.n_memories = n_memories
        self.power = power
        self.loss_power = loss_power
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.momentum = momentum
        self.temperature = temperature
        self.temperature_final = temperature_final
        self.ramp_epochs = ramp_epochs
        self.batch_size = batch_size
        self.init_mean = init_mean
        self.init_std = init_std
        self.n_epochs = n_epochs
        self.random_state = random_state

    # -- parameters and schedules ----------------------------------------------------------------
    def _params_changed(self, old: dict) -> None:
        """Memories of another count no longer fit: forget the learned state (fit again)."""
        if "memories_" in vars(self) and old["n_memories"] != self.n_memories:
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")] + ["_velocity"]:
                self.__dict__.pop(name, None)

    def current_learning_rate(self, epoch: int | None = None) -> float:
        """ε(t) = ε₀ fᵗ at epoch t (eq. 12; the current epoch when not given)."""
        t = self._epoch() if epoch is None else epoch
        return float(self.learning_rate * self.lr_decay ** t)

    def current_temperature(self, epoch: int | None = None) -> float:
        """T at epoch t: linear from ``temperature`` to ``temperature_final`` over ``ramp_epochs``, then constant."""
        t = self._epoch() if epoch is None else epoch
        if self.ramp_epochs == 0:
            return float(self.temperature_final)
        return float(self.temperature + (self.temperature_final - self.temperature) * min(t, self.ramp_epochs)
                     / self.ramp_epochs)

    def _epoch(self) -> int:
        return getattr(self, "epoch_", 0)

    # -- data ---------------------------------------------------------------------------------------
    def _labels(self, y: Any, n: int, *, fitting: bool) -> np.ndarray:
        """Class indices (n,) of labels y; ``fitting`` records ``classes_`` (at least 2)."""
        y = self._check_y(y, n)
        if fitting:
            classes = np.unique(y)
            if classes.shape[0] < 2:
                raise ValueError(f"y must hold at least 2 classes to classify, got 1 class {classes.tolist()}")
            self.classes_ = classes
        return self._class_indices(y)

    def _bipolar(self, name: str, X: Any) -> np.ndarray:
        """Pixels in [0, 1] → 2x − 1, float64 (n, n_features)."""
        if name == "X":
            arr = self._check_X(X, reset=False, values=(0, 1))
        else:
            arr = check_data(name, X, n_features=self.n_features_in_, values=(0, 1))
        return 2.0 * arr - 1.0

    # -- training -----------------------------------------------------------------------------------
    def initialize(self, n_features: int, classes) -> "DAMClassifier":
        """Fresh memories N(init_mean, init_std²) for ``n_features`` pixels and the given classes. Returns self."""
        p = self._params()
        n_features = check_int("n_features", n_features, 1)
        self._labels(np.asarray(classes), len(classes), fitting=True)
        self._rng = np.random.default_rng(p["random_state"])
        width = n_features + len(self.classes_)
        self.memories_ = self._rng.normal(p["init_mean"], p["init_std"], (p["n_memories"], width))
        self._velocity = np.zeros_like(self.memories_)
        self._velocity_temperature = self.current_temperature(0)
        self.n_features_in_ = n_features
        self.epoch_ = 0
        self.n_updates_ = 0
        self.history_ = {k: [] for k in ("train_error", "test_error", "learning_rate", "temperature")}
        return self

    def fit(self, X, y, X_val=None, y_val=None) -> "DAMClassifier":
        """Fresh memories, then ``n_epochs`` shuffled passes over (X, y); X_val/y_val give the test error per epoch."""
        p = self._params()
        X = self._check_X(X, reset=True, values=(0, 1))
        labels = np.asarray(y)
        self._labels(labels, X.shape[0], fitting=True)
        self.initialize(X.shape[1], self.classes_)
        for _ in range(p["n_epochs"]):
            self._train_epoch(X, labels, X_val, y_val)
        return self

    def partial_fit(self, X, y, classes=None, X_val=None, y_val=None) -> "DAMClassifier":
        """One epoch (fresh memories on the first call; ``classes`` as scikit-learn's partial_fit, else y's)."""
        self._params()
        if "memories_" not in vars(self):
            X = self._check_X(X, reset=True, values=(0, 1))
            self.initialize(X.shape[1], np.unique(np.asarray(y)) if classes is None else classes)
        self._train_epoch(X, y, X_val, y_val)
        return self

    def _train_epoch(self, X, y, X_val, y_val) -> None:
        """One shuffled pass in minibatches, then the epoch's record; restores the epoch's start on divergence."""
        V = self._bipolar("X", X)
        labels = self._labels(y, V.shape[0], fitting=False)
        backup = {name: getattr(self, name).copy() for name in _LEARNED}
        order = self._rng.permutation(V.shape[0])
        bs = min(self.batch_size, V.shape[0])
        wrong = 0
        for start in range(0, V.shape[0], bs):
            idx = order[start:start + bs]
            wrong += self._update(V[idx], labels[idx])
        try:
            self.end_epoch(wrong / V.shape[0], X_val, y_val)
        except ValueError:
            for name, value in backup.items():
                setattr(self, name, value)
            raise

    def end_epoch(self, train_error: float, X_val=None, y_val=None, *, test_error: float | None = None) -> None:
        """Close an epoch trained by ``train_batch`` calls: check the memories, record the epoch in
        ``history_`` (its training error, the test error on X_val/y_val — or ``test_error``, measured by
        the caller with ``_count_errors`` — ε and T) and advance ε(t), T(t)."""
        self._check_fitted()
        self._check_memories()
        if test_error is not None and X_val is not None:
            raise ValueError("end_epoch takes the test error or X_val, y_val to measure it, not both")
        # the test first: a stop request (engine/interrupt.py) may end it, and the history stays whole
        if test_error is None:
            test_error = math.nan if X_val is None else 1.0 - self.score(X_val, y_val)
        h = self.history_
        h["learning_rate"].append(self.current_learning_rate())
        h["temperature"].append(self.current_temperature())
        h["train_error"].append(float(train_error))
        h["test_error"].append(test_error)
        self.epoch_ += 1

    def train_batch(self, X, y) -> float:
        """One minibatch update at the current epoch's ε and T; returns the fraction misclassified before it.

        Stops with ValueError the first time the update leaves the memories non-finite, with the memories
        from before it put back."""
        self._check_fitted()
        V = self._bipolar("X", X)
        return self._train_bipolar(V, self._labels(y, V.shape[0], fitting=False))

    def _train_bipolar(self, V: np.ndarray, labels: np.ndarray) -> float:
        """``train_batch`` on images already mapped to ±1 (float64 (B, n_features), 2x − 1) with their class
        indices (B,) into ``classes_`` — unchecked, for a caller that checked its data once (the GUI model)."""
        self._check_fitted()
        backup = {name: getattr(self, name).copy() for name in _LEARNED}
        wrong = self._update(V, labels)
        try:
            self._check_memories()
        except ValueError:
            for name, value in backup.items():
                setattr(self, name, value)
            raise
        return wrong / V.shape[0]

    def _check_memories(self) -> None:
        check_bounded_state("memories", self.memories_, self._velocity, at=f"at epoch {self.epoch_ + 1}",
                            hint=f"temperature={self.temperature:g} is too low for power={self.power}")

    def _drives(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(h = ξ_vis·V (K, B), the class columns C (K, Nc)) for bipolar images V: the one BLAS product."""
        n_feat = self.n_features_in_
        mem = self.memories_
        # a stop check between blocks of rows (engine/interrupt.py): one block at the seed's sizes
        with blas_threads(BLAS_THREADS):
            h = interrupt.matmul(mem[:, :n_feat], V.T)
        return h, np.ascontiguousarray(mem[:, n_feat:])

    def _forward(self, V: np.ndarray, temperature: float) -> np.ndarray:
        """score (B, Nc): β times eq. (16)'s energy differences for bipolar images V."""
        h, C = self._drives(V)
        score = np.empty((V.shape[0], C.shape[1]))
        K.dam_scores(h, C.sum(axis=1), C, temperature, self.power, score)
        return score

    def _gradient(self, V: np.ndarray, labels: np.ndarray, temperature: float) -> tuple[np.ndarray, int]:
        """(∂C/∂ξ (K, N + Nc) of eq. (17), number misclassified) on bipolar images V."""
        h, C = self._drives(V)
        n_mem, nc, n_feat = C.shape[0], C.shape[1], self.n_features_in_
        score = np.empty((V.shape[0], nc))
        G = np.empty((n_mem, V.shape[0]))
        parts = np.empty((GRADIENT_PARTS, n_mem, nc))
        K.dam_batch_gradient(h, C.sum(axis=1), C, labels, temperature, self.power, self.loss_power, score, G, parts)
        grad = np.empty_like(self.memories_)
        with blas_threads(BLAS_THREADS):
            interrupt.matmul(G, V, out=grad[:, :n_feat])
        parts.sum(axis=0, out=grad[:, n_feat:])
        return grad, int(np.sum(np.argmax(score, axis=1) != labels))

    def _update(self, V: np.ndarray, labels: np.ndarray) -> int:
        """Eq. (13) on one minibatch of bipolar images; returns how many it misclassified."""
        T = self.current_temperature()
        if T != self._velocity_temperature:  # the momentum holds gradients on the scale of the old T
            self._velocity *= (self._velocity_temperature / T) ** self.power
            self._velocity_temperature = T
        grad, wrong = self._gradient(V, labels, T)
        vel = self._velocity
        vel *= self.momentum
        vel += grad
        # the notebook's floor, 1e-30 on its gradient (ours is 2mn/Tⁿ times it): log space, may underflow to 0
        floor = math.exp(math.log(PRECISION) + math.log(2.0 * self.loss_power * self.power) - self.power * math.log(T))
        norm = np.maximum(np.abs(vel).max(axis=1, keepdims=True), floor)
        norm[norm == 0.0] = 1.0  # a memory no image drives: its velocity is 0, and so is its step
        self.memories_ -= self.current_learning_rate() * (vel / norm)
        np.clip(self.memories_, -1.0, 1.0, out=self.memories_)
        self.n_updates_ += 1
        return wrong

    # -- using it -----------------------------------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        """β Σ_μ (F_n(ξ·V^α) − F_n(ξ·U)) per sample and class (n, n_classes): c_α = tanh of it (eq. 16)."""
        self._check_fitted()
        return self._forward(self._bipolar("X", X), self.current_temperature())

    def _count_errors(self, V: np.ndarray, labels: np.ndarray) -> int:
        """How many of the images V, already ±1 (as ``_train_bipolar`` takes them), ``predict`` would not
        give their class indices ``labels`` — unchecked; a test set scored in chunks this way keeps
        no float copy of itself."""
        self._check_fitted()
        return int(np.sum(np.argmax(self._forward(V, self.current_temperature()), axis=1) != labels))

    def outputs(self, X) -> np.ndarray:
        """The classification neurons' outputs c_α of eq. (16), in [−1, 1] (n, n_classes)."""
        return np.tanh(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        """The class whose neuron's flip lowers the energy most."""
        scores = self.decision_function(X)  # first: it raises NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(scores, axis=1)]

    def loss(self, X, y) -> float:
        """C of eq. (14) on (X, y) at the current temperature."""
        self._check_fitted()
        V = self._bipolar("X", X)
        c = np.tanh(self._forward(V, self.current_temperature()))
        t = -np.ones_like(c)
        t[np.arange(V.shape[0]), self._labels(y, V.shape[0], fitting=False)] = 1.0
        return float(np.sum((c - t) ** (2 * self.loss_power)))

    def loss_gradient(self, X, y) -> np.ndarray:
        """∂C/∂ξ of eq. (17) on (X, y) at the current temperature, (n_memories, n_features + n_classes)."""
        self._check_fitted()
        V = self._bipolar("X", X)
        return self._gradient(V, self._labels(y, V.shape[0], fitting=False), self.current_temperature())[0]

    # -- saving -------------------------------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        """Everything needed to resume training exactly (memories, momentum, counters, generator, history)."""
        self._check_fitted()
        h = self.history_
        return {"memories": self.memories_.copy(), "velocity": self._velocity.copy(),
                "velocity_temperature": np.array(self._velocity_temperature),
                "classes": self.classes_.copy(), "rng": rng_state_array(self._rng),
                "counters": np.array([self.epoch_, self.n_updates_, self.n_features_in_], dtype=np.int64),
                "history": np.array([h[k] for k in ("train_error", "test_error", "learning_rate", "temperature")],
                                    dtype=np.float64).reshape(4, -1)}

    def set_state(self, state, prefix: str = "") -> None:
        """Inverse of get_state (entries ``prefix + key``); every entry checked before anything changes."""
        p = self._params()
        epoch, n_updates, n_feat = state_ints(state, prefix + "counters", 3, 0)
        check_int(f"state[{prefix + 'counters'!r}][2] (n_features)", n_feat, 1)
        classes = state_entry(state, prefix + "classes", ndim=1, dtype=None)
        if classes.shape[0] < 2:
            raise ValueError(f"state[{prefix + 'classes'!r}] must hold at least 2 classes, got {classes.tolist()}")
        shape = (p["n_memories"], n_feat + classes.shape[0])
        # every update clips to [−1, 1]; the seed's Gaussian start (mean −0.3, sd 0.3) is not clipped
        mem = state_entry(state, prefix + "memories", shape=shape, values=(-1, 1) if n_updates else None, copy=True)
        vel = state_entry(state, prefix + "velocity", shape=shape, copy=True)
        vel_t = state_float(state, prefix + "velocity_temperature", 0.0)
        history = state_entry(state, prefix + "history", shape=(4, epoch), finite=False)
        if prefix + "rng" not in state:
            raise ValueError(f"state is missing {prefix + 'rng'!r}")
        rng = rng_from_state_array(state[prefix + "rng"], f"state[{prefix + 'rng'!r}]")
        self.classes_ = np.array(classes, copy=True)
        self.memories_, self._velocity, self._velocity_temperature, self._rng = mem, vel, vel_t, rng
        self.epoch_, self.n_updates_, self.n_features_in_ = epoch, n_updates, n_feat
        self.history_ = {k: [float(v) for v in row] for k, row in
                         zip(("train_error", "test_error", "learning_rate", "temperature"), history)}
