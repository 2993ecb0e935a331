"""The scientific Hopfield network: storage rules (Hebbian, pseudo-inverse, Storkey, perceptron;
learning.py), forgetting and unlearning, recall dynamics (async, sync, energy descent, Glauber at
temperature T), binary or bipolar coding, thresholds. Scripts and experiments use ``Hopfield``; the
GUI's ``HopfieldModel`` (model.py) drives it through the same public API.

Conventions (seed 000 §2, seed 002), each default an option where a seed uses another: weights are
built from the bipolar versions 2s−1 of the patterns (the perceptron learns in the network's coding),
are symmetric (unless the perceptron rule with ``symmetric=False``) with a zero diagonal (unless
``self_connections=True``); the local field is computed on the states in their own coding,
h_i = Σ_j w_ij s_j, and a unit goes "on" when h_i > U_i, "off" when h_i < U_i, and keeps its value
when h_i = U_i (``tie="plus"``: goes on, sgn(0) = +1, seed 001's and seed 003's rule). U_i is the
set threshold plus the θ_i the perceptron rule learns (0 for the other rules). The energy is
E = −½ sᵀWs + Uᵀs in the same coding, and never rises under the deterministic updates of
symmetric weights with a zero diagonal.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

from engine import interrupt
from engine.kernels import hopfield as K
from engine.kernels import random as R
from engine.models.hopfield import learning as L
from engine.models.hopfield.learning import RULES, SCALES, TIES, LearningOptions, LearningReport
from engine.validation import (check_array, check_bool, check_buffer, check_choice, check_float, check_int,
                               check_memory, check_seed, physical_memory_bytes)

MODES = tuple(K.MODES)
CODINGS = ("bipolar", "binary")
_CODING_VALUES = {"bipolar": (1, -1), "binary": (1, 0)}  # (on, off)
_MAX_SEED = 2**63


def check_weight_memory(n_neurons: int) -> None:
    """Refuse a network whose N×N float64 weights would not fit in half the machine's RAM."""
    # Half the RAM: learning needs temporaries beside W (pseudo-inverse, Storkey's copy).
    total = physical_memory_bytes()
    largest = f" (N ≤ {int(math.sqrt(total / 16))} here)" if total is not None else ""
    check_memory(f"n_neurons={n_neurons}", 8.0 * n_neurons * n_neurons,
                 hint=f"the float64 weights take 8·N² bytes, plus temporaries to learn{largest}")


