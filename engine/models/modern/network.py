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
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engine.validation import check_array, check_choice, check_float, check_int, check_memory

DTYPES = ("float64", "float32")
# Weights below eps/P are dropped from the second product at large β (their sum is below eps, the
# dtype's rounding), and when at most this fraction of them is left the product is a sparse one.
SPARSE_FRACTION = 0.02
# Scores and weights are (chunk, P) temporaries: probes go through in chunks whose temporaries take
# at most this many bytes, so 10⁵ probes against 10⁴ patterns never need gigabytes.
CHUNK_BYTES = 32 * 2**20


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
        half the work of an update is then a gather of a few patterns per probe."""
        keep = weights >= np.finfo(self._dtype).eps / self.n_patterns
        if np.count_nonzero(keep) > SPARSE_FRACTION * keep.size:
            np.matmul(weights, self._patterns, out=out)
            return
        from scipy import sparse  # only where the softmax is nearly one-hot
        rows, cols = np.nonzero(keep)
        w = sparse.csr_matrix((weights[rows, cols], (rows, cols)), shape=weights.shape)
        out[...] = w @ self._patterns

    def attention(self, probe: Any) -> np.ndarray:
        """softmax(β X ξ): the weight of each stored pattern for a state (N,) → (P,), or (B, N) → (B, P)."""
        states, batched = self._probes("probe", probe)
        out = np.empty((states.shape[0], self.n_patterns), dtype=self._dtype)
        x = self._patterns
        for lo in range(0, states.shape[0], self._chunk_rows()):
            hi = min(lo + self._chunk_rows(), states.shape[0])
            np.matmul(states[lo:hi], x.T, out=out[lo:hi])
            self._softmax_into(out[lo:hi])
        return out if batched else out[0]

    def retrieve(self, probe: Any, n_steps: int = 1) -> np.ndarray:
        """``n_steps`` updates ξ ← Xᵀ softmax(β X ξ) of a state (N,) or of every row of a batch (B, N).

        Returns a new array of the same shape (the network's dtype). A batch goes through BLAS in
        chunks of rows, so memory stays bounded however many probes there are.
        """
        states, batched = self._probes("probe", probe)
        n_steps = check_int("n_steps", n_steps, 1)
        x = self._patterns
        rows = self._chunk_rows()
        scores = np.empty((min(rows, states.shape[0]), self.n_patterns), dtype=self._dtype)
        for lo in range(0, states.shape[0], rows):
            hi = min(lo + rows, states.shape[0])
            block = states[lo:hi]
            s = scores[: hi - lo]
            for _ in range(n_steps):
                np.matmul(block, x.T, out=s)
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
