"""Seed 001's road from the linear associator to Kosko's bidirectional associative memory.

- ``LinearAssociator``: hetero-association y = W x with W = Yᵀ X (Hebb's correlation matrix) or the
  pseudo-inverse W = (X⁺ Y)ᵀ. Recalling key x^p gives y^p (x^p·x^p) + Σ_{l≠p} y^l (x^l·x^p): the
  second term is the crosstalk, zero exactly when the keys are orthogonal; ``recall(x, detail=True)``
  and ``crosstalk_`` show it.
- ``eigenvector_automaton``: x ← W x / ‖W x‖, the linear feedback network, which ends at the dominant
  eigenvector whatever the start (one attractor absorbs almost all of the input space).
- ``BAM``: W = Xᵀ Y (n, k); y = sgn(Wᵀ x), x = sgn(W y) in turn until nothing changes. The energy
  E(x, y) = −xᵀ W y never rises (seed 001, Proposition 19), so it settles in finitely many steps.

Convention: vectors are 1-D, x of the n-unit layer, y of the k-unit layer; a sign unit whose
excitation is exactly 0 keeps its state (and a still-undecided unit, 0, turns +1), so a tie never
raises the energy.

``BAMModel`` (below) is what the GUI and the CLI run (registered as "bam"; one step = one
half-bounce, or the associator's one pass): letter ↔ glyph pairs, with the linear associator as a
preset of the same model. It drives ``BAM`` and ``LinearAssociator`` through their public API only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.threads import small_linalg
from engine.validation import check_array, check_bool, check_choice, check_float, check_int, state_entry

RULES = ("hebbian", "pseudoinverse")


def _pairs(X: Any, Y: Any, values: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Checked key/value rows: X (m, n), Y (m, k), the same m ≥ 1, float64."""
    x = check_array("X", X, ndim=2, non_empty=True, values=values)
    y = check_array("Y", Y, ndim=2, non_empty=True, values=values)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"X and Y must hold the same number of pairs (rows), got X {x.shape} and Y {y.shape}")
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def _vectors(name: str, value: Any, n: int, values: str | None = None) -> tuple[np.ndarray, bool]:
    """A vector (n,) or a batch (B, n) → float64 (B, n) (a fresh array), batched."""
    arr = check_array(name, value, ndim=(1, 2), non_empty=True, values=values, copy=True)
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} values per vector, got shape {arr.shape}")
    return arr.reshape(-1, n), arr.ndim == 2


class LinearRecall(NamedTuple):
    """A linear recall split as seed 001 splits it: output = signal + crosstalk."""
    output: np.ndarray       # W x (k,)
    coefficients: np.ndarray  # c (m,): W x = Σ_l c_l y^l — how much of each stored y is mixed in
    key: int                 # p = argmax c: the stored pair the input is taken for
    signal: np.ndarray       # c_p y^p
    crosstalk: np.ndarray    # Σ_{l≠p} c_l y^l = output − signal


class LinearAssociator:
    """Hetero-associative linear memory y = W x of m pairs (x^l, y^l), W (k, n).

    rule: "hebbian" W = Yᵀ X = Σ_l y^l x^lᵀ; "pseudoinverse" W = (X⁺ Y)ᵀ, the least-squares W (exact
    for linearly independent keys). Both write W = Yᵀ K with K = X (hebbian) or (X⁺)ᵀ, so a recall
    W x = Σ_l (K x)_l y^l splits into one stored y and the crosstalk of the others.
    """

    def __init__(self, rule: str = "hebbian"):
        self.rule = check_choice("rule", rule, RULES)

    def store(self, X: Any, Y: Any) -> "LinearAssociator":
        """Learn the pairs: keys X (m, n), values Y (m, k) (any finite values). Returns self."""
        x, y = _pairs(X, Y)
        self.keys_, self.values_ = x, y
        if self.rule == "hebbian":
            self._k = x
        else:
            with small_linalg():
                self._k = np.ascontiguousarray(np.linalg.pinv(x).T)
        self.weights_ = np.ascontiguousarray(y.T @ self._k)
        # Each stored key's own recall, less its own term: what the other pairs add (seed 001's crosstalk).
        own = np.einsum("mn,mn->m", self._k, x)
        self.crosstalk_ = x @ self.weights_.T - own[:, None] * y
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError("nothing stored yet; call store(X, Y) first")

    def recall(self, x: Any, *, sign: bool = False, detail: bool = False):
        """y = W x of a key (n,) or of each row of (B, n); ``sign``: sgn(W x) (ties → +1).

        ``detail`` (one key only): a ``LinearRecall`` with the output split into signal and crosstalk.
        """
        self._fitted()
        keys, batched = _vectors("x", x, self.weights_.shape[1])
        sign, detail = check_bool("sign", sign), check_bool("detail", detail)
        out = keys @ self.weights_.T
        if sign:
            out = np.where(out >= 0, 1.0, -1.0)
        if not detail:
            return out if batched else out[0]
        if batched:
            raise ValueError("detail=True takes one key x (n,), got a batch")
        c = self._k @ keys[0]
        p = int(np.argmax(c))
        signal = c[p] * self.values_[p]
        linear = keys[0] @ self.weights_.T
        return LinearRecall(out[0], c, p, signal, linear - signal)