def _as_units(name: str, value: Any, n: int, coding: str, *, allow_batch: bool) -> tuple[np.ndarray, bool]:
    """Validate states of ``coding`` with N units: (N,) or, if allowed, (B, N) → int8 (B, N), batched."""
    arr = check_array(name, value, dtype=None, ndim=(1, 2) if allow_batch else 1, non_empty=True, values=coding)
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} units (the network's n_neurons), got shape {arr.shape}")
    # always a fresh array: the kernels update states in place, never the caller's probe
    return np.array(arr.reshape(-1, n), dtype=np.int8, order="C", copy=True), arr.ndim == 2


# --------------------------------------------------------------------------- the scientific API
@dataclass(frozen=True)
class RecallResult:
    """A recall trajectory: final state, energy and overlaps before the first and after every sweep."""
    state: np.ndarray        # (N,) int8 ±1 or uint8 0/1, the network's coding
    energies: np.ndarray     # (n_sweeps + 1,) E = −½ sᵀWs + Uᵀs
    overlaps: np.ndarray     # (n_sweeps + 1, P) m_p = (1/N) Σ_i ξ_i^p s_i (bipolar)
    n_sweeps: int
    converged: bool          # the final state is a fixed point of the deterministic rule


class Sweeps(NamedTuple):
    """What ``Hopfield.sweep`` did: sweeps done, whether it ended at a fixed point, and the records
    (energies (n_sweeps + 1,), overlaps (n_sweeps + 1, P): before the first and after every sweep;
    empty when not recorded)."""
    n_sweeps: int
    fixed_point: bool
    energies: np.ndarray
    overlaps: np.ndarray


class Hopfield:
    """A Hopfield network of ``n_neurons`` units storing patterns and recalling them from probes.

    rule: "hebbian" (w_ij = c Σ_p ξ_iξ_j, c set by ``scale``: "none" 1, "1/N", "1/P", "1/NP"),
    "pseudoinverse" (W = Xᵀ(XXᵀ)⁺X, the projection onto the patterns' span), "storkey"
    (w_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j) per pattern, ``storkey_passes`` passes) or
    "perceptron" (every unit a perceptron that learns its weights and a threshold θ_i until each
    pattern is stable with margin ``margin``: ξ_i(h_i − U_i − θ_i) > κ; ``symmetric`` learns
    w_ij = w_ji jointly (seed 001), else each row alone; at most ``max_epochs`` passes, see
    ``learning_report``). coding: "bipolar" states ±1 (int8) or "binary" 0/1 (uint8).
    thresholds: None (0), a float, or (N,) values U_i. self_connections: keep w_ii (Hebbian and
    pseudo-inverse). tie: "keep" or "plus" (sgn(0) = +1). seed: the generator that picks update
    orders when recall is given no seed.
    """

    def __init__(self, n_neurons: int, rule: str = "hebbian", *, coding: str = "bipolar",
                 scale: str = "none", thresholds=None, seed: int | None = None, margin: float = 0.0,
                 symmetric: bool = True, max_epochs: int = 1000, self_connections: bool = False,
                 tie: str = "keep", storkey_passes: int = 1):
        self._n = check_int("n_neurons", n_neurons, 1)
        check_weight_memory(self._n)
        self._rule = check_choice("rule", rule, RULES)
        self._coding = check_choice("coding", coding, CODINGS)
        self._options = LearningOptions.checked(scale=scale, self_connections=self_connections,
                                                storkey_passes=storkey_passes, margin=margin,
                                                symmetric=symmetric, max_epochs=max_epochs)
        self._tie = check_choice("tie", tie, TIES)
        self._thresholds = self._checked_thresholds(thresholds)
        self._rng = np.random.default_rng(check_seed(seed))
        self._bipolar_patterns = np.zeros((0, self._n), dtype=np.int8)
        self._install_weights(np.zeros((self._n, self._n), dtype=np.float64))
        self._report = LearningReport(self._rule, 0, True)

    # -- configuration -----------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        """N, the number of units."""
        return self._n

    @property
    def rule(self) -> str:
        """The storage rule: "hebbian", "pseudoinverse", "storkey" or "perceptron" (settable)."""
        return self._rule

    @rule.setter
    def rule(self, value: str) -> None:
        """Changing the rule re-stores the current patterns at once."""
        value = check_choice("rule", value, RULES)
        if value != self._rule:
            self._rule = value
            self._learn()

    @property
    def scale(self) -> str:
        """Hebbian weight scale: "none", "1/N", "1/P" or "1/NP" (settable; re-stores)."""
        return self._options.scale

    @scale.setter
    def scale(self, value: str) -> None:
        """Changing the scale re-stores the current patterns at once."""
        self.set_options(scale=value)

    @property
    def learning_options(self) -> LearningOptions:
        """scale, self_connections, storkey_passes, margin, symmetric, max_epochs (see set_options)."""
        return self._options

    @property
    def self_connections(self) -> bool:
        """Whether w_ii is kept (Hebbian, pseudo-inverse)."""
        return self._options.self_connections

    @property
    def storkey_passes(self) -> int:
        """Passes of Storkey's rule over the patterns."""
        return self._options.storkey_passes

    @property
    def margin(self) -> float:
        """The perceptron rule's margin κ ≥ 0."""
        return self._options.margin

    @property
    def symmetric(self) -> bool:
        """Whether the perceptron rule learns symmetric weights (the other rules always do)."""
        return self._options.symmetric

    @property
    def max_epochs(self) -> int:
        """The perceptron rule's bound on passes over the patterns."""
        return self._options.max_epochs

    def set_options(self, **options) -> None:
        """Change learning options (scale, self_connections, storkey_passes, margin, symmetric,
        max_epochs); all are checked first, and the patterns are re-stored once if any changed."""
        new = LearningOptions.checked(**{**asdict(self._options), **options})
        if new != self._options:
            self._options = new
            self._learn()

    @property
    def tie(self) -> str:
        """What a unit does when h_i = U_i: "keep" its state or go up ("plus", sgn(0) = +1) (settable)."""
        return self._tie

    @tie.setter
    def tie(self, value: str) -> None:
        """Dynamics only: the weights stay."""
        self._tie = check_choice("tie", value, TIES)

    @property
    def learning_report(self) -> LearningReport:
        """What the last learning did: (rule, epochs, converged) — see learning.LearningReport."""
        return self._report

    @property
    def learned_thresholds(self) -> np.ndarray:
        """θ_i the perceptron rule learned (added to U_i; zero for the other rules), (N,) (a copy)."""
        return self._theta.copy()

    @property
    def coding(self) -> str:
        """State coding: "bipolar" (±1, int8) or "binary" (0/1, uint8) (settable)."""
        return self._coding

    @coding.setter
    def coding(self, value: str) -> None:
        """States are read in the new coding; weights stay (built from bipolar patterns), except under
        the perceptron rule, which learns in the coding and re-learns."""
        value = check_choice("coding", value, CODINGS)
        if value != self._coding:
            self._coding = value
            if self._rule == "perceptron":
                self._learn()

    @property
    def thresholds(self) -> np.ndarray:
        """U_i per unit, (N,) float64 (a copy)."""
        return self._thresholds.copy()

    @thresholds.setter
    def thresholds(self, value) -> None:
        """None (0), a number for every unit, or (N,) values (the perceptron rule re-learns with them)."""
        self._thresholds = self._checked_thresholds(value)
        if self._rule == "perceptron":
            self._learn()
        else:
            self._effective = self._thresholds + self._theta

    def _checked_thresholds(self, value) -> np.ndarray:
        if value is None:
            return np.zeros(self._n, dtype=np.float64)
        if np.ndim(value) == 0:  # one number for every unit (check_float refuses bools and text)
            return np.full(self._n, check_float("thresholds", value), dtype=np.float64)
        return check_array("thresholds", value, shape=(self._n,), copy=True)

    @property
    def on_value(self) -> int:
        """The "on" state value: +1 (both codings)."""
        return _CODING_VALUES[self._coding][0]

    @property
    def off_value(self) -> int:
        """The "off" state value: −1 bipolar, 0 binary."""
        return _CODING_VALUES[self._coding][1]

    @property
    def state_dtype(self) -> type:
        """The dtype of states in the network's coding: int8 (±1) or uint8 (0/1)."""
        return np.uint8 if self._coding == "binary" else np.int8

    # -- memory --------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """(N, N) float64, w_ij the weight into unit i from unit j (h = W s) — a read-only view.

        Symmetric unless the perceptron rule with symmetric=False; zero diagonal unless self_connections."""
        return _read_only(self._weights)

    @property
    def bipolar_patterns(self) -> np.ndarray:
        """The stored patterns (P, N) as int8 ±1 whatever the coding — a read-only view."""
        return _read_only(self._bipolar_patterns)

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns (P, N) in the network's coding (a copy)."""
        return self.from_bipolar(self._bipolar_patterns)

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
        self._bipolar_patterns = self.to_bipolar(units)
        self._learn()

    def clear(self) -> None:
        """Forget every pattern: W = 0."""
        self._bipolar_patterns = np.zeros((0, self._n), dtype=np.int8)
        self._install_weights(np.zeros((self._n, self._n), dtype=np.float64))
        self._report = LearningReport(self._rule, 0, True)

    @property
    def _keeps_diagonal(self) -> bool:
        """Whether w_ii may be non-zero: self_connections under a rule that has them."""
        return self._options.self_connections and self._rule in ("hebbian", "pseudoinverse")

    def set_memory(self, bipolar_patterns, weights, learned_thresholds=None, *,
                   report: LearningReport | None = None) -> None:
        """Install patterns (P, N) ±1, their weights and learned θ (None: 0) as given, without
        re-learning (saved sessions); ``report``: what ``learning_report`` says (None: nothing learned).

        The weights must be (N, N) and finite; symmetric unless the perceptron rule with
        symmetric=False; with a zero diagonal unless self_connections (Hebbian, pseudo-inverse).
        """
        n = self._n
        pats = check_array("patterns", bipolar_patterns, shape=(None, n), dtype=np.int8, values="bipolar")
        w = check_array("weights", weights, shape=(n, n), copy=True)
        theta = np.zeros(n) if learned_thresholds is None else \
            check_array("learned_thresholds", learned_thresholds, shape=(n,), copy=True)
        if (self._rule != "perceptron" or self._options.symmetric) and not np.array_equal(w, w.T):
            raise ValueError(f"weights must be symmetric (rule={self._rule!r}, symmetric={self._options.symmetric})")
        if not self._keeps_diagonal and np.any(np.diag(w) != 0):
            raise ValueError(f"weights must have a zero diagonal (rule={self._rule!r}, "
                             f"self_connections={self._options.self_connections})")
        if report is not None and not isinstance(report, LearningReport):
            raise ValueError(f"report must be a LearningReport, got {report!r}")
        self._bipolar_patterns = np.ascontiguousarray(pats)
        self._install_weights(w, theta)
        self._report = report if report is not None else LearningReport(self._rule, 0, True)

    def _install_weights(self, weights: np.ndarray, theta: np.ndarray | None = None,
                         symmetric: bool | None = None) -> None:
        """Make ``weights`` (and learned θ, default 0) the network's, with what the kernels read.

        ``symmetric``: whether W = Wᵀ, when the caller knows (None: compared, O(N²))."""
        if symmetric is None:
            symmetric = _symmetric(weights)
        self._weights = weights
        # The kernels read row j as the weights out of unit j (W itself when symmetric).
        self._kernel_weights = weights if symmetric else np.ascontiguousarray(weights.T)
        self._row_sums = np.empty(self._n, dtype=np.float64)
        K.compute_row_sums(self._kernel_weights, self._row_sums)
        self._theta = np.zeros(self._n, dtype=np.float64) if theta is None else theta
        self._effective = self._thresholds + self._theta

    def _learn(self) -> None:
        x = self._bipolar_patterns
        if x.shape[0] == 0:
            self.clear()
            return
        learned = L.learn(self._rule, x, self.from_bipolar(x), self._thresholds, self._options)
        self._install_weights(learned.weights, learned.thresholds)
        self._report = learned.report

    def stable_patterns(self) -> np.ndarray:
        """(P,) bool: which stored patterns are fixed points of the deterministic rule."""
        if self.n_patterns == 0:
            return np.zeros(0, dtype=bool)
        return np.asarray(self.is_fixed_point(self.patterns), dtype=bool).reshape(-1)

    def forget(self, pattern) -> None:
        """Remove one stored memory: ``pattern`` (N,) in the network's coding, or its index.

        Hebbian subtracts its imprint from W (keeping what else W holds, e.g. dreams);
        pseudo-inverse, Storkey and perceptron re-learn from the remaining patterns (which
        drops the changes of ``unlearn`` too). A pattern stored twice loses one copy.
        """
        p = self.n_patterns
        if p == 0:
            raise ValueError("pattern: nothing is stored, so there is nothing to forget")
        if isinstance(pattern, (int, np.integer)) and not isinstance(pattern, (bool, np.bool_)):
            index = check_int("pattern", pattern, 0, p - 1)
        else:
            units, _ = _as_units("pattern", pattern, self._n, self._coding, allow_batch=False)
            hits = np.flatnonzero(np.all(self._bipolar_patterns == self.to_bipolar(units[0]), axis=1))
            if hits.size == 0:
                raise ValueError(f"pattern is not one of the {p} stored patterns (nothing to forget)")
            index = int(hits[0])
        xi = self._bipolar_patterns[index].copy()
        self._bipolar_patterns = np.delete(self._bipolar_patterns, index, axis=0)
        if self._rule == "hebbian" and self._bipolar_patterns.shape[0]:
            self._install_weights(L.hebbian_forget(self._weights, xi, self._options.scale, p,
                                                   self._options.self_connections))
        else:
            self._learn()

    def unlearn(self, n_dreams: int, rate: float = 0.01, seed: int | None = None,
                max_sweeps: int = 100) -> np.ndarray:
        """Hopfield–Feinstein–Palmer "dream sleep": ``n_dreams`` times, relax a random state with the
        async rule (at most ``max_sweeps`` sweeps, the network's tie convention) and subtract
        ``rate`` Hebbian imprints of the state reached: W −= rate·c·s sᵀ (bipolar s; c the factor of
        one imprint — hebbian_factor at the network's scale, 1/N for the other rules). Random starts
        land in the attractors with the widest basins, so the spurious ones are flattened first and
        the stored ones gain stability (HFP 1983). Deterministic per ``seed`` (None: drawn from the
        network's generator). Returns the dreamed states (n_dreams, N) in the coding.
        """
        n_dreams = check_int("n_dreams", n_dreams, 0)
        rate = check_float("rate", rate, 0.0)
        max_sweeps = check_int("max_sweeps", max_sweeps, 1)
        seed = check_seed(seed)
        rng = np.random.default_rng(int(self._rng.integers(0, _MAX_SEED)) if seed is None else seed)
        n, p = self._n, self.n_patterns
        c = L.hebbian_factor(self._options.scale, n, max(p, 1)) if self._rule == "hebbian" else 1.0 / n
        dreams = np.empty((n_dreams, n), dtype=np.int8)
        starts = np.where(rng.random((n_dreams, n)) < 0.5, self.on_value, self.off_value).astype(np.int8)
        rng_states = R.seed_states(int(rng.integers(0, _MAX_SEED)), n_dreams)
        mode_code, _ = _check_dynamics("async", 0.0)
        w = self._weights.copy()  # views handed out earlier keep showing the weights before the dreams
        symmetric = self._kernel_weights is self._weights  # s sᵀ is symmetric: dreams keep it so
        for k in range(n_dreams):
            state = starts[k]
            self._dynamics(state, self._field_of(state), mode_code, 0.0, max_sweeps, True, rng_states[k], False)
            dreams[k] = state
            L.dream_update(w, self.to_bipolar(state), rate * c, self._keeps_diagonal)
            self._install_weights(w, self._theta, symmetric)
        return dreams.astype(self.state_dtype)

    # -- coding ------------------------------------------------------------------------
    def to_bipolar(self, states) -> np.ndarray:
        """States in the network's coding (any shape) → int8 ±1 (a new array; values not checked)."""
        units = np.asarray(states)
        if self._coding == "bipolar":
            return units.astype(np.int8, copy=True)
        return (2 * units.astype(np.int8) - 1).astype(np.int8)

    def from_bipolar(self, bipolar) -> np.ndarray:
        """int8 ±1 values (any shape) → states in the network's coding, of ``state_dtype`` (a new array)."""
        bipolar = np.asarray(bipolar)
        if self._coding == "bipolar":
            return bipolar.astype(np.int8, copy=True)
        return ((bipolar.astype(np.int8) + 1) // 2).astype(np.uint8)

    # -- measurements --------------------------------------------------------------
    def local_field(self, state) -> np.ndarray:
        """h = W s for a state (N,) → (N,) or a batch (B, N) → (B, N), summed as every recall sums it."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        h = np.array([self._field_of(u) for u in units])
        return h if batched else h[0]

    def _field_of(self, units: np.ndarray) -> np.ndarray:
        """h = W s of one checked int8 state, by the kernel that keeps it during recall."""
        field = np.empty(self._n, dtype=np.float64)
        K.compute_local_field(self._kernel_weights, self._row_sums, units, np.int8(self.on_value),
                              np.int8(self.off_value), field)
        return field

    def energy(self, state, field=None) -> float | np.ndarray:
        """E = −½ sᵀWs + Uᵀs of a state (float) or of each row of a batch ((B,) array).

        ``field``: the state's local field h = W s where it is kept (same shape): O(N) per state,
        summed exactly as the recall records sum it.
        """
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        if field is None:
            s = units.astype(np.float64)
            e = -0.5 * np.einsum("bi,bi->b", s @ self._weights, s) + s @ self._effective
        else:
            h = check_array("field", field, shape=np.shape(state), copy=True).reshape(units.shape)
            e = np.array([K.energy_from_field(units[b], h[b], self._effective) for b in range(len(units))])
        return e if batched else float(e[0])

    def overlap(self, state) -> np.ndarray:
        """m_p = (1/N) Σ_i ξ_i^p s_i (bipolar) with each stored pattern: (P,) or (B, P)."""
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        m = self.to_bipolar(units).astype(np.float64) @ self._bipolar_patterns.T.astype(np.float64) / self._n
        return m if batched else m[0]

    def is_fixed_point(self, state, field=None) -> bool | np.ndarray:
        """True where no unit would change under the deterministic threshold rule.

        ``field``: the state's local field h = W s where it is kept (same shape): O(N) per state.
        """
        units, batched = _as_units("state", state, self._n, self._coding, allow_batch=True)
        if field is None:
            h = units.astype(np.float64) @ self._kernel_weights
        else:
            h = check_array("field", field, shape=np.shape(state), copy=True).reshape(units.shape)
        on, off = np.int8(self.on_value), np.int8(self.off_value)
        ok = np.array([K.is_stable(units[b], h[b], self._effective, on, off, self._tie == "plus")
                       for b in range(len(units))])
        return ok if batched else bool(ok[0])

    # -- recall --------------------------------------------------------------------
    def _generator_states(self, seed, count: int) -> np.ndarray:
        """One generator state per probe (count, 4): from one seed (consecutive streams) or one seed each."""
        if seed is None:
            return R.seed_states(int(self._rng.integers(0, _MAX_SEED)), count)
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
            return R.seed_states(check_seed(seed), count)
        try:
            seeds = [check_seed(s, "seed") for s in seed]
        except TypeError:
            raise ValueError(f"seed must be None, a non-negative integer or one per probe, got {seed!r}") from None
        if len(seeds) != count or any(s is None for s in seeds):
            raise ValueError(f"seed must give one non-negative integer per probe ({count}), got {len(seeds)} values")
        return np.array([R.seed_state(s) for s in seeds], dtype=np.uint64).reshape(count, 4)

    def sweep(self, state: np.ndarray, field: np.ndarray, n_sweeps: int, *, mode: str = "async",
              temperature: float = 0.0, seed=None, stop_at_fixed_point: bool = True,
              record: bool = False) -> Sweeps:
        """Advance ``state`` and its local field ``field`` in place by up to ``n_sweeps`` sweeps.

        ``state``: (N,) int8 in the network's coding; ``field``: (N,) float64, its h = W s (as
        ``local_field`` gives it), kept up to date. The deterministic modes stop at a fixed point
        when ``stop_at_fixed_point``; Glauber at T > 0 always does every sweep. ``record``: also
        return the energy and overlaps before the first and after every sweep. ``seed``: the
        generator of the update orders (None: drawn from the network's own).
        """
        check_buffer("state", state, (self._n,), np.int8)
        check_buffer("field", field, (self._n,), np.float64)
        on, off = self.on_value, self.off_value
        if not np.all((state == on) | (state == off)):
            raise ValueError(f"state must hold only {off}/{on} values (coding={self._coding!r})")
        mode_code, temperature = _check_dynamics(mode, temperature)
        n_sweeps = check_int("n_sweeps", n_sweeps, 1)
        stop = check_bool("stop_at_fixed_point", stop_at_fixed_point)
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
        return self._dynamics(state, field, mode_code, temperature, n_sweeps, stop, self._generator_states(seed, 1)[0],
                              check_bool("record", record))

    def _dynamics(self, state, field, mode_code, temperature, n_sweeps, stop, rng_state, record) -> Sweeps:
        """The one call of the dynamics kernel (checked arguments): ``sweep``, ``run`` and ``recall`` use it."""
        length = n_sweeps + 1 if record else 0
        energies = np.empty(length, dtype=np.float64)
        overlaps = np.empty((length, self.n_patterns), dtype=np.float64)
        done, stable = K.run_dynamics(self._kernel_weights, state, field, self._effective, np.int8(self.on_value),
                                      np.int8(self.off_value), mode_code, temperature, n_sweeps, stop, rng_state,
                                      self._bipolar_patterns, energies, overlaps, self._tie == "plus")
        if record:
            energies, overlaps = energies[: done + 1], overlaps[: done + 1]
        return Sweeps(int(done), bool(stable), energies, overlaps)

    def recall(self, probe, mode: str = "async", max_sweeps: int = 100, temperature: float = 0.0,
               seed=None) -> np.ndarray:
        """Run the dynamics from ``probe`` (N,) or each row of (B, N) to a fixed point or max_sweeps.

        Returns the final state(s) in the network's coding. Batches run in parallel; probe b
        with seed s_b ends exactly as ``recall(probe[b], seed=s_b)``. ``seed``: None (drawn from
        the network's generator), an int (a batch draws consecutive streams from it, so its first
        probe ends as ``recall(probe[0], seed=seed)``), or one int per probe.
        """
        mode_code, temperature = _check_dynamics(mode, temperature)
        max_sweeps = check_int("max_sweeps", max_sweeps, 1)
        states, batched = _as_units("probe", probe, self._n, self._coding, allow_batch=True)
        rng_states = self._generator_states(seed, states.shape[0])
        if not batched:
            state = states[0]
            self._dynamics(state, self._field_of(state), mode_code, temperature, max_sweeps, True, rng_states[0],
                           False)
            return state.astype(self.state_dtype)
        n_sweeps = np.zeros(states.shape[0], dtype=np.int64)
        converged = np.zeros(states.shape[0], dtype=np.bool_)
        K.run_batch(self._kernel_weights, self._row_sums, states, self._effective, np.int8(self.on_value),
                    np.int8(self.off_value), mode_code, temperature, max_sweeps, rng_states, n_sweeps, converged,
                    self._tie == "plus")
        return states.astype(self.state_dtype)

    def run(self, probe, mode: str = "async", max_sweeps: int = 100, temperature: float = 0.0,
            seed=None, stop_at_fixed_point: bool = True) -> RecallResult:
        """Recall one probe (N,) and return the trajectory record (energies, overlaps per sweep)."""
        max_sweeps = check_int("max_sweeps", max_sweeps, 1)
        states, _ = _as_units("probe", probe, self._n, self._coding, allow_batch=False)
        state = states[0]
        res = self.sweep(state, self._field_of(state), max_sweeps, mode=mode, temperature=temperature,
                         seed=seed, stop_at_fixed_point=stop_at_fixed_point, record=True)
        return RecallResult(state=state.astype(self.state_dtype), energies=res.energies.copy(),
                            overlaps=res.overlaps.copy(), n_sweeps=res.n_sweeps, converged=res.fixed_point)

    def __repr__(self) -> str:
        return (f"Hopfield(n_neurons={self._n}, rule={self._rule!r}, coding={self._coding!r}, "
                f"scale={self.scale!r}, n_patterns={self.n_patterns})")


def _check_dynamics(mode, temperature) -> tuple[int, float]:
    """The kernel's code of a checked update mode, and a checked temperature."""
    return K.MODES[check_choice("mode", mode, MODES)], check_float("temperature", temperature, 0.0)


def _read_only(arr: np.ndarray) -> np.ndarray:
    view = arr.view()
    view.flags.writeable = False
    return view


def _symmetric(w: np.ndarray) -> bool:
    """Whether W = Wᵀ, compared in blocks of rows with a stop check before each (engine/interrupt.py):
    a 64×64 network's W against its transpose is a tenth of a second in one call."""
    rows = max(1, (1 << 20) // max(1, w.shape[1]))
    for start in range(0, w.shape[0], rows):
        interrupt.check()
        if not np.array_equal(w[start:start + rows], w[:, start:start + rows].T):
            return False
    return True
