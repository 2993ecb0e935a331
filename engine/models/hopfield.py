"""Hopfield network: storage rules (Hebbian, pseudo-inverse, Storkey), recall dynamics
(async, sync, energy descent, Glauber at temperature T), binary or bipolar coding, thresholds.

``Hopfield`` is the scientific API (scripts, experiments); ``HopfieldModel`` is the
``Model`` the GUI and the CLI run (registered as "hopfield", one step = one sweep).

Conventions (seed 000 §2, seed 002): weights are always built from the bipolar versions
2s−1 of the patterns, are symmetric with a zero diagonal; the local field is computed on
the states in their own coding, h_i = Σ_j w_ij s_j, and a unit goes "on" when h_i > U_i,
"off" when h_i < U_i, and keeps its value when h_i = U_i. The energy is
E = −½ sᵀWs + Uᵀs in the same coding, and never rises under the deterministic updates.
"""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.kernels import hopfield as K
from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import check_array, check_seed

RULES = ("hebbian", "pseudoinverse", "storkey")
MODES = tuple(K.MODES)
CODINGS = ("bipolar", "binary")
SCALES = ("none", "1/N")
_CODING_VALUES = {"bipolar": (1, -1), "binary": (1, 0)}  # (on, off)
_MAX_SEED = 2**63


# --------------------------------------------------------------------------- validation helpers
def _check_choice(name: str, value: Any, choices: tuple) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer ≥ {lo}, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        want = f"in [{lo}, {hi}]" if hi is not None else f"≥ {lo}"
        raise ValueError(f"{name} must be an integer {want}, got {value}")
    return value


