"""Modern Hopfield hot loop: the second product of an update at large β.

After the softmax nearly every weight of a probe is below eps/P (their sum weighs less than one
rounding of the result), so ξ = Σ_i w_i x_i runs over the few weights left: one scan of the row
and an axpy per kept pattern, instead of a (B, P)·(P, N) product or building a sparse matrix.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine.kernels import JIT


@njit(parallel=True, **JIT)
def weighted_sum_above(weights, threshold, patterns, out):
    """out[b] = Σ_{i: weights[b, i] ≥ threshold} weights[b, i] · patterns[i], for every row b,
    patterns taken in index order (as a CSR product's row is). Rows are independent: parallel."""
    n = patterns.shape[1]
    n_patterns = weights.shape[1]
    for b in prange(weights.shape[0]):
        w = weights[b]
        # the kept indices first, branch-free (a comparison per weight: the scan is most of the work),
        # then the few patterns added, in index order, into a fresh row that aliases nothing (SIMD)
        kept = np.empty(n_patterns, dtype=np.int64)
        k = 0
        for i in range(n_patterns):
            kept[k] = i
            k += w[i] >= threshold
        acc = np.zeros(n, dtype=out.dtype)
        for q in range(k):
            i = kept[q]
            wi = w[i]
            x = patterns[i]
            for j in range(n):
                acc[j] += wi * x[j]
        out[b] = acc


def weighted_sum_above_reference(weights, threshold, patterns):
    """The plain numpy form: the weights below ``threshold`` set to 0, then one product."""
    return np.where(weights >= threshold, weights, 0).astype(weights.dtype) @ patterns