class Trajectory(NamedTuple):
    """The eigenvector automaton's run: the final unit vector, every state, and the gain ‖W x‖ per step."""
    x: np.ndarray          # (n,) the last state
    history: np.ndarray    # (n_steps + 1, n) x_0/‖x_0‖, x_1, …
    gains: np.ndarray      # (n_steps,) ‖W x_t‖: → |λ₁| at the dominant eigenvector
    converged: bool        # the last step moved x by less than tol (up to sign)


def eigenvector_automaton(W: Any, x0: Any, n_steps: int = 100, tol: float = 1e-12) -> Trajectory:
    """Iterate x ← W x / ‖W x‖ from x0 for ``n_steps`` steps (seed 001's linear eigenvector automaton).

    W is square (n, n), x0 (n,) non-zero. A negative dominant eigenvalue makes x flip sign every step,
    so convergence is measured up to sign. Raises ValueError when W x becomes 0 (x0 in W's null space).
    """
    w = check_array("W", W, ndim=2, non_empty=True)
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"W must be square (n, n), got shape {w.shape}")
    x = check_array("x0", x0, shape=(w.shape[0],), copy=True)
    n_steps = check_int("n_steps", n_steps, 1)
    tol = check_float("tol", tol, 0.0)
    norm = np.linalg.norm(x)
    if norm == 0:
        raise ValueError("x0 must be a non-zero vector")
    history = np.empty((n_steps + 1, x.size))
    gains = np.empty(n_steps)
    history[0] = x / norm
    for t in range(n_steps):
        wx = w @ history[t]
        gains[t] = np.linalg.norm(wx)
        if gains[t] == 0:
            raise ValueError(f"W x became 0 at step {t + 1}: x0 has no component along W's eigenvectors "
                             "with non-zero eigenvalue")
        history[t + 1] = wx / gains[t]
    last, before = history[-1], history[-2]
    moved = min(np.abs(last - before).max(), np.abs(last + before).max())
    return Trajectory(last.copy(), history, gains, bool(moved < tol))


def sign_keep(field: np.ndarray, current: np.ndarray) -> np.ndarray:
    """sgn(field), where a zero field keeps the current state (and an undecided 0 turns +1)."""
    return np.where(field > 0, 1.0, np.where(field < 0, -1.0, np.where(current < 0, -1.0, 1.0)))


class BAMRecall(NamedTuple):
    """A BAM recall: the pair it settled at, the half-bounces it took and the energy after each."""
    x: np.ndarray           # (n,) or (B, n) ±1
    y: np.ndarray           # (k,) or (B, k) ±1
    n_half_bounces: Any     # int, or (B,): layer updates until one changed nothing (that one included)
    energies: np.ndarray    # (T,) or (B, T): E(x, y) before the first half-bounce (the undecided layer
                            # counts 0, so E = 0) and after every one; a batch's settled rows repeat theirs
    converged: Any          # bool, or (B,): settled within max_bounces


