"""Contrastive Hebbian learning (seed 000 §5) and Equilibrium Propagation, scikit-learn style.

A layered network x_0 (input) … x_L (one unit per class) settles by forward Euler twice per
minibatch (engine.kernels.chl): the FREE phase with the input clamped, then the CLAMPED phase with
the target held on x_L as well. Each weight moves by the difference of the two Hebbian products,

    W_k ← W_k + η γ^(k−L) (x̂_kᵀ x̂_{k+1} − x̌_kᵀ x̌_{k+1}),   b_k ← b_k + η γ^(k−L) mean(x̂_{k+1} − x̌_{k+1}),

(hat: clamped, check: free; products summed over the minibatch, bias steps averaged — as the seed's
listing does). ``feedback="random"`` carries the layer above back through fixed random matrices
instead of W_kᵀ (Detorakis et al. 2018). ``method="eqprop"`` (Scellier & Bengio 2017) replaces the
hard clamp by a weak nudge: starting from the free state, the output's input gains β·(y − x_L), and
the update is the same contrast divided by β. With symmetric feedback the settled states are
stationary points of the energy E = Σ_k γ^(k−L) [Σ_i ∫f⁻¹ − x_kᵀW_{k−1}ᵀx_{k−1} − b_{k−1}ᵀx_k], and
as β → 0 the EqProp step tends to −(η/γ)·∂J/∂W of J = ½‖x̌_L − y‖² (checked by finite differences).

Speed (engine.kernels.chl.train, one call per chunk of minibatches): the input drive x_0·W_0 + b_0 is
computed once per minibatch, not at every Euler step as in the listing; both weight products of W_0
become one (x_0 is the same in both phases); zero pixels are skipped; the sigmoid is vectorised.
One minibatch equals the listing's to 1e-10 in float64 (tests); float32 (the default) learns the same.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from engine import interrupt
from engine.estimator import Estimator, choice, integer, real, seed
from engine.model import rng_from_state_array, rng_state_array
from engine.validation import (check_bounded_state, check_data, check_layer_sizes, check_memory,
                               state_entry, state_ints)

ACTIVATIONS = ("sigmoid", "tanh")
FEEDBACKS = ("symmetric", "random")
METHODS = ("chl", "eqprop")
DTYPES = ("float64", "float32")
MAX_STEPS = 100_000          # Euler steps per phase (T / dt)
DIVERGED = 1e6               # weights past this have run away (sigmoid units saturate long before)
# multiply-adds per uninterruptible kernel call (engine/interrupt.py): numba's loops run slower than
# BLAS, so a quarter of PRODUCT_CHUNK is a few tens of ms; the seed's [784, 128, 10] minibatch is far less
CALL_WORK = interrupt.PRODUCT_CHUNK // 4
SIGMOID_WORK = 20            # one unit's f in multiply-adds (the exp's polynomial and a division)


def _kernels():
    """The numba kernels, imported on first use: ``import engine.models.chl`` compiles nothing."""
    from engine.kernels import chl as k
    return k


def layer_sizes(name: str, value: Any) -> tuple[int, ...]:
    """A constraint: the hidden layer sizes (at least one layer)."""
    return check_layer_sizes(name, value)


def euler_steps(T: float, dt: float) -> int:
    """How many Euler steps a phase takes: ``len(np.arange(1, T + 1, dt))``, the listing's loop."""
    return len(np.arange(1, T + 1, dt))


