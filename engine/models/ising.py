"""2-D Ising model: the scientific class ``Ising`` and the GUI/CLI model ``IsingModel``.

E(s) = −J Σ_<ij> s_i s_j − h Σ_i s_i on an L×L periodic lattice of int8 ±1 spins
(seed 000 §2-4, seed 001 "Isomorphism between the Hopfield and Ising models").
One step is one sweep: L² flip attempts (Metropolis, checkerboard, heat-bath) or Wolff
clusters until L² sites were visited. Exact results of Onsager are in ``onsager_*``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import interrupt
from engine.kernels import lattice as K
from engine.kernels.random import seed_state
from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import (check_array, check_choice, check_float, check_int, check_kernel_rng_state,
                               check_seed, state_entry, state_int)

ALGORITHMS = ("metropolis", "checkerboard", "heatbath", "wolff")
WOLFF_MAX_VISITS = 4  # a Wolff sweep stops after 4·L² visited sites even if its clusters are not done
# Site updates per kernel call (tens of ms): a step of many sweeps, or a Wolff sweep of a 2048² lattice,
# is cut into calls of about this much work, with a stop check between them (engine/interrupt.py)
SITES_PER_CALL = 1 << 22
WOLFF_VISITS_PER_CALL = 1 << 19   # Wolff sites taken off a cluster's queue per call (a draw per bond: ~50 ms)
STARTS = ("hot", "cold", "pattern")
T_CRITICAL = 2.0 / math.log(1.0 + math.sqrt(2.0))  # for J = 1
L_MIN, L_MAX = 2, 2048


# --------------------------------------------------------------------------- exact results
def critical_temperature(J: float = 1.0) -> float:
    """Onsager's T_c = 2J / ln(1 + √2) of the square-lattice Ising model."""
    J = check_float("J", J, 0.0, lo_open=True)
    return 2.0 * J / math.log(1.0 + math.sqrt(2.0))


def onsager_magnetization(T, J: float = 1.0) -> np.ndarray:
    """Spontaneous magnetisation (1 − sinh(2J/T)⁻⁴)^(1/8) below T_c, 0 above (h = 0)."""
    T, J = _onsager_args(T, J)
    x = 1.0 - np.sinh(2.0 * J / T) ** -4.0
    return np.where(x > 0, np.abs(x) ** 0.125, 0.0)


def onsager_energy(T, J: float = 1.0) -> np.ndarray:
    """Exact energy per spin at h = 0: −J coth(2βJ)[1 + (2/π)(2 tanh²(2βJ) − 1) K(k²)]."""
    from scipy.special import ellipk  # scipy comes with scikit-learn
    T, J = _onsager_args(T, J)
    b = 2.0 * J / T
    k = 2.0 * np.sinh(b) / np.cosh(b) ** 2
    m = np.minimum(k * k, 1.0 - 1e-16)  # K diverges (logarithmically, integrably) at T_c
    return -J / np.tanh(b) * (1.0 + (2.0 / np.pi) * (2.0 * np.tanh(b) ** 2 - 1.0) * ellipk(m))


def _onsager_args(T: Any, J: Any) -> tuple[np.ndarray, float]:
    # Onsager's results are for a ferromagnet at positive temperatures
    T = check_array("T", T, dtype=np.float64)
    if np.any(T <= 0):
        raise ValueError(f"T must be > 0, got min {float(np.min(T))!r}")
    return T, check_float("J", J, 0.0, lo_open=True)


def window_observables(energy: np.ndarray, magnetization: np.ndarray, T: float, n_sites: int) -> dict:
    """Means and fluctuations over a window of per-sweep E/spin and M/spin.

    C = N(⟨e²⟩ − ⟨e⟩²)/T², χ = N(⟨m²⟩ − ⟨|m|⟩²)/T (|m|: a finite lattice flips as a whole),
    Binder U = 1 − ⟨m⁴⟩/(3⟨m²⟩²).
    """
    e = np.asarray(energy, dtype=np.float64)
    m = np.asarray(magnetization, dtype=np.float64)
    if e.shape != m.shape or e.ndim != 1:
        raise ValueError(f"energy and magnetization must be 1-D of the same length, got {e.shape} and {m.shape}")
    T = check_float("T", T, 0.0, lo_open=True)
    if e.size == 0:
        nan = float("nan")
        return dict(E=nan, M=nan, absM=nan, C=nan, chi=nan, binder=nan)
    am = np.abs(m)
    m2 = float(np.mean(m * m))
    return dict(E=float(e.mean()), M=float(m.mean()), absM=float(am.mean()),
                C=float(n_sites * e.var() / T ** 2),
                chi=float(n_sites * (m2 - am.mean() ** 2) / T),
                binder=float(1.0 - np.mean(m ** 4) / (3.0 * m2 * m2)) if m2 > 0 else float("nan"))


