"""Restricted Boltzmann machines and deep belief nets (seed 000 §4, seed 001).

Energy E(v, h) = −vᵀWh − bᵀv − cᵀh over binary visible v and hidden h units;
p(h_j=1|v) = σ(vᵀW_{·j} + c_j), p(v_i=1|h) = σ(W_{i·}h + b_i);
free energy F(v) = −bᵀv − Σ_j log(1 + exp(vᵀW_{·j} + c_j)), so p(v) = exp(−F(v)) / Z.

``RBM`` is the scientific estimator (fit / partial_fit / transform / score_samples / gibbs,
training by CD-k, PCD or parallel tempering; exact enumeration for tiny machines), ``DBN``
stacks RBMs greedily. ``RBMModel`` and ``DBNModel`` are what the GUI and the CLI run.

Training works in float32 by default: the cost is five dense products per minibatch,
and BLAS does float32 products twice as fast as float64 (measured: tests/bench/bench_rbm.py).
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from engine.model import (Cancelled, Experiment, History, Model, Snapshot, ViewSpec, param, rng_from_state_array, rng_state_array)
from engine.validation import check_array, check_seed

METHODS = ("cd", "pcd", "pt")
LR_SCHEDULES = ("constant", "linear", "exponential")
DTYPES = ("float32", "float64")
EXACT_MAX_UNITS = 20  # 2**20 states: enumeration stays under a second

# The seeds' 3-visible × 2-hidden RBM (seed 000 §4-2).
SEED_3X2_VISIBLE_BIAS = np.array([0.1, 0.2, 0.1])
SEED_3X2_HIDDEN_BIAS = np.array([0.3, 0.2])
SEED_3X2_WEIGHTS = np.array([[-0.1, 0.2], [0.3, 0.1], [0.1, -0.3]])


# --------------------------------------------------------------------------- helpers
def _kernels():
    """The numba kernels, imported on first use so ``import engine.models.rbm`` compiles nothing."""
    from engine.kernels import rbm as k
    return k


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: no overflow warning for large |x|, exact same value as 1/(1+e^-x)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_THREADPOOL = None


def blas_threads(n: int | None):
    """Context limiting BLAS to n threads (None: leave as is).

    On a busy 2-core machine two BLAS threads ran the RBM's products 3–4× SLOWER than one
    (measured: threads spin while the other core is taken), and the GUI thread needs a core.
    """
    global _THREADPOOL
    if n is None:
        import contextlib
        return contextlib.nullcontext()
    if _THREADPOOL is None:
        from threadpoolctl import ThreadpoolController
        _THREADPOOL = ThreadpoolController()
    return _THREADPOOL.limit(limits=n, user_api="blas")


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        rng = f"≥ {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be {rng}, got {value!r}")
    return int(value)


def _check_float(name: str, value: Any, lo: float, hi: float | None = None, *, lo_open: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or (value <= lo if lo_open else value < lo) or (hi is not None and value > hi):
        want = f"{'>' if lo_open else '≥'} {lo}" + ("" if hi is None else f" and ≤ {hi}")
        raise ValueError(f"{name} must be a finite number {want}, got {value!r}")
    return value


def _check_choice(name: str, value: Any, choices: tuple) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_data(name: str, X: Any, *, n_features: int | None = None, binary: bool = False,
               ndim: int = 2, dtype: Any = np.float64) -> np.ndarray:
    """Validate data for an RBM: finite, values in [0, 1] (exactly 0/1 when ``binary``), feature count."""
    arr = check_array(name, X, dtype=None)
    if arr.ndim == 1 and ndim == 2:
        arr = arr.reshape(1, -1)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); needs at least one sample")
    if n_features is not None and arr.shape[-1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (columns), got {arr.shape[-1]}")
    lo, hi = (arr.min(), arr.max())
    if lo < 0 or hi > 1:
        hint = " (scale images first, e.g. X / 255.0)" if hi > 1 else ""
        raise ValueError(f"{name} must have values in [0, 1], got values in [{lo}, {hi}]{hint}")
    if binary and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must be binary (only 0 and 1) here, got other values in [0, 1]")
    return np.ascontiguousarray(arr, dtype=dtype)


def all_binary_states(n: int) -> np.ndarray:
    """All 2**n binary vectors of length n, in counting order (first unit most significant), (2**n, n)."""
    n = _check_int("n", n, 0, EXACT_MAX_UNITS)
    codes = np.arange(2 ** n, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((codes[:, None] >> shifts[None, :]) & 1).astype(np.float64)


# --------------------------------------------------------------------------- the estimator
class RBM:
    """Bernoulli–Bernoulli restricted Boltzmann machine trained by CD-k, PCD or parallel tempering.

    Follows scikit-learn's conventions: hyper-parameters in ``__init__``, learned state in
    attributes ending in ``_`` (``weights_`` (n_visible, n_hidden), ``visible_bias_``,
    ``hidden_bias_``), ``fit`` returns self, ``random_state`` makes runs repeatable.
    """

    _PARAM_NAMES = ("n_hidden", "method", "k", "learning_rate", "batch_size", "n_epochs", "momentum",
                    "weight_decay", "lr_schedule", "n_chains", "n_temperatures", "dtype", "n_jobs",
                    "random_state")

    def __init__(self, n_hidden: int = 256, *, method: str = "cd", k: int = 1, learning_rate: float = 0.05,
                 batch_size: int = 100, n_epochs: int = 10, momentum: float = 0.5, weight_decay: float = 0.0,
                 lr_schedule: str = "constant", n_chains: int | None = None, n_temperatures: int = 5,
                 dtype: str = "float32", n_jobs: int | None = None, random_state: int | None = None):
        self.n_hidden = n_hidden
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.n_chains = n_chains
        self.n_temperatures = n_temperatures
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._check_params()
        self._buffers: dict[int, dict] = {}
        self._reset_rng()

    # -- sklearn plumbing ----------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Hyper-parameters as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    def set_params(self, **params) -> "RBM":
        """Change hyper-parameters (validated); learned weights are kept. Returns self."""
        unknown = set(params) - set(self._PARAM_NAMES)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; accepts {list(self._PARAM_NAMES)}")
        old = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params()
        except ValueError:
            for name, value in old.items():
                setattr(self, name, value)
            raise
        self._buffers = {}
        if "dtype" in params and self.is_fitted:
            self._cast_state(np.dtype(self.dtype))
        if self.is_fitted and self._chain_shape() != self._chain_h.shape:
            self._init_chains()
        return self

    def _check_params(self) -> None:
        self.n_hidden = _check_int("n_hidden", self.n_hidden, 1)
        self.method = _check_choice("method", self.method, METHODS)
        self.k = _check_int("k", self.k, 1, 1000)
        self.learning_rate = _check_float("learning_rate", self.learning_rate, 0.0, 100.0, lo_open=True)
        self.batch_size = _check_int("batch_size", self.batch_size, 1)
        self.n_epochs = _check_int("n_epochs", self.n_epochs, 1)
        self.momentum = _check_float("momentum", self.momentum, 0.0, 0.999)
        self.weight_decay = _check_float("weight_decay", self.weight_decay, 0.0, 1.0)
        self.lr_schedule = _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        if self.n_chains is not None:
            self.n_chains = _check_int("n_chains", self.n_chains, 1)
        self.n_temperatures = _check_int("n_temperatures", self.n_temperatures, 2, 100)
        self.dtype = _check_choice("dtype", self.dtype, DTYPES)
        if self.n_jobs is not None:
            self.n_jobs = _check_int("n_jobs", self.n_jobs, 1, 1024)
        self.random_state = check_seed(self.random_state, "random_state")

    def _reset_rng(self) -> None:
        self._rng = np.random.default_rng(self.random_state)
        self._kernel_state = np.zeros(4, dtype=np.uint64)
        self._kernel_seed = int(self._rng.integers(1, 2 ** 62))
        self._kernel_seeded = False

    def _kstate(self) -> np.ndarray:
        if not self._kernel_seeded:  # seeding needs numba: do it on first use only
            _kernels().seed_state(self._kernel_seed, self._kernel_state)
            self._kernel_seeded = True
        return self._kernel_state

    # -- state -----------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        """True once weights exist (after fit, partial_fit or set_weights)."""
        return getattr(self, "weights_", None) is not None

    @property
    def n_visible(self) -> int:
        """Number of visible units (features) of the fitted machine."""
        self._require_fitted()
        return self.weights_.shape[0]

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise ValueError("this RBM has no weights yet: call fit, partial_fit or set_weights first")

    def initialize(self, n_visible: int) -> "RBM":
        """Fresh weights N(0, 0.01²), zero biases, fresh chains for ``n_visible`` inputs. Returns self."""
        n_visible = _check_int("n_visible", n_visible, 1)
        self._reset_rng()
        dt = np.dtype(self.dtype)
        self.weights_ = (0.01 * self._rng.standard_normal((n_visible, self.n_hidden))).astype(dt)
        self.visible_bias_ = np.zeros(n_visible, dtype=dt)
        self.hidden_bias_ = np.zeros(self.n_hidden, dtype=dt)
        self._velocity_w = np.zeros_like(self.weights_)
        self._velocity_b = np.zeros_like(self.visible_bias_)
        self._velocity_c = np.zeros_like(self.hidden_bias_)
        self._buffers = {}
        self.n_updates_ = 0
        self.epoch_ = 0
        self._init_chains()
        return self

    def set_weights(self, weights, visible_bias, hidden_bias) -> "RBM":
        """Use given parameters (e.g. the seeds' 3×2 machine); sets n_hidden from them. Returns self."""
        W = check_array("weights", weights, ndim=2)
        if W.shape[0] < 1 or W.shape[1] < 1:
            raise ValueError(f"weights must be (n_visible ≥ 1, n_hidden ≥ 1), got shape {W.shape}")
        b = check_array("visible_bias", visible_bias, shape=(W.shape[0],))
        c = check_array("hidden_bias", hidden_bias, shape=(W.shape[1],))
        self.n_hidden = W.shape[1]
        self.initialize(W.shape[0])
        dt = np.dtype(self.dtype)
        self.weights_ = W.astype(dt, copy=True)
        self.visible_bias_ = b.astype(dt, copy=True)
        self.hidden_bias_ = c.astype(dt, copy=True)
        return self

    def _cast_state(self, dt: np.dtype) -> None:
        for name in ("weights_", "visible_bias_", "hidden_bias_", "_velocity_w", "_velocity_b", "_velocity_c",
                     "_chain_h", "_chain_v"):
            setattr(self, name, getattr(self, name).astype(dt))
        self._buffers = {}

    def _n_chains(self) -> int:
        return self.n_chains if self.n_chains is not None else self.batch_size

    def _chain_shape(self) -> tuple[int, int, int]:
        return (self.n_temperatures if self.method == "pt" else 1, self._n_chains(), self.n_hidden)

    def _init_chains(self) -> None:
        """Persistent chains (PCD, PT): hidden and visible states per temperature, all zero at start."""
        n_temps, n_chains, _ = self._chain_shape()
        dt = np.dtype(self.dtype)
        self._chain_h = np.zeros((n_temps, n_chains, self.n_hidden), dtype=dt)
        self._chain_v = np.zeros((n_temps, n_chains, self.weights_.shape[0]), dtype=dt)

    def betas(self) -> np.ndarray:
        """Inverse temperatures of parallel tempering: 1, 1 − 1/T, …, 1/T."""
        return np.linspace(1.0, 0.0, self.n_temperatures, endpoint=False)

    def get_state(self) -> dict[str, np.ndarray]:
        """Everything needed to resume training exactly: parameters, velocities, chains, RNG states."""
        self._require_fitted()
        return {"weights": self.weights_.copy(), "visible_bias": self.visible_bias_.copy(),
                "hidden_bias": self.hidden_bias_.copy(), "velocity_w": self._velocity_w.copy(),
                "velocity_b": self._velocity_b.copy(), "velocity_c": self._velocity_c.copy(),
                "chain_h": self._chain_h.copy(), "chain_v": self._chain_v.copy(),
                "kernel_state": self._kstate().copy(), "rng": rng_state_array(self._rng),
                "counters": np.array([self.n_updates_, self.epoch_], dtype=np.int64)}

    def set_state(self, state: dict, prefix: str = "") -> None:
        """Inverse of get_state; validates every entry's shape and raises ValueError naming it."""
        def get(key):
            if key not in state:
                raise ValueError(f"state is missing {prefix + key!r}")
            return np.asarray(state[key])
        W = get("weights")
        want = self.weights_.shape if self.is_fitted else (None, self.n_hidden)
        if W.ndim != 2 or W.shape[1] != self.n_hidden or (self.is_fitted and W.shape != want):
            raise ValueError(f"state[{prefix + 'weights'!r}] must have shape {want}, got {W.shape}")
        nv = W.shape[0]
        n_temps = self.n_temperatures if self.method == "pt" else 1
        shapes = {"visible_bias": (nv,), "hidden_bias": (self.n_hidden,), "velocity_w": W.shape,
                  "velocity_b": (nv,), "velocity_c": (self.n_hidden,),
                  "chain_h": (n_temps, self._n_chains(), self.n_hidden),
                  "chain_v": (n_temps, self._n_chains(), nv), "kernel_state": (4,), "rng": (6,), "counters": (2,)}
        arrays = {"weights": W}
        for key, shape in shapes.items():
            a = get(key)
            if a.shape != tuple(shape):
                raise ValueError(f"state[{prefix + key!r}] must have shape {tuple(shape)}, got {a.shape}")
            if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                raise ValueError(f"state[{prefix + key!r}] contains NaN or infinite values")
            arrays[key] = a
        if not np.all(np.isfinite(W)):
            raise ValueError(f"state[{prefix + 'weights'!r}] contains NaN or infinite values")
        dt = np.dtype(self.dtype)
        self.weights_ = W.astype(dt, copy=True)
        self.visible_bias_ = arrays["visible_bias"].astype(dt, copy=True)
        self.hidden_bias_ = arrays["hidden_bias"].astype(dt, copy=True)
        self._velocity_w = arrays["velocity_w"].astype(dt, copy=True)
        self._velocity_b = arrays["velocity_b"].astype(dt, copy=True)
        self._velocity_c = arrays["velocity_c"].astype(dt, copy=True)
        self._chain_h = arrays["chain_h"].astype(dt, copy=True)
        self._chain_v = arrays["chain_v"].astype(dt, copy=True)
        self._kernel_state = arrays["kernel_state"].astype(np.uint64, copy=True)
        self._kernel_seeded = True
        self._rng = rng_from_state_array(arrays["rng"])
        self.n_updates_, self.epoch_ = (int(x) for x in arrays["counters"])
        self._buffers = {}

    # -- conditionals and energies -------------------------------------------------
    def _check_v(self, name: str, v, binary: bool = False) -> np.ndarray:
        self._require_fitted()
        return check_data(name, v, n_features=self.weights_.shape[0], binary=binary)

    def _check_h(self, name: str, h, binary: bool = False) -> np.ndarray:
        self._require_fitted()
        return check_data(name, h, n_features=self.n_hidden, binary=binary)

    def transform(self, X) -> np.ndarray:
        """Hidden-unit probabilities p(h=1|v) for each row of X, (n_samples, n_hidden), in ``dtype``."""
        X = self._check_v("X", X)
        dt = np.dtype(self.dtype)
        out = X.astype(dt, copy=False) @ self.weights_
        out += self.hidden_bias_
        return _sigmoid(out).astype(dt, copy=False)

    prob_h_given_v = transform

    def prob_v_given_h(self, h) -> np.ndarray:
        """Visible-unit probabilities p(v=1|h) for each row of h, (n, n_visible)."""
        h = self._check_h("h", h).astype(self.weights_.dtype, copy=False)
        return _sigmoid(h @ self.weights_.T + self.visible_bias_).astype(np.float64)

    def reconstruct(self, X) -> np.ndarray:
        """Mean-field reconstruction p(v|h = p(h|v)) of each row of X (deterministic)."""
        X = self._check_v("X", X)
        return _sigmoid(self.transform(X) @ self.weights_.T + self.visible_bias_).astype(np.float64)

    def energy(self, v, h) -> np.ndarray:
        """E(v, h) = −vᵀWh − bᵀv − cᵀh for binary rows v (n, n_visible) and h (n, n_hidden)."""
        v = self._check_v("v", v, binary=True)
        h = self._check_h("h", h, binary=True)
        if v.shape[0] != h.shape[0]:
            raise ValueError(f"v and h must have the same number of rows, got {v.shape[0]} and {h.shape[0]}")
        W, b, c = self._params64()
        return -np.einsum("ni,ij,nj->n", v, W, h) - v @ b - h @ c

    def free_energy(self, X) -> np.ndarray:
        """F(v) = −bᵀv − Σ_j softplus(vᵀW_{·j} + c_j) per row, (n_samples,) float64."""
        X = self._check_v("X", X)
        return self._free_energy(X)

    def _free_energy(self, X: np.ndarray) -> np.ndarray:
        # products in the working dtype (float32 is 2× faster); sums in float64
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        X = X.astype(W.dtype, copy=False)
        return -(X @ b).astype(np.float64) - _softplus((X @ W + c).astype(np.float64)).sum(axis=1)

    def _params64(self):
        return (self.weights_.astype(np.float64), self.visible_bias_.astype(np.float64),
                self.hidden_bias_.astype(np.float64))

    def reconstruction_error(self, X) -> float:
        """Mean squared difference between X and its mean-field reconstruction."""
        X = self._check_v("X", X)
        return float(np.mean((X - self.reconstruct(X)) ** 2))

    def score_samples(self, X, random_state: int | None = None) -> np.ndarray:
        """Pseudo-log-likelihood per row: n_visible · log σ(F(ṽ) − F(v)), ṽ = v with one random unit flipped.

        Which unit flips comes from ``random_state`` (default: derived from the RBM's own),
        so the same call gives the same numbers.
        """
        X = self._check_v("X", X)
        seed = check_seed(random_state, "random_state")
        if seed is None:
            seed = 0 if self.random_state is None else self.random_state + 1
        rng = np.random.default_rng(seed)
        n, nv = X.shape
        flip = rng.integers(0, nv, size=n)
        W, b, c = self.weights_, self.visible_bias_.astype(np.float64), self.hidden_bias_
        pre = (X.astype(W.dtype) @ W + c).astype(np.float64)
        # flipping unit i changes v_i by δ = 1 − 2v_i: update the pre-activations, no second product
        delta = 1.0 - 2.0 * X[np.arange(n), flip]
        bias_v = X @ b
        free = -bias_v - _softplus(pre).sum(axis=1)
        free_flipped = -(bias_v + delta * b[flip]) - _softplus(pre + delta[:, None] * W[flip]).sum(axis=1)
        return nv * -_softplus(-(free_flipped - free))  # log σ(x) = −softplus(−x)

    def pseudo_log_likelihood(self, X, random_state: int | None = None) -> float:
        """Mean of ``score_samples`` over the rows of X."""
        return float(np.mean(self.score_samples(X, random_state)))

    def gibbs(self, v, n_steps: int = 1, *, random_state: int | None = None, beta: float = 1.0,
              return_hidden: bool = False):
        """Run block Gibbs sampling v → h → v from start ``v`` (rows in [0, 1]) for ``n_steps``.

        Returns the binary visible samples (and the last hidden samples when ``return_hidden``).
        ``random_state`` None draws from the RBM's own generator (a fresh stream each call).
        """
        v = self._check_v("v", v)
        n_steps = _check_int("n_steps", n_steps, 0)
        beta = _check_float("beta", beta, 0.0, 1.0)
        seed = check_seed(random_state, "random_state")
        rng = np.random.default_rng(seed) if seed is not None else self._rng
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        dt = W.dtype
        v = v.astype(dt)
        h = (rng.random((v.shape[0], self.n_hidden), dtype=dt) < _sigmoid(beta * (v @ W + c))).astype(dt)
        v_new = v
        for _ in range(n_steps):
            v_new = (rng.random(v.shape, dtype=dt) < _sigmoid(beta * (h @ W.T + b))).astype(dt)
            h = (rng.random(h.shape, dtype=dt) < _sigmoid(beta * (v_new @ W + c))).astype(dt)
        v_new, h = v_new.astype(np.float64), h.astype(np.float64)
        return (v_new, h) if return_hidden else v_new

    def complete(self, v, known, n_steps: int = 30) -> np.ndarray:
        """Fill in the unknown visible units of each row of ``v`` by mean-field iteration.

        ``known`` (same shape, or one row for all) is True where a pixel is observed; those stay
        clamped while the others follow p(v|h), h = p(h|v) (seed 000 ``11.RBM.py`` completion).
        """
        v = self._check_v("v", v)
        known = np.asarray(known)
        if known.ndim == 1:
            known = np.broadcast_to(known, v.shape)
        if known.shape != v.shape or known.dtype != bool:
            raise ValueError(f"known must be a boolean mask of shape {v.shape} or ({v.shape[1]},), "
                             f"got {known.dtype} {known.shape}")
        n_steps = _check_int("n_steps", n_steps, 1, 10000)
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        out = v.copy()
        out[~known] = 0.0
        for _ in range(n_steps):
            p = _sigmoid(_sigmoid(out @ W + c) @ W.T + b)
            out = np.where(known, v, p)
        return out.astype(np.float64)

    # -- exact enumeration (tiny machines) ---------------------------------------------
    def _check_tiny(self, limit: int) -> None:
        self._require_fitted()
        total = self.weights_.shape[0] + self.n_hidden if limit == 0 else min(self.weights_.shape[0], self.n_hidden)
        cap = EXACT_MAX_UNITS
        if total > cap:
            what = "n_visible + n_hidden" if limit == 0 else "min(n_visible, n_hidden)"
            raise ValueError(f"exact enumeration needs {what} ≤ {cap}, this RBM has {total}")

    def log_partition_function(self) -> float:
        """log Z exactly, enumerating the smaller layer (needs min(n_visible, n_hidden) ≤ 20)."""
        self._check_tiny(1)
        W, b, c = self._params64()
        if W.shape[0] <= W.shape[1]:
            V = all_binary_states(W.shape[0])
            neg_f = V @ b + _softplus(V @ W + c).sum(axis=1)
        else:
            H = all_binary_states(W.shape[1])
            neg_f = H @ c + _softplus(H @ W.T + b).sum(axis=1)
        m = neg_f.max()
        return float(m + np.log(np.exp(neg_f - m).sum()))

    def exact_distribution(self):
        """(states_v (2^V, V), states_h (2^H, H), p (2^V, 2^H) joint p(v, h), Z) by enumeration.

        Needs n_visible + n_hidden ≤ 20; states are in counting order (first unit most significant).
        """
        self._check_tiny(0)
        W, b, c = self._params64()
        V = all_binary_states(W.shape[0])
        H = all_binary_states(W.shape[1])
        neg_e = (V @ W) @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
        log_z = self.log_partition_function()
        return V, H, np.exp(neg_e - log_z), float(np.exp(log_z))

    def marginal_visible(self) -> tuple[np.ndarray, np.ndarray]:
        """(states_v, p(v)) for every visible configuration (needs n_visible ≤ 20)."""
        self._require_fitted()
        if self.weights_.shape[0] > EXACT_MAX_UNITS:
            raise ValueError(f"marginal_visible needs n_visible ≤ {EXACT_MAX_UNITS}, got {self.weights_.shape[0]}")
        V = all_binary_states(self.weights_.shape[0])
        log_p = -self._free_energy(V) - self.log_partition_function()
        return V, np.exp(log_p)

    def exact_log_likelihood(self, X) -> float:
        """Mean log p(v) over binary rows of X, with the exact partition function."""
        X = self._check_v("X", X, binary=True)
        return float(np.mean(-self._free_energy(X) - self.log_partition_function()))

    def exact_gradient(self, X):
        """(dW, db, dc): the exact gradient of the mean log-likelihood of binary rows X (n_visible ≤ 20)."""
        X = self._check_v("X", X, binary=True)
        V, pv = self.marginal_visible()
        W, b, c = self._params64()
        ph_data = _sigmoid(X @ W + c)
        ph_model = _sigmoid(V @ W + c)
        dW = X.T @ ph_data / X.shape[0] - (V * pv[:, None]).T @ ph_model
        db = X.mean(axis=0) - pv @ V
        dc = ph_data.mean(axis=0) - pv @ ph_model
        return dW, db, dc

    # -- training ----------------------------------------------------------------------
    def current_learning_rate(self) -> float:
        """The learning rate at the current epoch under ``lr_schedule`` (ends at 1/10 of the start)."""
        frac = min(self.epoch_ / self.n_epochs, 1.0) if self.is_fitted else 0.0
        if self.lr_schedule == "linear":
            return self.learning_rate * (1.0 - 0.9 * frac)
        if self.lr_schedule == "exponential":
            return self.learning_rate * 0.1 ** frac
        return self.learning_rate

    def _buf(self, n: int) -> dict:
        """Work arrays for a minibatch of n rows plus the negative particles (allocated once per size)."""
        buf = self._buffers.get(n)
        if buf is None:
            dt = np.dtype(self.dtype)
            nv, nh = self.weights_.shape
            m = n if self.method == "cd" else self._n_chains()
            buf = dict(v_stack=np.empty((n + m, nv), dt), h_stack=np.empty((n + m, nh), dt),
                       pre_h=np.empty((max(n, m), nh), dt), h_sample=np.empty((max(n, m), nh), dt),
                       pre_v=np.empty((max(n, m), nv), dt), grad_w=np.empty((nv, nh), dt), n_neg=m)
            self._buffers[n] = buf
        return buf

    def _gradient(self, v0: np.ndarray, want_error: bool) -> float:
        """Fill the buffers' gradient (grad_w, and returns via attributes grad_b/grad_c) from minibatch v0.

        Returns the minibatch reconstruction error (mean squared) or NaN when not computed.
        """
        k = _kernels()
        st = self._kstate()
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        n = v0.shape[0]
        buf = self._buf(n)
        vs, hs, m = buf["v_stack"], buf["h_stack"], buf["n_neg"]
        pre_h, h_sample, pre_v = buf["pre_h"], buf["h_sample"], buf["pre_v"]
        vs[:n] = v0
        # positive phase: p(h|v0), and a sample of it to start CD's chain
        np.matmul(vs[:n], W, out=hs[:n])
        k.sigmoid_inplace(hs[:n], c)
        k.bernoulli(hs[:n], h_sample[:n], st)
        error = math.nan
        if self.method == "cd":
            h = h_sample[:n]
            for step in range(self.k):
                np.matmul(h, W.T, out=pre_v[:n])
                k.sigmoid_inplace(pre_v[:n], b)
                k.bernoulli(pre_v[:n], vs[n:], st)
                if step == 0 and want_error:
                    np.subtract(v0, pre_v[:n], out=pre_v[:n])
                    error = float(np.vdot(pre_v[:n], pre_v[:n])) / pre_v[:n].size
                if step < self.k - 1:
                    np.matmul(vs[n:], W, out=pre_h[:n])
                    k.sigmoid_inplace(pre_h[:n], c)
                    k.bernoulli(pre_h[:n], h_sample[:n], st)
                else:
                    np.matmul(vs[n:], W, out=hs[n:])
                    k.sigmoid_inplace(hs[n:], c)
        else:
            if want_error:
                np.matmul(h_sample[:n], W.T, out=pre_v[:n])
                k.sigmoid_inplace(pre_v[:n], b)
                np.subtract(v0, pre_v[:n], out=pre_v[:n])
                error = float(np.vdot(pre_v[:n], pre_v[:n])) / pre_v[:n].size
            if self.method == "pcd":
                self._advance_chain(0, 1.0, self.k, buf)
            else:
                betas = self.betas()
                for t in range(self.n_temperatures):
                    self._advance_chain(t, betas[t], self.k, buf)
                self._swap_temperatures(betas)
            vs[n:] = self._chain_v[0]
            # negative statistics use p(h|v) of the β = 1 particles (exact given v, less noise)
            if self.method == "pcd":  # the chain's last half-step left exactly these in pre_h: reuse
                hs[n:] = pre_h[:m]
            else:  # swaps may have moved other particles into β = 1
                np.matmul(vs[n:], W, out=hs[n:])
                k.sigmoid_inplace(hs[n:], c)
        # scale so one product gives <v h>_data − <v h>_model
        hs[:n] *= 1.0 / n
        hs[n:] *= -1.0 / m
        np.matmul(vs.T, hs, out=buf["grad_w"])
        self._grad_b = vs[:n].mean(axis=0) - vs[n:].mean(axis=0)
        self._grad_c = hs.sum(axis=0)
        return error

    def _advance_chain(self, t: int, beta: float, n_steps: int, buf: dict) -> None:
        """n_steps of block Gibbs h → v → h on the persistent particles at temperature index t."""
        k = _kernels()
        st = self._kstate()
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        m = self._n_chains()
        pre_h, pre_v = buf["pre_h"][:m], buf["pre_v"][:m]
        chain_h, chain_v = self._chain_h[t], self._chain_v[t]
        for _ in range(n_steps):
            np.matmul(chain_h, W.T, out=pre_v)
            k.sigmoid_inplace(pre_v, b, beta)
            k.bernoulli(pre_v, chain_v, st)
            np.matmul(chain_v, W, out=pre_h)
            k.sigmoid_inplace(pre_h, c, beta)
            k.bernoulli(pre_h, chain_h, st)

    def _swap_temperatures(self, betas: np.ndarray) -> None:
        """Metropolis swaps of particles between neighbouring temperatures (even or odd pairs in turn)."""
        W, b, c = self._params64()
        v = self._chain_v.astype(np.float64)
        h = self._chain_h.astype(np.float64)
        energy = -np.einsum("tni,ij,tnj->tn", v, W, h) - v @ b - h @ c
        start = self.n_updates_ % 2
        for t in range(start, self.n_temperatures - 1, 2):
            log_accept = (betas[t] - betas[t + 1]) * (energy[t] - energy[t + 1])
            swap = np.log(self._rng.random(log_accept.shape) + 1e-300) < log_accept
            if np.any(swap):
                for chain in (self._chain_v, self._chain_h):
                    upper = chain[t, swap].copy()
                    chain[t, swap] = chain[t + 1, swap]
                    chain[t + 1, swap] = upper

    def _apply_update(self, grad_w: np.ndarray) -> None:
        lr = self.current_learning_rate()
        mom, wd = self.momentum, self.weight_decay
        dt = self.weights_.dtype
        for param_, vel, grad in ((self.weights_, self._velocity_w, grad_w),
                                  (self.visible_bias_, self._velocity_b, self._grad_b.astype(dt, copy=False)),
                                  (self.hidden_bias_, self._velocity_c, self._grad_c.astype(dt, copy=False))):
            if wd and param_ is self.weights_:
                grad -= wd * param_  # L2 decay on the weights only (Hinton's guide)
            grad *= lr
            if mom:
                vel *= mom
                vel += grad
            else:
                vel[...] = grad
            param_ += vel
        self.n_updates_ += 1

    def train_batch(self, v0, *, want_error: bool = True) -> float:
        """One update from minibatch v0 (rows in [0, 1]); returns its reconstruction error (NaN if not asked)."""
        v0 = self._check_v("v0", v0)
        return self._train_batch(np.ascontiguousarray(v0, dtype=self.dtype), want_error)

    def _train_batch(self, v0: np.ndarray, want_error: bool) -> float:
        error = self._gradient(v0, want_error)
        self._apply_update(self._buf(v0.shape[0])["grad_w"])
        return error

    def estimate_gradient(self, X):
        """(dW, db, dc): this RBM's stochastic gradient estimate (CD-k / PCD / PT) on X, without updating.

        PCD and PT advance their persistent chains, as one training step would.
        """
        X = self._check_v("X", X)
        self._gradient(np.ascontiguousarray(X, dtype=self.dtype), False)
        return (self._buf(X.shape[0])["grad_w"].astype(np.float64), self._grad_b.astype(np.float64),
                self._grad_c.astype(np.float64))

    def fit(self, X, y=None, *, progress: Callable[[float, str], bool] | None = None) -> "RBM":
        """Train from scratch for ``n_epochs`` shuffled passes over X (rows in [0, 1]). Returns self.

        ``progress(fraction, message)`` is called after each minibatch group; returning False
        raises ``Cancelled``. ``reconstruction_errors_`` holds the mean error of each epoch.
        """
        X = check_data("X", X, dtype=np.dtype(self.dtype))
        self._check_params()
        self.initialize(X.shape[1])
        self.reconstruction_errors_ = []
        with blas_threads(self.n_jobs):
            self._run_epochs(X, self.n_epochs, progress)
        return self

    def partial_fit(self, X, y=None) -> "RBM":
        """One pass over X in minibatches of ``batch_size`` (in the given order); initializes if needed."""
        if not self.is_fitted:
            X = check_data("X", X, dtype=np.dtype(self.dtype))
            self.initialize(X.shape[1])
        X = np.ascontiguousarray(self._check_v("X", X), dtype=self.dtype)
        with blas_threads(self.n_jobs):
            for start in range(0, X.shape[0], self.batch_size):
                self._train_batch(X[start:start + self.batch_size], False)
        return self

    def _run_epochs(self, X: np.ndarray, n_epochs: int, progress) -> None:
        n = X.shape[0]
        bs = min(self.batch_size, n)
        batch = np.empty((bs, X.shape[1]), dtype=X.dtype)
        n_batches = -(-n // bs)
        report_every = max(1, n_batches // 20)
        for epoch in range(n_epochs):
            order = self._rng.permutation(n)
            errors = []
            for i in range(n_batches):
                idx = order[i * bs:(i + 1) * bs]
                v0 = batch[:len(idx)]
                np.take(X, idx, axis=0, out=v0)
                # CD gets the error for free; the chain methods pay one product for it, so sample it
                want = self.method == "cd" or i % 20 == 0
                err = self._train_batch(v0, want)
                if want:
                    errors.append(err)
                if progress is not None and (i + 1) % report_every == 0:
                    frac = (epoch + (i + 1) / n_batches) / n_epochs
                    if progress(frac, f"epoch {epoch + 1}/{n_epochs}") is False:
                        raise Cancelled()
            self.epoch_ += 1
            self.reconstruction_errors_.append(float(np.mean(errors)))


# --------------------------------------------------------------------------- deep belief net
class DBN:
    """Deep belief net: RBMs stacked greedily, each trained on the previous layer's p(h|v).

    ``fit(X, y)`` with labels also trains a scikit-learn logistic regression on the top
    features (``classifier_``), used by ``predict`` and ``score``.
    """

    _PARAM_NAMES = ("layers", "method", "k", "learning_rate", "batch_size", "n_epochs", "momentum",
                    "weight_decay", "dtype", "classifier_C", "n_jobs", "random_state")

    def __init__(self, layers=(500, 500), *, method: str = "cd", k: int = 1, learning_rate: float = 0.05,
                 batch_size: int = 100, n_epochs: int = 10, momentum: float = 0.5, weight_decay: float = 0.0,
                 dtype: str = "float32", classifier_C: float = 1.0, n_jobs: int | None = None,
                 random_state: int | None = None):
        self.layers = layers
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dtype = dtype
        self.classifier_C = classifier_C
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._check_params()
        self.rbms_: list[RBM] = self._make_rbms()
        self.classifier_ = None

    def get_params(self, deep: bool = True) -> dict:
        """Hyper-parameters as a dict (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    def _check_params(self) -> None:
        layers = self.layers
        if isinstance(layers, (int, np.integer)) or not hasattr(layers, "__len__") or not 1 <= len(layers) <= 5:
            raise ValueError(f"layers must be a sequence of 1 to 5 hidden-layer sizes, got {layers!r}")
        self.layers = tuple(_check_int(f"layers[{i}]", n, 1) for i, n in enumerate(layers))
        self.classifier_C = _check_float("classifier_C", self.classifier_C, 0.0, lo_open=True)
        self.random_state = check_seed(self.random_state, "random_state")
        # the RBMs check the rest when built

    def _make_rbms(self) -> list[RBM]:
        seeds = (np.random.default_rng(self.random_state).integers(0, 2 ** 31, size=len(self.layers))
                 if self.random_state is not None else [None] * len(self.layers))
        return [RBM(n, method=self.method, k=self.k, learning_rate=self.learning_rate,
                    batch_size=self.batch_size, n_epochs=self.n_epochs, momentum=self.momentum,
                    weight_decay=self.weight_decay, dtype=self.dtype, n_jobs=self.n_jobs,
                    random_state=None if s is None else int(s)) for n, s in zip(self.layers, seeds)]

    @property
    def is_fitted(self) -> bool:
        """True when every layer has weights."""
        return all(r.is_fitted for r in self.rbms_)

    def fit(self, X, y=None, *, progress: Callable[[float, str], bool] | None = None) -> "DBN":
        """Greedy layer-wise training on X (rows in [0, 1]); with labels y also fits the classifier."""
        X = check_data("X", X, dtype=np.dtype(self.dtype))
        if y is not None:
            y = self._check_y(y, X.shape[0])
        self._check_params()
        self.rbms_ = self._make_rbms()
        data = X
        n_layers = len(self.rbms_)
        for i, rbm in enumerate(self.rbms_):
            def layer_progress(frac, msg, i=i):
                return True if progress is None else progress((i + frac) / n_layers, f"layer {i + 1}: {msg}")
            rbm.fit(data, progress=layer_progress)
            data = rbm.transform(data)
        if y is not None:
            self.fit_classifier(X, y, features=data)
        return self

    @staticmethod
    def _check_y(y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"y must be 1-D with {n} labels, got shape {y.shape}")
        return y

    def fit_classifier(self, X, y, *, features: np.ndarray | None = None) -> "DBN":
        """Fit a logistic regression (``classifier_``) on the top-layer features of X. Returns self."""
        from sklearn.linear_model import LogisticRegression
        if features is None:
            features = self.transform(X)
        y = self._check_y(y, features.shape[0])
        self.classifier_ = LogisticRegression(C=self.classifier_C, max_iter=300)
        self.classifier_.fit(features, y)
        return self

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise ValueError("this DBN is not trained yet: call fit first")

    def transform_layers(self, X) -> list[np.ndarray]:
        """Each layer's hidden probabilities for X, bottom to top."""
        self._require_fitted()
        out, data = [], X
        for rbm in self.rbms_:
            data = rbm.transform(data)
            out.append(data)
        return out

    def transform(self, X) -> np.ndarray:
        """Top-layer hidden probabilities for X, (n_samples, layers[-1])."""
        return self.transform_layers(X)[-1]

    def predict(self, X) -> np.ndarray:
        """Class labels from the classifier on the top features (needs fit with y)."""
        if self.classifier_ is None:
            raise ValueError("this DBN has no classifier: call fit(X, y) or fit_classifier(X, y) first")
        return self.classifier_.predict(self.transform(X))

    def score(self, X, y) -> float:
        """Classification accuracy on (X, y)."""
        pred = self.predict(X)
        return float(np.mean(pred == self._check_y(y, pred.shape[0])))

    def score_samples(self, X, random_state: int | None = None) -> np.ndarray:
        """Pseudo-log-likelihood of each row's top-layer input under the top RBM."""
        self._require_fitted()
        data = X
        for rbm in self.rbms_[:-1]:
            data = rbm.transform(data)
        return self.rbms_[-1].score_samples(data, random_state)

    def gibbs(self, n_samples: int = 16, n_steps: int = 200, *, random_state: int | None = None) -> np.ndarray:
        """Fantasies: Gibbs-sample the top RBM from noise, then pass down by p(v|h); (n_samples, n_visible)."""
        self._require_fitted()
        n_samples = _check_int("n_samples", n_samples, 1)
        n_steps = _check_int("n_steps", n_steps, 0)
        seed = check_seed(random_state, "random_state")
        rng = np.random.default_rng(seed)
        top = self.rbms_[-1]
        start = (rng.random((n_samples, top.n_visible)) < 0.5).astype(np.float64)
        v = top.gibbs(start, n_steps, random_state=int(rng.integers(2 ** 31)))
        for rbm in reversed(self.rbms_[:-1]):
            v = rbm.prob_v_given_h(v)
        return v

    def fields(self, layer: int) -> np.ndarray:
        """Layer ``layer``'s (1-based) units as linear combinations of pixels: W₁·…·W_layer, (n_visible, n_hidden)."""
        self._require_fitted()
        layer = _check_int("layer", layer, 1, len(self.rbms_))
        out = self.rbms_[0].weights_.astype(np.float64)
        for rbm in self.rbms_[1:layer]:
            out = out @ rbm.weights_
        return out


# --------------------------------------------------------------------------- data
_MNIST_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def load_mnist_images(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST (images (n, 784) uint8, labels (n,)) from resources/mnist.npz; split "train" | "test"."""
    _check_choice("split", split, ("train", "test"))
    if split not in _MNIST_CACHE:
        from engine.resources import resource_path
        with np.load(resource_path("mnist.npz")) as z:
            x, y = z[f"x_{split}"], z[f"y_{split}"]
        _MNIST_CACHE[split] = (np.ascontiguousarray(x.reshape(len(x), -1)), np.asarray(y))
    return _MNIST_CACHE[split]


def _as_tiles(columns: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(n_features, n) columns → (n, h, w) float64 tiles."""
    return np.ascontiguousarray(columns.T, dtype=np.float64).reshape(columns.shape[1], *shape)


def _state_code(states: np.ndarray) -> np.ndarray:
    """Binary rows → integers in counting order (first unit most significant)."""
    n = states.shape[1]
    return (states.astype(np.int64) << np.arange(n - 1, -1, -1)).sum(axis=1)


# --------------------------------------------------------------------------- GUI models
@dataclass(frozen=True)
class RBMParams:
    preset: str = param("mnist", label="Preset", choices=("mnist", "seed_3x2"), live=False,
                        help="mnist: train on MNIST digits; seed_3x2: the seeds' 3-visible × 2-hidden RBM "
                             "with its exact probability table, sampled by Gibbs chains")
    method: str = param("cd", label="Training", choices=METHODS, group="rule",
                        help="cd: contrastive divergence CD-k; pcd: persistent CD; pt: parallel tempering")
    n_hidden: int = param(500, label="Hidden units", min=1, max=2000, live=False)
    k: int = param(1, label="Gibbs steps k", min=1, max=50, help="Gibbs steps per update (CD-k, PCD-k)")
    learning_rate: float = param(0.05, label="Learning rate", min=1e-4, max=1.0, log=True)
    momentum: float = param(0.5, label="Momentum", min=0.0, max=0.99)
    weight_decay: float = param(0.0, label="Weight decay", min=0.0, max=0.01, help="L2 penalty on the weights")
    batch_size: int = param(100, label="Minibatch", min=1, max=1000)
    lr_schedule: str = param("constant", label="LR schedule", choices=LR_SCHEDULES,
                             help="learning rate over n_epochs: constant, or down to 1/10 linearly/exponentially")
    n_epochs: int = param(10, label="Epochs (schedule)", min=1, max=1000,
                          help="epochs over which the learning-rate schedule runs")
    n_temperatures: int = param(5, label="Temperatures (PT)", min=2, max=20, live=False)
    binarize: bool = param(False, label="Binarize digits", live=False,
                           help="pixels > 0.2 become 1, others 0 (as in seed 000 11.RBM.py)")
    n_train: int = param(60000, label="Training images", min=100, max=60000, live=False)
    n_shown: int = param(100, label="Fields shown", min=1, max=400)
    n_fantasy: int = param(20, label="Fantasy particles", min=1, max=100, live=False)
    fantasy_steps: int = param(1, label="Gibbs steps per frame", min=0, max=100,
                               help="Gibbs steps the fantasy chains take per training step")
    occluded_rows: int = param(10, label="Occluded rows", min=1, max=27,
                               help="bottom rows hidden by occlude_and_reconstruct (the seed uses 10)")
    eval_every: int = param(50, label="Evaluate every", min=1, max=10000,
                            help="minibatches between pseudo-log-likelihood / free-energy evaluations")


class RBMModel(Model):
    """RBM on MNIST (one step = one minibatch update) or the seeds' 3×2 RBM (one step = one Gibbs sweep)."""

    name = "rbm"
    title = "RBM"
    unit = "minibatch"
    Params = RBMParams
    N_RECON = 10
    N_EVAL = 256
    N_TINY_CHAINS = 200
    BLAS_THREADS = 1  # leave a core to the GUI thread (see blas_threads)

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    # -- set-up -------------------------------------------------------------------
    def _make_rbm(self) -> RBM:
        p = self.params
        return RBM(p.n_hidden, method=p.method, k=p.k, learning_rate=p.learning_rate, batch_size=p.batch_size,
                   n_epochs=p.n_epochs, momentum=p.momentum, weight_decay=p.weight_decay,
                   lr_schedule=p.lr_schedule, n_temperatures=p.n_temperatures, n_chains=100,
                   random_state=int(self.rng.integers(0, 2 ** 31)))

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights, data order, fantasy chains and curves (same seed → same run)."""
        super().reset(seed)
        p = self.params
        self.recon_error = History()
        self.pseudo_ll = History()
        self.free_energy_gap = History(width=2)
        self.tiny_kl = History()
        self.epoch = 0
        self.batch_pos = 0
        self.occluded = False
        if p.preset == "seed_3x2":
            self.rbm = RBM(2, method="cd", dtype="float64", random_state=int(self.rng.integers(0, 2 ** 31)))
            self.rbm.set_weights(SEED_3X2_WEIGHTS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_HIDDEN_BIAS)
            self.image_shape = (3, 1)
            _, _, joint, self.tiny_z = self.rbm.exact_distribution()
            self.tiny_exact = joint.reshape(-1)
            self.tiny_counts = np.zeros(32, dtype=np.int64)
            self.tiny_v = (self.rng.random((self.N_TINY_CHAINS, 3)) < 0.5).astype(np.float64)
            self.tiny_h = (self.rng.random((self.N_TINY_CHAINS, 2)) < 0.5).astype(np.float64)
            self.data_u8 = np.zeros((0, 3), np.uint8)
            self.recon_inputs = all_binary_states(3)[self.rng.integers(0, 8, self.N_RECON)]
            self.heldout_u8 = np.zeros((0, 3), np.uint8)
            self.order = np.zeros(0, dtype=np.int64)
            self.fantasy_v = self.tiny_v[:p.n_fantasy].copy() if p.n_fantasy <= self.N_TINY_CHAINS else self.tiny_v.copy()
            self.fantasy_shown = self.fantasy_v.copy()
            self.recon_shown = self.recon_inputs.copy()
            return
        self.image_shape = (28, 28)
        x, _ = load_mnist_images("train")
        xt, _ = load_mnist_images("test")
        self.data_u8 = x[:p.n_train]
        self.heldout_u8 = xt[:self.N_EVAL]
        self.rbm = self._make_rbm()
        self.rbm.initialize(784)
        self.order = self.rng.permutation(len(self.data_u8))
        self.eval_train = self._scaled(self.data_u8[:self.N_EVAL])
        self.eval_heldout = self._scaled(self.heldout_u8)
        self.recon_inputs = self._scaled(xt[self.N_EVAL:self.N_EVAL + self.N_RECON]).astype(np.float64)
        self.recon_shown = self.recon_inputs.copy()
        self.fantasy_v = (self.rng.random((p.n_fantasy, 784)) < 0.5).astype(np.float64)
        self.fantasy_shown = self.fantasy_v.copy()
        self._evaluate(with_error=True)

    def _scaled(self, images_u8: np.ndarray) -> np.ndarray:
        x = images_u8.astype(np.float32) * np.float32(1 / 255)
        if self.params.binarize:
            x = (x > 0.2).astype(np.float32)
        return x

    def apply_params(self, old, new) -> None:
        """Live changes go to the RBM; structural ones (preset, sizes, data) reset."""
        for f in dataclasses.fields(new):
            if not f.metadata.get("live", True) and getattr(old, f.name) != getattr(new, f.name):
                self.reset()
                return
        if new.preset == "seed_3x2":
            return
        changes = {name: getattr(new, name) for name in ("method", "k", "learning_rate", "momentum",
                                                         "weight_decay", "batch_size", "lr_schedule", "n_epochs")
                   if getattr(old, name) != getattr(new, name)}
        if changes:
            self.rbm.set_params(**changes)

    # -- stepping -------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """n minibatch updates (mnist) or n Gibbs sweeps of the tiny RBM's chains (seed_3x2)."""
        n = _check_int("n", n, 1)
        with blas_threads(self.BLAS_THREADS):
            for _ in range(n):
                if self.params.preset == "seed_3x2":
                    self._tiny_step()
                else:
                    self._train_step()
                self.t += 1

    def _train_step(self) -> None:
        p = self.params
        bs = min(p.batch_size, len(self.order))
        if self.batch_pos + bs > len(self.order):
            self.order = self.rng.permutation(len(self.data_u8))
            self.batch_pos = 0
            self.epoch += 1
            self.rbm.epoch_ = self.epoch
        idx = self.order[self.batch_pos:self.batch_pos + bs]
        self.batch_pos += bs
        err = self.rbm._train_batch(self._scaled(self.data_u8[idx]), True)
        if math.isfinite(err):
            self.recon_error.append(err)
        if p.fantasy_steps:
            self._advance_fantasy(p.fantasy_steps)
        if (self.t + 1) % p.eval_every == 0:
            self._evaluate(with_error=False)
        if not np.all(np.isfinite(self.rbm.weights_[:, 0])):
            raise ValueError(f"training diverged (weights became NaN); lower learning_rate (now {p.learning_rate})")

    def _evaluate(self, with_error: bool) -> None:
        """Pseudo-log-likelihood and mean free energy on fixed train / held-out subsets."""
        seed = 12345  # fixed flips: the curve shows the model changing, not the noise
        self.pseudo_ll.append(self.rbm.pseudo_log_likelihood(self.eval_heldout, seed))
        self.free_energy_gap.append([float(np.mean(self.rbm._free_energy(self.eval_train.astype(np.float64)))),
                                     float(np.mean(self.rbm._free_energy(self.eval_heldout.astype(np.float64))))])
        if with_error:
            self.recon_error.append(self.rbm.reconstruction_error(self.eval_train))

    def _advance_fantasy(self, n_steps: int) -> None:
        v, h = self.rbm.gibbs(self.fantasy_v, n_steps, random_state=int(self.rng.integers(2 ** 31)),
                              return_hidden=True)
        self.fantasy_v = v
        self.fantasy_shown = self.rbm.prob_v_given_h(h)  # the mean image is easier to read than a sample

    def _tiny_step(self) -> None:
        """One block Gibbs sweep of all tiny chains; count the visited (v, h) states."""
        W, b, c = self.rbm._params64()
        self.tiny_h = (self.rng.random(self.tiny_h.shape) < _sigmoid(self.tiny_v @ W + c)).astype(np.float64)
        self.tiny_v = (self.rng.random(self.tiny_v.shape) < _sigmoid(self.tiny_h @ W.T + b)).astype(np.float64)
        codes = _state_code(self.tiny_v) * 4 + _state_code(self.tiny_h)
        self.tiny_counts += np.bincount(codes, minlength=32)
        self.fantasy_v = self.tiny_v[:len(self.fantasy_v)].copy()
        self.fantasy_shown = self.fantasy_v.copy()
        freq = self.tiny_counts / self.tiny_counts.sum()
        nz = freq > 0
        self.tiny_kl.append(float(np.sum(freq[nz] * np.log(freq[nz] / self.tiny_exact[nz]))))

    # -- actions ---------------------------------------------------------------------
    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("occlude_and_reconstruct", "Occlude && complete",
                 "hide the bottom rows of the shown digits and let the RBM fill them in"),
                ("show_reconstructions", "Plain reconstructions", "show the digits and their reconstructions"),
                ("new_inputs", "New digits", "pick other held-out digits to reconstruct"),
                ("new_fantasy", "New fantasy", "restart the Gibbs chains from random noise"),
                ("gibbs_step", "Gibbs step", "advance the fantasy chains by one Gibbs step")]

    def occlude_and_reconstruct(self) -> None:
        """Zero the bottom ``occluded_rows`` rows of the shown digits and complete them (seed 000 11.RBM.py)."""
        h, w = self.image_shape
        rows = min(self.params.occluded_rows, h - 1)
        known = np.ones(self.image_shape, dtype=bool)
        known[h - rows:, :] = False
        known = known.reshape(-1)
        occluded = self.recon_inputs * known
        self.recon_shown = occluded
        self.completion = self.rbm.complete(occluded, known, n_steps=30)
        self.occluded = True

    def show_reconstructions(self) -> None:
        """Back to the digits beside their plain reconstructions."""
        self.occluded = False
        self.recon_shown = self.recon_inputs.copy()

    def new_inputs(self) -> None:
        """Choose other held-out digits for the reconstruction row."""
        if self.params.preset == "seed_3x2":
            self.recon_inputs = all_binary_states(3)[self.rng.integers(0, 8, self.N_RECON)]
        else:
            xt, _ = load_mnist_images("test")
            idx = self.rng.choice(np.arange(self.N_EVAL, len(xt)), self.N_RECON, replace=False)
            self.recon_inputs = self._scaled(xt[idx]).astype(np.float64)
        if self.occluded:
            self.occlude_and_reconstruct()
        else:
            self.recon_shown = self.recon_inputs.copy()

    def new_fantasy(self) -> None:
        """Restart the fantasy chains from uniform random binary images."""
        self.fantasy_v = (self.rng.random(self.fantasy_v.shape) < 0.5).astype(np.float64)
        self.fantasy_shown = self.fantasy_v.copy()
        if self.params.preset == "seed_3x2":
            self.tiny_v[:len(self.fantasy_v)] = self.fantasy_v

    def gibbs_step(self) -> None:
        """One Gibbs step of the fantasy chains (works while paused)."""
        if self.params.preset == "seed_3x2":
            self._tiny_step()
        else:
            self._advance_fantasy(1)

    # -- drawing ------------------------------------------------------------------------
    def views(self) -> list[ViewSpec]:
        return [
            ViewSpec("fields", "image_grid", "Receptive fields (hidden units' weights)", colormap="diverging",
                     main=True),
            ViewSpec("reconstructions", "image_grid", "Inputs (top) and reconstructions (bottom)",
                     colormap="gray", extra={"columns": cls.N_RECON}),
            ViewSpec("fantasy", "image_grid", "Fantasy particles (Gibbs chains, p(v|h))", colormap="gray"),
            ViewSpec("recon_error", "curve", "Reconstruction error", x_label="minibatch", y_label="mean squared"),
            ViewSpec("pseudo_ll", "curve", "Pseudo-log-likelihood (held-out)", x_label="evaluation",
                     y_label="nats per image"),
            ViewSpec("free_energy_gap", "curve", "Mean free energy: train vs held-out",
                     labels=("train", "held-out"), x_label="evaluation", y_label="F(v)"),
            ViewSpec("tiny_table", "bars", "Seed 3×2 RBM: p(v,h) exact vs sampled",
                     labels=("exact", "sampled"),
                     extra={"ticks": [f"{v // 4:03b}|{v % 4:02b}" for v in range(32)]}),
            ViewSpec("tiny_kl", "curve", "Seed 3×2 RBM: KL(sampled ‖ exact)", x_label="Gibbs sweep"),
        ]

    def snapshot(self) -> Snapshot:
        p = self.params
        W = self.rbm.weights_
        shown = min(p.n_shown, W.shape[1])
        data: dict[str, Any] = {"fields": _as_tiles(W[:, :shown], self.image_shape)}
        # 10 images: two tiny products, cheap enough per frame, and always current
        lower = self.completion if self.occluded else self.rbm.reconstruct(self.recon_shown)
        data["reconstructions"] = np.concatenate([self.recon_shown, lower]).reshape(-1, *self.image_shape)
        data["fantasy"] = self.fantasy_shown.reshape(-1, *self.image_shape).copy()
        data["recon_error"] = self.recon_error.array()
        data["pseudo_ll"] = self.pseudo_ll.array()
        data["free_energy_gap"] = self.free_energy_gap.array()
        if p.preset == "seed_3x2":
            total = max(self.tiny_counts.sum(), 1)
            data["tiny_table"] = np.stack([self.tiny_exact, self.tiny_counts / total])
            data["tiny_z"] = self.tiny_z
        else:
            data["tiny_table"] = np.zeros((2, 0))
        data["tiny_kl"] = self.tiny_kl.array()
        data["epoch"] = float(self.epoch)
        data["learning_rate"] = self.rbm.current_learning_rate()
        return Snapshot(t=self.t, data=data, unit=self.unit)

    # -- saving ------------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        st = {f"rbm_{k}": v for k, v in self.rbm.get_state().items()}
        st.update(recon_error=self.recon_error.array(), pseudo_ll=self.pseudo_ll.array(),
                  free_energy_gap=self.free_energy_gap.array(), tiny_kl=self.tiny_kl.array(),
                  counters=np.array([self.epoch, self.batch_pos, int(self.occluded)], dtype=np.int64),
                  order=self.order.copy(), recon_inputs=self.recon_inputs.copy(),
                  recon_shown=self.recon_shown.copy(), fantasy_v=self.fantasy_v.copy(),
                  fantasy_shown=self.fantasy_shown.copy(),
                  completion=(self.completion.copy() if self.occluded else np.zeros((0,))))
        if self.params.preset == "seed_3x2":
            st.update(tiny_counts=self.tiny_counts.copy(), tiny_v=self.tiny_v.copy(), tiny_h=self.tiny_h.copy())
        return st

    def load_extra_state(self, state) -> None:
        def get(key, shape=None):
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
            a = np.asarray(state[key])
            if shape is not None and a.shape != tuple(shape):
                raise ValueError(f"state[{key!r}] must have shape {tuple(shape)}, got {a.shape}")
            if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                raise ValueError(f"state[{key!r}] contains NaN or infinite values")
            return a
        rbm_state = {k[4:]: np.asarray(v) for k, v in state.items() if k.startswith("rbm_")}
        nv = 3 if self.params.preset == "seed_3x2" else 784
        counters = get("counters", (3,))
        order = get("order", self.order.shape)
        if order.size and (order.min() < 0 or order.max() >= len(self.data_u8)):
            raise ValueError("state['order'] holds indices outside the training data")
        n_rec = self.recon_inputs.shape[0]
        recon_inputs = get("recon_inputs", (n_rec, nv))
        recon_shown = get("recon_shown", (n_rec, nv))
        fantasy_v = get("fantasy_v", self.fantasy_v.shape)
        fantasy_shown = get("fantasy_shown", self.fantasy_shown.shape)
        completion = get("completion")
        if counters[2] and completion.shape != (n_rec, nv):
            raise ValueError(f"state['completion'] must have shape {(n_rec, nv)}, got {completion.shape}")
        histories = {}
        for key, width in (("recon_error", None), ("pseudo_ll", None), ("free_energy_gap", 2), ("tiny_kl", None)):
            a = get(key)
            if (width is None and a.ndim != 1) or (width is not None and (a.ndim != 2 or a.shape[0] != width)):
                raise ValueError(f"state[{key!r}] has the wrong shape {a.shape}")
            histories[key] = a
        tiny = {}
        if self.params.preset == "seed_3x2":
            tiny = dict(tiny_counts=get("tiny_counts", (32,)), tiny_v=get("tiny_v", self.tiny_v.shape),
                        tiny_h=get("tiny_h", self.tiny_h.shape))
        self.rbm.set_state(rbm_state, prefix="rbm_")  # validates before we change anything else
        for key, a in histories.items():
            getattr(self, key).load(a)
        self.epoch, self.batch_pos, occluded = (int(x) for x in counters)
        self.occluded = bool(occluded)
        self.order = order.astype(np.int64)
        self.recon_inputs, self.recon_shown = recon_inputs.astype(np.float64), recon_shown.astype(np.float64)
        self.fantasy_v, self.fantasy_shown = fantasy_v.astype(np.float64), fantasy_shown.astype(np.float64)
        if self.occluded:
            self.completion = completion.astype(np.float64)
        for key, a in tiny.items():
            setattr(self, key, a.astype(np.int64 if key == "tiny_counts" else np.float64))



def _mnist_float(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_mnist_images(split)
    if n is not None:
        x, y = x[:n], y[:n]
    return x.astype(np.float32) / np.float32(255), y


def _logistic_accuracy(F_train, y_train, F_test, y_test) -> float:
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1.0, max_iter=300)
    clf.fit(F_train, y_train)
    return float(clf.score(F_test, y_test))


def _run_rbm_experiment(settings: dict, progress) -> dict:
    s = dict(settings)
    n_train = _check_int("n_train", s.pop("n_train", 60000), 100, 60000)
    seed = s.pop("seed", 0)
    X, y = _mnist_float("train", n_train)
    Xt, yt = _mnist_float("test")
    rbm = RBM(s.pop("n_hidden"), random_state=seed, **s)
    t0 = time.perf_counter()
    rbm.fit(X, progress=lambda f, m: progress(0.9 * f, m))
    train_s = time.perf_counter() - t0
    if progress(0.9, "logistic regression") is False:
        raise Cancelled()
    acc = _logistic_accuracy(rbm.transform(X), y, rbm.transform(Xt), yt)
    progress(1.0, "done")
    return dict(test_accuracy=acc, seconds_per_epoch=train_s / rbm.n_epochs,
                reconstruction_errors=np.array(rbm.reconstruction_errors_))


def _run_dbn_experiment(settings: dict, progress) -> dict:
    s = dict(settings)
    n_train = _check_int("n_train", s.pop("n_train", 60000), 100, 60000)
    seed = s.pop("seed", 0)
    X, y = _mnist_float("train", n_train)
    Xt, yt = _mnist_float("test")
    dbn = DBN(tuple(s.pop("layers")), random_state=seed, **s)
    t0 = time.perf_counter()
    dbn.fit(X, progress=lambda f, m: progress(0.9 * f, m))
    train_s = time.perf_counter() - t0
    if progress(0.9, "logistic regression") is False:
        raise Cancelled()
    acc = _logistic_accuracy(dbn.transform(X), y, dbn.transform(Xt), yt)
    progress(1.0, "done")
    return dict(test_accuracy=acc, train_seconds=train_s)


# --------------------------------------------------------------------------- DBN model
@dataclass(frozen=True)
class DBNParams:
    n_layers: int = param(2, label="Layers", min=1, max=3, live=False)
    n_hidden_1: int = param(500, label="Hidden units, layer 1", min=1, max=2000, live=False)
    n_hidden_2: int = param(500, label="Hidden units, layer 2", min=1, max=2000, live=False)
    n_hidden_3: int = param(500, label="Hidden units, layer 3", min=1, max=2000, live=False)
    method: str = param("cd", label="Training", choices=METHODS, group="rule", live=False)
    k: int = param(1, label="Gibbs steps k", min=1, max=50, live=False)
    learning_rate: float = param(0.05, label="Learning rate", min=1e-4, max=1.0, log=True)
    momentum: float = param(0.5, label="Momentum", min=0.0, max=0.99)
    batch_size: int = param(100, label="Minibatch", min=1, max=1000, live=False)
    epochs_per_layer: float = param(1.0, label="Epochs per layer", min=0.05, max=100.0,
                                    help="passes over the data each layer trains before the next one starts")
    binarize: bool = param(False, label="Binarize digits", live=False)
    n_train: int = param(60000, label="Training images", min=100, max=60000, live=False)
    n_shown: int = param(64, label="Fields shown per layer", min=1, max=400)


class DBNModel(Model):
    """Deep belief net on MNIST, trained greedily through step(): one step = one minibatch of the current layer."""

    name = "dbn"
    title = "DBN"
    unit = "minibatch"
    Params = DBNParams
    MAX_LAYERS = 3

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    def hidden_sizes(self) -> tuple[int, ...]:
        """The hidden-layer sizes in use, bottom to top."""
        p = self.params
        return (p.n_hidden_1, p.n_hidden_2, p.n_hidden_3)[:p.n_layers]

    def reset(self, seed: int | None = None) -> None:
        """Fresh layers (all untrained), data order and curve."""
        super().reset(seed)
        p = self.params
        x, _ = load_mnist_images("train")
        self.data_u8 = x[:p.n_train]
        self.rbms = []
        n_in = 784
        for n_h in self.hidden_sizes():
            rbm = RBM(n_h, method=p.method, k=p.k, learning_rate=p.learning_rate, momentum=p.momentum,
                      batch_size=p.batch_size, n_chains=100, random_state=int(self.rng.integers(0, 2 ** 31)))
            rbm.initialize(n_in)
            self.rbms.append(rbm)
            n_in = n_h
        self.layer = 0          # index of the layer being trained
        self.layer_batches = 0  # minibatches it has had
        self.batch_pos = 0
        self.order = self.rng.permutation(len(self.data_u8))
        self.recon_error = History(width=self.MAX_LAYERS)
        self.fantasy = np.zeros((16, 784))
        self.new_fantasy()  # the view shows something from the first frame

    def _batches_per_layer(self) -> int:
        p = self.params
        return max(1, int(round(p.epochs_per_layer * len(self.data_u8) / min(p.batch_size, len(self.data_u8)))))

    def apply_params(self, old, new) -> None:
        """Learning rate and momentum apply live to every layer; the rest reset."""
        for f in dataclasses.fields(new):
            if not f.metadata.get("live", True) and getattr(old, f.name) != getattr(new, f.name):
                self.reset()
                return
        for rbm in self.rbms:
            rbm.set_params(learning_rate=new.learning_rate, momentum=new.momentum)

    @property
    def done(self) -> bool:
        """True when every layer has had its epochs."""
        return self.layer >= len(self.rbms)

    def step(self, n: int = 1) -> None:
        """n minibatch updates of the current layer; moves up a layer when its epochs are done."""
        n = _check_int("n", n, 1)
        with blas_threads(RBMModel.BLAS_THREADS):
            self._step(n)

    def _step(self, n: int) -> None:
        p = self.params
        for _ in range(n):
            if self.done:
                self.t += 1  # every layer trained: stepping keeps the fantasy moving only
                self.gibbs_step()
                continue
            bs = min(p.batch_size, len(self.order))
            if self.batch_pos + bs > len(self.order):
                self.order = self.rng.permutation(len(self.data_u8))
                self.batch_pos = 0
            idx = self.order[self.batch_pos:self.batch_pos + bs]
            self.batch_pos += bs
            data = self.data_u8[idx].astype(np.float32) * np.float32(1 / 255)
            if p.binarize:
                data = (data > 0.2).astype(np.float32)
            for rbm in self.rbms[:self.layer]:  # lower layers are frozen feature maps
                data = rbm.transform(data)
            err = self.rbms[self.layer]._train_batch(np.ascontiguousarray(data), True)
            row = [math.nan] * self.MAX_LAYERS
            row[self.layer] = err
            self.recon_error.append(row)
            self.layer_batches += 1
            if self.layer_batches >= self._batches_per_layer():
                self.layer += 1
                self.layer_batches = 0
                self.batch_pos = len(self.order)  # next layer starts on a fresh shuffle
            self.t += 1

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("new_fantasy", "New fantasy", "sample the top layer from noise and project down"),
                ("gibbs_step", "Gibbs step", "one more Gibbs step at the top, projected down"),
                ("next_layer", "Next layer", "stop training this layer and start the next one")]

    def new_fantasy(self) -> None:
        """Restart the top-level Gibbs chains from noise and show them in pixel space."""
        top = self.rbms[-1]
        self._top_v = (self.rng.random((16, top.n_visible)) < 0.5).astype(np.float64)
        self._project_fantasy()

    def gibbs_step(self) -> None:
        """Advance the top RBM's fantasy chains by one Gibbs step."""
        if not hasattr(self, "_top_v"):
            self.new_fantasy()
        self._top_v = self.rbms[-1].gibbs(self._top_v, 1, random_state=int(self.rng.integers(2 ** 31)))
        self._project_fantasy()

    def _project_fantasy(self) -> None:
        v = self._top_v
        for rbm in reversed(self.rbms[:-1]):
            v = rbm.prob_v_given_h(v)
        self.fantasy = v

    def next_layer(self) -> None:
        """Finish the current layer now and move to the next."""
        if not self.done:
            self.layer += 1
            self.layer_batches = 0
            self.batch_pos = len(self.order)

    def views(self) -> list[ViewSpec]:
        return ([ViewSpec(f"fields_{i}", "image_grid",
                          f"Layer {i} fields" + (" (28×28 weights)" if i == 1 else " (projected to pixels)"),
                          colormap="diverging", main=(i == 1)) for i in range(1, cls.MAX_LAYERS + 1)]
                + [ViewSpec("recon_error", "curve", "Reconstruction error of the layer in training",
                            labels=tuple(f"layer {i}" for i in range(1, cls.MAX_LAYERS + 1)),
                            x_label="minibatch", y_label="mean squared"),
                   ViewSpec("fantasy", "image_grid", "Top-layer fantasies projected to pixels", colormap="gray")])

    def snapshot(self) -> Snapshot:
        data: dict[str, Any] = {}
        for i in range(self.MAX_LAYERS):
            if i < len(self.rbms):
                # right to left over the shown columns only: a few small products per frame
                proj = self.rbms[i].weights_[:, :min(self.params.n_shown, self.rbms[i].n_hidden)].astype(np.float64)
                for rbm in reversed(self.rbms[:i]):
                    proj = rbm.weights_ @ proj
                data[f"fields_{i + 1}"] = _as_tiles(proj, (28, 28))
            else:
                data[f"fields_{i + 1}"] = np.zeros((0, 28, 28))
        data["recon_error"] = self.recon_error.array()
        data["fantasy"] = self.fantasy.reshape(-1, 28, 28).copy()
        data["layer"] = float(min(self.layer + 1, len(self.rbms)))
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def extra_state(self) -> dict[str, np.ndarray]:
        st = {}
        for i, rbm in enumerate(self.rbms):
            st.update({f"layer{i}_{k}": v for k, v in rbm.get_state().items()})
        st.update(counters=np.array([self.layer, self.layer_batches, self.batch_pos], dtype=np.int64),
                  order=self.order.copy(), recon_error=self.recon_error.array(), fantasy=self.fantasy.copy(),
                  top_v=getattr(self, "_top_v", np.zeros((0,))).copy())
        return st

    def load_extra_state(self, state) -> None:
        for key in ("counters", "order", "recon_error", "fantasy", "top_v"):
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
        counters = np.asarray(state["counters"])
        if counters.shape != (3,) or counters.min() < 0 or counters[0] > len(self.rbms):
            raise ValueError(f"state['counters'] must be 3 non-negative counts, got {counters!r}")
        order = np.asarray(state["order"])
        if order.shape != self.order.shape:
            raise ValueError(f"state['order'] must have shape {self.order.shape}, got {order.shape}")
        rec = np.asarray(state["recon_error"])
        if rec.ndim != 2 or rec.shape[0] != self.MAX_LAYERS:
            raise ValueError(f"state['recon_error'] must be ({self.MAX_LAYERS}, n), got {rec.shape}")
        fantasy = np.asarray(state["fantasy"])
        if fantasy.shape != self.fantasy.shape:
            raise ValueError(f"state['fantasy'] must have shape {self.fantasy.shape}, got {fantasy.shape}")
        top_v = np.asarray(state["top_v"])
        if top_v.size and top_v.shape != (16, self.rbms[-1].n_visible):
            raise ValueError(f"state['top_v'] must have shape {(16, self.rbms[-1].n_visible)}, got {top_v.shape}")
        for i, rbm in enumerate(self.rbms):
            prefix = f"layer{i}_"
            rbm.set_state({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}, prefix=prefix)
        self.layer, self.layer_batches, self.batch_pos = (int(x) for x in counters)
        self.order = order.astype(np.int64)
        self.recon_error.load(rec)
        self.fantasy = fantasy.astype(np.float64)
        if top_v.size:
            self._top_v = top_v.astype(np.float64)
        elif hasattr(self, "_top_v"):
            del self._top_v
