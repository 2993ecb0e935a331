"""Boltzmann machine with binary 0/1 units: ``BoltzmannMachine`` and the GUI model ``BoltzmannModel``.

E(s) = −Σ_{i<j} w_ij s_i s_j + Σ_i b_i s_i, p(s) = exp(−E(s)/T)/Z, p(s_i = 1) = 1/(1 + exp(−ΔE_i/T))
with ΔE_i = Σ_j w_ij s_j − b_i (seed 000 §3 "Boltzmann machine"; seed 001 "Boltzmann Machines").
Learning: w_ij += α(E_data[s_i s_j] − E_model[s_i s_j]), b_i −= α(E_data[s_i] − E_model[s_i]),
with exact statistics (enumeration, up to 20 units) or persistent Gibbs chains.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.kernels.random import seed_state
from engine.kernels.sampling import gibbs_sweeps
from engine.model import History, Model, Snapshot, ViewSpec, param, rng_from_state_array, rng_state_array
from engine.models.shared import EXACT_MAX_UNITS, all_binary_states
from engine.validation import (check_array, check_bounded_state, check_choice, check_data, check_float, check_int,
                               check_kernel_rng_state, check_seed, state_entry, state_int)

METHODS = ("exact", "gibbs")
PRESETS = ("letters_TULH", "seed_3unit")
# |w| past this is a run-away rate, not learning: at T ≥ 0.05 a weight of 1e6 already fixes every unit
DIVERGED_WEIGHT = 1e6
TABLE_MAX_UNITS = 6  # a table of every state is read row by row: 64 rows at most

# The seed's 3×3 letters (seed 000 `10.Boltzmann.py`) and their corrupted probes.
SEED_LETTERS = np.array([[1, 1, 1, 0, 1, 0, 0, 1, 0],   # T
                         [1, 0, 1, 1, 0, 1, 1, 1, 1],   # U
                         [1, 0, 0, 1, 0, 0, 1, 1, 1],   # L
                         [1, 0, 1, 1, 1, 1, 1, 0, 1]],  # H
                        dtype=np.uint8)
# The seed's 3-unit example (seed 000 §3-2): weights, biases and its 10 training vectors.
SEED_3UNIT_WEIGHTS = np.array([[0.0, 0.2, 0.1], [0.2, 0.0, 0.3], [0.1, 0.3, 0.0]])
SEED_3UNIT_BIAS = np.ones(3)
SEED_3UNIT_DATA = np.array([[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 0, 0],
                            [1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 1, 0], [0, 0, 1]], dtype=np.uint8)


def _letters_tulh() -> np.ndarray:
    """T, U, L, H as (4, 9) uint8, from engine.datasets when present (same pixels as the seed)."""
    try:
        from engine.datasets import letters
        out = letters("TULH", size=3).reshape(4, 9).astype(np.uint8)
        if out.shape == (4, 9):
            return out
    except (ImportError, ValueError):
        pass
    return SEED_LETTERS.copy()


class BoltzmannMachine:
    """A fully connected Boltzmann machine of n_visible + n_hidden binary units (visible first)."""

    def __init__(self, n_visible: int, n_hidden: int = 0, T: float = 1.0, seed: int | None = None,
                 weight_scale: float = 0.1):
        self.n_visible = check_int("n_visible", n_visible, 1, 4096)
        self.n_hidden = check_int("n_hidden", n_hidden, 0, 4096)
        self.T = check_float("T", T, 0.0, lo_open=True)
        seed = check_seed(seed)
        weight_scale = check_float("weight_scale", weight_scale, 0.0)
        self.rng = np.random.default_rng(seed)
        n = self.n_units
        w = self.rng.normal(0.0, weight_scale, size=(n, n))
        w = np.triu(w, 1)
        self._W = w + w.T
        self._b = np.zeros(n)
        self._kernel_state = seed_state(int(self.rng.integers(1, 2 ** 62)))
        self._chains: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.n_visible + self.n_hidden

    @property
    def W(self) -> np.ndarray:
        """A copy of the (n, n) symmetric, zero-diagonal weights."""
        return self._W.copy()

    @property
    def b(self) -> np.ndarray:
        """A copy of the (n,) biases (the energy's +b_i s_i term)."""
        return self._b.copy()

    def set_weights(self, W: Any, b: Any) -> None:
        """Set W (n, n) symmetric with zero diagonal and b (n,)."""
        n = self.n_units
        W = check_array("W", W, shape=(n, n))
        b = check_array("b", b, shape=(n,))
        if not np.allclose(W, W.T, atol=1e-12):
            raise ValueError("W must be symmetric (W == W.T)")
        if np.any(np.diag(W) != 0):
            raise ValueError(f"W must have a zero diagonal, got {np.diag(W).tolist()}")
        self._W = W.copy()
        self._b = b.copy()

    def sampler_state(self) -> dict[str, np.ndarray]:
        """Copies of what the sampling resumes from: the kernel generator's words, the numpy
        generator's (random starts of complete/sample) and, once Gibbs learning ran, its chains."""
        out = {"kernel_rng": self._kernel_state.copy(), "numpy_rng": rng_state_array(self.rng)}
        if self._chains is not None:
            out["chains"] = self._chains.copy()
        return out

    def set_sampler_state(self, kernel_rng: Any, chains: Any = None, numpy_rng: Any = None) -> None:
        """Restore ``sampler_state``'s entries (validated; no chains: Gibbs learning starts new ones;
        no numpy_rng, as in sessions saved by 0.1.0: the generator seeded at construction stays)."""
        words = check_kernel_rng_state("kernel_rng", kernel_rng)
        if chains is not None:
            chains = self._states("chains", chains, min_rows=1).copy()
        rng = rng_from_state_array(numpy_rng, "state['numpy_rng']") if numpy_rng is not None else self.rng
        self._kernel_state = words
        self._chains = chains
        self.rng = rng

    def _states(self, name: str, states: Any, width: int | None = None, min_rows: int = 0) -> np.ndarray:
        """Rows of 0/1 unit states (k, width) as uint8; one state (width,) is one row."""
        width = self.n_units if width is None else width
        return check_data(name, states, n_features=width, values="binary", allow_1d=True, dtype=np.uint8,
                          min_samples=min_rows)

    def _temperature(self, T: Any) -> float:
        return self.T if T is None else check_float("T", T, 0.0, lo_open=True)

    def _check_enumerable(self) -> None:
        if self.n_units > EXACT_MAX_UNITS:
            raise ValueError(f"exact enumeration needs at most {EXACT_MAX_UNITS} units, "
                             f"this machine has {self.n_units}")

    # -- energies and exact distributions -----------------------------------
    def energy(self, states: Any) -> np.ndarray:
        """E(s) = −Σ_{i<j} w_ij s_i s_j + Σ_i b_i s_i for each row of ``states``."""
        s = self._states("states", states).astype(np.float64)
        # sᵀWs through one BLAS product: a three-operand einsum loops in C without BLAS, and over the
        # 2¹⁷ states of 9 visible + 8 hidden units it made one step 0.6 s (too long to interrupt)
        return -0.5 * np.sum((s @ self._W) * s, axis=1) + s @ self._b

    def exact_distribution(self, T: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
        """(states (2**n, n) uint8, p(s) (2**n,), Z) by enumeration; n ≤ 20 units."""
        self._check_enumerable()
        states = all_binary_states(self.n_units)
        return (states, *_boltzmann_distribution(self.energy(states), self._temperature(T)))

    def log_partition(self, T: float | None = None) -> float:
        """log Z (stable for large weights)."""
        self._check_enumerable()
        states = all_binary_states(self.n_units)
        log_w = -self.energy(states) / self._temperature(T)
        top = log_w.max()
        return float(top + np.log(np.exp(log_w - top).sum()))

    def marginals(self, T: float | None = None) -> np.ndarray:
        """Exact p(s_i = 1) for every unit."""
        states, p, _ = self.exact_distribution(T)
        return p @ states

    def visible_distribution(self, T: float | None = None) -> np.ndarray:
        """Exact p(v) over the 2**n_visible visible states (hidden units summed out)."""
        _, p, _ = self.exact_distribution(T)
        return p.reshape(2 ** self.n_visible, 2 ** self.n_hidden).sum(axis=1)

    def model_statistics(self, T: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Exact E_model[s_i s_j] (n, n) and E_model[s_i] (n,)."""
        states, p, _ = self.exact_distribution(T)
        s = states.astype(np.float64)
        return s.T @ (p[:, None] * s), p @ s

    def data_statistics(self, data: Any, T: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """E_data[s_i s_j] and E_data[s_i] with visible units clamped to ``data``; hidden exact."""
        v = self._states("data", data, self.n_visible, min_rows=1).astype(np.float64)
        if self.n_hidden == 0:
            return v.T @ v / len(v), v.mean(axis=0)
        if self.n_hidden > EXACT_MAX_UNITS:
            raise ValueError(f"exact hidden statistics need at most {EXACT_MAX_UNITS} hidden units, "
                             f"got {self.n_hidden}")
        T = self._temperature(T)
        hidden = all_binary_states(self.n_hidden).astype(np.float64)
        nv = self.n_visible
        W_vh, W_hh, b_h = self._W[:nv, nv:], self._W[nv:, nv:], self._b[nv:]
        # −E(v, h)/T up to terms in v alone: h·(W_hv v) + ½ h W_hh h − b_h·h
        base = (0.5 * np.einsum("ki,ij,kj->k", hidden, W_hh, hidden) - hidden @ b_h)
        log_q = (v @ W_vh @ hidden.T + base[None, :]) / T            # (N, 2**nh)
        log_q -= log_q.max(axis=1, keepdims=True)
        q = np.exp(log_q)
        q /= q.sum(axis=1, keepdims=True)
        eh = q @ hidden                                              # E[h | v]
        n = self.n_units
        ss = np.zeros((n, n))
        ss[:nv, :nv] = v.T @ v
        ss[:nv, nv:] = v.T @ eh
        ss[nv:, :nv] = ss[:nv, nv:].T
        ss[nv:, nv:] = np.einsum("kh,hi,hj->ij", q, hidden, hidden)
        s_mean = np.concatenate([v.mean(axis=0), eh.mean(axis=0)])
        return ss / len(v), s_mean

    def data_distribution(self, data: Any) -> np.ndarray:
        """Empirical p(v) of ``data`` over the 2**n_visible visible states (table order)."""
        v = self._states("data", data, self.n_visible, min_rows=1)
        if self.n_visible > EXACT_MAX_UNITS:
            raise ValueError(f"n_visible must be ≤ {EXACT_MAX_UNITS} for a distribution, got {self.n_visible}")
        codes = v.astype(np.int64) @ (1 << np.arange(self.n_visible - 1, -1, -1, dtype=np.int64))
        return np.bincount(codes, minlength=2 ** self.n_visible) / len(v)

    def kl_divergence(self, data: Any) -> float:
        """KL(p_data ‖ p_model) over visible states, exact (nats)."""
        return _kl(self.data_distribution(data), self.visible_distribution())

    def log_likelihood(self, data: Any) -> float:
        """Mean log p(v) of the data rows under the model (exact)."""
        return _loglik(self.data_distribution(data), self.visible_distribution())

    # -- sampling ------------------------------------------------------------
    def gibbs(self, states: Any, n_sweeps: int = 1, T: float | None = None, clamp: Any = None) -> np.ndarray:
        """Run Gibbs sweeps from ``states`` (k, n); units where ``clamp`` is True stay fixed. Returns new states."""
        s = self._states("states", states).copy()
        n_sweeps = check_int("n_sweeps", n_sweeps, 0, 10 ** 7)
        free = self._free_mask(clamp)
        gibbs_sweeps(s, self._W, self._b, self._temperature(T), n_sweeps, free, self._kernel_state)
        return s

    def _free_mask(self, clamp: Any) -> np.ndarray:
        if clamp is None:
            return np.ones(self.n_units, dtype=np.uint8)
        c = check_array("clamp", clamp, shape=(self.n_units,), dtype=bool, values="binary")
        return (~c).astype(np.uint8)

    def anneal(self, state: Any, clamp: Any = None, T_start: float = 4.0, T_end: float | None = None,
               n_temperatures: int = 30, sweeps_per_temperature: int = 5) -> np.ndarray:
        """Simulated annealing from T_start down to T_end (geometric schedule) with clamped units."""
        T_start = check_float("T_start", T_start, 0.0, lo_open=True)
        T_end = self._temperature(T_end)
        n_temperatures = check_int("n_temperatures", n_temperatures, 1, 100000)
        sweeps_per_temperature = check_int("sweeps_per_temperature", sweeps_per_temperature, 1, 100000)
        s = self._states("state", state).copy()
        free = self._free_mask(clamp)
        for T in np.geomspace(T_start, T_end, n_temperatures):
            gibbs_sweeps(s, self._W, self._b, float(T), sweeps_per_temperature, free, self._kernel_state)
        return s

    def complete(self, probe: Any, known: Any, **anneal_options) -> np.ndarray:
        """Clamp the known visible units of ``probe``, anneal the rest; returns the visible units (n_visible,)."""
        v = self._states("probe", probe, self.n_visible)
        if v.shape[0] != 1:
            raise ValueError(f"probe must be one pattern of {self.n_visible} units, got shape {np.shape(probe)}")
        known = check_array("known", known, shape=(self.n_visible,), dtype=bool, values="binary")
        start = np.zeros((1, self.n_units), dtype=np.uint8)
        start[0, :self.n_visible] = v[0]
        start[0, :self.n_visible][~known] = self.rng.integers(0, 2, size=int((~known).sum()), dtype=np.uint8)
        start[0, self.n_visible:] = self.rng.integers(0, 2, size=self.n_hidden, dtype=np.uint8)
        clamp = np.zeros(self.n_units, dtype=bool)
        clamp[:self.n_visible] = known
        return self.anneal(start, clamp, **anneal_options)[0, :self.n_visible].copy()

    # -- learning --------------------------------------------------------------
    def learn_step(self, data: Any, learning_rate: float = 0.1, method: str = "exact",
                   n_chains: int = 100, n_sweeps: int = 1) -> None:
        """One gradient step w_ij += α(E_data − E_model) on ``data`` (k, n_visible) 0/1.

        A step that would leave the weights non-finite or past ``DIVERGED_WEIGHT`` raises ValueError
        and changes nothing."""
        self._learn(data, learning_rate, method, n_chains, n_sweeps, at="")

    def _learn(self, data: Any, learning_rate: float, method: str, n_chains: int, n_sweeps: int, at: str) -> None:
        lr = check_float("learning_rate", learning_rate, 0.0)
        check_choice("method", method, METHODS)
        ss_data, s_data = self.data_statistics(data)
        if method == "exact":
            ss_model, s_model = self.model_statistics()
        else:
            n_chains = check_int("n_chains", n_chains, 1, 100000)
            n_sweeps = check_int("n_sweeps", n_sweeps, 1, 100000)
            if self._chains is None or self._chains.shape != (n_chains, self.n_units):
                self._chains = self.rng.integers(0, 2, size=(n_chains, self.n_units), dtype=np.uint8)
            gibbs_sweeps(self._chains, self._W, self._b, self.T, n_sweeps,
                         np.ones(self.n_units, dtype=np.uint8), self._kernel_state)
            s = self._chains.astype(np.float64)
            ss_model, s_model = s.T @ s / len(s), s.mean(axis=0)
        dW = lr * (ss_data - ss_model)
        np.fill_diagonal(dW, 0.0)
        W = self._W + 0.5 * (dW + dW.T)
        b = self._b - lr * (s_data - s_model)
        check_bounded_state("weights", W, b, bound=DIVERGED_WEIGHT, at=at,
                            hint=f"learning_rate={lr:g} is too large for this machine; try ≤ {lr / 10:g}")
        self._W[...] = W
        self._b[...] = b

    def fit(self, data: Any, epochs: int = 100, learning_rate: float = 0.1, method: str = "exact",
            n_chains: int = 100, n_sweeps: int = 1) -> "BoltzmannMachine":
        """``epochs`` full-batch gradient steps; returns self."""
        epochs = check_int("epochs", epochs, 0, 10 ** 7)
        for epoch in range(epochs):
            self._learn(data, learning_rate, method, n_chains, n_sweeps, at=f"at epoch {epoch + 1}")
        return self


def _boltzmann_distribution(energies: np.ndarray, T: float) -> tuple[np.ndarray, float]:
    """(p(s) ∝ exp(−E(s)/T), Z), stable for large energies."""
    log_w = -energies / T
    top = log_w.max()
    w = np.exp(log_w - top)
    z_scaled = w.sum()
    return w / z_scaled, float(np.exp(top) * z_scaled)


def _kl(pd: np.ndarray, pm: np.ndarray) -> float:
    """KL(pd ‖ pm) in nats over the states where pd > 0."""
    on = pd > 0
    return float(np.sum(pd[on] * (np.log(pd[on]) - np.log(np.maximum(pm[on], 1e-300)))))


def _loglik(pd: np.ndarray, pm: np.ndarray) -> float:
    """Σ pd·log pm over the states where pd > 0."""
    on = pd > 0
    return float(np.sum(pd[on] * np.log(np.maximum(pm[on], 1e-300))))


# --------------------------------------------------------------------------- GUI / CLI model
@dataclass(frozen=True)
class BoltzmannParams:
    preset: str = param("letters_TULH", label="preset", choices=PRESETS, live=False,
                        help="letters_TULH: learn the seed's 3×3 letters; seed_3unit: the seed's 3-unit "
                             "table (w12=0.2, w13=0.1, w23=0.3, b=1, T=1) and its 10 training vectors")
    n_hidden: int = param(2, label="hidden units", min=0, max=8, live=False,
                          help="hidden units (letters preset only; the 3-unit table has none)")
    T: float = param(1.0, label="temperature T", min=0.05, max=10.0, step=0.05)
    learning_rate: float = param(0.5, label="learning rate α", min=0.0, max=5.0, step=0.01,
                                 help="α at epoch 0; epoch t learns with α_t = α/(1 + t/τ) (see rate decay τ). "
                                      "0 freezes the weights (the table stays as the seed prints it)")
    lr_decay: float = param(200.0, label="rate decay τ (epochs)", min=0.0, max=1e6, step=10.0,
                            help="α_t = α/(1 + t/τ): the rate halves by epoch τ. Why: fitting the letters "
                                 "makes the weights grow, and a fixed α = 0.5 soon overshoots — KL fell "
                                 "3.4 → 0.3 by epoch 90, then swung between 0.17 and 0.6 up to epoch 500. "
                                 "Decaying from 0.5 (τ = 200) keeps the fast start and KL falls steadily "
                                 "(0.11 at epoch 500, never rising); it also averages out the noise of "
                                 "Gibbs statistics. 0 = a constant α")
    method: str = param("exact", label="statistics", choices=METHODS, group="rule",
                        help="exact enumeration of E_model, or persistent Gibbs chains")
    n_chains: int = param(100, label="Gibbs chains", min=1, max=10000)
    n_corrupt: int = param(2, label="units to erase", min=1, max=8,
                           help="how many visible units 'corrupt' erases")
    anneal_T_start: float = param(4.0, label="annealing start T", min=0.1, max=50.0)
    anneal_steps: int = param(30, label="annealing temperatures", min=1, max=1000)


class BoltzmannModel(Model):
    """Boltzmann machine for the GUI and the CLI; one step is one full-batch learning epoch."""

    name = "boltzmann"
    title = "Boltzmann"
    unit = "epoch"
    Params = BoltzmannParams

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._build()

    def _new_machine(self, seed: int | None = None) -> BoltzmannMachine:
        p = self.params
        seed = self.kernel_seed() if seed is None else seed
        if p.preset == "seed_3unit":
            machine = BoltzmannMachine(3, 0, T=p.T, seed=seed)
            machine.set_weights(SEED_3UNIT_WEIGHTS, SEED_3UNIT_BIAS)
            return machine
        return BoltzmannMachine(9, p.n_hidden, T=p.T, seed=seed)

    def _build(self, machine: BoltzmannMachine | None = None) -> None:
        """Fresh state for the preset, around ``machine`` (a new one when None)."""
        if self.params.preset == "seed_3unit":
            self.data = SEED_3UNIT_DATA.copy()
            self.image_shape = (1, 3)
        else:
            self.data = _letters_tulh()
            self.image_shape = (3, 3)
        self.machine = self._new_machine() if machine is None else machine
        self.kl_history = History(20000)
        self.loglik_history = History(20000)
        nv = self.machine.n_visible
        self.display = self.data[0].astype(np.float64)       # what the "visible" view shows
        self.hidden_state = np.zeros(self.machine.n_hidden, dtype=np.uint8)
        self.known = np.ones(nv, dtype=bool)
        self.probe_index = 0
        self.completion_correct = float("nan")
        self._refresh()

    def _refresh(self) -> None:
        # Exact quantities are computed once per step (not in snapshot), for nets this small.
        m = self.machine
        m._check_enumerable()
        states = all_binary_states(m.n_units)
        self._energies = m.energy(states)   # once: the distribution below is made from them
        p, Z = _boltzmann_distribution(self._energies, m.T)
        self._boltzmann = np.exp(-self._energies / m.T)
        self._p = p
        self._Z = Z
        self._p_visible = p.reshape(2 ** m.n_visible, 2 ** m.n_hidden).sum(axis=1)
        self._p_data = m.data_distribution(self.data)
        self._kl = _kl(self._p_data, self._p_visible)   # from the distribution above, not enumerated again
        self._loglik = _loglik(self._p_data, self._p_visible)

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old, new) -> None:
        if old.preset != new.preset or old.n_hidden != new.n_hidden:
            self.reset()
            return
        self.machine.T = new.T
        self._refresh()

    def step(self, n: int = 1) -> None:
        n = check_int("n", n, 0)
        p = self.params
        for _ in range(n):
            self.machine.learn_step(self.data, self.learning_rate_now(), p.method, p.n_chains, 1)
            self._refresh()
            self.kl_history.append(self._kl)
            self.loglik_history.append(self._loglik)
            self.t += 1

    def learning_rate_now(self) -> float:
        """α_t = α/(1 + t/τ) for the next epoch t (τ = lr_decay; τ = 0: constant α)."""
        p = self.params
        return p.learning_rate if p.lr_decay == 0 else p.learning_rate / (1.0 + self.t / p.lr_decay)

    # -- actions -----------------------------------------------------------------
    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("corrupt", "Corrupt", "erase some units of the next stored pattern (shown grey)"),
                ("complete", "Complete", "clamp the known units and anneal the rest"),
                ("sample", "Sample", "draw a state from the model by annealing to T")]

    def corrupt(self) -> None:
        """Take the next stored pattern and erase ``n_corrupt`` random visible units."""
        nv = self.machine.n_visible
        self.probe_index = (self.probe_index + 1) % len(self.data)
        k = min(self.params.n_corrupt, nv - 1)
        erased = self.rng.choice(nv, size=k, replace=False)
        self.known = np.ones(nv, dtype=bool)
        self.known[erased] = False
        self.display = self.data[self.probe_index].astype(np.float64)
        self.display[erased] = 0.5
        self.completion_correct = float("nan")

    def complete(self) -> None:
        """Clamp the known units of the probe and anneal the rest down to T; show the result."""
        if self.known.all():
            self.corrupt()
        p = self.params
        probe = self.data[self.probe_index].copy()
        probe[~self.known] = 0
        result = self.machine.complete(probe, self.known, T_start=max(p.anneal_T_start, p.T), T_end=p.T,
                                       n_temperatures=p.anneal_steps, sweeps_per_temperature=5)
        self.display = result.astype(np.float64)
        self.completion_correct = float(np.array_equal(result, self.data[self.probe_index]))
        self.known = np.ones_like(self.known)

    def sample(self) -> None:
        """A state drawn by annealing all units down to T (a 'fantasy')."""
        m = self.machine
        start = self.rng.integers(0, 2, size=(1, m.n_units), dtype=np.uint8)
        p = self.params
        s = m.anneal(start, None, T_start=max(p.anneal_T_start, p.T), T_end=p.T,
                     n_temperatures=p.anneal_steps, sweeps_per_temperature=5)[0]
        self.display = s[:m.n_visible].astype(np.float64)
        self.hidden_state = s[m.n_visible:].copy()
        self.completion_correct = float("nan")

    # -- drawing -------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        m = self.machine
        data = {
            "visible": self.display.reshape(self.image_shape).copy(),
            "hidden": self.hidden_state.astype(np.float64).reshape(1, -1).copy(),
            "weights": m.W,
            "bias": m.b,
            "kl": self.kl_history.array(),
            "log_likelihood": self.loglik_history.array(),
            "p_data_model": np.vstack([self._p_data, self._p_visible]),
            "state_energy": self._energies.copy(),
            "state_boltzmann_factor": self._boltzmann.copy(),
            "state_p": self._p.copy(),
            "Z": self._Z, "KL": self._kl, "mean_log_likelihood": self._loglik,
            "learning_rate_now": self.learning_rate_now(),
            "completion_correct": self.completion_correct,
        }
        if m.n_units <= TABLE_MAX_UNITS:  # the seed's table (§3-2), row by row, as the table view shows it
            states = all_binary_states(m.n_units)
            data["state_table"] = np.column_stack([self._energies, self._boltzmann, self._p])
            data["state_names"] = np.array(["".join(str(int(x)) for x in bits) for bits in states])
        if m.n_units <= 4:  # and one scalar per row, for scripts
            for code, bits in enumerate(all_binary_states(m.n_units)):
                name = "".join(str(int(x)) for x in bits)
                data[f"E({name})"] = float(self._energies[code])
                data[f"exp(-E)({name})"] = float(self._boltzmann[code])
                data[f"p({name})"] = float(self._p[code])
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def views(self) -> list[ViewSpec]:
        """Hidden units only when the machine has some; the state table only for nets small enough
        to print one (up to 6 units: the seed's 3-unit table)."""
        m = self.machine
        views = [ViewSpec("visible", "lattice", "Visible units (grey = unknown)", colormap="gray", main=True)]
        if m.n_hidden:
            views.append(ViewSpec("hidden", "lattice", "Hidden units", colormap="gray"))
        views += [
            ViewSpec("weights", "heatmap", "Weights w_ij", colormap="diverging"),
            ViewSpec("kl", "curve", "KL(data ‖ model)", x_label="epoch", y_label="nats",
                     series=(), labels=("KL",)),
            ViewSpec("p_data_model", "bars", "p(v): data against model", labels=("data", "model")),
            ViewSpec("state_p", "bars", "p(s) of every state (table order)", labels=("p(s)",)),
        ]
        if m.n_units <= TABLE_MAX_UNITS:
            views.append(ViewSpec("state_table", "table", "Every state: E(s), exp(−E), p(s) = exp(−E)/Z",
                                  extra={"columns": ("E(s)", "exp(−E(s))", "p(s)"), "row_labels_key": "state_names",
                                         "footer_key": "Z", "footer_label": "Z", "digits": 5}))
        return views

    # -- save / load -----------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        m = self.machine
        out = {"weights": m.W, "bias": m.b,
               "display": self.display.copy(), "hidden_state": self.hidden_state.copy(),
               "known": self.known.copy(), "probe_index": np.array(self.probe_index, dtype=np.int64),
               "completion_correct": np.array(self.completion_correct),
               "kl_history": self.kl_history.array(), "loglik_history": self.loglik_history.array()}
        out.update(m.sampler_state())  # kernel_rng, and chains once Gibbs learning ran
        return out

    def load_extra_state(self, state) -> None:
        # Everything is checked on a new machine and in locals first: a refusal keeps the model as it
        # was, its generator included (so the machine's seed is drawn from a copy: the same seed as
        # kernel_seed() would give, which seeds the machine's unsaved generator as before).
        machine = self._new_machine(int(copy.deepcopy(self.rng).integers(1, 2**62)))
        nv, nh = machine.n_visible, machine.n_hidden
        n = machine.n_units
        machine.set_weights(state_entry(state, "weights", shape=(n, n)), state_entry(state, "bias", shape=(n,)))
        machine.set_sampler_state(state_entry(state, "kernel_rng", dtype=None),
                                  state_entry(state, "chains", shape=(None, n), dtype=None)
                                  if "chains" in state else None,
                                  state_entry(state, "numpy_rng", dtype=None) if "numpy_rng" in state else None)
        display = state_entry(state, "display", shape=(nv,), values=(0, 1), copy=True)  # 0.5: unknown
        hidden = state_entry(state, "hidden_state", shape=(nh,), dtype=np.uint8, values="binary", copy=True)
        known = state_entry(state, "known", shape=(nv,), dtype=bool, values="binary", copy=True)
        n_data = len(SEED_3UNIT_DATA) if self.params.preset == "seed_3unit" else len(SEED_LETTERS)
        probe_index = state_int(state, "probe_index", 0, n_data - 1)
        # NaN until a completion was tried, then 0 or 1
        correct = float(state_entry(state, "completion_correct", shape=(), finite=False, values=(0, 1)))
        kl = state_entry(state, "kl_history", ndim=1)
        loglik = state_entry(state, "loglik_history", shape=kl.shape)
        self._build(machine)
        self.display, self.hidden_state, self.known = display, hidden, known
        self.probe_index, self.completion_correct = probe_index, correct
        self.kl_history.load(kl)
        self.loglik_history.load(loglik)