def as_spins(name: str, array: Any, L: int) -> np.ndarray:
    """An (L, L) int8 ±1 copy of ``array`` (accepts ±1, 0/1 or booleans); ValueError names ``name``."""
    a = check_array(name, array, shape=(L, L), dtype=None)
    values = np.unique(a)
    if np.all(np.isin(values, (-1, 1))):
        return a.astype(np.int8)
    if np.all(np.isin(values, (0, 1))):
        return np.where(a > 0, 1, -1).astype(np.int8)
    raise ValueError(f"{name} must hold ±1 (or 0/1) values, got {values[:6].tolist()}")


def default_pattern(L: int) -> np.ndarray:
    """A disc of up spins in a sea of down spins: shows a droplet shrinking or growing."""
    L = check_int("L", L, L_MIN, L_MAX)
    y, x = np.mgrid[0:L, 0:L]
    r = (x - (L - 1) / 2.0) ** 2 + (y - (L - 1) / 2.0) ** 2
    return np.where(r <= (L / 4.0) ** 2, 1, -1).astype(np.int8)


# --------------------------------------------------------------------------- scientific API
class Ising:
    """An L×L periodic Ising lattice with coupling J, field h and temperature T.

    >>> m = Ising(L=64, T=2.0, algorithm="checkerboard", seed=0); m.step(100)
    """

    def __init__(self, L: int = 64, T: float = 2.0, J: float = 1.0, h: float = 0.0,
                 algorithm: str = "checkerboard", start: str = "hot", seed: int | None = None,
                 pattern: Any = None, history_cap: int = 20000):
        self._L = check_int("L", L, L_MIN, L_MAX)
        self._T = check_float("T", T, 0.0, lo_open=True)
        self._J = check_float("J", J)
        self._h = check_float("h", h)
        self._algorithm = _check_algorithm(algorithm, self._J)
        self.start = check_choice("start", start, STARTS)
        history_cap = check_int("history_cap", history_cap, 2)
        self.pattern = None if pattern is None else as_spins("pattern", pattern, self._L)
        self.energy_history = History(history_cap)
        self.magnetization_history = History(history_cap)
        n = self._L * self._L
        self._black = np.empty((self._L, self._L // 2), dtype=np.int8)
        self._white = np.empty((self._L, self._L // 2), dtype=np.int8)
        self._queue = np.empty(n, dtype=np.int64)
        self._mark = np.zeros(n, dtype=np.int64)
        self._wolff_key = None
        self._wolff_per_sweep = 1
        self.wolff_sites_per_sweep = 0.0   # sites the last Wolff step visited per sweep (≈ L²)
        self.reset(start=start, seed=seed)

    # -- properties --------------------------------------------------------
    @property
    def L(self) -> int:
        return self._L

    @property
    def T(self) -> float:
        return self._T

    @T.setter
    def T(self, value: float) -> None:
        self._T = check_float("T", value, 0.0, lo_open=True)

    @property
    def J(self) -> float:
        return self._J

    @J.setter
    def J(self, value: float) -> None:
        value = check_float("J", value)
        _check_algorithm(self._algorithm, value)
        self._J = value

    @property
    def h(self) -> float:
        return self._h

    @h.setter
    def h(self, value: float) -> None:
        self._h = check_float("h", value)

    @property
    def algorithm(self) -> str:
        return self._algorithm

    @algorithm.setter
    def algorithm(self, value: str) -> None:
        self._algorithm = _check_algorithm(value, self._J)

    def set_couplings(self, T: float, J: float, h: float, algorithm: str) -> None:
        """Change T, J, h and the algorithm together: all are checked before any changes (a refusal
        keeps the old values), so J and the algorithm can change in one go (J < 0 leaves Wolff)."""
        T, J, h = check_float("T", T, 0.0, lo_open=True), check_float("J", J), check_float("h", h)
        self._algorithm = _check_algorithm(algorithm, J)
        self._T, self._J, self._h = T, J, h

    @property
    def spins(self) -> np.ndarray:
        """A copy of the lattice, (L, L) int8 ±1."""
        return self._spins.copy()

    @property
    def rng_state(self) -> np.ndarray:
        """A copy of the kernel generator's xoshiro256** state (uint64[4])."""
        return self._rng_state.copy()

    # -- state -------------------------------------------------------------
    def reset(self, start: str | None = None, seed: int | None = None) -> None:
        """New lattice (hot: random, cold: all +1, pattern: the stored pattern); clears histories."""
        if start is not None:
            self.start = check_choice("start", start, STARTS)
        seed = check_seed(seed)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(2))
        self._rng_state = seed_state(seed)
        L = self._L
        if self.start == "hot":
            bits = np.random.default_rng(seed).integers(0, 2, size=(L, L), dtype=np.int8)
            self._spins = (2 * bits - 1).astype(np.int8)
        elif self.start == "cold":
            self._spins = np.ones((L, L), dtype=np.int8)
        else:
            self._spins = (self.pattern if self.pattern is not None else default_pattern(L)).copy()
        self.sweeps = 0
        self.energy_history.clear()
        self.magnetization_history.clear()

    def set_spins(self, array: Any) -> None:
        """Replace the lattice (the GUI's pattern editor); also becomes the 'pattern' start."""
        spins = as_spins("array", array, self._L)
        self._spins = spins
        self.pattern = spins.copy()

    def paint(self, index: Any, value: float) -> None:
        """Set the spins at flat indices ``index`` to +1 (value > 0) or −1."""
        idx = check_array("index", np.atleast_1d(index), ndim=1, dtype=None)
        if not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"index must be integers, got dtype {idx.dtype}")
        n = self._L ** 2
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"index must be in 0..{n - 1}, got {idx.min()}..{idx.max()}")
        self._spins.reshape(-1)[idx] = 1 if check_float("value", value) > 0 else -1

    @property
    def wolff_clusters_per_sweep(self) -> int:
        """Clusters per Wolff sweep measured for the current T, J, h; 0 while not measured."""
        return self._wolff_per_sweep if self._wolff_key == (self._T, self._J, self._h) else 0

    def set_state(self, spins: Any, rng_state: Any, sweeps: int, energy: Any, magnetization: Any,
                  wolff_clusters_per_sweep: int = 0) -> None:
        """Restore a saved lattice, generator, sweep count, histories and Wolff sweep length (validated)."""
        spins = as_spins("spins", spins, self._L)
        st = check_kernel_rng_state("rng_state", rng_state)
        sweeps = check_int("sweeps", sweeps, 0)
        e = check_array("energy", energy, ndim=1)
        m = check_array("magnetization", magnetization, ndim=1)
        if e.shape != m.shape:
            raise ValueError(f"energy and magnetization histories differ in length: {e.shape} vs {m.shape}")
        # a sweep visits about L² sites with clusters of at least one site each
        per_sweep = check_int("wolff_clusters_per_sweep", wolff_clusters_per_sweep, 0, self._L ** 2)
        self._spins = spins
        self._rng_state = st
        self.sweeps = sweeps
        self.energy_history.load(e)
        self.magnetization_history.load(m)
        if per_sweep > 0:
            self._wolff_per_sweep = per_sweep
            self._wolff_key = (self._T, self._J, self._h)

    # -- dynamics ----------------------------------------------------------
    def step(self, n_sweeps: int = 1) -> None:
        """Run ``n_sweeps`` sweeps of the current algorithm; record E and M after each. The sweeps go
        in kernel calls of about SITES_PER_CALL site updates, a stop check before each: an interrupted
        step keeps the sweeps done (a Wolff sweep split into parts keeps its clusters, uncounted)."""
        n = check_int("n_sweeps", n_sweeps, 0)
        chunk = 1 if self._wolff_in_parts() else max(1, SITES_PER_CALL // self._L ** 2)
        for start in range(0, n, chunk):
            interrupt.check()
            self._sweeps(min(chunk, n - start))

    def _sweeps(self, n: int) -> None:
        e = np.empty(n)
        m = np.empty(n)
        beta = 1.0 / self._T
        alg = self._algorithm
        if alg == "wolff":
            add = K.wolff_add_threshold(beta, self._J)
            per_sweep = self._wolff_clusters_per_sweep(add, beta)
            if self._wolff_in_parts():   # n is 1 (step's chunk)
                visited, clusters = self._wolff_sweep_in_parts(per_sweep, add, beta, e, m)
            else:
                visited, clusters = K.wolff_sweeps(self._spins, n, per_sweep, add, beta, self._h, self._rng_state,
                                                   self._queue, self._mark, self._J, e, m,
                                                   WOLFF_MAX_VISITS * self._L ** 2)
            self._recalibrate_wolff(visited, clusters, n)
        else:
            thr = K.flip_thresholds(beta, self._J, self._h, "heatbath" if alg == "heatbath" else "metropolis")
            if alg == "metropolis":
                K.random_site_sweeps(self._spins, n, thr, self._rng_state, self._J, self._h, e, m)
            elif self._L % 2 == 0:
                K.checkerboard_sweeps(self._spins, n, thr, self._rng_state, self._black, self._white,
                                      self._J, self._h, e, m)
            else:
                K.sequential_checkerboard_sweeps(self._spins, n, thr, self._rng_state, self._J, self._h, e, m)
        self.sweeps += n
        for x, y in zip(e.tolist(), m.tolist()):
            self.energy_history.append(x)
            self.magnetization_history.append(y)

    def _wolff_in_parts(self) -> bool:
        return self._algorithm == "wolff" and WOLFF_MAX_VISITS * self._L ** 2 > WOLFF_VISITS_PER_CALL

    def _wolff_sweep_in_parts(self, per_sweep: int, add: int, beta: float, e: np.ndarray,
                              m: np.ndarray) -> tuple[int, int]:
        """One Wolff sweep in parts (``_wolff_in_parts_of``), capped at WOLFF_MAX_VISITS·L² visits as
        in one call; its E and M into e[0], m[0]. Returns (visited, clusters)."""
        visited, clusters = self._wolff_in_parts_of(self._spins, self._rng_state, per_sweep,
                                                    WOLFF_MAX_VISITS * self._L ** 2, add, beta)
        e[0], m[0] = K.lattice_observables(self._spins, self._J, self._h)
        return visited, clusters

    def _wolff_in_parts_of(self, spins: np.ndarray, state: np.ndarray, n_clusters: int, max_visits: int,
                           add: int, beta: float) -> tuple[int, int]:
        """``n_clusters`` Wolff clusters on ``spins`` in kernel calls that each take at most
        WOLFF_VISITS_PER_CALL sites off the growth queue, a stop check before each: the same
        clusters and draws as one call. A cluster as big as the lattice (T = 1 on 2048², a third
        of a second) grows over several calls and is flipped when complete, so a stop request
        leaves the clusters completed and drops the one growing, unflipped (its draws spent).
        Returns (visited, clusters) of the completed clusters."""
        self._mark[:] = 0
        cluster = np.zeros(4, dtype=np.int64)   # the cluster growing between calls (see wolff_grow)
        visited = clusters = 0
        while True:
            interrupt.check()
            v, c = K.wolff_grow(spins, n_clusters - clusters, visited, max_visits, add, beta, self._h, state,
                                self._queue, self._mark, cluster, WOLFF_VISITS_PER_CALL)
            visited += v
            clusters += c
            if cluster[3] == 0:   # none growing: no more may start
                return visited, clusters

    def _recalibrate_wolff(self, visited: int, clusters: int, n_sweeps: int) -> None:
        # The mean cluster size changes as the lattice orders or melts (a count measured on a hot
        # lattice made an ordered one's sweep hundreds of L²; one measured cold, a tenth of L²):
        # the next call's count follows the clusters just grown, so a sweep stays about L² sites.
        # The count is fixed before each call, so states at sweep ends stay unbiased.
        self.wolff_sites_per_sweep = visited / n_sweeps
        if clusters:
            target = self._L ** 2 * clusters / max(visited, 1)
            self._wolff_per_sweep = int(min(self._L ** 2, max(1, round(target))))

    def _wolff_clusters_per_sweep(self, add: int, beta: float) -> int:
        # About L² sites per sweep: the mean cluster size is measured once per (T, J, h) by a
        # pilot run on copies (lattice and generator), so the real chain is untouched and a
        # sweep is a fixed number of clusters (unbiased, see wolff_sweeps).
        key = (self._T, self._J, self._h)
        if self._wolff_key != key:
            # in parts: on an ordered 2048² lattice each of the 30 clusters is the whole lattice
            pilot, pilot_state, n_pilot = self._spins.copy(), self._rng_state.copy(), 30
            visited, _ = self._wolff_in_parts_of(pilot, pilot_state, n_pilot, 0, add, beta)
            self._wolff_per_sweep = max(1, int(round(self._L ** 2 * n_pilot / max(visited, 1))))
            self._wolff_key = key
        return self._wolff_per_sweep

    # -- observables -------------------------------------------------------
    def energy_per_spin(self) -> float:
        """E/L² of the current lattice."""
        return float(K.lattice_observables(self._spins, self._J, self._h)[0])

    def magnetization(self) -> float:
        """Mean spin of the current lattice."""
        return float(self._spins.mean(dtype=np.float64))

    def observables(self, window: int | None = None) -> dict:
        """E, M, |M|, C, χ and Binder cumulant over the last ``window`` sweeps (all if None)."""
        e = self.energy_history.array()
        m = self.magnetization_history.array()
        if window is not None:
            window = check_int("window", window, 1)
            e, m = e[-window:], m[-window:]
        return window_observables(e, m, self._T, self._L * self._L)


def _check_algorithm(algorithm: Any, J: float) -> str:
    # Wolff clusters grow along satisfied ferromagnetic bonds only: a rule of this model, not a plain check
    check_choice("algorithm", algorithm, ALGORITHMS)
    if algorithm == "wolff" and J < 0:
        raise ValueError(f"algorithm 'wolff' needs J ≥ 0 (ferromagnet), got J={J!r}")
    return algorithm


# --------------------------------------------------------------------------- GUI / CLI model
@dataclass(frozen=True)
class IsingParams:
    L: int = param(256, label="lattice size L", min=L_MIN, max=L_MAX, live=False,
                   help="L×L periodic lattice; changing it restarts")
    T: float = param(2.0, label="temperature T", min=0.05, max=6.0, step=0.01,
                     marks={"T_c": T_CRITICAL}, help="k_B T in units of J; T_c = 2/ln(1+√2) ≈ 2.269")
    J: float = param(1.0, label="coupling J", min=-2.0, max=2.0, step=0.05,
                     help="J > 0 ferromagnet, J < 0 antiferromagnet (not with Wolff)")
    h: float = param(0.0, label="field h", min=-2.0, max=2.0, step=0.01, help="external magnetic field")
    algorithm: str = param("checkerboard", label="algorithm", choices=ALGORITHMS, group="rule",
                           help="metropolis: random site (the seeds'); checkerboard: fast Metropolis; "
                                "heatbath: Glauber; wolff: clusters (critical region)")
    start: str = param("hot", label="start", choices=STARTS, live=False,
                       help="hot: random spins; cold: all up; pattern: the painted/loaded pattern")
    window: int = param(500, label="observable window (sweeps)", min=10, max=20000,
                        help="sweeps over which C, χ and the Binder cumulant are averaged")


class IsingModel(Model):
    """The 2-D Ising model for the GUI and the CLI; one step is one sweep."""

    name = "ising"
    title = "Ising"
    unit = "sweep"
    # The GUI starts at 20 sweeps/s: the default hot 256² lattice at T = 2 coarsens over hundreds of
    # sweeps (E/N −1.57 after 25 sweeps, −1.69 after 200, −1.72 after 1000; Onsager −1.75), which at the
    # "max" speed was over in 1–2 s; at 20/s the first 200 sweeps take 10 s. The speed slider goes higher.
    default_rate = 20.0
    Params = IsingParams

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.lattice = None
        self._build(pattern=None)

    def _build(self, pattern) -> None:
        p = self.params
        self.lattice = Ising(L=p.L, T=p.T, J=p.J, h=p.h, algorithm=p.algorithm, start=p.start,
                             seed=self.kernel_seed(), pattern=pattern)
        self._window_start = 0  # observables use sweeps since the last change of T, J or h
        self._theory_energy = self._exact_energy()

    def _exact_energy(self) -> float:
        p = self.params
        if p.h != 0.0 or p.J <= 0:
            return float("nan")
        return float(onsager_energy(p.T, p.J))

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        pattern = self.lattice.pattern if self.lattice is not None and self.lattice.L == self.params.L else None
        self._build(pattern)

    def apply_params(self, old, new) -> None:
        if old.L != new.L or old.start != new.start:
            self.reset()
            return
        lat = self.lattice
        lat.set_couplings(new.T, new.J, new.h, new.algorithm)
        if (old.T, old.J, old.h) != (new.T, new.J, new.h):
            self._window_start = lat.sweeps
            self._theory_energy = self._exact_energy()

    def step(self, n: int = 1) -> None:
        self.lattice.step(n)
        self.t += int(n)

    def set_spins(self, array: Any) -> None:
        """Load a drawn pattern (the GUI's pattern editor); it is also the 'pattern' start."""
        self.lattice.set_spins(array)

    def paint(self, key: str, index: np.ndarray, value: float) -> None:
        """Set spins at flat indices to +1 (value > 0) or −1."""
        check_choice("paintable view", key, ("spins",))
        self.lattice.paint(index, value)

    def _window(self) -> tuple[np.ndarray, np.ndarray]:
        lat = self.lattice
        e = lat.energy_history.array()
        m = lat.magnetization_history.array()
        since = lat.sweeps - self._window_start
        k = max(0, min(self.params.window, since, len(e)))
        return e[len(e) - k:], m[len(m) - k:]

    def snapshot(self) -> Snapshot:
        lat = self.lattice
        e_hist = lat.energy_history.array()
        m_hist = lat.magnetization_history.array()
        e_win, m_win = self._window()
        obs = window_observables(e_win, m_win, lat.T, lat.L * lat.L)
        n = len(e_hist)
        # One record per sweep, the oldest dropped when the history is full: the records are the
        # last n sweeps, and the curves are drawn against those sweep numbers (not list positions).
        sweep = np.arange(lat.sweeps - n + 1, lat.sweeps + 1, dtype=np.float64)
        theory = (np.array([[sweep[0] if n else 0.0, max(float(lat.sweeps), 1.0)], [self._theory_energy] * 2])
                  if math.isfinite(self._theory_energy) else np.zeros((2, 0)))
        data = {
            "spins": lat.spins,
            "sweep": sweep,
            "energy": e_hist,
            "magnetization": m_hist,
            "onsager_energy": theory,
            "E": lat.energy_per_spin() if n == 0 else float(e_hist[-1]),
            "M": lat.magnetization() if n == 0 else float(m_hist[-1]),
            "E_mean": obs["E"], "absM_mean": obs["absM"],
            "specific_heat": obs["C"], "susceptibility": obs["chi"], "binder": obs["binder"],
            "window_sweeps": float(len(e_win)),
            "T": lat.T, "T_c": critical_temperature(lat.J) if lat.J > 0 else float("nan"),
        }
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def views(self) -> list[ViewSpec]:
        return [
            ViewSpec("spins", "lattice", "Spins", colormap="spin", paintable=True, main=True),
            ViewSpec("energy", "curve", "Energy per spin", x_label="sweep", y_label="E / N",
                     theory="onsager_energy", labels=("E/N",), x_key="sweep"),
            ViewSpec("magnetization", "curve", "Magnetisation per spin", x_label="sweep",
                     y_label="M / N", labels=("M/N",), x_key="sweep"),
        ]

    def extra_state(self) -> dict[str, np.ndarray]:
        lat = self.lattice
        out = {"spins": lat.spins, "kernel_rng": lat.rng_state,
               "sweeps": np.array(lat.sweeps, dtype=np.int64),
               "window_start": np.array(self._window_start, dtype=np.int64),
               "energy_history": lat.energy_history.array(),
               "magnetization_history": lat.magnetization_history.array(),
               # the Wolff sweep length measured for the current T, J, h (0: not yet measured)
               "wolff_clusters_per_sweep": np.array(lat.wolff_clusters_per_sweep, dtype=np.int64)}
        if lat.pattern is not None:
            out["pattern"] = lat.pattern.copy()
        return out

    def load_extra_state(self, state) -> None:
        p = self.params
        L = p.L
        spins = state_entry(state, "spins", shape=(L, L), dtype=None, values="spins")
        rng_words = check_kernel_rng_state("state['kernel_rng']", state_entry(state, "kernel_rng", dtype=None))
        sweeps = state_int(state, "sweeps", 0)
        window_start = state_int(state, "window_start", 0, sweeps)
        energy = state_entry(state, "energy_history", ndim=1)
        magnetization = state_entry(state, "magnetization_history", shape=energy.shape)
        # absent in sessions saved before the Wolff sweep length was kept: measured again then
        per_sweep = state_int(state, "wolff_clusters_per_sweep", 0, L * L) \
            if "wolff_clusters_per_sweep" in state else 0
        lat = Ising(L=L, T=p.T, J=p.J, h=p.h, algorithm=p.algorithm, start="cold", seed=0)
        if "pattern" in state:
            lat.set_spins(state_entry(state, "pattern", shape=(L, L), dtype=None, values="spins"))
        lat.start = p.start
        lat.set_state(spins, rng_words, sweeps, energy, magnetization, per_sweep)
        self.lattice = lat
        self._window_start = window_start
        self._theory_energy = self._exact_energy()
