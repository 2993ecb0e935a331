"""The restricted Boltzmann machine as a scikit-learn-style estimator (seed 000 §4, seed 001).

Energy E(v, h) = −vᵀWh − bᵀv − cᵀh over binary visible v and hidden h units;
p(h_j=1|v) = σ(vᵀW_{·j} + c_j), p(v_i=1|h) = σ(W_{i·}h + b_i);
free energy F(v) = −bᵀv − Σ_j log(1 + exp(vᵀW_{·j} + c_j)), so p(v) = exp(−F(v)) / Z.

Training works in float32 by default: the cost is five dense products per minibatch,
and BLAS does float32 products twice as fast as float64 (measured: tests/bench/bench_rbm.py).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
from sklearn.base import TransformerMixin

from engine import interrupt
from engine.estimator import Estimator, choice, integer, real, seed
from engine.model import rng_from_state_array, rng_state_array
from engine.models.rbm import exact
from engine.models.rbm.exact import sigmoid, softplus
from engine.models.rbm.training import TrainingMixin
from engine.threads import blas_threads
from engine.validation import (check_array, check_bounded_state, check_data, check_float, check_int,
                               check_kernel_rng_state, check_memory,
                               check_seed, physical_memory_bytes, state_entry, state_ints)

METHODS = ("cd", "pcd", "pt")
LR_SCHEDULES = ("constant", "linear", "exponential")
DTYPES = ("float32", "float64")
# weights past this have run away: visible units in [0, 1] saturate every sigmoid long before
# (the bound of training's divergence check, after each epoch)
DIVERGED_WEIGHT = 1e6
_LEARNED = ("weights_", "visible_bias_", "hidden_bias_", "_velocity_w", "_velocity_b", "_velocity_c")


def optional(check):
    """A constraint that also accepts None (``n_chains``, ``n_jobs``)."""
    return lambda name, value: None if value is None else check(name, value)


def forget(estimator) -> None:
    """Drop every learned attribute (``…_``): the estimator is unfitted again."""
    for name in [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]:
        delattr(estimator, name)


def weight_bytes(n_visible: int, n_hidden: int, dtype) -> float:
    """What training an n_visible × n_hidden RBM holds in weight-sized arrays: the weights, their
    momentum and the gradient buffer (3 × n_visible·n_hidden·itemsize), plus the biases."""
    item = np.dtype(dtype).itemsize
    return float(item) * (3.0 * n_visible * n_hidden + 3.0 * (n_visible + n_hidden))


def largest_hidden(n_visible: int, dtype) -> str:
    """The hint of a refused size: the most hidden units that fit beside n_visible inputs here."""
    total = physical_memory_bytes()
    if total is None:
        return ""
    return f" (n_hidden ≤ {int(0.5 * total / (3.0 * n_visible * np.dtype(dtype).itemsize))} for {n_visible} inputs here)"


class RBM(TrainingMixin, TransformerMixin, Estimator):
    """Bernoulli–Bernoulli restricted Boltzmann machine trained by CD-k, PCD or parallel tempering.

    Learned state: ``weights_`` (n_visible, n_hidden), ``visible_bias_``, ``hidden_bias_``,
    ``n_updates_``, ``epoch_``, ``reconstruction_errors_`` (mean error of each epoch) and, for
    parallel tempering, ``swaps_proposed_`` / ``swaps_accepted_`` per neighbouring pair of
    temperatures (since ``initialize`` or ``set_state``).
    """

    _constraints = {
        "n_hidden": integer(1), "method": choice(*METHODS), "k": integer(1, 1000),
        "learning_rate": real(0.0, 100.0, lo_open=True), "batch_size": integer(1), "n_epochs": integer(1),
        "momentum": real(0.0, 0.999), "weight_decay": real(0.0, 1.0), "lr_schedule": choice(*LR_SCHEDULES),
        "n_chains": optional(integer(1)), "n_temperatures": integer(2, 100), "dtype": choice(*DTYPES),
        "n_jobs": optional(integer(1, 1024)), "random_state": seed(),
    }

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

    # -- parameters and state ---------------------------------------------------------
    def _params_changed(self, old: dict) -> None:
        """Keep the weights where they still fit: a new dtype casts them, new chain settings give
        fresh chains, another n_hidden drops the learned state (fit again)."""
        if not self.is_fitted:
            return
        self._buffers = {}
        try:
            p = self._params()
        except ValueError:  # set_params only stores: train_batch / fit will name the bad value
            self._params_unchecked = True
            return
        self._params_unchecked = False
        if p["n_hidden"] != self.weights_.shape[1]:
            forget(self)
            return
        if self.weights_.dtype != np.dtype(p["dtype"]):
            self._cast_state(np.dtype(p["dtype"]))
        if self._chain_shape() != self._chain_h.shape:
            self._init_chains()

    @property
    def is_fitted(self) -> bool:
        """True once weights exist (after fit, partial_fit, initialize or set_weights)."""
        return getattr(self, "weights_", None) is not None

    @property
    def n_visible(self) -> int:
        """Number of visible units (features) of the fitted machine."""
        self._check_fitted()
        return self.weights_.shape[0]

    def initialize(self, n_visible: int) -> "RBM":
        """Fresh weights N(0, 0.01²), zero biases, fresh chains for ``n_visible`` inputs. Returns self."""
        p = self._params()
        n_visible = check_int("n_visible", n_visible, 1)
        check_memory(f"n_hidden={p['n_hidden']} with {n_visible} visible units",
                     weight_bytes(n_visible, p["n_hidden"], p["dtype"]),
                     hint=f"the weights, their momentum and gradient take 3·n_visible·n_hidden·"
                          f"{np.dtype(p['dtype']).itemsize} bytes{largest_hidden(n_visible, p['dtype'])}")
        from engine.kernels.random import seed_state
        self._rng = np.random.default_rng(p["random_state"])
        self._kernel_state = seed_state(int(self._rng.integers(1, 2 ** 62)))
        dt = np.dtype(p["dtype"])
        # in blocks of rows with stop checks between (2000 × 2000 weights: a third of a second), the same weights
        self.weights_ = interrupt.drawn(lambda k: 0.01 * self._rng.standard_normal((k, p["n_hidden"])),
                                        (n_visible, p["n_hidden"]), dt)
        self.visible_bias_ = np.zeros(n_visible, dtype=dt)
        self.hidden_bias_ = np.zeros(p["n_hidden"], dtype=dt)
        self.n_features_in_ = n_visible
        self._velocity_w = np.zeros_like(self.weights_)
        self._velocity_b = np.zeros_like(self.visible_bias_)
        self._velocity_c = np.zeros_like(self.hidden_bias_)
        self._buffers = {}
        self._params_unchecked = False
        self.n_updates_ = 0
        self.epoch_ = 0
        self.reconstruction_errors_ = []
        self._init_chains()
        return self

    def set_weights(self, weights, visible_bias, hidden_bias) -> "RBM":
        """Use given parameters (e.g. the seeds' 3×2 machine); sets n_hidden from them. Returns self."""
        W = check_array("weights", weights, ndim=2, non_empty=True)
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
        self.swaps_proposed_ = np.zeros(max(n_temps - 1, 0), dtype=np.int64)
        self.swaps_accepted_ = np.zeros(max(n_temps - 1, 0), dtype=np.int64)

    def betas(self) -> np.ndarray:
        """Inverse temperatures of parallel tempering: 1, 1 − 1/T, …, 1/T."""
        return np.linspace(1.0, 0.0, self.n_temperatures, endpoint=False)

    def particles(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the persistent chains (visible (T, n_chains, n_visible), hidden (T, n_chains, n_hidden));
        T is n_temperatures for parallel tempering, else 1; row 0 is β = 1."""
        self._check_fitted()
        return self._chain_v.copy(), self._chain_h.copy()

    def get_state(self) -> dict[str, np.ndarray]:
        """Everything needed to resume training exactly: parameters, velocities, chains, RNG states."""
        self._check_fitted()
        return {"weights": self.weights_.copy(), "visible_bias": self.visible_bias_.copy(),
                "hidden_bias": self.hidden_bias_.copy(), "velocity_w": self._velocity_w.copy(),
                "velocity_b": self._velocity_b.copy(), "velocity_c": self._velocity_c.copy(),
                "chain_h": self._chain_h.copy(), "chain_v": self._chain_v.copy(),
                "kernel_state": self._kernel_state.copy(), "rng": rng_state_array(self._rng),
                "counters": np.array([self.n_updates_, self.epoch_], dtype=np.int64)}

    def set_state(self, state, prefix: str = "") -> None:
        """Inverse of get_state, reading ``state[prefix + key]``; every entry is checked before anything
        changes, and a bad one raises ValueError naming it. Kernel words saved by hebbgui 0.1.0
        (xoshiro256+) are valid xoshiro256** states: they load, and the stream goes on differently."""
        self._params()
        dt = np.dtype(self.dtype)

        def entry(key, shape):
            return state_entry(state, prefix + key, shape=shape, dtype=dt, copy=True)
        W = entry("weights", (self.weights_.shape if self.is_fitted else (None, self.n_hidden)))
        nv = W.shape[0]
        if nv == 0:
            raise ValueError(f"state[{prefix + 'weights'!r}] has no visible units")
        n_temps, n_chains, nh = self._chain_shape()
        arrays = {"weights_": W, "visible_bias_": entry("visible_bias", (nv,)),
                  "hidden_bias_": entry("hidden_bias", (nh,)), "_velocity_w": entry("velocity_w", W.shape),
                  "_velocity_b": entry("velocity_b", (nv,)), "_velocity_c": entry("velocity_c", (nh,)),
                  "_chain_h": entry("chain_h", (n_temps, n_chains, nh)),
                  "_chain_v": entry("chain_v", (n_temps, n_chains, nv))}
        if prefix + "kernel_state" not in state:
            raise ValueError(f"state is missing {prefix + 'kernel_state'!r}")
        kernel_state = check_kernel_rng_state(f"state[{prefix + 'kernel_state'!r}]", state[prefix + "kernel_state"])
        if prefix + "rng" not in state:
            raise ValueError(f"state is missing {prefix + 'rng'!r}")
        rng = rng_from_state_array(state[prefix + "rng"], f"state[{prefix + 'rng'!r}]")
        n_updates, epoch = state_ints(state, prefix + "counters", 2, 0)
        for name, value in arrays.items():
            setattr(self, name, value)
        self._kernel_state, self._rng = kernel_state, rng
        self.n_updates_, self.epoch_ = n_updates, epoch
        self.n_features_in_ = nv
        self.reconstruction_errors_ = []
        self._buffers = {}
        self._params_unchecked = False
        self.swaps_proposed_ = np.zeros(max(n_temps - 1, 0), dtype=np.int64)
        self.swaps_accepted_ = np.zeros(max(n_temps - 1, 0), dtype=np.int64)

    # -- conditionals and energies ----------------------------------------------------------
    def _check_v(self, name: str, v, binary: bool = False) -> np.ndarray:
        """Visible rows (a 1-D array is one row) with values in [0, 1], or exactly 0/1 when ``binary``;
        X goes through scikit-learn's checks (its messages), other arguments are named as such."""
        self._check_fitted()
        values = "binary" if binary else (0, 1)
        if name == "X":
            return self._check_X(np.reshape(v, (1, -1)) if np.ndim(v) == 1 else v, reset=False, values=values)
        return check_data(name, v, n_features=self.weights_.shape[0], allow_1d=True, values=values)

    def _check_h(self, name: str, h, binary: bool = False) -> np.ndarray:
        self._check_fitted()
        return check_data(name, h, n_features=self.n_hidden, allow_1d=True, values="binary" if binary else (0, 1))

    def _params64(self):
        return (self.weights_.astype(np.float64), self.visible_bias_.astype(np.float64),
                self.hidden_bias_.astype(np.float64))

    def transform(self, X) -> np.ndarray:
        """Hidden-unit probabilities p(h=1|v) for each row of X, (n_samples, n_hidden), in ``dtype``."""
        return self._prob_h(self._check_v("X", X))

    def _prob_h(self, X: np.ndarray) -> np.ndarray:
        # checked X only: the per-frame callers (reconstruct) check once, not twice
        out = X.astype(self.weights_.dtype, copy=False) @ self.weights_
        out += self.hidden_bias_
        return sigmoid(out).astype(self.weights_.dtype, copy=False)

    prob_h_given_v = transform

    def prob_v_given_h(self, h) -> np.ndarray:
        """Visible-unit probabilities p(v=1|h) for each row of h, (n, n_visible)."""
        h = self._check_h("h", h).astype(self.weights_.dtype, copy=False)
        return sigmoid(h @ self.weights_.T + self.visible_bias_).astype(np.float64)

    def reconstruct(self, X) -> np.ndarray:
        """Mean-field reconstruction p(v|h = p(h|v)) of each row of X (deterministic)."""
        return self._reconstruct(self._check_v("X", X))

    def _reconstruct(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(self._prob_h(X) @ self.weights_.T + self.visible_bias_).astype(np.float64)

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
        # products in the working dtype (float32 is 2× faster); sums in float64
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        X = X.astype(W.dtype, copy=False)
        return -(X @ b).astype(np.float64) - softplus((X @ W + c).astype(np.float64)).sum(axis=1)

    def reconstruction_error(self, X) -> float:
        """Mean squared difference between X and its mean-field reconstruction."""
        X = self._check_v("X", X)
        return float(np.mean((X - self._reconstruct(X)) ** 2))

    def score_samples(self, X, random_state: int | None = None) -> np.ndarray:
        """Pseudo-log-likelihood per row: n_visible · log σ(F(ṽ) − F(v)), ṽ = v with one random unit flipped.

        Which unit flips comes from ``random_state`` (default: derived from the RBM's own),
        so the same call gives the same numbers.
        """
        X = self._check_v("X", X)
        seed_ = check_seed(random_state, "random_state")
        if seed_ is None:
            seed_ = 0 if self.random_state is None else self.random_state + 1
        rng = np.random.default_rng(seed_)
        n, nv = X.shape
        flip = rng.integers(0, nv, size=n)
        W, b, c = self.weights_, self.visible_bias_.astype(np.float64), self.hidden_bias_
        pre = (X.astype(W.dtype) @ W + c).astype(np.float64)
        # flipping unit i changes v_i by δ = 1 − 2v_i: update the pre-activations, no second product
        delta = 1.0 - 2.0 * X[np.arange(n), flip]
        bias_v = X @ b
        free = -bias_v - softplus(pre).sum(axis=1)
        free_flipped = -(bias_v + delta * b[flip]) - softplus(pre + delta[:, None] * W[flip]).sum(axis=1)
        return nv * -softplus(-(free_flipped - free))  # log σ(x) = −softplus(−x)

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
        n_steps = check_int("n_steps", n_steps, 0)
        beta = check_float("beta", beta, 0.0, 1.0)
        seed_ = check_seed(random_state, "random_state")
        rng = np.random.default_rng(seed_) if seed_ is not None else self._rng
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        dt = W.dtype
        v = v.astype(dt)
        h = (rng.random((v.shape[0], self.n_hidden), dtype=dt) < sigmoid(beta * (v @ W + c))).astype(dt)
        v_new = v
        for _ in range(n_steps):
            interrupt.check()   # the caller's v is untouched: an interrupted call changes nothing but rng
            v_new = (rng.random(v.shape, dtype=dt) < sigmoid(beta * (h @ W.T + b))).astype(dt)
            h = (rng.random(h.shape, dtype=dt) < sigmoid(beta * (v_new @ W + c))).astype(dt)
        v_new, h = v_new.astype(np.float64), h.astype(np.float64)
        return (v_new, h) if return_hidden else v_new

    def complete(self, v, known, n_steps: int = 30) -> np.ndarray:
        """Fill in the unknown visible units of each row of ``v`` by mean-field iteration.

        ``known`` (same shape, or one row for all) is True where a pixel is observed; those stay
        clamped while the others follow p(v|h), h = p(h|v) (seed 000 ``11.RBM.py`` completion).
        """
        v = self._check_v("v", v)
        want = f"a boolean mask of shape {v.shape} or ({v.shape[1]},)"
        known = check_array("known", known, dtype=None, finite=False)
        if known.dtype != bool or known.shape not in (v.shape, (v.shape[1],)):
            raise ValueError(f"known must be {want}, got {known.dtype} {known.shape}")
        known = np.broadcast_to(known, v.shape)
        n_steps = check_int("n_steps", n_steps, 1, 10000)
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        out = v.copy()
        out[~known] = 0.0
        for _ in range(n_steps):
            p = sigmoid(sigmoid(out @ W + c) @ W.T + b)
            out = np.where(known, v, p)
        return out.astype(np.float64)

    # -- exact enumeration (tiny machines; engine.models.rbm.exact) ---------------------------
    def log_partition_function(self) -> float:
        """log Z exactly, enumerating the smaller layer (needs min(n_visible, n_hidden) ≤ 20)."""
        self._check_fitted()
        return exact.log_partition_function(*self._params64())

    def exact_distribution(self):
        """(states_v (2^V, V), states_h (2^H, H), p (2^V, 2^H) joint p(v, h), Z) by enumeration.

        Needs n_visible + n_hidden ≤ 20; states are in counting order (first unit most significant).
        """
        self._check_fitted()
        return exact.joint_distribution(*self._params64())

    def marginal_visible(self) -> tuple[np.ndarray, np.ndarray]:
        """(states_v, p(v)) for every visible configuration (needs n_visible ≤ 20)."""
        self._check_fitted()
        return exact.marginal_visible(*self._params64())

    def exact_log_likelihood(self, X) -> float:
        """Mean log p(v) over binary rows of X, with the exact partition function."""
        X = self._check_v("X", X, binary=True)
        return exact.log_likelihood(X, *self._params64())

    def exact_gradient(self, X):
        """(dW, db, dc): the exact gradient of the mean log-likelihood of binary rows X (n_visible ≤ 20)."""
        X = self._check_v("X", X, binary=True)
        return exact.gradient(X, *self._params64())

    # -- training (the minibatch step: engine.models.rbm.training) ---------------------------------
    def train_batch(self, v0, *, want_error: bool = True) -> float:
        """One update from minibatch v0 (rows in [0, 1]); returns its reconstruction error (NaN if not asked).

        Stops with ValueError the first time the update leaves the parameters non-finite or run away,
        with the parameters from before it put back (a copy and a scan: ~1 % of a 784×500 minibatch)."""
        if self._params_unchecked:  # set_params stored a bad value: name it (checking every call costs)
            self._params()
        v0 = np.ascontiguousarray(self._check_v("v0", v0), dtype=self.dtype)
        backup = self._learned_copy()
        with self._training():
            error = self._step(v0, want_error)
        self._check_diverged(backup)
        return error

    def estimate_gradient(self, X):
        """(dW, db, dc): this RBM's stochastic gradient estimate (CD-k / PCD / PT) on X, without updating.

        PCD and PT advance their persistent chains, as one training step would.
        """
        X = self._check_v("X", X)
        with self._training():
            self._gradient(np.ascontiguousarray(X, dtype=self.dtype), False)
        return (self._buf(X.shape[0])["grad_w"].astype(np.float64), self._grad_b.astype(np.float64),
                self._grad_c.astype(np.float64))

    def fit(self, X, y=None) -> "RBM":
        """Train from scratch for ``n_epochs`` shuffled passes over X (rows in [0, 1]). Returns self.

        ``reconstruction_errors_`` holds the mean error of each epoch.
        """
        for _ in self.iter_fit(X):
            pass
        return self

    def iter_fit(self, X, y=None) -> Iterator[tuple[float, str]]:
        """``fit`` as a generator: yields (fraction done, message) about 20 times per epoch, so a caller
        can report progress or stop between minibatches (an experiment, the GUI's engine thread)."""
        X = self._check_X(X, reset=True, values=(0, 1), dtype=np.dtype(self._params()["dtype"]))
        self.initialize(X.shape[1])
        n = X.shape[0]
        bs = min(self.batch_size, n)
        n_batches = -(-n // bs)
        report_every = max(1, n_batches // 20)
        for epoch in range(self.n_epochs):
            backup = self._learned_copy()
            order = self._rng.permutation(n)
            errors = []
            with self._training():
                for i in range(n_batches):
                    idx = order[i * bs:(i + 1) * bs]
                    v0 = self._batch_rows(len(idx))
                    np.take(X, idx, axis=0, out=v0)
                    # CD gets the error for free; the chain methods pay one product for it, so sample it
                    want = self.method == "cd" or i % 20 == 0
                    error = self._step(v0, want)
                    if want:
                        errors.append(error)
                    if (i + 1) % report_every == 0 and i + 1 < n_batches:
                        yield (epoch + (i + 1) / n_batches) / self.n_epochs, f"epoch {epoch + 1}/{self.n_epochs}"
            self._check_diverged(backup)
            self.epoch_ += 1
            self.reconstruction_errors_.append(float(np.mean(errors)))
            yield (epoch + 1) / self.n_epochs, f"epoch {epoch + 1}/{self.n_epochs}"
        return self

    def partial_fit(self, X, y=None) -> "RBM":
        """One pass over X in minibatches of ``batch_size`` (in the given order); initializes if needed."""
        self._params()
        if not self.is_fitted:
            self.initialize(self._check_X(X, reset=True, values=(0, 1)).shape[1])
        X = np.ascontiguousarray(self._check_v("X", X), dtype=self.dtype)
        backup = self._learned_copy()
        with self._training():
            for start in range(0, X.shape[0], self.batch_size):
                self._step(X[start:start + self.batch_size], False)
        self._check_diverged(backup)
        return self

    def _learned_copy(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name).copy() for name in _LEARNED}

    def _check_diverged(self, backup: dict[str, np.ndarray]) -> None:
        """After a pass: weights or biases non-finite or past ``DIVERGED_WEIGHT`` have diverged — put the
        parameters and velocities from before the pass back and say why."""
        try:
            check_bounded_state("weights", self.weights_, self.visible_bias_, self.hidden_bias_,
                                bound=DIVERGED_WEIGHT, at=f"at epoch {self.epoch_ + 1}",
                                hint=f"learning_rate={self.learning_rate:g} (momentum={self.momentum:g}) is too "
                                     f"large for this machine; try ≤ {self.learning_rate / 10:g}")
        except ValueError:
            for name, value in backup.items():
                getattr(self, name)[...] = value
            raise