class BAM:
    """Kosko's bidirectional associative memory of bipolar pairs, W = Σ_l x^lᵀ y^l = Xᵀ Y (n, k).

    Recall bounces between the layers, one half-bounce at a time: y = sgn(Wᵀ x), then x = sgn(W y),
    and so on until a half-bounce changes nothing. Deterministic.
    """

    def store(self, X: Any, Y: Any) -> "BAM":
        """Learn bipolar pairs: X (m, n) ±1, Y (m, k) ±1. Returns self."""
        x, y = _pairs(X, Y, values="bipolar")
        self.X_, self.Y_ = x, y
        self.weights_ = np.ascontiguousarray(x.T @ y)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError("nothing stored yet; call store(X, Y) first")

    @property
    def shape(self) -> tuple[int, int]:
        """(n, k): the sizes of the x and y layers."""
        self._fitted()
        return self.weights_.shape

    def energy(self, x: Any, y: Any) -> float | np.ndarray:
        """E(x, y) = −xᵀ W y of a pair (float) or of each pair of rows ((B,) array)."""
        self._fitted()
        n, k = self.weights_.shape
        xs, batched = _vectors("x", x, n)
        ys, _ = _vectors("y", y, k)
        if xs.shape[0] != ys.shape[0]:
            raise ValueError(f"x and y must hold the same number of vectors, got {xs.shape[0]} and {ys.shape[0]}")
        e = 0.0 - np.einsum("bn,bn->b", xs @ self.weights_, ys)   # 0.0 −: an undecided layer gives 0, not −0
        return e if batched else float(e[0])

    def half_bounce(self, x: np.ndarray, y: np.ndarray, layer: str) -> bool:
        """Update ``layer`` ("x" or "y") of the pair in place from the other; True when a unit changed.

        x (n,) or (B, n), y (k,) or (B, k) float64 arrays of ±1 (0 = undecided, turns ±1).
        """
        self._fitted()
        layer = check_choice("layer", layer, ("x", "y"))
        if layer == "y":
            new = sign_keep(x @ self.weights_, y)
            changed = not np.array_equal(new, y)
            y[...] = new
        else:
            new = sign_keep(y @ self.weights_.T, x)
            changed = not np.array_equal(new, x)
            x[...] = new
        return changed

    def recall(self, x: Any = None, y: Any = None, max_bounces: int = 100) -> BAMRecall:
        """Start from x (n,) / (B, n) or from y (k,) / (B, k) (±1; 0 = unknown), bounce to a stable pair.

        From x the first half-bounce computes y, then x, … (from y the other way round); it stops when
        a half-bounce changes nothing, or after ``max_bounces`` full bounces (2·max_bounces half-bounces).
        """
        self._fitted()
        if (x is None) == (y is None):
            raise ValueError("give exactly one of x= or y= to recall from")
        max_bounces = check_int("max_bounces", max_bounces, 1)
        n, k = self.weights_.shape
        if x is not None:
            xs, batched = _vectors("x", x, n, values=(-1, 1))
            ys, first = np.zeros((xs.shape[0], k)), "y"
        else:
            ys, batched = _vectors("y", y, k, values=(-1, 1))
            xs, first = np.zeros((ys.shape[0], n)), "x"
        b = xs.shape[0]
        energies = [self.energy(xs, ys)]
        counts = np.zeros(b, dtype=np.int64)
        settled = np.zeros(b, dtype=bool)
        layer = first
        for _ in range(2 * max_bounces):
            before = (ys if layer == "y" else xs).copy()
            self.half_bounce(xs, ys, layer)
            changed = np.any((ys if layer == "y" else xs) != before, axis=1)
            counts[~settled] += 1
            settled |= ~changed
            energies.append(self.energy(xs, ys))
            if settled.all():
                break
            layer = "x" if layer == "y" else "y"
        trace = np.stack(energies, axis=1)   # (B, T)
        if batched:
            return BAMRecall(xs, ys, counts, trace, settled)
        return BAMRecall(xs[0], ys[0], int(counts[0]), trace[0], bool(settled[0]))

    def is_stable(self, x: Any, y: Any) -> bool:
        """True when (x, y) is a fixed point: y = sgn(Wᵀ x) and x = sgn(W y) (ties keep the state)."""
        self._fitted()
        n, k = self.weights_.shape
        xs, _ = _vectors("x", x, n, values="bipolar")
        ys, _ = _vectors("y", y, k, values="bipolar")
        return bool(np.array_equal(sign_keep(xs @ self.weights_, ys), ys)
                    and np.array_equal(sign_keep(ys @ self.weights_.T, xs), xs))


