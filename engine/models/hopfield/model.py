"""``HopfieldModel``: the Hopfield network the GUI and the CLI run (registered as "hopfield";
one step = one sweep). It drives a ``Hopfield`` (network.py) through its public API only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.models.hopfield.learning import TIES, LearningReport
from engine.models.hopfield.network import CODINGS, MODES, RULES, SCALES, Hopfield
from engine.validation import check_array, check_int, state_entry, state_int


def demo_letters(rows: int, cols: int, text: str = "TUC") -> np.ndarray:
    """``text`` as 0/1 letter images (len, rows, cols): the largest letter size that fits, centred."""
    from engine import datasets  # lazy: the data module is only needed to build a demo
    side = min(rows, cols)
    if side < 3:   # no letter fits a grid of one or two rows (the seed's 5-neuron example is 1×5)
        return np.zeros((0, rows, cols), dtype=np.uint8)
    size = 3 if side < 7 else 7 * min(side // 7, 9)
    glyphs = datasets.letters(text, size=size)
    out = np.zeros((len(text), rows, cols), dtype=np.uint8)
    top, left = (rows - size) // 2, (cols - size) // 2
    out[:, top:top + size, left:left + size] = glyphs
    return out


DEMO_NOISE = 0.2
_OVERLAP_LABELS = tuple(f"pattern {k + 1}" for k in range(256))


RECORD_CHUNK = 4096  # sweeps per Hopfield.sweep call inside one step(n)
MAX_REPEAT_RECORDS = 16
# the Params that are Hopfield learning options (Hopfield.set_options): a change re-learns the weights
LEARNING_OPTIONS = ("scale", "self_connections", "storkey_passes", "margin", "symmetric", "max_epochs")


class HopfieldModel(Model):
    """The Hopfield network the GUI runs: stored patterns, a probe state, recall sweeps."""

    name = "hopfield"
    title = "Hopfield"
    unit = "sweep"
    default_rate = 2.0  # a recall takes a few sweeps: slow enough to watch it happen
    # "max" speed in the window: a recall takes a few sweeps, and at a fixed point further sweeps
    # change nothing, so counting millions of them a second tells a viewer nothing.
    # (Unbounded, it used to stall the window: cheap steps are Python work that held the GIL
    # against the GUI's painting; the engine thread now waits for the GUI instead, see hebbgui/worker/engine.py.)
    max_rate = 1000.0
    pattern_editor = True  # pattern_shape, set_patterns, set_probe; snapshot["patterns"] is (k, rows, cols)

    @dataclass(frozen=True)
    class Params:
        rows: int = param(7, label="Rows", min=1, max=64, step=1, live=False,
                          help="Pattern image height (N = rows·cols units). Changing the size drops the "
                               "stored patterns (they no longer fit) and re-makes the demo letters T, U, C.")
        cols: int = param(7, label="Columns", min=1, max=64, step=1, live=False,
                          help="Pattern image width (N = rows·cols units). Changing the size drops the "
                               "stored patterns (they no longer fit) and re-makes the demo letters T, U, C.")
        rule: str = param("hebbian", label="Learning rule", choices=RULES, group="rule",
                          help="hebbian: w_ij = Σ_p ξ_i ξ_j; pseudoinverse: W = Xᵀ(XXᵀ)⁺X (projection onto "
                               "the patterns); storkey: w_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j); "
                               "perceptron: every unit learns its weights and a threshold as a perceptron "
                               "until each pattern is stable with the margin κ (seed 001; stores up to 2N random "
                               "patterns). A change re-stores the patterns at once and starts a new energy curve "
                               "segment (a gap: E is a different function from there).")
        mode: str = param("async", label="Update", choices=MODES,
                          help="async: units one by one in a fresh random order, s_i = sgn(h_i − U_i); "
                               "sync: all units at once (may 2-cycle); energy: N random site picks, flip when "
                               "ΔE < 0; glauber: P(s_i = on) = 1/(1 + exp(−Δ(h_i − U_i)/T)), Δ = 2 bipolar, 1 binary.")
        temperature: float = param(0.0, label="Temperature T", min=0.0, max=10.0, step=0.05,
                                   help="Noise of the glauber update (T = 0 is the deterministic rule); "
                                        "the other modes ignore it.")
        scale: str = param("none", label="Hebbian scale", choices=SCALES,
                           help="w_ij = c Σ_p ξ_i ξ_j with c = 1, 1/N, 1/P (seed 002's λ = 1/p) or 1/(NP) "
                                "(hebbian only). Same recall at U = 0; changes the energy scale and how "
                                "thresholds compare.")
        self_connections: bool = param(False, label="Self-connections",
                                       help="Keep w_ii (the diagonal of Σ ξξᵀ, as seed 001's tables do; "
                                            "pseudoinverse: of X⁺X). Storkey and perceptron have none.")
        tie: str = param("keep", label="On a tie (h = U)", choices=TIES,
                         help="keep: a unit with h_i = U_i keeps its state; plus: it goes on, sgn(0) = +1 "
                              "(seeds 001 and 003).")
        storkey_passes: int = param(1, label="Storkey passes", min=1, max=50, step=1,
                                    help="Passes of Storkey's rule over the patterns (seed 000 §2-11 uses 5).")
        margin: float = param(0.0, label="Perceptron margin κ", min=0.0, max=10.0, step=0.1,
                              help="Perceptron rule: learn until ξ_i(h_i − U_i − θ_i) > κ for every unit and "
                                   "pattern (fields of 1/N-scaled weights). A larger κ gives wider basins and "
                                   "lower capacity.")
        symmetric: bool = param(True, label="Perceptron symmetric",
                                help="Perceptron rule: learn w_ij = w_ji jointly (seed 001's vector over i < j "
                                     "and the thresholds; the energy stays a Lyapunov function), or each unit's "
                                     "row alone (asymmetric W).")
        max_epochs: int = param(1000, label="Perceptron epochs", min=1, max=100000, step=1,
                                help="Perceptron rule: at most this many passes over the patterns; the "
                                     "'learning' readout says whether it converged.")
        n_dreams: int = param(100, label="Dreams", min=1, max=100000, step=10,
                              help="Dream (unlearn): how many random states relax and are unlearned "
                                   "(Hopfield, Feinstein & Palmer 1983). Over capacity it removes spurious "
                                   "attractors first; too much sleep erases the stored patterns too (below "
                                   "capacity most dreams end in one of them).")
        dream_rate: float = param(0.01, label="Dream rate ε", min=0.0001, max=1.0, step=0.005,
                                  help="Dream (unlearn): each dream subtracts ε Hebbian imprints of the state "
                                       "reached, W −= ε·c·s sᵀ.")
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
        self.net = self._new_net_with_demo()
        self._memory_changed()
        self._new_probe_from_rng()

    def _new_net(self, n: int) -> Hopfield:
        p = self.params
        return Hopfield(n, p.rule, coding=p.coding, thresholds=p.threshold, tie=p.tie,
                        **{k: getattr(p, k) for k in LEARNING_OPTIONS})

    def _new_net_with_demo(self) -> Hopfield:
        """A network of the current size storing the demo letters T, U, C."""
        rows, cols = self.pattern_shape
        net = self._new_net(rows * cols)
        letters = demo_letters(rows, cols)
        if len(letters):
            net.store(net.from_bipolar(2 * letters.reshape(-1, rows * cols).astype(np.int8) - 1))
        return net

    # -- state helpers ---------------------------------------------------------------
    @property
    def pattern_shape(self) -> tuple[int, int]:
        """(rows, cols) of a pattern image."""
        return (self.params.rows, self.params.cols)

    @property
    def patterns(self) -> np.ndarray:
        """Stored patterns (P, N) int8 ±1 (a copy)."""
        return self.net.bipolar_patterns.copy()

    @property
    def probe_state(self) -> np.ndarray:
        """The current state (N,) in the model's coding (a copy)."""
        return self._state.astype(self.net.state_dtype)

    def _units(self, bipolar: np.ndarray) -> np.ndarray:
        """±1 values → the int8 units of the model's coding (the kernels' state dtype)."""
        return self.net.from_bipolar(bipolar).astype(np.int8)

    def _memory_changed(self) -> None:
        self._weights_copy = None
        self._patterns_copy = None
        self._memory_table = None

    def _refresh_field(self) -> None:
        self._field = self.net.local_field(self._state)

    def _energy_now(self) -> float:
        return self.net.energy(self._state, field=self._field)

    def _is_stable(self) -> bool:
        return self.net.is_fixed_point(self._state, field=self._field)

    def _restart_histories(self) -> None:
        self._energy = History()
        self._overlap = History(width=self.net.n_patterns)
        self._sweeps_since_probe = 0
        self._sweeps_to_fixed_point = 0 if self._is_stable() else -1
        self._state_edited = False
        self._record_now()

    def _record_now(self) -> None:
        """Record the current state's energy and overlaps (the first point of a curve segment)."""
        self._energy.append(self._energy_now())
        self._overlap.append(self.net.overlap(self._state))

    def _break_segment(self) -> None:
        """Start a new curve segment: a NaN record (the views draw a gap there), then the current state.

        Called when E(s) itself changes (rule, scale, threshold, coding re-define the weights or the
        energy function) and when the state was edited outside the dynamics (painting): the records
        on either side are not one recall, so joining them could show the energy rising — which the
        async dynamics at T = 0 never does. Each segment is one recall under one energy function."""
        self._energy.append(np.nan)
        self._overlap.append(np.full(self.net.n_patterns, np.nan))
        self._state_edited = False
        self._record_now()

    def _install_state(self, units: np.ndarray) -> None:
        self._state = np.ascontiguousarray(units, dtype=np.int8).copy()
        self._initial_probe = self._state.copy()
        self._refresh_field()
        self._restart_histories()

    def _new_probe_from_rng(self) -> None:
        """The demo probe: the first stored pattern with 20 % of its units flipped (seeded)."""
        n = self.net.n_neurons
        if self.net.n_patterns:
            bip = self.net.bipolar_patterns[0].copy()
            flip = self.rng.choice(n, size=int(round(DEMO_NOISE * n)), replace=False)
            bip[flip] = -bip[flip]
        else:
            bip = np.where(self.rng.random(n) < 0.5, 1, -1).astype(np.int8)
        self._install_state(self._units(bip))

    def _units_from_any(self, name: str, value: Any) -> np.ndarray:
        """A state given as (N,) or (rows, cols), ±1 or 0/1 → int8 in the model's coding."""
        rows, cols = self.pattern_shape
        arr = check_array(name, value, dtype=None)
        if arr.shape not in ((rows * cols,), (rows, cols)):
            raise ValueError(f"{name} must have shape ({rows * cols},) or ({rows}, {cols}), got {arr.shape}")
        return self._units(_to_bipolar_units(name, arr).reshape(-1))

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
            self.net.store(self.net.from_bipolar(_to_bipolar_units("patterns", arr)))
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
        weights = self.net.weights
        for i in np.unique(idx):
            if self._state[i] != new:
                self._state_edited = True  # the next sweep starts a new curve segment (_advance)
                delta = float(new - self._state[i])
                self._state[i] = new
                self._field += delta * weights[i]
        if self._sweeps_to_fixed_point >= 0 and not self._is_stable():
            self._sweeps_to_fixed_point = -1

    def corrupt_probe(self) -> None:
        """Flip 20 % of the current state's units (chosen with the model's generator)."""
        n = self.net.n_neurons
        bip = self.net.to_bipolar(self._state)
        flip = self.rng.choice(n, size=int(round(DEMO_NOISE * n)), replace=False)
        bip[flip] = -bip[flip]
        self._install_state(self._units(bip))

    def restore_probe(self) -> None:
        """Go back to the probe last set (set_probe, corrupt or reset); histories restart."""
        self._install_state(self._initial_probe)

    def recall_probe(self) -> None:
        """Sweep until a fixed point, at most max_sweeps sweeps (glauber at T > 0: exactly max_sweeps)."""
        self._advance(self.params.max_sweeps, stop_at_fixed_point=True)

    def update_units(self, order) -> None:
        """Update the units ``order`` (flat indices from 0) one after another by the threshold rule —
        on if h_i > U_i, off if h_i < U_i, a tie as the "On a tie" setting says — as seed 000 §2-2
        works its 5-neuron recall by hand in a given order (the snapshot's ``field`` is h − U, the seed's
        "activation"). The energy and overlap curves get one point; ``t`` counts sweeps, so it stays."""
        n = self.net.n_neurons
        idx = check_array("order", order, dtype=None)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer) \
                or idx.min() < 0 or idx.max() >= n:
            raise ValueError(f"order must be a non-empty list of unit indices in [0, {n - 1}], got {order!r}")
        thresholds = self.net.thresholds + self.net.learned_thresholds
        weights = self.net.weights
        on, off = self.net.on_value, self.net.off_value
        for i in idx.astype(np.int64):
            h = float(self._field[i] - thresholds[i])
            new = on if h > 0 or (h == 0 and self.params.tie == "plus") else off if h < 0 else self._state[i]
            if new != self._state[i]:
                self._field += float(new - self._state[i]) * weights[i]
                self._state[i] = new
        self._record_now()
        if self._is_stable() and self._sweeps_to_fixed_point < 0:
            self._sweeps_to_fixed_point = self._sweeps_since_probe

    def forget_pattern(self) -> None:
        """Forget the stored pattern nearest the current state (largest overlap); histories restart."""
        if self.net.n_patterns == 0:
            raise ValueError("Forget pattern: nothing is stored")
        self.net.forget(int(np.argmax(self.net.overlap(self._state))))
        self._memory_changed()
        self._refresh_field()
        self._restart_histories()

    def dream(self) -> None:
        """Dream sleep: ``n_dreams`` random states relax and are unlearned (seeded by the model's generator)."""
        p = self.params
        self.net.unlearn(p.n_dreams, rate=p.dream_rate, seed=self.kernel_seed())
        self._memory_changed()
        self._refresh_field()
        self._break_segment()  # E(s) is a new function from here

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        """Buttons: recall to a fixed point, corrupt the state, go back to the probe, forget, dream."""
        return [("recall_probe", "Recall", "Sweep until a fixed point (at most the recall bound)"),
                ("corrupt_probe", "Corrupt 20 %", "Flip 20 % of the current state's units"),
                ("restore_probe", "Back to probe", "Return to the probe last set"),
                ("forget_pattern", "Forget pattern",
                 "Remove the stored pattern nearest the current state from the memory (Hebbian: subtract it)"),
                ("dream", "Dream (unlearn)",
                 "Relax 'Dreams' random states and unlearn each state reached: spurious attractors go first")]

    # -- the contract ---------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """t = 0, fresh generator; keeps the stored patterns, new probe = first pattern + 20 % noise."""
        super().reset(seed)
        self._new_probe_from_rng()

    def step(self, n: int = 1) -> None:
        """n sweeps of the chosen update mode on the current state."""
        self._advance(check_int("n", n, 1), stop_at_fixed_point=False)

    def _advance(self, n: int, stop_at_fixed_point: bool) -> None:
        p = self.params
        if self._state_edited:
            # strokes since the last record: a segment break, recorded once per stroke series
            self._break_segment()
        deterministic = not (p.mode == "glauber" and p.temperature > 0.0)
        # Sweeps in chunks: play may ask for millions of sweeps at a fixed point, and the per-sweep
        # record buffers must stay small.
        remaining = n
        while remaining > 0:
            m = min(remaining, RECORD_CHUNK)
            # A deterministic rule never leaves a fixed point, so the network may stop there and the
            # remaining sweeps repeat the last record exactly (play keeps counting them).
            done, stable, energies, overlaps = self.net.sweep(
                self._state, self._field, m, mode=p.mode, temperature=p.temperature, seed=self.kernel_seed(),
                stop_at_fixed_point=True, record=True)
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
            self._append_records(energies, overlaps, counted - done)
            self._sweeps_since_probe += counted
            self.t += counted

    def _append_records(self, energies: np.ndarray, overlaps: np.ndarray, repeats: int) -> None:
        """Append a sweep's records after the first (the state it started from, recorded already), then
        ``repeats`` copies of the last one (sweeps at a fixed point)."""
        cap = self._energy.cap
        n_new = len(energies) - 1
        skip = max(0, n_new + repeats - cap)  # records the cap would drop at once
        for k in range(1 + min(skip, n_new), len(energies)):
            self._energy.append(float(energies[k]))
            self._overlap.append(overlaps[k].copy())
        if repeats:
            # Sweeps at a fixed point repeat the last record (the current state); a long run at full
            # speed adds at most MAX_REPEAT_RECORDS of them per step so a frame stays cheap (the curve
            # is flat there).
            for _ in range(min(repeats, cap, MAX_REPEAT_RECORDS)):
                self._energy.append(float(energies[-1]))
                self._overlap.append(overlaps[-1].copy())

    def snapshot(self) -> Snapshot:
        """State image, weights, energy/overlap histories, pattern thumbnails and scalars (copies)."""
        rows, cols = self.pattern_shape
        if self._weights_copy is None:
            self._weights_copy = self.net.weights.copy()
            self._weights_copy.flags.writeable = False  # shared by frames, never written by the engine
        if self._patterns_copy is None:
            # the pattern editor's protocol (engine.model.Model.pattern_editor): (k, rows, cols)
            self._patterns_copy = self.net.patterns.astype(np.float64).reshape(-1, rows, cols)
            self._patterns_copy.flags.writeable = False
        data = {
            "state": self._state.astype(np.float64).reshape(rows, cols),
            "weights": self._weights_copy,
            "energy": self._energy.array(),
            "overlap": self._overlap.array(),
            self.patterns_key: self._patterns_copy,
            "field": self._field - (self.net.thresholds + self.net.learned_thresholds),   # h − U per unit
            "energy_now": self._energy_now(),
            "fixed_point": float(self._is_stable()),
            "n_patterns": float(self.net.n_patterns),
            "sweeps_to_fixed_point": float(self._sweeps_to_fixed_point),
            **self._memory_data(),
        }
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def _memory_data(self) -> dict[str, Any]:
        """Per stored pattern: fixed point (1/0) and stability min_i ξ_i(h_i − U_i − θ_i), cached
        until the memory changes (O(P·N²)); and what the last learning did."""
        if self._memory_table is None:
            net = self.net
            pats = net.patterns
            if net.n_patterns:
                d = net.local_field(pats) - (net.thresholds + net.learned_thresholds)
                stability = np.min(net.bipolar_patterns * d, axis=1)
                table = np.column_stack([net.stable_patterns().astype(np.float64), stability])
            else:
                table = np.zeros((0, 2))
            table.flags.writeable = False
            report = net.learning_report
            self._memory_table = {
                "memory": table,
                "memory_labels": np.array([f"pattern {k + 1}" for k in range(net.n_patterns)]),
                "stable_patterns": float(table[:, 0].sum()),
                "learning_epochs": float(report.epochs),
                "learning_converged": float(report.converged),
            }
        return self._memory_table

    def views(self) -> list[ViewSpec]:
        """State lattice (main, paintable), weights heatmap, energy and overlap curves, patterns.

        Every instance fills all six (with no pattern stored, the overlap curve has no series,
        the pattern grid no image and the memory table no row)."""
        return [
            ViewSpec("state", "lattice", "Network state", colormap="spin", paintable=True, main=True),
            ViewSpec("weights", "heatmap", "Weights W", colormap="diverging"),
            ViewSpec("energy", "curve", "Energy E = −½ sᵀWs + Uᵀs", x_label="sweep", y_label="E"),
            ViewSpec("overlap", "curve", "Overlap with stored patterns", labels=_OVERLAP_LABELS,
                     x_label="sweep", y_label="overlap m"),
            ViewSpec(self.patterns_key, "image_grid", "Stored patterns", colormap="gray"),
            # stability: min_i ξ_i(h_i − U_i − θ_i), > 0 for a fixed point that is one with room to spare
            ViewSpec("memory", "table", "Memory",
                     extra={"columns": ("fixed point", "min ξ(h−U)"), "row_labels_key": "memory_labels",
                            "footer_key": "stable_patterns", "footer_label": "fixed points"}),
        ]

    def apply_params(self, old, new) -> None:
        """Live changes: size → new net with demo letters; rule and learning options re-store;
        coding/threshold/tie apply (the perceptron re-learns for coding and threshold)."""
        if (old.rows, old.cols) != (new.rows, new.cols):
            self.net = self._new_net_with_demo()
            self._memory_changed()
            self._new_probe_from_rng()
            return
        net = self.net
        if old.coding != new.coding:
            bip, first = net.to_bipolar(self._state), net.to_bipolar(self._initial_probe)
            net.coding = new.coding
            self._state, self._initial_probe = self._units(bip), self._units(first)
            self._memory_changed()
        if _learning_settings(old) != _learning_settings(new):
            net.set_options(**{k: getattr(new, k) for k in LEARNING_OPTIONS})
            net.rule = new.rule
            self._memory_changed()
        if old.threshold != new.threshold:
            net.thresholds = new.threshold
            self._memory_changed()
        net.tie = new.tie
        if old.tie != new.tie:
            self._memory_changed()  # which stored patterns are fixed points can change
        self._refresh_field()
        energy_settings = (old.coding, old.threshold, *_learning_settings(old))
        if energy_settings != (new.coding, new.threshold, *_learning_settings(new)):
            self._break_segment()  # E(s) is a new function from here: a new curve segment

    # -- save / load ---------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        """Weights, learned thresholds, patterns, states, fields, histories, recall counters and the
        learning report, for engine.io."""
        report = self.net.learning_report
        return {
            "weights": self.net.weights,
            "learned_thresholds": self.net.learned_thresholds,
            "learning_epochs": np.array(report.epochs, dtype=np.int64),
            "learning_converged": np.array(report.converged, dtype=np.int64),
            "patterns": self.net.bipolar_patterns,
            "probe_state": self._state,
            "initial_probe": self._initial_probe,
            "local_field": self._field,
            "energy_history": self._energy.array(),
            "overlap_history": self._overlap.array(),
            "sweeps_since_probe": np.array(self._sweeps_since_probe, dtype=np.int64),
            "sweeps_to_fixed_point": np.array(self._sweeps_to_fixed_point, dtype=np.int64),
        }

    def load_extra_state(self, state) -> None:
        """Inverse of extra_state; checks every entry and raises ValueError naming it. Sessions saved
        before the perceptron rule (no learned thresholds, no report) load with θ = 0."""
        n = self.params.rows * self.params.cols
        net = self._new_net(n)
        weights = state_entry(state, "weights", shape=(n, n))
        theta = state_entry(state, "learned_thresholds", shape=(n,)) if "learned_thresholds" in state else None
        report = LearningReport(net.rule, 0, True)
        if "learning_epochs" in state:
            report = LearningReport(net.rule, state_int(state, "learning_epochs", 0),
                                    bool(state_int(state, "learning_converged", 0, 1)))
        patterns = state_entry(state, "patterns", shape=(None, n), dtype=np.int8, values="bipolar")
        probe = state_entry(state, "probe_state", shape=(n,), dtype=np.int8, values=net.coding, copy=True)
        initial = state_entry(state, "initial_probe", shape=(n,), dtype=np.int8, values=net.coding, copy=True)
        field = state_entry(state, "local_field", shape=(n,), copy=True)
        # NaN records are segment breaks (_break_segment); infinities are never written
        energy = _finite_or_nan(state_entry(state, "energy_history", ndim=1, finite=False), "energy_history")
        p = patterns.shape[0]
        overlap = _finite_or_nan(state_entry(state, "overlap_history", shape=(p, energy.shape[0]), finite=False),
                                 "overlap_history")
        since = state_int(state, "sweeps_since_probe", 0)
        to_fixed_point = state_int(state, "sweeps_to_fixed_point", -1)
        try:
            net.set_memory(patterns, weights, theta, report=report)
        except ValueError as exc:
            raise ValueError(f"state['weights']: {exc}") from None
        self.net = net
        self._state, self._initial_probe, self._field = probe, initial, field
        self._energy = History()
        self._energy.load(energy)
        self._overlap = History(width=p)
        self._overlap.load(overlap)
        self._sweeps_since_probe = since
        self._sweeps_to_fixed_point = to_fixed_point
        self._state_edited = False
        self._memory_changed()


def _learning_settings(params) -> tuple:
    """The Params that define the weights: the rule and the learning options."""
    return (params.rule, *(getattr(params, k) for k in LEARNING_OPTIONS))


def _to_bipolar_units(name: str, value: Any) -> np.ndarray:
    """±1 or 0/1 values (either coding, one per array) → int8 ±1, same shape."""
    arr = check_array(name, value, dtype=np.int8, values="spins")
    return arr if not (arr == 0).any() else (2 * arr - 1).astype(np.int8)


def _finite_or_nan(arr: np.ndarray, key: str) -> np.ndarray:
    """A saved history: finite values and NaN breaks, never ±inf."""
    if np.isinf(arr).any():
        raise ValueError(f"state[{key!r}] contains infinite values")
    return arr
