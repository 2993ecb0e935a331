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
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from engine.validation import check_array, check_bool, check_choice, check_float, check_int

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
        self._k = x if self.rule == "hebbian" else np.ascontiguousarray(np.linalg.pinv(x).T)
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