def _check_temperature(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"temperature must be a finite number ≥ 0, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"temperature must be a finite number ≥ 0, got {value!r}")
    return value


def physical_memory_bytes() -> int | None:
    """Installed RAM in bytes, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_weight_memory(n_neurons: int) -> None:
    """Refuse a network whose N×N float64 weights would not fit in half the machine's RAM."""
    need = 8.0 * n_neurons * n_neurons
    total = physical_memory_bytes()
    # Half the RAM: learning needs temporaries beside W (pseudo-inverse, Storkey's copy).
    if total is not None and need > total / 2:
        raise ValueError(f"n_neurons={n_neurons} needs {need / 1e9:.1f} GB for its float64 weights "
                         f"(8·N² bytes, plus temporaries to learn); this machine has "
                         f"{total / 1e9:.1f} GB of RAM; accepts n_neurons with 8·N² ≤ half of it "
                         f"(N ≤ {int(math.sqrt(total / 16))})")


def _as_units(name: str, value: Any, n: int, coding: str, *, allow_batch: bool) -> tuple[np.ndarray, bool]:
    """Validate states of ``coding`` with N units: (N,) or, if allowed, (B, N) → int8 (B, N), batched."""
    arr = check_array(name, value, dtype=None)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    dims = "(N,) or (B, N)" if allow_batch else "(N,)"
    if arr.ndim not in ((1, 2) if allow_batch else (1,)):
        raise ValueError(f"{name} must have shape {dims} with N={n}, got shape {arr.shape}")
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} units (the network's n_neurons), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); give at least one state")
    on, off = _CODING_VALUES[coding]
    bad = ~((arr == on) | (arr == off))
    if bad.any():
        wrong = np.unique(arr[bad])
        raise ValueError(f"{name} must hold only {off}/{on} values (coding={coding!r}), "
                         f"got {wrong[:5].tolist()}{' …' if len(wrong) > 5 else ''}")
    batched = arr.ndim == 2
    # always a fresh array: the kernels update states in place, never the caller's probe
    return np.array(arr.reshape(-1, n), dtype=np.int8, order="C", copy=True), batched


def _to_bipolar_units(name: str, value: Any) -> np.ndarray:
    """±1 or 0/1 values (either coding, one per array) → int8 ±1, same shape."""
    arr = check_array(name, value, dtype=None)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    if arr.size == 0:
        return arr.astype(np.int8)
    if np.all((arr == 1) | (arr == -1)):
        return arr.astype(np.int8)
    if np.all((arr == 0) | (arr == 1)):
        return (2 * arr.astype(np.int8) - 1).astype(np.int8)
    raise ValueError(f"{name} must hold ±1 (bipolar) or 0/1 (binary) values, got values in "
                     f"[{arr.min()}, {arr.max()}]")


# --------------------------------------------------------------------------- the scientific API
@dataclass(frozen=True)
class RecallResult:
    """A recall trajectory: final state, energy and overlaps before the first and after every sweep."""
    state: np.ndarray        # (N,) int8 ±1 or uint8 0/1, the network's coding
    energies: np.ndarray     # (n_sweeps + 1,) E = −½ sᵀWs + Uᵀs
    overlaps: np.ndarray     # (n_sweeps + 1, P) m_p = (1/N) Σ_i ξ_i^p s_i (bipolar)
    n_sweeps: int
    converged: bool          # the final state is a fixed point of the deterministic rule


class Hopfield:
    """A Hopfield network of ``n_neurons`` units storing patterns and recalling them from probes.

    rule: "hebbian" (w_ij = Σ_p ξ_iξ_j, optionally ×1/N with scale="1/N"),
    "pseudoinverse" (W = Xᵀ(XXᵀ)⁺X, the projection onto the patterns' span) or "storkey"
    (w_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j) per pattern). coding: "bipolar" states ±1
    (int8) or "binary" 0/1 (uint8). thresholds: None (0), a float, or (N,) values U_i.
    seed: the generator that picks update orders when recall is given no seed.
    """

    def __init__(self, n_neurons: int, rule: str = "hebbian", *, coding: str = "bipolar",
                 scale: str = "none", thresholds=None, seed: int | None = None):
        self._n = _check_int("n_neurons", n_neurons, 1)
        check_weight_memory(self._n)
        self._rule = _check_choice("rule", rule, RULES)
        self._coding = _check_choice("coding", coding, CODINGS)
        self._scale = _check_choice("scale", scale, SCALES)
        self._thresholds = self._checked_thresholds(thresholds)
        self._rng = np.random.default_rng(check_seed(seed))
        self._bipolar_patterns = np.zeros((0, self._n), dtype=np.int8)
        self._install_weights(np.zeros((self._n, self._n), dtype=np.float64))

    # -- configuration -----------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        """N, the number of units."""
        return self._n

    @property
    def rule(self) -> str:
        """The storage rule: "hebbian", "pseudoinverse" or "storkey" (settable)."""
        return self._rule

    @rule.setter
    def rule(self, value: str) -> None:
        """Changing the rule re-stores the current patterns at once."""
        value = _check_choice("rule", value, RULES)
        if value != self._rule:
            self._rule = value
            self._learn()

    @property
    def scale(self) -> str:
        """Hebbian weight scale: "none" or "1/N" (settable; re-stores)."""
        return self._scale

    @scale.setter
    def scale(self, value: str) -> None:
        """Changing the scale re-stores the current patterns at once."""
        value = _check_choice("scale", value, SCALES)
        if value != self._scale:
            self._scale = value
            self._learn()

    @property
    def coding(self) -> str:
        """State coding: "bipolar" (±1, int8) or "binary" (0/1, uint8) (settable)."""
        return self._coding

    @coding.setter
    def coding(self, value: str) -> None:
        """Weights stay (they are built from bipolar patterns); states are read in the new coding."""
        self._coding = _check_choice("coding", value, CODINGS)

    @property
    def thresholds(self) -> np.ndarray:
        """U_i per unit, (N,) float64 (a copy)."""
        return self._thresholds.copy()

    @thresholds.setter
    def thresholds(self, value) -> None:
        """None (0), a number for every unit, or (N,) values."""
        self._thresholds = self._checked_thresholds(value)

    def _checked_thresholds(self, value) -> np.ndarray:
        if value is None:
            return np.zeros(self._n, dtype=np.float64)
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"thresholds must be None, a number or an array of {self._n} numbers, got {value!r}")
        if isinstance(value, (int, float, np.integer, np.floating)):
            if not math.isfinite(float(value)):
                raise ValueError(f"thresholds must be finite, got {value!r}")
            return np.full(self._n, float(value), dtype=np.float64)
        arr = check_array("thresholds", value, shape=(self._n,))
        return np.ascontiguousarray(arr, dtype=np.float64)

    @property
    def on_value(self) -> int:
        """The "on" state value: +1 (both codings)."""
        return _CODING_VALUES[self._coding][0]

    @property
    def off_value(self) -> int:
        """The "off" state value: −1 bipolar, 0 binary."""
        return _CODING_VALUES[self._coding][1]

    # -- memory --------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """(N, N) float64, symmetric, zero diagonal — a read-only view."""
        view = self._weights.view()
        view.flags.writeable = False
        return view

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns (P, N) in the network's coding (a copy)."""
        return self._from_bipolar(self._bipolar_patterns)

    @property
    def n_patterns(self) -> int:
        """P, the number of stored patterns."""
        return int(self._bipolar_patterns.shape[0])

    def store(self, patterns) -> None:
        """Replace what is stored by ``patterns`` (P, N) in the network's coding, using the rule."""
        arr = check_array("patterns", patterns, dtype=None)
        if arr.ndim != 2:
            raise ValueError(f"patterns must be 2-D (P, {self._n}), got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError("patterns is empty (P = 0); store at least one pattern, or call clear()")
        units, _ = _as_units("patterns", arr, self._n, self._coding, allow_batch=True)
        self._bipolar_patterns = self._to_bipolar(units)
        self._learn()

    def clear(self) -> None:
        """Forget every pattern: W = 0."""
        self._bipolar_patterns = np.zeros((0, self._n), dtype=np.int8)
        self._install_weights(np.zeros((self._n, self._n), dtype=np.float64))

    def _install_weights(self, weights: np.ndarray) -> None:
        self._weights = weights
        self._row_sums = np.empty(self._n, dtype=np.float64)
        K.compute_row_sums(weights, self._row_sums)

    def _field_of(self, units: np.ndarray) -> np.ndarray:
        """h = W s of one int8 state, by the same kernel every recall path uses."""
        field = np.empty(self._n, dtype=np.float64)
        K.compute_local_field(self._weights, self._row_sums, units, np.int8(self.on_value),
                              np.int8(self.off_value), field)
        return field

    def _learn(self) -> None:
        x = self._bipolar_patterns
        n = self._n
        if x.shape[0] == 0:
            self._install_weights(np.zeros((n, n), dtype=np.float64))
            return
        if self._rule == "storkey":
            w = np.zeros((n, n), dtype=np.float64)
            K.storkey_learn(w, x)
        else:
            xf = x.astype(np.float64)
            if self._rule == "hebbian":
                w = xf.T @ xf  # integer sums of ±1: exact, hence exactly symmetric
                if self._scale == "1/N":
                    w /= n
            else:
                # X⁺X = Xᵀ(XXᵀ)⁺X, the orthogonal projection onto the span of the patterns;
                # averaging with the transpose makes the rounding symmetric too.
                w = np.linalg.pinv(xf) @ xf
                w = 0.5 * (w + w.T)
            w = np.ascontiguousarray(w)
        np.fill_diagonal(w, 0.0)
        self._install_weights(w)

    def _set_memory(self, bipolar_patterns: np.ndarray, weights: np.ndarray) -> None:
        """Install saved patterns and weights as they are (no re-learning): exact round-trips."""
        self._bipolar_patterns = np.ascontiguousarray(bipolar_patterns, dtype=np.int8)
        self._install_weights(np.ascontiguousarray(weights, dtype=np.float64).copy())

    # -- coding helpers ----------------------------------------------------------------
    def _to_bipolar(self, units: np.ndarray) -> np.ndarray:
        if self._coding == "bipolar":
            return units.astype(np.int8, copy=True)
        return (2 * units.astype(np.int8) - 1).astype(np.int8)

    def _from_bipolar(self, bipolar: np.ndarray) -> np.ndarray:
        if self._coding == "bipolar":
            return bipolar.astype(np.int8, copy=True)
        return ((bipolar.astype(np.int8) + 1) // 2).astype(np.uint8)

    def _output(self, units: np.ndarray) -> np.ndarray:
        return units.astype(np.uint8) if self._coding == "binary" else units.astype(np.int8, copy=False)

    # -- measurements --------------------------------------------------------------
    def local_field(self, state) -> np.ndarray:
        """h = W s for a state (N,) → (N,) or a batch (B, N) → (B, N)."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        h = units.astype(np.float64) @ self._weights  # W is symmetric: s W = (W s)ᵀ
        return h if batched else h[0]

    def energy(self, state) -> float | np.ndarray:
        """E = −½ sᵀWs + Uᵀs of a state (float) or of each row of a batch ((B,) array)."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        s = units.astype(np.float64)
        e = -0.5 * np.einsum("bi,bi->b", s @ self._weights, s) + s @ self._thresholds
        return e if batched else float(e[0])

    def overlap(self, state) -> np.ndarray:
        """m_p = (1/N) Σ_i ξ_i^p s_i (bipolar) with each stored pattern: (P,) or (B, P)."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        m = self._to_bipolar(units).astype(np.float64) @ self._bipolar_patterns.T.astype(np.float64) / self._n
        return m if batched else m[0]

    def is_fixed_point(self, state) -> bool | np.ndarray:
        """True where no unit would change under the deterministic threshold rule."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        d = units.astype(np.float64) @ self._weights - self._thresholds
        on, off = self.on_value, self.off_value
        ok = ~(((d > 0) & (units != on)) | ((d < 0) & (units != off))).any(axis=1)
        return ok if batched else bool(ok[0])

    # -- recall --------------------------------------------------------------------
    def _probe_seeds(self, seed, count: int) -> list[int]:
        if seed is None:
            return [int(s) for s in self._rng.integers(0, _MAX_SEED, size=count)]
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
            seed = check_seed(seed)
            if count == 1:
                return [seed]
            return [int(s) for s in np.random.default_rng(seed).integers(0, _MAX_SEED, size=count)]
        try:
            seeds = [check_seed(s, "seed") for s in seed]
        except TypeError:
            raise ValueError(f"seed must be None, a non-negative integer or one per probe, got {seed!r}") from None
        if len(seeds) != count or any(s is None for s in seeds):
            raise ValueError(f"seed must give one non-negative integer per probe ({count}), got {len(seeds)} values")
        return seeds

    def _check_recall_args(self, mode, max_sweeps, temperature) -> tuple[int, int, float]:
        mode = _check_choice("mode", mode, MODES)
        max_sweeps = _check_int("max_sweeps", max_sweeps, 1)
        temperature = _check_temperature(temperature)
        return K.MODES[mode], max_sweeps, temperature

    def recall(self, probe, mode: str = "async", max_sweeps: int = 100, temperature: float = 0.0,
               seed=None) -> np.ndarray:
        """Run the dynamics from ``probe`` (N,) or each row of (B, N) to a fixed point or max_sweeps.

        Returns the final state(s) in the network's coding. Batches run in parallel; probe b
        with seed s_b ends exactly as ``recall(probe[b], seed=s_b)``. ``seed``: None (drawn from
        the network's generator), an int, or one int per probe.
        """
        mode_code, max_sweeps, temperature = self._check_recall_args(mode, max_sweeps, temperature)
        states, batched = _as_units("probe", probe, self._n, self._coding, allow_batch=True)
        seeds = self._probe_seeds(seed, states.shape[0])
        on, off = np.int8(self.on_value), np.int8(self.off_value)
        if not batched:
            state = states[0]
            field = self._field_of(state)
            rng_state = np.array([K.seed_to_rng_state(seeds[0])], dtype=np.uint64)
            K.run_dynamics(self._weights, state, field, self._thresholds, on, off, mode_code, temperature,
                           max_sweeps, True, rng_state, np.zeros((0, self._n), dtype=np.int8),
                           np.zeros(0), np.zeros((0, 0)))
            return self._output(state)
        rng_states = np.array([K.seed_to_rng_state(s) for s in seeds], dtype=np.uint64)
        n_sweeps = np.zeros(states.shape[0], dtype=np.int64)
        converged = np.zeros(states.shape[0], dtype=np.bool_)
        K.run_batch(self._weights, self._row_sums, states, self._thresholds, on, off, mode_code, temperature, max_sweeps,
                    rng_states, n_sweeps, converged)
        return self._output(states)

    def run(self, probe, mode: str = "async", max_sweeps: int = 100, temperature: float = 0.0,
            seed=None, stop_at_fixed_point: bool = True) -> RecallResult:
        """Recall one probe (N,) and return the trajectory record (energies, overlaps per sweep)."""
        mode_code, max_sweeps, temperature = self._check_recall_args(mode, max_sweeps, temperature)
        if not isinstance(stop_at_fixed_point, (bool, np.bool_)):
            raise ValueError(f"stop_at_fixed_point must be True or False, got {stop_at_fixed_point!r}")
        states, batched = _as_units("probe", probe, self._n, self._coding, allow_batch=False)
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
        seed_value = self._probe_seeds(seed, 1)[0]
        state = states[0]
        field = self._field_of(state)
        energies = np.empty(max_sweeps + 1, dtype=np.float64)
        overlaps = np.empty((max_sweeps + 1, self.n_patterns), dtype=np.float64)
        rng_state = np.array([K.seed_to_rng_state(seed_value)], dtype=np.uint64)
        done, stable = K.run_dynamics(self._weights, state, field, self._thresholds, np.int8(self.on_value),
                                      np.int8(self.off_value), mode_code, temperature, max_sweeps,
                                      bool(stop_at_fixed_point), rng_state, self._bipolar_patterns,
                                      energies, overlaps)
        return RecallResult(state=self._output(state), energies=energies[: done + 1].copy(),
                            overlaps=overlaps[: done + 1].copy(), n_sweeps=int(done), converged=bool(stable))

    def __repr__(self) -> str:
        return (f"Hopfield(n_neurons={self._n}, rule={self._rule!r}, coding={self._coding!r}, "
                f"scale={self._scale!r}, n_patterns={self.n_patterns})")


# --------------------------------------------------------------------------- the GUI model
def demo_letters(rows: int, cols: int, text: str = "TUC") -> np.ndarray:
    """``text`` as 0/1 letter images (len, rows, cols): the largest letter size that fits, centred."""
    from engine import datasets  # lazy: the data module is only needed to build a demo
    side = min(rows, cols)
    size = 3 if side < 7 else 7 * min(side // 7, 9)
    glyphs = datasets.letters(text, size=size)
    out = np.zeros((len(text), rows, cols), dtype=np.uint8)
    top, left = (rows - size) // 2, (cols - size) // 2
    out[:, top:top + size, left:left + size] = glyphs
    return out


DEMO_NOISE = 0.2
_OVERLAP_LABELS = tuple(f"pattern {k + 1}" for k in range(256))


RECORD_CHUNK = 4096  # sweeps per kernel call inside one step(n)
MAX_REPEAT_RECORDS = 16


class HopfieldModel(Model):
    """The Hopfield network the GUI runs: stored patterns, a probe state, recall sweeps."""

    name = "hopfield"
    title = "Hopfield"
    unit = "sweep"
    default_rate = 2.0  # a recall takes a few sweeps: slow enough to watch it happen
    # "max" speed in the window: a recall takes a few sweeps, and at a fixed point further sweeps
    # change nothing, so counting millions of them a second tells a viewer nothing.
    # (Unbounded, it used to stall the window: cheap steps are Python work that held the GIL
    # against the GUI's painting; the engine thread now waits for the GUI instead, see worker.py.)
    max_rate = 1000.0

    @dataclass(frozen=True)
    class Params:
        rows: int = param(7, label="Rows", min=3, max=64, step=1, live=False,
                          help="Pattern image height (N = rows·cols units). Changing the size drops the "
                               "stored patterns (they no longer fit) and re-makes the demo letters T, U, C.")
        cols: int = param(7, label="Columns", min=3, max=64, step=1, live=False,
                          help="Pattern image width (N = rows·cols units). Changing the size drops the "
                               "stored patterns (they no longer fit) and re-makes the demo letters T, U, C.")
        rule: str = param("hebbian", label="Learning rule", choices=RULES, group="rule",
                          help="hebbian: w_ij = Σ_p ξ_i ξ_j; pseudoinverse: W = Xᵀ(XXᵀ)⁺X (projection onto "
                               "the patterns); storkey: w_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j). Always "
                               "w_ii = 0. A change re-stores the patterns at once.")
        mode: str = param("async", label="Update", choices=MODES,
                          help="async: units one by one in a fresh random order, s_i = sgn(h_i − U_i); "
                               "sync: all units at once (may 2-cycle); energy: N random site picks, flip when "
                               "ΔE < 0; glauber: P(s_i = on) = 1/(1 + exp(−Δ(h_i − U_i)/T)), Δ = 2 bipolar, 1 binary.")
        temperature: float = param(0.0, label="Temperature T", min=0.0, max=10.0, step=0.05,
                                   help="Noise of the glauber update (T = 0 is the deterministic rule); "
                                        "the other modes ignore it.")
        scale: str = param("none", label="Hebbian scale", choices=SCALES,
                           help="1/N: w_ij = (1/N) Σ_p ξ_i ξ_j (hebbian only). Same recall at U = 0; "
                                "changes the energy scale and how thresholds compare.")
        coding: str = param("bipolar", label="Coding", choices=CODINGS,
                            help="bipolar: s_i ∈ {−1, +1}; binary: s_i ∈ {0, 1} (Hopfield 1982), fields "
                                 "h_i = Σ_j w_ij s_j on 0/1 states. Weights always use 2s − 1.")
        threshold: float = param(0.0, label="Threshold U", min=-10.0, max=10.0, step=0.1,
                                 help="Uniform U_i: on if h_i > U, off if h_i < U, unchanged if equal; "
                                      "E = −½ sᵀWs + U Σ_i s_i.")
        max_sweeps: int = param(100, label="Recall bound", min=1, max=100000, step=1,
                                help="Sweeps after a new probe within which reaching a fixed point counts "
                                     "as converged (and the Recall action's limit); play keeps stepping.")

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        p = self.params
        self.net = self._new_net(p.rows * p.cols)
        self.net.store(self.net._from_bipolar(
            2 * demo_letters(p.rows, p.cols).reshape(-1, p.rows * p.cols).astype(np.int8) - 1))
        self._energy = History()
        self._overlap = History(width=self.net.n_patterns)
        self._weights_copy: np.ndarray | None = None
        self._patterns_copy: np.ndarray | None = None
        self._new_probe_from_rng()

    def _new_net(self, n: int) -> Hopfield:
        p = self.params
        return Hopfield(n, p.rule, coding=p.coding, scale=p.scale, thresholds=p.threshold)

    # -- state helpers ---------------------------------------------------------------
    @property
    def pattern_shape(self) -> tuple[int, int]:
        """(rows, cols) of a pattern image."""
        return (self.params.rows, self.params.cols)

    @property
    def patterns(self) -> np.ndarray:
        """Stored patterns (P, N) int8 ±1 (a copy)."""
        return self.net._bipolar_patterns.copy()

    @property
    def probe_state(self) -> np.ndarray:
        """The current state (N,) in the model's coding (a copy)."""
        return self.net._output(self._state.copy())

    def _memory_changed(self) -> None:
        self._weights_copy = None
        self._patterns_copy = None

    def _refresh_field(self) -> None:
        self._field = self.net._field_of(self._state)

    def _restart_histories(self) -> None:
        self._energy = History()
        self._overlap = History(width=self.net.n_patterns)
        self._sweeps_since_probe = 0
        self._sweeps_to_fixed_point = 0 if self._is_stable() else -1
        self._energy.append(float(K.energy_from_field(self._state, self._field, self.net._thresholds)))
        self._overlap.append(self._overlaps_now())

    def _overlaps_now(self) -> np.ndarray:
        bip = np.where(self._state == self.net.on_value, 1, -1).astype(np.float64)
        return self.net._bipolar_patterns.astype(np.float64) @ bip / self.net.n_neurons

    def _is_stable(self) -> bool:
        return bool(K.is_stable(self._state, self._field, self.net._thresholds,
                                np.int8(self.net.on_value), np.int8(self.net.off_value)))

    def _install_state(self, units: np.ndarray) -> None:
        self._state = np.ascontiguousarray(units, dtype=np.int8).copy()
        self._initial_probe = self._state.copy()
        self._refresh_field()
        self._restart_histories()

    def _new_probe_from_rng(self) -> None:
        """The demo probe: the first stored pattern with 20 % of its units flipped (seeded)."""
        n = self.net.n_neurons
        if self.net.n_patterns:
            bip = self.net._bipolar_patterns[0].copy()
            flip = self.rng.choice(n, size=int(round(DEMO_NOISE * n)), replace=False)
            bip[flip] = -bip[flip]
        else:
            bip = np.where(self.rng.random(n) < 0.5, 1, -1).astype(np.int8)
        self._install_state(self.net._from_bipolar(bip).astype(np.int8))

    def _units_from_any(self, name: str, value: Any) -> np.ndarray:
        """A state given as (N,) or (rows, cols), ±1 or 0/1 → int8 in the model's coding."""
        rows, cols = self.pattern_shape
        arr = check_array(name, value, dtype=None)
        if arr.shape not in ((rows * cols,), (rows, cols)):
            raise ValueError(f"{name} must have shape ({rows * cols},) or ({rows}, {cols}), got {arr.shape}")
        bip = _to_bipolar_units(name, arr).reshape(-1)
        return self.net._from_bipolar(bip).astype(np.int8)

    # -- what the GUI calls ------------------------------------------------------------
    def set_patterns(self, patterns) -> None:
        """Store (P, rows·cols) or (P, rows, cols) patterns (±1 or 0/1) with the current rule; empty clears."""
        rows, cols = self.pattern_shape
        n = rows * cols
        arr = check_array("patterns", patterns, dtype=None)
        if arr.size == 0:
            self.net.clear()
        else:
            if arr.ndim == 3 and arr.shape[1:] == (rows, cols):
                arr = arr.reshape(arr.shape[0], n)
            if arr.ndim != 2 or arr.shape[1] != n:
                raise ValueError(f"patterns must have shape (P, {n}) or (P, {rows}, {cols}), got {arr.shape}")
            bip = _to_bipolar_units("patterns", arr)
            self.net.store(self.net._from_bipolar(bip))
        self._memory_changed()
        self._refresh_field()
        self._restart_histories()

    def set_probe(self, x) -> None:
        """Make ``x`` ((N,) or (rows, cols), ±1 or 0/1) the current state; histories restart."""
        self._install_state(self._units_from_any("x", x))

    def paint(self, key: str, index, value: float) -> None:
        """Set units (flat indices) of the "state" lattice: value +1 turns them on, −1 (or 0) off."""
        if key != "state":
            raise ValueError(f"key must be 'state' (the paintable view), got {key!r}")
        n = self.net.n_neurons
        idx = check_array("index", index, dtype=None)
        if idx.ndim > 1 or not (np.issubdtype(idx.dtype, np.integer) or idx.size == 0):
            raise ValueError(f"index must be flat integer indices (k,), got dtype {idx.dtype} shape {idx.shape}")
        idx = idx.reshape(-1).astype(np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"index must lie in [0, {n - 1}], got values in [{idx.min()}, {idx.max()}]")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or value not in (1, -1, 0):
            raise ValueError(f"value must be +1 (on) or −1 / 0 (off), got {value!r}")
        new = self.net.on_value if value == 1 else self.net.off_value
        for i in np.unique(idx):
            if self._state[i] != new:
                delta = float(new - self._state[i])
                self._state[i] = new
                self._field += delta * self.net._weights[i]
        if self._sweeps_to_fixed_point >= 0 and not self._is_stable():
            self._sweeps_to_fixed_point = -1

    def corrupt_probe(self) -> None:
        """Flip 20 % of the current state's units (chosen with the model's generator)."""
        n = self.net.n_neurons
        bip = np.where(self._state == self.net.on_value, 1, -1).astype(np.int8)
        flip = self.rng.choice(n, size=int(round(DEMO_NOISE * n)), replace=False)
        bip[flip] = -bip[flip]
        self._install_state(self.net._from_bipolar(bip).astype(np.int8))

    def restore_probe(self) -> None:
        """Go back to the probe last set (set_probe, corrupt or reset); histories restart."""
        self._install_state(self._initial_probe)

    def recall_probe(self) -> None:
        """Sweep until a fixed point, at most max_sweeps sweeps (glauber at T > 0: exactly max_sweeps)."""
        self._advance(self.params.max_sweeps, stop_at_fixed_point=True)

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        """Buttons: recall to a fixed point, corrupt the state, go back to the probe."""
        return [("recall_probe", "Recall", "Sweep until a fixed point (at most the recall bound)"),
                ("corrupt_probe", "Corrupt 20 %", "Flip 20 % of the current state's units"),
                ("restore_probe", "Back to probe", "Return to the probe last set")]

    # -- the contract ---------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """t = 0, fresh generator; keeps the stored patterns, new probe = first pattern + 20 % noise."""
        super().reset(seed)
        self._new_probe_from_rng()

    def step(self, n: int = 1) -> None:
        """n sweeps of the chosen update mode on the current state (one kernel call)."""
        n = _check_int("n", n, 1)
        self._advance(n, stop_at_fixed_point=False)

    def _advance(self, n: int, stop_at_fixed_point: bool) -> None:
        p = self.params
        net = self.net
        deterministic = not (p.mode == "glauber" and p.temperature > 0.0)
        # Kernel calls in chunks: play may ask for millions of sweeps at a fixed point, and the
        # per-sweep record buffers must stay small.
        remaining = n
        while remaining > 0:
            m = min(remaining, RECORD_CHUNK)
            energies = np.empty(m + 1, dtype=np.float64)
            overlaps = np.empty((m + 1, net.n_patterns), dtype=np.float64)
            rng_state = np.array([K.seed_to_rng_state(self.kernel_seed())], dtype=np.uint64)
            # A deterministic rule never leaves a fixed point, so the kernel may stop there and the
            # remaining sweeps repeat the last record exactly (play keeps counting them).
            done, stable = K.run_dynamics(net._weights, self._state, self._field, net._thresholds,
                                          np.int8(net.on_value), np.int8(net.off_value), K.MODES[p.mode],
                                          float(p.temperature), m, deterministic, rng_state,
                                          net._bipolar_patterns, energies, overlaps)
            if stable and self._sweeps_to_fixed_point < 0 and self._sweeps_since_probe + done <= p.max_sweeps:
                self._sweeps_to_fixed_point = self._sweeps_since_probe + done
            if stable and (deterministic or stop_at_fixed_point):
                counted = done if stop_at_fixed_point else remaining   # the rest repeat the fixed point
                remaining = 0
            else:
                counted = done
                remaining -= done
                if done == 0:  # cannot happen for a working kernel; never spin forever
                    break
            self._append_records(energies[1:done + 1], overlaps[1:done + 1], counted - done)
            self._sweeps_since_probe += counted
            self.t += counted

    def _append_records(self, energies: np.ndarray, overlaps: np.ndarray, repeats: int) -> None:
        """Append per-sweep records, then ``repeats`` copies of the last one (sweeps at a fixed point)."""
        cap = self._energy.cap
        skip = max(0, len(energies) + repeats - cap)  # records the cap would drop at once
        for k in range(min(skip, len(energies)), len(energies)):
            self._energy.append(float(energies[k]))
            self._overlap.append(overlaps[k].copy())
        if repeats:
            last_e = float(K.energy_from_field(self._state, self._field, self.net._thresholds))
            last_m = self._overlaps_now()
            # Sweeps at a fixed point repeat one record; a long run at full speed adds at most
            # MAX_REPEAT_RECORDS of them per step so a frame stays cheap (the curve is flat there).
            for _ in range(min(repeats, cap, MAX_REPEAT_RECORDS)):
                self._energy.append(last_e)
                self._overlap.append(last_m.copy())

    def snapshot(self) -> Snapshot:
        """State image, weights, energy/overlap histories, pattern thumbnails and scalars (copies)."""
        rows, cols = self.pattern_shape
        if self._weights_copy is None:
            self._weights_copy = self.net._weights.copy()
            self._weights_copy.flags.writeable = False  # shared by frames, never written by the engine
        if self._patterns_copy is None:
            pats = self.net._from_bipolar(self.net._bipolar_patterns).astype(np.float64)
            self._patterns_copy = pats.reshape(-1, rows, cols)
            self._patterns_copy.flags.writeable = False
        data = {
            "state": self._state.astype(np.float64).reshape(rows, cols),
            "weights": self._weights_copy,
            "energy": self._energy.array(),
            "overlap": self._overlap.array(),
            "patterns": self._patterns_copy,
            "energy_now": float(K.energy_from_field(self._state, self._field, self.net._thresholds)),
            "fixed_point": float(self._is_stable()),
            "n_patterns": float(self.net.n_patterns),
            "sweeps_to_fixed_point": float(self._sweeps_to_fixed_point),
        }
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def views(self) -> list[ViewSpec]:
        """State lattice (main, paintable), weights heatmap, energy and overlap curves, patterns."""
        return [
            ViewSpec("state", "lattice", "Network state", colormap="spin", paintable=True, main=True),
            ViewSpec("weights", "heatmap", "Weights W", colormap="diverging"),
            ViewSpec("energy", "curve", "Energy E = −½ sᵀWs + Uᵀs", x_label="sweep", y_label="E"),
            ViewSpec("overlap", "curve", "Overlap with stored patterns", labels=_OVERLAP_LABELS,
                     x_label="sweep", y_label="overlap m"),
            ViewSpec("patterns", "image_grid", "Stored patterns", colormap="gray"),
        ]


    def apply_params(self, old, new) -> None:
        """Live changes: size → new net with demo letters; rule/scale re-store; coding/threshold apply."""
        if (old.rows, old.cols) != (new.rows, new.cols):
            net = Hopfield(new.rows * new.cols, new.rule, coding=new.coding, scale=new.scale,
                           thresholds=new.threshold)
            demo = demo_letters(new.rows, new.cols).reshape(-1, new.rows * new.cols).astype(np.int8)
            net.store(net._from_bipolar(2 * demo - 1))
            self.net = net
            self._memory_changed()
            self._new_probe_from_rng()
            return
        net = self.net
        if old.coding != new.coding:
            bip = np.where(self._state == net.on_value, 1, -1).astype(np.int8)
            first = np.where(self._initial_probe == net.on_value, 1, -1).astype(np.int8)
            net.coding = new.coding
            self._state = net._from_bipolar(bip).astype(np.int8)
            self._initial_probe = net._from_bipolar(first).astype(np.int8)
            self._memory_changed()
        if old.rule != new.rule or old.scale != new.scale:
            net.scale = new.scale
            net.rule = new.rule
            self._memory_changed()
        if old.threshold != new.threshold:
            net.thresholds = new.threshold
        self._refresh_field()

    # -- save / load ---------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        """Weights, patterns, states, fields, histories and recall counters, for engine.io."""
        return {
            "weights": self.net._weights,
            "patterns": self.net._bipolar_patterns,
            "probe_state": self._state,
            "initial_probe": self._initial_probe,
            "local_field": self._field,
            "energy_history": self._energy.array(),
            "overlap_history": self._overlap.array(),
            "sweeps_since_probe": np.array(self._sweeps_since_probe, dtype=np.int64),
            "sweeps_to_fixed_point": np.array(self._sweeps_to_fixed_point, dtype=np.int64),
        }

    def load_extra_state(self, state) -> None:
        """Inverse of extra_state; checks every entry and raises ValueError naming it."""
        n = self.params.rows * self.params.cols
        required = ("weights", "patterns", "probe_state", "initial_probe", "local_field", "energy_history",
                    "overlap_history", "sweeps_since_probe", "sweeps_to_fixed_point")
        missing = [k for k in required if k not in state]
        if missing:
            raise ValueError(f"state is missing {missing}")
        weights = check_array("state['weights']", state["weights"], shape=(n, n))
        if not np.array_equal(weights, weights.T) or np.any(np.diag(weights) != 0):
            raise ValueError("state['weights'] must be symmetric with a zero diagonal")
        patterns = check_array("state['patterns']", state["patterns"], ndim=2, dtype=None)
        if patterns.shape[1] != n or (patterns.size and not np.all((patterns == 1) | (patterns == -1))):
            raise ValueError(f"state['patterns'] must be (P, {n}) of ±1, got shape {patterns.shape}")
        net = self._new_net(n)
        units = {}
        for key in ("probe_state", "initial_probe"):
            arr = check_array(f"state[{key!r}]", state[key], shape=(n,), dtype=None)
            units[key], _ = _as_units(f"state[{key!r}]", arr, n, net.coding, allow_batch=False)
        field = check_array("state['local_field']", state["local_field"], shape=(n,))
        energy = check_array("state['energy_history']", state["energy_history"], ndim=1)
        p = patterns.shape[0]
        overlap = check_array("state['overlap_history']", state["overlap_history"], ndim=2)
        if overlap.shape != (p, energy.shape[0]):
            raise ValueError(f"state['overlap_history'] must have shape ({p}, {energy.shape[0]}) "
                             f"(patterns × energy records), got {overlap.shape}")
        counters = {}
        for key in ("sweeps_since_probe", "sweeps_to_fixed_point"):
            v = np.asarray(state[key])
            if v.shape != () or not np.issubdtype(v.dtype, np.integer) or v < -1:
                raise ValueError(f"state[{key!r}] must be an integer scalar ≥ −1, got {v!r}")
            counters[key] = int(v)
        net._set_memory(patterns.astype(np.int8), weights)
        self.net = net
        self._state = units["probe_state"][0].copy()
        self._initial_probe = units["initial_probe"][0].copy()
        self._field = np.ascontiguousarray(field, dtype=np.float64).copy()
        self._energy = History()
        self._energy.load(energy)
        self._overlap = History(width=p)
        self._overlap.load(overlap)
        self._sweeps_since_probe = counters["sweeps_since_probe"]
        self._sweeps_to_fixed_point = counters["sweeps_to_fixed_point"]
        self._memory_changed()