# --------------------------------------------------------------------------- the GUI model
SIZE = 7                    # both layers are 7×7 glyphs (engine.datasets.letters): n = k = 49
N_UNITS = SIZE * SIZE
PRESETS = ("bam", "linear associator")
SIDES = ("x", "y")
MAX_REPEAT_RECORDS = 16     # steps at a settled pair add at most this many (flat) energy records per step


def glyphs(text: str, name: str) -> np.ndarray:
    """The 7×7 glyphs of ``text`` as ±1 rows (len, 49); ValueError naming ``name`` for a bad text."""
    from engine import datasets  # lazy: the glyph table is read when a model is built
    try:
        images = datasets.letters(text, size=SIZE)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return 2.0 * images.reshape(len(text), N_UNITS).astype(np.float64) - 1.0


class BAMModel(Model):
    """Pairs of 7×7 glyphs (x ↔ y) stored in a BAM, or in a linear associator (preset)."""

    name = "bam"
    title = "BAM"
    unit = "half-bounce"
    default_rate = 2.0   # a recall takes a few half-bounces: slow enough to watch the ping-pong
    max_rate = 200.0

    @dataclass(frozen=True)
    class Params:
        preset: str = param("bam", label="Preset", choices=PRESETS, group="rule",
                            help="bam: y = sgn(Wᵀx), x = sgn(Wy) in turn until nothing changes (W = XᵀY); "
                                 "linear associator: one pass y = W x (W = YᵀX or the pseudo-inverse), its "
                                 "output split into the stored y it was taken for and the crosstalk of the rest.")
        x_text: str = param("AXOT", label="x patterns",
                            help="The x side of the pairs: one 7×7 glyph per character (A–Z, 0–9).")
        y_text: str = param("1234", label="y patterns",
                            help="The y side, pair by pair with the x side (extra characters on either side are unused).")
        rule: str = param("hebbian", label="Associator rule", choices=RULES,
                          help="Linear associator only. hebbian: W = YᵀX, exact for orthogonal keys; "
                               "pseudoinverse: W = (X⁺Y)ᵀ, exact for linearly independent keys.")
        start: str = param("x", label="Start from", choices=SIDES,
                           help="Which layer the probe is: the other one starts undecided (0).")
        probe_pair: int = param(0, label="Probe pair", min=0, max=35, step=1,
                                help="Which stored pair the probe comes from (modulo the number of pairs).")
        noise: float = param(0.1, label="Probe noise", min=0.0, max=0.5, step=0.05,
                             help="The fraction of the probe's units flipped (chosen with the seed).")

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._store()
        self._new_probe()

    # -- memory and probe -----------------------------------------------------------------
    def _store(self) -> None:
        """Pair the texts character by character, up to the shorter one (typing one side first never fails)."""
        p = self.params
        n = min(len(p.x_text), len(p.y_text))
        x, y = glyphs(p.x_text[:n] or p.x_text, "x_text"), glyphs(p.y_text[:n] or p.y_text, "y_text")
        self.bam = BAM().store(x, y)
        self.associator = LinearAssociator(p.rule).store(x, y)

    @property
    def linear(self) -> bool:
        """True for the linear-associator preset."""
        return self.params.preset == "linear associator"

    def _install(self, x: np.ndarray, y: np.ndarray, next_layer: str) -> None:
        """A new starting pair (0 = undecided units); the energy curve and counters restart."""
        self._x, self._y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
        self._probe = (self._x.copy(), self._y.copy(), next_layer)
        self._next = next_layer
        self._half_bounces = 0
        self._settled = False
        self._energy = History()
        self._energy.append(self.bam.energy(self._x, self._y))

    def _new_probe(self) -> None:
        """The chosen pair's ``start`` side with ``noise`` of its units flipped; the other side undecided."""
        p = self.params
        k = p.probe_pair % self.bam.X_.shape[0]
        probe = (self.bam.X_ if p.start == "x" else self.bam.Y_)[k].copy()
        flip = self.rng.choice(N_UNITS, size=int(round(p.noise * N_UNITS)), replace=False)
        probe[flip] = -probe[flip]
        blank = np.zeros(N_UNITS)
        if p.start == "x":
            self._install(probe, blank, "y")
        else:
            self._install(blank, probe, "x")

    def _restart_from_layer(self, layer: str) -> None:
        """The state was edited in ``layer``: recall starts again from it (the other layer is computed next)."""
        self._install(self._x, self._y, "y" if layer == "x" else "x")

    # -- what the GUI calls ---------------------------------------------------------------
    def set_probe(self, x=None, y=None) -> None:
        """Start from ``x`` or ``y`` ((49,) or (7, 7), ±1 or 0/1); the other layer starts undecided."""
        if (x is None) == (y is None):
            raise ValueError("give exactly one of x= or y= as the probe")
        name, value = ("x", x) if x is not None else ("y", y)
        arr = check_array(name, value, dtype=np.float64, values="spins")
        if arr.shape not in ((N_UNITS,), (SIZE, SIZE)):
            raise ValueError(f"{name} must have shape ({N_UNITS},) or ({SIZE}, {SIZE}), got {arr.shape}")
        arr = arr.reshape(-1)
        if not (arr == -1).any():
            arr = 2.0 * arr - 1.0   # 0/1 coding
        blank = np.zeros(N_UNITS)
        self._install(arr, blank, "y") if name == "x" else self._install(blank, arr, "x")

    def paint(self, key: str, index, value: float) -> None:
        """Set units of the x or y lattice (flat indices) to +1 or −1; recall starts again from that layer."""
        check_choice("key", key, SIDES)
        idx = check_array("index", index, dtype=None).reshape(-1)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= N_UNITS):
            raise ValueError(f"index must hold flat unit indices in [0, {N_UNITS - 1}], got {idx[:6].tolist()}")
        if isinstance(value, (bool, np.bool_)) or value not in (1, -1, 0):
            raise ValueError(f"value must be +1 (on) or −1 / 0 (off), got {value!r}")
        layer = self._x if key == "x" else self._y
        layer[idx.astype(np.int64)] = 1.0 if value == 1 else -1.0
        self._restart_from_layer(key)

    def corrupt_probe(self) -> None:
        """A new probe: the chosen pair's start side with the noise fraction flipped (fresh draw)."""
        self._new_probe()

    def restore_probe(self) -> None:
        """Back to the last probe; the bouncing starts again."""
        x, y, next_layer = self._probe
        self._install(x, y, next_layer)

    def settle(self) -> None:
        """Bounce until the pair is stable (at most 100 full bounces); the associator makes its one pass."""
        for _ in range(200):
            if self._settled:
                break
            self._half_bounce()

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        """Buttons: settle, a fresh noisy probe, back to the probe."""
        return [("settle", "Settle", "Bounce until the pair is stable (the associator: its one pass)"),
                ("corrupt_probe", "New noisy probe", "The chosen pair's start side with fresh noise"),
                ("restore_probe", "Back to probe", "Start again from the last probe")]

    # -- the contract -----------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """t = 0, fresh generator; keeps the pairs, draws the probe again."""
        super().reset(seed)
        self._new_probe()

    def _half_bounce(self) -> None:
        """One half-bounce (bam), or the associator's pass y = sgn(W x) then nothing (linear)."""
        if self.linear:
            if not self._settled:
                self._y = self.associator.recall(self._x, sign=True)
                self._half_bounces += 1
            self._settled = True
        else:
            changed = self.bam.half_bounce(self._x, self._y, self._next)
            self._half_bounces += 1
            self._next = "x" if self._next == "y" else "y"
            # the first pass out of an undecided layer always changes it; after that, one half-bounce
            # that changes nothing means both layers agree with each other (a stable pair)
            self._settled = not changed
        self._energy.append(self.bam.energy(self._x, self._y))

    def step(self, n: int = 1) -> None:
        """n half-bounces; at a stable pair the rest only count (the energy curve stays flat)."""
        n = check_int("n", n, 1)
        done = 0
        while done < n and not self._settled:
            self._half_bounce()
            done += 1
        if done < n:
            settled_energy = self.bam.energy(self._x, self._y)
            for _ in range(min(n - done, MAX_REPEAT_RECORDS)):
                self._energy.append(settled_energy)
        self.t += n

    def apply_params(self, old, new) -> None:
        """New pairs or rule re-store; a preset or probe change makes a new probe."""
        if (old.x_text, old.y_text, old.rule) != (new.x_text, new.y_text, new.rule):
            self._store()
        self._new_probe()

    def snapshot(self) -> Snapshot:
        """Both layers as 7×7 images, the energy curve, the overlap with each stored key; the associator's
        excitation and crosstalk (linear preset)."""
        x, y = self._x.reshape(SIZE, SIZE).copy(), self._y.reshape(SIZE, SIZE).copy()
        data = {
            "x": x, "y": y,
            "energy": self._energy.array(),
            "x_overlap": self.bam.X_ @ self._x / N_UNITS,
            "y_overlap": self.bam.Y_ @ self._y / N_UNITS,
            "energy_now": float(self.bam.energy(self._x, self._y)),
            "settled": float(self._settled),
            "half_bounces": float(self._half_bounces),
        }
        if self.linear:
            detail = self.associator.recall(self._x, detail=True)
            data["excitation"] = detail.output.reshape(SIZE, SIZE)
            data["crosstalk"] = detail.crosstalk.reshape(SIZE, SIZE)
            data["coefficients"] = detail.coefficients.copy()
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def views(self) -> list[ViewSpec]:
        """x and y (paintable); the energy and key overlaps (bam) or excitation, crosstalk, coefficients."""
        layers = [ViewSpec("x", "lattice", "Layer x", colormap="spin", paintable=True, main=True),
                  ViewSpec("y", "lattice", "Layer y", colormap="spin", paintable=True)]
        if self.linear:
            return layers + [
                ViewSpec("excitation", "heatmap", "Excitation W x", colormap="diverging"),
                ViewSpec("crosstalk", "heatmap", "Crosstalk Σ_{l≠p} c_l y^l", colormap="diverging"),
                ViewSpec("coefficients", "bars", "Stored y mixed into W x (c = K x)", x_label="pair",
                         y_label="c"),
            ]
        return layers + [
            ViewSpec("energy", "curve", "Energy E = −xᵀ W y", x_label="half-bounce", y_label="E"),
            ViewSpec("x_overlap", "bars", "Overlap of x with the stored x's", x_label="pair", y_label="m"),
        ]

    # -- save / load -------------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        """Both layers, the probe, the energy curve and the bounce counters, for engine.io."""
        x0, y0, next0 = self._probe
        return {"x": self._x, "y": self._y, "probe_x": x0, "probe_y": y0,
                "energy_history": self._energy.array(),
                "counters": np.array([self._half_bounces, int(self._settled), SIDES.index(self._next),
                                      SIDES.index(next0)], dtype=np.int64)}

    def load_extra_state(self, state) -> None:
        """Inverse of extra_state; checks every entry and raises ValueError naming it (pairs come from params)."""
        layers = {k: state_entry(state, k, shape=(N_UNITS,), values=(-1, 1), copy=True)
                  for k in ("x", "y", "probe_x", "probe_y")}
        for k, v in layers.items():
            if not np.isin(v, (-1.0, 0.0, 1.0)).all():
                raise ValueError(f"state[{k!r}] must hold only −1, 0 (undecided) and +1")
        energy = state_entry(state, "energy_history", ndim=1)
        counters = state_entry(state, "counters", shape=(4,), dtype=None)
        if not np.issubdtype(counters.dtype, np.integer):
            raise ValueError(f"state['counters'] must hold integers, got dtype {counters.dtype}")
        half, settled, nxt, nxt0 = (int(c) for c in counters)
        check_int("state['counters'][0]", half, 0)
        check_int("state['counters'][1]", settled, 0, 1)
        check_int("state['counters'][2]", nxt, 0, 1)
        check_int("state['counters'][3]", nxt0, 0, 1)
        self._store()
        self._x, self._y = layers["x"], layers["y"]
        self._probe = (layers["probe_x"], layers["probe_y"], SIDES[nxt0])
        self._next, self._half_bounces, self._settled = SIDES[nxt], half, bool(settled)
        self._energy = History()
        self._energy.load(energy)

