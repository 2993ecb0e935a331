"""The modern (continuous) Hopfield network of Ramsauer et al. 2020, "Hopfield Networks is All You
Need" (seed 001 points to it as the far end of the lineage that starts at the linear associator).

Stored patterns are the rows of X (P, N). A state ξ (N,) is updated by

    ξ ← Xᵀ softmax(β X ξ)

which is attention with the stored patterns as keys and values. The update never raises the energy

    E(ξ) = −β⁻¹ log Σ_i exp(β x_iᵀξ) + ½ ξᵀξ + β⁻¹ log P + ½ M²,   M = max_i ‖x_i‖

(the constant makes E ≥ 0; the update is the concave–convex procedure on E). β sets the regime: at
small β every pattern gets the same weight and ξ goes to the mean of the stored patterns (a global
fixed point); at intermediate β ξ settles on a mixture of similar patterns (metastable states); at
large β the softmax is one-hot and one update retrieves the nearest stored pattern.

``ModernHopfieldModel`` (below) is what the GUI and the CLI run (registered as "modern-hopfield"; one
step = one update). It drives a ``ModernHopfield`` through its public API only. Its images are kept
in [−1, 1] (MNIST grey levels 2·x/255 − 1, letters ±1) so that an occluded part of a probe, set to 0,
says nothing either way; the views show them mapped back to [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import (check_array, check_choice, check_float, check_int, check_memory, state_entry,
                               state_int)

DTYPES = ("float64", "float32")
# Weights below eps/P are dropped from the second product at large β (their sum is below eps, the
# dtype's rounding), and when at most this fraction of them is left the product is a sparse one.
SPARSE_FRACTION = 0.02
# Scores and weights are (chunk, P) temporaries: probes go through in chunks whose temporaries take
# at most this many bytes, so 10⁵ probes against 10⁴ patterns never need gigabytes.
CHUNK_BYTES = 32 * 2**20
# A chunk of probes that leaves features at zero (the unknown half of an occluded digit) needs X ξ
# only over the other features: the zeros add exactly nothing. When at most this fraction of the
# features is in use the scores come from those columns alone (half the work for half-known probes).
PARTIAL_FEATURES = 0.875


class ModernHopfield:
    """A modern Hopfield network: stored patterns X (P, N), retrieval ξ ← Xᵀ softmax(β X ξ).

    beta: the inverse temperature β > 0. dtype: "float64" or "float32" — the precision the patterns
    are kept in and retrieval computes in (float32 halves the memory and doubles the BLAS speed);
    the energy is always summed in float64. Deterministic: no random numbers anywhere.
    """

    def __init__(self, beta: float = 1.0, *, dtype: str = "float64"):
        self._beta = check_float("beta", beta, 0.0, lo_open=True)
        self._dtype = np.dtype(check_choice("dtype", dtype, DTYPES))
        self._patterns = np.zeros((0, 0), dtype=self._dtype)

    # -- configuration ----------------------------------------------------------------
    @property
    def beta(self) -> float:
        """The inverse temperature β > 0 (settable; takes effect at the next update)."""
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        self._beta = check_float("beta", value, 0.0, lo_open=True)

    @property
    def dtype(self) -> np.dtype:
        """The precision of the stored patterns and of retrieval."""
        return self._dtype

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns X (P, N) — a read-only view."""
        view = self._patterns.view()
        view.flags.writeable = False
        return view

    @property
    def n_patterns(self) -> int:
        """P, the number of stored patterns."""
        return int(self._patterns.shape[0])

    @property
    def n_features(self) -> int:
        """N, the length of a pattern (0 before anything is stored)."""
        return int(self._patterns.shape[1])

    def store(self, patterns: Any) -> None:
        """Replace what is stored by ``patterns`` (P, N): any finite values (continuous, ±1 or 0/1)."""
        x = check_array("patterns", patterns, ndim=2, non_empty=True, dtype=None)
        check_memory(f"patterns of shape {x.shape}", 2.0 * x.size * self._dtype.itemsize,
                     hint="the patterns are kept once, plus a copy while they are converted")
        x = check_array("patterns", x, dtype=self._dtype, copy=True)
        self._patterns = x
        self._half_m2 = 0.5 * float(np.max(np.einsum("pn,pn->p", x, x, dtype=np.float64)))

    def _require_patterns(self) -> None:
        if self.n_patterns == 0:
            raise ValueError("no patterns stored; call store(patterns) first")

    def _probes(self, name: str, value: Any) -> tuple[np.ndarray, bool]:
        """A state (N,) or a batch (B, N) → a C-contiguous (B, N) array of the network's dtype, batched."""
        self._require_patterns()
        arr = check_array(name, value, ndim=(1, 2), non_empty=True, dtype=None)
        if arr.shape[-1] != self.n_features:
            raise ValueError(f"{name} must have {self.n_features} values per state (the stored patterns' "
                             f"length), got shape {arr.shape}")
        # always a fresh array: retrieval updates the states in place, never the caller's probe
        return np.array(arr.reshape(-1, self.n_features), dtype=self._dtype, order="C", copy=True), arr.ndim == 2

    def _chunk_rows(self) -> int:
        return max(1, CHUNK_BYTES // (self.n_patterns * self._dtype.itemsize))

    # -- the update ------------------------------------------------------------------------
    def _scores_into(self, block: np.ndarray, out: np.ndarray, columns: dict) -> np.ndarray:
        """out = block @ Xᵀ, over the features some row of ``block`` uses when few enough are
        (PARTIAL_FEATURES); ``columns`` keeps X's gathered columns per feature set for the call."""
        used = np.flatnonzero(np.any(block != 0, axis=0))
        if used.size > PARTIAL_FEATURES * block.shape[1]:
            return np.matmul(block, self._patterns.T, out=out)
        key = used.tobytes()
        if key not in columns:
            columns.clear()   # one gathered copy at a time: a (P, used) array is as big as X's part
            columns[key] = np.ascontiguousarray(self._patterns[:, used])
        return np.matmul(block[:, used], columns[key].T, out=out)

    def _softmax_into(self, scores: np.ndarray) -> np.ndarray:
        """In place: rows of X ξ → softmax(β X ξ), shifted by each row's maximum so exp never overflows."""
        scores -= scores.max(axis=1, keepdims=True)
        scores *= self._dtype.type(self._beta)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def _weighted_sum_into(self, weights: np.ndarray, out: np.ndarray) -> None:
        """out = weights @ X. At large β nearly every weight is below eps/P — all of them together
        weigh less than one rounding of the result — so those are dropped and the product is sparse:
        a scan of each row and a few patterns added per probe (engine/kernels/modern.py)."""
        threshold = np.finfo(self._dtype).eps / self.n_patterns
        if np.count_nonzero(weights >= threshold) > SPARSE_FRACTION * weights.size:
            np.matmul(weights, self._patterns, out=out)
            return
        from engine.kernels.modern import weighted_sum_above  # only where the softmax is nearly one-hot
        weighted_sum_above(weights, self._dtype.type(threshold), self._patterns, out)

    def attention(self, probe: Any) -> np.ndarray:
        """softmax(β X ξ): the weight of each stored pattern for a state (N,) → (P,), or (B, N) → (B, P)."""
        states, batched = self._probes("probe", probe)
        out = np.empty((states.shape[0], self.n_patterns), dtype=self._dtype)
        columns: dict = {}
        for lo in range(0, states.shape[0], self._chunk_rows()):
            hi = min(lo + self._chunk_rows(), states.shape[0])
            self._softmax_into(self._scores_into(states[lo:hi], out[lo:hi], columns))
        return out if batched else out[0]

    def retrieve(self, probe: Any, n_steps: int = 1) -> np.ndarray:
        """``n_steps`` updates ξ ← Xᵀ softmax(β X ξ) of a state (N,) or of every row of a batch (B, N).

        Returns a new array of the same shape (the network's dtype). A batch goes through BLAS in
        chunks of rows, so memory stays bounded however many probes there are.
        """
        states, batched = self._probes("probe", probe)
        n_steps = check_int("n_steps", n_steps, 1)
        rows = self._chunk_rows()
        scores = np.empty((min(rows, states.shape[0]), self.n_patterns), dtype=self._dtype)
        columns: dict = {}
        for lo in range(0, states.shape[0], rows):
            hi = min(lo + rows, states.shape[0])
            block = states[lo:hi]
            s = scores[: hi - lo]
            for _ in range(n_steps):
                self._scores_into(block, s, columns)
                self._weighted_sum_into(self._softmax_into(s), block)
        return states if batched else states[0]

    # -- measurements ------------------------------------------------------------------------
    def energy(self, state: Any) -> float | np.ndarray:
        """E(ξ) = −β⁻¹ log Σ_i exp(β x_iᵀξ) + ½ ξᵀξ + β⁻¹ log P + ½ M² of a state (float) or of each
        row of a batch ((B,) array); summed in float64, the log-sum-exp shifted by its maximum."""
        states, batched = self._probes("state", state)
        xi = states.astype(np.float64)
        x = self._patterns.astype(np.float64, copy=False)
        out = np.empty(xi.shape[0], dtype=np.float64)
        beta = self._beta
        rows = max(1, CHUNK_BYTES // (8 * self.n_patterns))
        for lo in range(0, xi.shape[0], rows):
            s = xi[lo:lo + rows] @ x.T
            top = s.max(axis=1)
            lse = top + np.log(np.exp(beta * (s - top[:, None])).sum(axis=1)) / beta
            out[lo:lo + rows] = -lse + 0.5 * np.einsum("bn,bn->b", xi[lo:lo + rows], xi[lo:lo + rows])
        out += np.log(self.n_patterns) / beta + self._half_m2
        return out if batched else float(out[0])

    def nearest(self, state: Any) -> np.ndarray | int:
        """Index of the stored pattern with the largest dot product x_iᵀξ (what β → ∞ retrieves)."""
        states, batched = self._probes("state", state)
        idx = np.empty(states.shape[0], dtype=np.int64)
        for lo in range(0, states.shape[0], self._chunk_rows()):
            idx[lo:lo + self._chunk_rows()] = np.argmax(states[lo:lo + self._chunk_rows()] @ self._patterns.T, axis=1)
        return idx if batched else int(idx[0])

    def __repr__(self) -> str:
        return (f"ModernHopfield(beta={self._beta!r}, dtype={self._dtype.name!r}, n_patterns={self.n_patterns}, "
                f"n_features={self.n_features})")


# --------------------------------------------------------------------------- the GUI model
SIDE = 28                                   # MNIST's 28×28; letters are drawn at 28 (4 × the 7×7 glyphs)
N_UNITS = SIDE * SIDE
DATASETS = ("mnist", "letters")
CORRUPTIONS = ("occlude bottom half", "flip noise", "none")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
N_TOP = 8                                   # the most-attended stored patterns shown as images
RETRIEVE_LIMIT = 100                        # the Retrieve action's bound on updates
CONVERGED = 1e-9                            # ‖Δξ‖∞ under which an update changed nothing


def dataset_patterns(name: str, n: int) -> np.ndarray:
    """The stored set of a dataset preset in [−1, 1], (n, 784): the first n MNIST training digits, or
    the 26 letters A–Z at 28×28 (``n`` ignored)."""
    from engine import datasets  # lazy: data is loaded when a model is built, not when it is listed
    if name == "letters":
        glyphs = datasets.letters(LETTERS, size=SIDE)
        return 2.0 * glyphs.reshape(len(LETTERS), N_UNITS).astype(np.float64) - 1.0
    images, _ = datasets.load_mnist("train", n)
    return images.reshape(n, N_UNITS).astype(np.float64) * (2.0 / 255.0) - 1.0


def entropy(weights: np.ndarray) -> float:
    """The softmax weights' entropy in nats: log P when every pattern counts alike, 0 when one does."""
    w = weights[weights > 0]
    return float(-(w * np.log(w)).sum())


class ModernHopfieldModel(Model):
    """Stored digits or letters, a probe made from one of them, and the softmax update that retrieves."""

    name = "modern-hopfield"
    title = "Modern Hopfield"
    unit = "update"
    default_rate = 2.0   # a retrieval takes one to a few updates: slow enough to watch each
    max_rate = 200.0
    pattern_editor = True

    @dataclass(frozen=True)
    class Params:
        dataset: str = param("mnist", label="Stored set", choices=DATASETS,
                             help="mnist: the first n MNIST training digits (grey levels in [−1, 1]); letters: "
                                  "A–Z at 28×28 (±1). The pattern editor's Store replaces the set by its own.")
        n_stored: int = param(100, label="Digits stored", min=2, max=1000, step=1,
                              help="How many MNIST digits are stored (the letters are always 26).")
        beta: float = param(0.05, label="Inverse temperature β", min=1e-4, max=10.0, log=True,
                            marks={"average": 1e-3, "mixtures": 0.05, "retrieval": 1.0},
                            help="ξ ← Xᵀ softmax(β X ξ). Small β: every pattern weighs the same and ξ goes to "
                                 "their mean; middle: metastable mixtures of similar patterns; large β: the "
                                 "softmax is one-hot and one update retrieves a single stored pattern.")
        corruption: str = param("occlude bottom half", label="Probe", choices=CORRUPTIONS,
                                help="How the probe is made from the chosen stored pattern: its bottom half "
                                     "set to 0 (unknown), a fraction of its pixels negated, or unchanged.")
        noise: float = param(0.3, label="Noise fraction", min=0.0, max=1.0, step=0.05,
                             help="The fraction of pixels negated by 'flip noise' (chosen with the seed).")
        probe_index: int = param(0, label="Probe pattern", min=0, max=999, step=1,
                                 help="Which stored pattern (0 = the first) the probe is made from "
                                      "(taken modulo the number stored).")

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.net = ModernHopfield(self.params.beta)
        self.net.store(dataset_patterns(self.params.dataset, self.params.n_stored))
        self._patterns_copy: np.ndarray | None = None
        self._new_probe()

    # -- state ----------------------------------------------------------------------------
    @property
    def pattern_shape(self) -> tuple[int, int]:
        """(rows, cols) of a pattern image."""
        return (SIDE, SIDE)

    @property
    def state_vector(self) -> np.ndarray:
        """The current state ξ (N,) (a copy)."""
        return self._state.copy()

    def _install_probe(self, probe: np.ndarray) -> None:
        self._probe = np.array(probe, dtype=np.float64, copy=True)
        self._state = self._probe.copy()
        self._energy = History()
        self._energy.append(self.net.energy(self._state))
        self._weights = self.net.attention(self._state)

    def _new_probe(self, source: int | None = None) -> None:
        """Stored pattern ``source`` (default: the probe_index parameter, modulo the number stored),
        corrupted as the parameters say (noise drawn from the model's generator)."""
        p = self.params
        self._source = p.probe_index % self.net.n_patterns if source is None else source
        x = np.array(self.net.patterns[self._source], dtype=np.float64)
        if p.corruption == "occlude bottom half":
            x[N_UNITS // 2:] = 0.0
        elif p.corruption == "flip noise":
            flip = self.rng.choice(N_UNITS, size=int(round(p.noise * N_UNITS)), replace=False)
            x[flip] = -x[flip]
        self._install_probe(x)

    @staticmethod
    def _image_values(name: str, value: Any) -> np.ndarray:
        """Images (..., N) with values in [−1, 1]; an array of only 0/1 values is binary coding, mapped to ±1."""
        arr = check_array(name, value, values=(-1.0, 1.0), copy=True)
        return 2.0 * arr - 1.0 if np.all((arr == 0) | (arr == 1)) else arr

    # -- what the GUI calls -------------------------------------------------------------
    def set_patterns(self, patterns) -> None:
        """Store (P, 784) or (P, 28, 28) images (±1 or 0/1) in place of the dataset; an empty set brings
        the dataset back (the network never stands empty). A new probe follows."""
        arr = check_array("patterns", patterns, dtype=None)
        if arr.size == 0:
            arr = dataset_patterns(self.params.dataset, self.params.n_stored)
        if arr.ndim == 3 and arr.shape[1:] == (SIDE, SIDE):
            arr = arr.reshape(arr.shape[0], N_UNITS)
        if arr.ndim != 2 or arr.shape[1] != N_UNITS or arr.shape[0] == 0:
            raise ValueError(f"patterns must have shape (P, {N_UNITS}) or (P, {SIDE}, {SIDE}) with P ≥ 1, "
                             f"got {arr.shape}")
        self.net.store(self._image_values("patterns", arr))
        self._patterns_copy = None
        self._new_probe()

    def set_probe(self, x) -> None:
        """Make ``x`` ((784,) or (28, 28), ±1 or 0/1) the probe and the state; the energy curve restarts."""
        arr = check_array("x", x, dtype=None)
        if arr.shape not in ((N_UNITS,), (SIDE, SIDE)):
            raise ValueError(f"x must have shape ({N_UNITS},) or ({SIDE}, {SIDE}), got {arr.shape}")
        self._install_probe(self._image_values("x", arr).reshape(-1))

    def paint(self, key: str, index, value: float) -> None:
        """Paint pixels of the probe (flat indices) to +1 or −1; the state starts again from it."""
        if key != "probe":
            raise ValueError(f"key must be 'probe' (the paintable view), got {key!r}")
        idx = check_array("index", index, dtype=None).reshape(-1)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= N_UNITS):
            raise ValueError(f"index must hold flat pixel indices in [0, {N_UNITS - 1}], got {idx[:6].tolist()}")
        if isinstance(value, (bool, np.bool_)) or value not in (1, -1, 0):
            raise ValueError(f"value must be +1 (on) or −1 / 0 (off), got {value!r}")
        probe = self._probe.copy()
        probe[idx.astype(np.int64)] = 1.0 if value == 1 else -1.0
        self._install_probe(probe)

    def new_probe(self) -> None:
        """A probe from a stored pattern drawn at random (the model's generator), corrupted as set."""
        self._new_probe(int(self.rng.integers(self.net.n_patterns)))

    def restore_probe(self) -> None:
        """Back to the probe: the state starts again from it."""
        self._install_probe(self._probe)

    def retrieve(self) -> None:
        """Update until the state stops changing (at most 100 updates)."""
        for _ in range(RETRIEVE_LIMIT):
            if self._update() < CONVERGED:
                break

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        """Buttons: retrieve to a fixed point, a probe from the next pattern, back to the probe."""
        return [("retrieve", "Retrieve", "Update until the state stops changing (at most 100 updates)"),
                ("new_probe", "Random probe", "A probe from a stored pattern drawn at random, corrupted as set"),
                ("restore_probe", "Back to probe", "Start again from the probe")]

    # -- the contract ----------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """t = 0, fresh generator; keeps the stored patterns, makes the probe again."""
        super().reset(seed)
        self._new_probe()

    def _update(self) -> float:
        """One update of the state; returns how far it moved (max |Δξ|)."""
        new = self.net.retrieve(self._state)
        moved = float(np.max(np.abs(new - self._state)))
        self._state = new
        self._energy.append(self.net.energy(new))
        self._weights = self.net.attention(new)
        self.t += 1
        return moved

    def step(self, n: int = 1) -> None:
        """n updates ξ ← Xᵀ softmax(β X ξ)."""
        for _ in range(check_int("n", n, 1)):
            self._update()

    def apply_params(self, old, new) -> None:
        """β re-weighs at once (the energy is a new function: a gap in its curve); the stored set,
        its size or the probe settings make a new probe."""
        if (old.dataset, old.n_stored) != (new.dataset, new.n_stored):
            self.net.store(dataset_patterns(new.dataset, new.n_stored))
            self._patterns_copy = None
            self._new_probe()
            return
        if old.beta != new.beta:
            self.net.beta = new.beta
            self._energy.append(np.nan)
            self._energy.append(self.net.energy(self._state))
            self._weights = self.net.attention(self._state)
        if (old.corruption, old.noise, old.probe_index) != (new.corruption, new.noise, new.probe_index):
            self._new_probe()

    def snapshot(self) -> Snapshot:
        """Probe and state images, the softmax weights, the energy curve, the most-attended patterns."""
        if self._patterns_copy is None:
            self._patterns_copy = _shown(self.net.patterns).reshape(-1, SIDE, SIDE)
            self._patterns_copy.flags.writeable = False
        weights = np.asarray(self._weights, dtype=np.float64)
        top = np.argsort(weights)[::-1][:N_TOP]
        data = {
            "probe": _shown(self._probe).reshape(SIDE, SIDE),
            "state": _shown(self._state).reshape(SIDE, SIDE),
            "attention": weights.copy(),
            "energy": self._energy.array(),
            "top": self._patterns_copy[top].copy(),
            "top_index": top.astype(np.int64),
            self.patterns_key: self._patterns_copy,
            "entropy": entropy(weights),
            "max_weight": float(weights.max()),
            "energy_now": float(self.net.energy(self._state)),
            "nearest": float(self.net.nearest(self._state)),
            "n_patterns": float(self.net.n_patterns),
            "probe_source": float(self._source),
        }
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def views(self) -> list[ViewSpec]:
        """The retrieved state (main), the probe (paintable), softmax weights, energy, top patterns."""
        return [
            ViewSpec("state", "lattice", "Retrieved state ξ", colormap="gray", main=True),
            ViewSpec("probe", "lattice", "Probe", colormap="gray", paintable=True),
            ViewSpec("attention", "bars", "Softmax weights over stored patterns", x_label="stored pattern",
                     y_label="weight"),
            ViewSpec("energy", "curve", "Energy E = −β⁻¹ lse(β Xξ) + ½ξᵀξ + C", x_label="update", y_label="E"),
            ViewSpec("top", "image_grid", "Most attended stored patterns", colormap="gray",
                     extra={"columns": 4}),
        ]

    # -- save / load -----------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        """Stored patterns, probe, state and energy curve, for engine.io."""
        return {"patterns": np.array(self.net.patterns), "probe": self._probe, "xi": self._state,
                "energy_history": self._energy.array(), "probe_source": np.array(self._source, dtype=np.int64)}

    def load_extra_state(self, state) -> None:
        """Inverse of extra_state; checks every entry and raises ValueError naming it."""
        patterns = state_entry(state, "patterns", shape=(None, N_UNITS), non_empty=True)
        probe = state_entry(state, "probe", shape=(N_UNITS,), copy=True)
        xi = state_entry(state, "xi", shape=(N_UNITS,), copy=True)
        energy = state_entry(state, "energy_history", ndim=1, finite=False)
        if np.isinf(energy).any():
            raise ValueError("state['energy_history'] contains infinite values")
        source = state_int(state, "probe_source", 0, patterns.shape[0] - 1)
        net = ModernHopfield(self.params.beta)
        net.store(patterns)
        self._source = source
        self.net = net
        self._patterns_copy = None
        self._probe, self._state = probe, xi
        self._energy = History()
        self._energy.load(energy)
        self._weights = self.net.attention(self._state)


def _shown(values: np.ndarray) -> np.ndarray:
    """[−1, 1] image values → [0, 1] for the grey views (a new float64 array)."""
    return np.clip((np.asarray(values, dtype=np.float64) + 1.0) * 0.5, 0.0, 1.0)