class CHL(ClassifierMixin, Estimator):
    """Contrastive Hebbian learning / Equilibrium Propagation classifier (see the module docstring).

    Learned state: ``weights_`` (list of (n_k, n_{k+1}) arrays, k = 0 … L−1), ``biases_`` (list of
    (n_{k+1},)), ``feedback_`` (random feedback: list of (n_{k+1}, n_k), k = 1 … L−1; else empty),
    ``classes_``, ``n_updates_``, ``history_`` ({"loss": per-epoch mean of ½‖x̌_L − y‖² over the
    minibatches, "val_accuracy": per-epoch accuracy on X_val when given}).
    """

    _constraints = {
        "hidden": layer_sizes, "activation": choice(*ACTIVATIONS), "gamma": real(0.0, lo_open=True),
        "dt": real(0.0, 1.0, lo_open=True), "T": real(0.0, lo_open=True),
        "learning_rate": real(0.0, lo_open=True), "batch_size": integer(1), "n_epochs": integer(1),
        "feedback": choice(*FEEDBACKS), "method": choice(*METHODS), "beta": real(0.0, lo_open=True),
        "dtype": choice(*DTYPES), "random_state": seed(),
    }

    def __init__(self, hidden=(128,), activation: str = "sigmoid", gamma: float = 0.5, dt: float = 0.5,
                 T: float = 10.0, learning_rate: float = 0.01, batch_size: int = 10, n_epochs: int = 10,
                 feedback: str = "symmetric", method: str = "chl", beta: float = 0.5, dtype: str = "float32",
                 random_state: int | None = None):
        self.hidden = hidden
        self.activation = activation
        self.gamma = gamma
        self.dt = dt
        self.T = T
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.feedback = feedback
        self.method = method
        self.beta = beta
        self.dtype = dtype
        self.random_state = random_state

    # ------------------------------------------------------------------ parameters
    def _params(self) -> dict[str, Any]:
        p = super()._params()
        if p["T"] < p["dt"]:
            raise ValueError(f"T must be ≥ dt ({p['dt']}): a phase needs at least one Euler step, got T={p['T']}")
        if p["T"] / p["dt"] > MAX_STEPS:
            raise ValueError(f"T / dt must be ≤ {MAX_STEPS} Euler steps per phase, got T={p['T']}, dt={p['dt']}")
        return p

    def _params_changed(self, old: dict) -> None:
        """Another architecture drops the learned state; another dtype casts it; random feedback
        gets its matrices when first asked for."""
        if not self.is_fitted:
            return
        try:
            p = self._params()
        except ValueError:  # set_params only stores: fit / train_batch will name the bad value
            return
        if p["hidden"] != tuple(w.shape[1] for w in self.weights_[:-1]):
            for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
                delattr(self, name)
            return
        dt = np.dtype(p["dtype"])
        if self.weights_[0].dtype != dt:
            self.weights_ = [w.astype(dt) for w in self.weights_]
            self.biases_ = [b.astype(dt) for b in self.biases_]
            self.feedback_ = [f.astype(dt) for f in self.feedback_]
        if p["feedback"] == "random" and not self.feedback_:
            self._draw_feedback()

    @property
    def is_fitted(self) -> bool:
        """True once weights exist (after fit, partial_fit, initialize or set_state)."""
        return getattr(self, "weights_", None) is not None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, input to output: (n_features, *hidden, n_classes)."""
        self._check_fitted()
        return (self.weights_[0].shape[0],) + tuple(w.shape[1] for w in self.weights_)

    # ------------------------------------------------------------------ initialisation
    def initialize(self, n_features: int, classes) -> "CHL":
        """Fresh weights and biases N(0, 0.01²) (the listing's) for ``n_features`` inputs and ``classes``."""
        p = self._params()
        classes = np.unique(np.asarray(classes))
        if classes.ndim != 1:
            raise ValueError(f"classes must be a 1-D sequence of labels, got shape {classes.shape}")
        if classes.shape[0] < 2:
            raise ValueError(f"y must hold at least 2 classes to classify, got 1 class {classes.tolist()}")
        sizes = (int(n_features),) + p["hidden"] + (classes.shape[0],)
        dt = np.dtype(p["dtype"])
        n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        check_memory(f"hidden={p['hidden']} with {n_features} features", 3.0 * n_weights * dt.itemsize,
                     hint="fewer or smaller hidden layers")
        self._rng = np.random.default_rng(p["random_state"])
        # in blocks of rows with stop checks between (a layer of 2000 × 2000: a third of a second), the same weights
        self.weights_ = [interrupt.drawn(lambda k, o=o: self._rng.normal(0.0, 0.01, size=(k, o)), (i, o), dt)
                         for i, o in zip(sizes[:-1], sizes[1:])]
        self.biases_ = [self._rng.normal(0.0, 0.01, size=o).astype(dt) for o in sizes[1:]]
        self.feedback_ = []
        if p["feedback"] == "random":
            self._draw_feedback()
        self.classes_ = classes
        self.n_features_in_ = int(n_features)
        self.n_updates_ = 0
        self.history_ = {"loss": [], "val_accuracy": []}
        return self

    def _draw_feedback(self) -> None:
        """Fixed random feedback matrices, one per layer above the first hidden one, (n_{k+1}, n_k),
        uniform in ±1/√n_{k+1}: the size a trained W_kᵀ reaches, so the target reaches the hidden units."""
        dt = self.weights_[0].dtype
        self.feedback_ = [self._generator().uniform(-1.0, 1.0, size=(w.shape[1], w.shape[0])).astype(dt)
                          / dt.type(math.sqrt(w.shape[1])) for w in self.weights_[1:]]

    def _generator(self) -> np.random.Generator:
        if getattr(self, "_rng", None) is None:
            self._rng = np.random.default_rng(self._params()["random_state"])
        return self._rng

    # ------------------------------------------------------------------ data
    def _targets(self, y: np.ndarray) -> np.ndarray:
        """One-hot targets (n, n_classes) in the weights' dtype; unknown labels are refused."""
        idx = self._class_indices(y)
        out = np.zeros((y.shape[0], self.classes_.shape[0]), dtype=self.weights_[0].dtype)
        out[np.arange(y.shape[0]), idx] = 1
        return out

    def _rows(self, X: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(X, dtype=self.weights_[0].dtype)

    # ------------------------------------------------------------------ the two phases
    def _feedback_t(self) -> tuple[tuple, tuple]:
        """(upper weights transposed, feedback) as the kernels take them (see engine.kernels.chl)."""
        upper = tuple(np.ascontiguousarray(w.T) for w in self.weights_[1:])
        return upper, (upper if self.feedback == "symmetric" or not self.feedback_ else tuple(self.feedback_))

    def _drive(self, X: np.ndarray) -> np.ndarray:
        """x_0·W_0 + b_0: the input's drive of layer 1, constant while the network settles (in row
        blocks with a stop check before each: 10 000 test digits against 2000 units are seconds)."""
        drive = interrupt.matmul(X, self.weights_[0])
        drive += self.biases_[0]
        return drive

    def _row_step_work(self) -> int:
        """Multiply-adds of one Euler step of one row: each layer's inputs from below and above, and its f."""
        n = self.sizes
        return sum(SIGMOID_WORK * n[k] + (n[k - 1] * n[k] if k > 1 else 0) + (n[k + 1] * n[k] if k + 1 < len(n) else 0)
                   for k in range(1, len(n)))

    def _settle(self, drive, states, upper, feedback, p, n_steps, clamp_top, beta, target) -> None:
        """``n_steps`` Euler steps of the rows of ``drive`` (engine.kernels.chl.settle) in calls of at
        most ~CALL_WORK multiply-adds, a stop check before each (engine/interrupt.py): blocks of rows
        (rows settle independently) and of steps (a call of s steps is s calls of one) give the one
        call's numbers. At 3×2000 hidden units one row's step is a call; the seed's minibatch is one."""
        rows, work = drive.shape[0], self._row_step_work()
        block = min(rows, max(1, CALL_WORK // work))
        steps = max(1, min(n_steps, CALL_WORK // (block * work)))
        biases, tanh = tuple(self.biases_[1:]), p["activation"] == "tanh"
        for lo in range(0, rows, block):
            hi = min(rows, lo + block)
            part = tuple(s[lo:hi] for s in states)
            for done in range(0, n_steps, steps):
                interrupt.check()
                _kernels().settle(drive[lo:hi], part, upper, biases, feedback, p["gamma"], p["dt"],
                                  min(steps, n_steps - done), clamp_top, beta, target[lo:hi], tanh)

    def _free(self, X: np.ndarray, p: dict, n_steps: int | None = None) -> tuple[np.ndarray, ...]:
        """The free phase of rows X (checked, in dtype): the settled states of layers 1 … L."""
        drive = self._drive(X)
        upper, feedback = self._feedback_t()
        states = tuple(np.zeros((X.shape[0], w.shape[1]), dtype=drive.dtype) for w in self.weights_)
        steps = euler_steps(p["T"], p["dt"]) if n_steps is None else n_steps
        self._settle(drive, states, upper, feedback, p, steps, False, 0.0, states[-1])
        return states

    def _phases(self, X: np.ndarray, target: np.ndarray, p: dict):
        """Both phases of a minibatch: (free states, clamped or nudged states), layers 1 … L."""
        drive = self._drive(X)
        upper, feedback = self._feedback_t()
        n_steps = euler_steps(p["T"], p["dt"])
        dt = drive.dtype
        free = tuple(np.zeros((X.shape[0], w.shape[1]), dtype=dt) for w in self.weights_)
        self._settle(drive, free, upper, feedback, p, n_steps, False, 0.0, target)
        if p["method"] == "chl":
            second = tuple(np.zeros_like(s) for s in free[:-1]) + (target.copy(),)
            self._settle(drive, second, upper, feedback, p, n_steps, True, 0.0, target)
        else:   # EqProp: from the free fixed point, nudged toward the target
            second = tuple(s.copy() for s in free)
            self._settle(drive, second, upper, feedback, p, n_steps, False, p["beta"], target)
        return free, second

    def _run(self, X: np.ndarray, T: np.ndarray, order: np.ndarray, bs: int, p: dict):
        """Minibatches of ``bs`` rows of X (checked, in dtype), taken in ``order``, through the kernel:
        both phases and the update each. Returns per-minibatch (losses, signals)."""
        dt = self.weights_[0].dtype
        n_batches = -(-order.shape[0] // bs)
        losses, signals = np.empty(n_batches), np.empty(n_batches)
        upper, feedback = self._feedback_t()
        free = tuple(np.empty((bs, w.shape[1]), dtype=dt) for w in self.weights_)
        second = tuple(np.empty_like(a) for a in free)
        eqprop = p["method"] == "eqprop"
        rate = p["learning_rate"] / (p["beta"] if eqprop else 1.0)
        n_steps = euler_steps(p["T"], p["dt"])
        order = np.ascontiguousarray(order, dtype=np.int64)
        # as many minibatches per kernel call as ~4·CALL_WORK multiply-adds hold (the estimate is high for
        # small layers: the seed's sizes get ~10 ms calls), a stop check before each call
        # (engine/interrupt.py): minibatches run in order, the same numbers as one call over all. A
        # minibatch bigger than that goes through the kernel's pieces (a network far past the seed's).
        sizes = self.sizes
        work = bs * (2 * n_steps * self._row_step_work() + 3 * sum(a * b for a, b in zip(sizes, sizes[1:])))
        group = 4 * CALL_WORK // work
        rows = 0
        for m in range(0, n_batches, max(1, group)):
            interrupt.check()
            if group:
                end = min(n_batches, m + group)
                rows = _kernels().train(X, T, order[m * bs:end * bs], bs, tuple(self.weights_), tuple(self.biases_),
                                        upper, tuple(self.biases_[1:]), feedback, p["gamma"], p["dt"], n_steps,
                                        eqprop, p["beta"], rate, p["activation"] == "tanh", losses[m:end],
                                        signals[m:end], free, second)
            else:
                idx = order[m * bs:(m + 1) * bs]
                rows = idx.shape[0]
                losses[m], signals[m] = self._minibatch_in_parts(X[idx], T[idx], upper, feedback, p, n_steps, rate,
                                                                 tuple(a[:rows] for a in free),
                                                                 tuple(a[:rows] for a in second))
        self.n_updates_ += n_batches
        self._last_phases = (X[order[-rows:]], [a[:rows] for a in free], [a[:rows] for a in second])
        return losses, signals

    def _minibatch_in_parts(self, xb, tb, upper, feedback, p, n_steps, rate, free, second) -> tuple[float, float]:
        """One minibatch too big for one kernel call, as engine.kernels.chl.train does it but through
        its pieces, in calls of ~CALL_WORK multiply-adds with a stop check before each (the same
        numbers but for the last bit of the bias step, see engine.kernels.chl). Returns (loss, signal).
        The weights change in the last calls only (the update): a stop there leaves them half-updated,
        and the caller puts back its backup (``_interruptible``)."""
        K = _kernels()
        rows, (n_in, n1) = xb.shape[0], self.weights_[0].shape
        drive = np.zeros((rows, n1), dtype=xb.dtype)
        block = max(1, CALL_WORK // (n_in * n1))
        for lo in range(0, rows, block):
            interrupt.check()
            K.input_drive(xb, self.weights_[0], self.biases_[0], drive, lo, min(rows, lo + block))
        for a in free:
            a[...] = 0
        self._settle(drive, free, upper, feedback, p, n_steps, False, 0.0, tb)
        if p["method"] == "eqprop":
            for a, b in zip(second, free):
                a[...] = b
            self._settle(drive, second, upper, feedback, p, n_steps, False, p["beta"], tb)
        else:
            for a in second[:-1]:
                a[...] = 0
            second[-1][...] = tb
            self._settle(drive, second, upper, feedback, p, n_steps, True, 0.0, tb)
        loss, signal = K.loss_and_signal(free, second, tb, rows)
        weights = tuple(self.weights_)
        K.contrast_biases(rate, p["gamma"], free, second, tuple(self.biases_), rows)
        for k, w in enumerate(weights):
            # k = 0: minibatch rows (each an input row against layer 1); k > 0: rows of W_k, each a sum
            # over the minibatch down columns of the states (a cache miss a term: counted 8 multiply-adds)
            n, per = (rows, n_in * n1) if k == 0 else (w.shape[0], rows * 16 * w.shape[1])
            block = max(1, CALL_WORK // per)
            for lo in range(0, n, block):
                interrupt.check()
                K.contrast_update(k, lo, min(n, lo + block), rate, p["gamma"], xb, free, second, weights, upper, rows)
        return loss, signal

    def _interruptible(self, run, *args):
        """``run(*args)``; when a stop request interrupts it (engine/interrupt.py), the weights are put
        back as they were before the call, so the caller's counters and the weights agree."""
        backup = [a.copy() for a in self.weights_ + self.biases_]
        try:
            return run(*args), backup
        except interrupt.StepInterrupted:
            self._restore(backup)
            raise

    # ------------------------------------------------------------------ training
    def fit(self, X, y, X_val=None, y_val=None) -> "CHL":
        """Fresh weights, then ``n_epochs`` shuffled passes over (X, y); with (X_val, y_val), the
        validation accuracy after each epoch goes into ``history_["val_accuracy"]``."""
        p = self._params()
        X = self._check_X(X, reset=True)
        y = self._check_y(y, X.shape[0])
        val = self._validation(X_val, y_val)
        self.initialize(X.shape[1], np.unique(y))
        X, T = self._rows(X), self._targets(y)
        for _ in range(p["n_epochs"]):
            self._epoch(X, T, p, val)
        return self

    def partial_fit(self, X, y, classes=None, X_val=None, y_val=None) -> "CHL":
        """One shuffled pass over (X, y); the first call fixes the classes (``classes`` or those of y)."""
        p = self._params()
        first = not self.is_fitted
        X = self._check_X(X, reset=first)
        y = self._check_y(y, X.shape[0])
        val = self._validation(X_val, y_val)
        if first:
            self.initialize(X.shape[1], np.unique(y) if classes is None else classes)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes must be the classes of the first partial_fit {self.classes_.tolist()}, "
                             f"got {np.unique(classes).tolist()}")
        self._epoch(self._rows(X), self._targets(y), p, val)
        return self

    def _validation(self, X_val, y_val):
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together (or neither)")
        if X_val is None:
            return None
        X_val = check_data("X_val", X_val, n_features=getattr(self, "n_features_in_", None))
        return X_val, self._check_y(y_val, X_val.shape[0])

    def _epoch(self, X: np.ndarray, T: np.ndarray, p: dict, val) -> None:
        order = self._generator().permutation(X.shape[0])
        (losses, _), backup = self._interruptible(self._run, X, T, order, p["batch_size"], p)
        self._check_diverged(backup)
        self.history_["loss"].append(float(np.mean(losses)))
        if val is not None:
            self.history_["val_accuracy"].append(self.score(*val))

    def train_batches(self, X, y):
        """One update per ``batch_size`` consecutive rows of (X, y), in order; returns per-minibatch
        (losses ½‖x̌_L − y‖² per sample, signals mean |x̂_1 − x̌_1|). The GUI's step: light checks (shape,
        finiteness, known labels), hyper-parameters checked once per change; weights that diverge stop
        it with ValueError, put back as they were before the call."""
        p, X, T = self._batch_data(X, y)
        return self._guarded_run(X, T, p["batch_size"], p)

    def train_batch(self, X, y) -> float:
        """One update from the whole minibatch (X, y), whatever ``batch_size``; returns its free loss."""
        p, X, T = self._batch_data(X, y)
        return float(self._guarded_run(X, T, X.shape[0], p)[0][0])

    def _guarded_run(self, X: np.ndarray, T: np.ndarray, batch_size: int, p: dict):
        """``_run`` over the rows in order, then the divergence check (the weights from before put back)."""
        out, backup = self._interruptible(self._run, X, T, np.arange(X.shape[0]), batch_size, p)
        self._check_diverged(backup)
        return out

    def _batch_data(self, X, y):
        """(params, X, one-hot targets) for train_batch(es): checked lightly, in the weights' dtype."""
        self._check_fitted("train_batches")
        p = self._checked_params()
        X = check_data("X", X, n_features=self.n_features_in_, dtype=self.weights_[0].dtype)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must be 1-D with one label per sample ({X.shape[0]}), got shape {y.shape}")
        return p, X, self._targets(y)

    def _checked_params(self) -> dict:
        """``_params()``, recomputed only when a hyper-parameter's value changed (it costs a signature
        inspection: more than a minibatch of 10)."""
        raw = tuple(getattr(self, k) for k in self._constraints)
        cached = getattr(self, "_params_cache", None)
        if cached is None or len(cached[0]) != len(raw) or any(a is not b and a != b for a, b in zip(cached[0], raw)):
            cached = (raw, self._params())
            self._params_cache = cached
        return cached[1]

    def check_weights(self) -> None:
        """Raise ValueError when the weights went non-finite or past ``DIVERGED`` (too large a rate)."""
        self._check_fitted()
        check_bounded_state("weights", *self.weights_, *self.biases_, bound=DIVERGED,
                            hint=f"learning_rate={self.learning_rate:g} is too large for gamma={self.gamma:g} "
                                 f"(the rate of layer k is learning_rate·gamma^(k−L)); try a smaller one")

    def _check_diverged(self, backup: list[np.ndarray]) -> None:
        """``check_weights``, putting back the weights from before when it fails."""
        try:
            self.check_weights()
        except ValueError:
            self._restore(backup)
            raise

    def _restore(self, backup: list[np.ndarray]) -> None:
        for a, b in zip(self.weights_ + self.biases_, backup):
            a[...] = b

    # ------------------------------------------------------------------ readout
    def _query(self, X) -> np.ndarray:
        self._check_fitted()
        return self._rows(self._check_X(X, reset=False))

    def output(self, X) -> np.ndarray:
        """The settled free output layer x̌_L, (n, n_classes)."""
        return self._free(self._query(X), self._params())[-1].astype(np.float64)

    def predict_proba(self, X) -> np.ndarray:
        """The free output normalised to sum 1 per row (negative tanh outputs count as 0)."""
        out = np.clip(self.output(X), 0.0, None)
        total = out.sum(axis=1, keepdims=True)
        n = out.shape[1]
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / n)

    def predict(self, X) -> np.ndarray:
        """The class whose output unit settles highest in the free phase."""
        out = self.output(X)
        return self.classes_[np.argmax(out, axis=1)]

    def layer_activities(self, X, y=None):
        """Settled activities of every layer, input included: [x_0, x_1, …, x_L] of the free phase;
        with y, (free, second) where second is the clamped (CHL) or nudged (EqProp) phase."""
        Xc = self._query(X)
        p = self._params()
        if y is None:
            return [Xc.astype(np.float64)] + [s.astype(np.float64) for s in self._free(Xc, p)]
        free, second = self._phases(Xc, self._targets(self._check_y(y, Xc.shape[0])), p)
        return ([Xc.astype(np.float64)] + [s.astype(np.float64) for s in free],
                [Xc.astype(np.float64)] + [s.astype(np.float64) for s in second])

    def last_phases(self):
        """(x_0, free states, second-phase states) of the last trained minibatch, as float64 copies
        (None before the first update)."""
        last = getattr(self, "_last_phases", None)
        if last is None:
            return None
        X, free, second = last
        return (X.astype(np.float64), [s.astype(np.float64) for s in free],
                [s.astype(np.float64) for s in second])

    def trajectory(self, x, y):
        """Every Euler step of both phases for ONE input x with label y: two lists (free, second) of
        (n_steps + 1, n_k) arrays, layers 1 … L, row 0 the starting state. EqProp's second phase
        starts where the free one ends."""
        Xc = self._query(np.reshape(x, (1, -1)))
        p = self._params()
        target = self._targets(self._check_y(np.reshape(np.asarray(y), (1,)), 1))
        drive = self._drive(Xc)
        upper, feedback = self._feedback_t()
        n_steps = euler_steps(p["T"], p["dt"])
        free = tuple(np.zeros((1, w.shape[1]), dtype=drive.dtype) for w in self.weights_)
        if p["method"] == "chl":
            second = tuple(np.zeros_like(s) for s in free[:-1]) + (target.copy(),)
        out_free, out_second = [[s[0].astype(np.float64)] for s in free], []
        for _ in range(n_steps):
            self._settle(drive, free, upper, feedback, p, 1, False, 0.0, target)
            for rows, s in zip(out_free, free):
                rows.append(s[0].astype(np.float64))
        if p["method"] == "eqprop":
            second = tuple(s.copy() for s in free)
        out_second = [[s[0].astype(np.float64)] for s in second]
        for _ in range(n_steps):
            self._settle(drive, second, upper, feedback, p, 1, p["method"] == "chl",
                         p["beta"] if p["method"] == "eqprop" else 0.0, target)
            for rows, s in zip(out_second, second):
                rows.append(s[0].astype(np.float64))
        return [np.array(r) for r in out_free], [np.array(r) for r in out_second]

    # ------------------------------------------------------------------ saving
    def get_state(self) -> dict[str, np.ndarray]:
        """Everything to resume exactly: weights, biases, feedback, classes, generator, counter."""
        self._check_fitted()
        st = {f"w{k}": w.copy() for k, w in enumerate(self.weights_)}
        st.update({f"b{k}": b.copy() for k, b in enumerate(self.biases_)})
        st.update({f"f{k}": f.copy() for k, f in enumerate(self.feedback_)})
        st.update(classes=self.classes_.copy(), rng=rng_state_array(self._generator()),
                  counters=np.array([self.n_updates_], dtype=np.int64))
        return st

    def set_state(self, state, prefix: str = "") -> None:
        """Inverse of get_state for the current hyper-parameters; every entry is checked before
        anything changes, and a bad one raises ValueError naming it."""
        p = self._params()
        dt = np.dtype(p["dtype"])
        classes = state_entry(state, prefix + "classes", ndim=1, dtype=None, non_empty=True)
        w0 = state_entry(state, prefix + "w0", shape=(None, p["hidden"][0]), dtype=dt, copy=True)
        sizes = (w0.shape[0],) + p["hidden"] + (classes.shape[0],)
        if w0.shape[0] == 0 or classes.shape[0] < 2:
            raise ValueError(f"state[{prefix + 'w0'!r}] / [{prefix + 'classes'!r}] describe no network")
        weights = [w0] + [state_entry(state, f"{prefix}w{k}", shape=(sizes[k], sizes[k + 1]), dtype=dt, copy=True)
                          for k in range(1, len(sizes) - 1)]
        biases = [state_entry(state, f"{prefix}b{k}", shape=(sizes[k + 1],), dtype=dt, copy=True)
                  for k in range(len(sizes) - 1)]
        feedback = ([state_entry(state, f"{prefix}f{k}", shape=(sizes[k + 2], sizes[k + 1]), dtype=dt, copy=True)
                     for k in range(len(sizes) - 2)] if prefix + "f0" in state else [])
        if prefix + "rng" not in state:
            raise ValueError(f"state is missing {prefix + 'rng'!r}")
        rng = rng_from_state_array(state[prefix + "rng"], f"state[{prefix + 'rng'!r}]")
        (n_updates,) = state_ints(state, prefix + "counters", 1, 0)
        self.weights_, self.biases_, self.feedback_ = weights, biases, feedback
        self.classes_ = np.array(classes)
        self.n_features_in_ = w0.shape[0]
        self._rng = rng
        self.n_updates_ = n_updates
        self.history_ = {"loss": [], "val_accuracy": []}
        if p["feedback"] == "random" and not self.feedback_:
            self._draw_feedback()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


__all__ = ["CHL", "ACTIVATIONS", "FEEDBACKS", "METHODS", "DTYPES", "euler_steps"]
