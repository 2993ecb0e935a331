"""Gibbs sampling of binary (0/1) Boltzmann machines with clamped units.

E(s) = −Σ_{i<j} w_ij s_i s_j + Σ_i b_i s_i; unit i turns on with p = 1/(1 + exp(−ΔE_i/T)),
ΔE_i = Σ_j w_ij s_j − b_i (seed 000 §3). Local fields are kept incrementally, so a flip
costs O(n), not O(n²). Random numbers from the kernels' one generator (engine.kernels.random).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels import JIT
from engine.kernels.random import uniform, uniform_reference


@njit(**JIT)
def gibbs_sweeps(states, weights, bias, T, n_sweeps, free, rng_state):
    """``n_sweeps`` sequential Gibbs sweeps over the free units of each chain (row), in place.

    states (chains, n) uint8 0/1; weights (n, n) float64 symmetric, zero diagonal; bias (n,);
    free (n,) uint8, 1 = sampled, 0 = clamped; T > 0.
    """
    n_chains, n = states.shape
    field = np.empty(n, dtype=np.float64)
    inv_t = 1.0 / T
    for c in range(n_chains):
        s = states[c]
        for i in range(n):
            acc = -bias[i]
            for j in range(n):
                if s[j]:
                    acc += weights[i, j]
            field[i] = acc
        for _ in range(n_sweeps):
            for i in range(n):
                if free[i] == 0:
                    continue
                u = uniform(rng_state)
                x = field[i] * inv_t
                p_on = 1.0 / (1.0 + math.exp(-x)) if x > -700.0 else 0.0
                new = 1 if u < p_on else 0
                if new != s[i]:
                    delta = 1.0 if new == 1 else -1.0
                    for j in range(n):
                        field[j] += delta * weights[j, i]
                    s[i] = new


def gibbs_sweeps_reference(states, weights, bias, T, n_sweeps, free, rng_state) -> None:
    """Plain numpy version of gibbs_sweeps with the same random numbers (for tests)."""
    for c in range(states.shape[0]):
        s = states[c]
        for _ in range(n_sweeps):
            for i in range(states.shape[1]):
                if not free[i]:
                    continue
                u = uniform_reference(rng_state)
                gap = float(weights[i] @ s.astype(np.float64) - bias[i])
                p_on = 1.0 / (1.0 + math.exp(-gap / T)) if gap / T > -700.0 else 0.0
                s[i] = 1 if u < p_on else 0
