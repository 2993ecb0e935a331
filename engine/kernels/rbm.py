"""RBM hot loops: seeded Bernoulli sampling, drawing through engine.kernels.random.

The dense products (v·W, h·Wᵀ, the gradient) stay in numpy: BLAS beats any numba loop
there, and so does numpy's SIMD float32 exp for the sigmoid (a numba loop without SVML
calls scalar exp: measured 4× slower). What is left for numba is the Bernoulli draw:
numpy's ``rng.random(out=…)`` plus a compare costs about 1.6× this kernel, which takes
two 24-bit uniforms from each 64-bit output of the house generator (xoshiro256**, every
bit of which is good) and compares in place — half the generator calls of one per draw.

The generator state (uint64[4]) is passed in and advanced in place, so a model that saves
the four words resumes the exact same stream.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels import JIT
from engine.kernels.random import next_u64, next_u64_reference

CODE_SCALE = 16777216.0  # 2**24: a code c stands for the uniform c / 2**24


@njit(**JIT)
def bernoulli(prob, sample, state):
    """sample = 1[u < prob] elementwise, u = code / 2**24; each 64-bit output gives two codes
    (bits 40–63, then bits 16–39).

    ``prob`` and ``sample`` are C-contiguous arrays of one shape (sample may be prob itself).
    The comparison runs as code < prob·2**24 in prob's dtype: exact, since 2**24 is a power
    of two and every code is exactly representable in float32.
    """
    p = prob.reshape(-1)
    s = sample.reshape(-1)
    scale = p.dtype.type(CODE_SCALE)
    one = s.dtype.type(1.0)
    zero = s.dtype.type(0.0)
    n = p.size
    i = 0
    while i + 1 < n:
        x = next_u64(state)
        s[i] = one if p.dtype.type(x >> np.uint64(40)) < p[i] * scale else zero
        s[i + 1] = one if p.dtype.type((x >> np.uint64(16)) & np.uint64(0xFFFFFF)) < p[i + 1] * scale else zero
        i += 2
    if i < n:
        x = next_u64(state)
        s[i] = one if p.dtype.type(x >> np.uint64(40)) < p[i] * scale else zero


def sigmoid_inplace(x, bias, beta=1.0):
    """x ← σ(β·(x + bias)) with numpy's SIMD exp (faster than a numba loop: measured, see module doc)."""
    np.add(x, bias, out=x)
    np.multiply(x, -beta, out=x)
    np.exp(x, out=x)
    np.add(x, 1.0, out=x)
    np.reciprocal(x, out=x)
    return x


# --------------------------------------------------------------------------- references (plain Python / numpy)
def uniform_codes_reference(state: np.ndarray, n: int) -> np.ndarray:
    """The n 24-bit codes ``bernoulli`` draws from ``state`` (advanced in place), in plain Python."""
    codes = []
    while len(codes) < n:
        x = next_u64_reference(state)
        codes.append(x >> 40)
        codes.append((x >> 16) & 0xFFFFFF)
    return np.array(codes[:n], dtype=np.int64)


def bernoulli_reference(prob: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Plain numpy ``bernoulli``: the same samples from the same state (advanced in place)."""
    codes = uniform_codes_reference(state, prob.size).reshape(prob.shape)
    return (codes / CODE_SCALE < prob).astype(prob.dtype)
