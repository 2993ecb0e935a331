"""RBM hot loops: seeded Bernoulli sampling with a seeded xoshiro256+ generator.

The dense products (v·W, h·Wᵀ, the gradient) stay in numpy: BLAS beats any numba loop
there, and so does numpy's SIMD float32 exp for the sigmoid (a numba loop without SVML
calls scalar exp: measured 4× slower). What is left for numba is the Bernoulli draw:
numpy's ``rng.random(out=…)`` plus a compare costs about 1.6× this kernel, which draws
two 24-bit uniforms from each xoshiro256+ output and compares in place.

Random numbers come from a xoshiro256+ state (4 uint64 words) passed in and advanced in
place, so a model that saves the words resumes the exact same stream.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels import JIT



@njit(**JIT)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(**JIT)
def _next_u64(state):
    """One xoshiro256+ output; advances ``state`` (4 uint64 words) in place."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = s0 + s3
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@njit(**JIT)
def seed_state(seed, state):
    """Fill ``state`` (4 uint64) from an integer seed with splitmix64 (never all zero)."""
    z = np.uint64(seed)
    for i in range(4):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        x = z
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        state[i] = x ^ (x >> np.uint64(31))
    if state[0] == 0 and state[1] == 0 and state[2] == 0 and state[3] == 0:
        state[0] = np.uint64(1)


@njit(**JIT)
def uniform_codes(state, out):
    """Fill int64 ``out`` (any shape, C-contiguous) with the 24-bit integers ``bernoulli`` compares against.

    Each xoshiro output gives two codes (bits 40–63, then bits 16–39); u = code / 2**24.
    """
    flat = out.reshape(-1)
    n = flat.size
    i = 0
    while i + 1 < n:
        x = _next_u64(state)
        flat[i] = np.int64(x >> np.uint64(40))
        flat[i + 1] = np.int64((x >> np.uint64(16)) & np.uint64(0xFFFFFF))
        i += 2
    if i < n:
        flat[i] = np.int64(_next_u64(state) >> np.uint64(40))


@njit(**JIT)
def bernoulli(prob, sample, state):
    """sample = 1[u < prob] elementwise with u = code / 2**24 (codes as in ``uniform_codes``).

    ``prob`` and ``sample`` are C-contiguous arrays of one shape (sample may be prob itself).
    The comparison runs as code < prob·2**24 in prob's dtype: exact, since 2**24 is a power
    of two and every code is exactly representable in float32.
    """
    p = prob.reshape(-1)
    s = sample.reshape(-1)
    scale = p.dtype.type(16777216.0)
    one = s.dtype.type(1.0)
    zero = s.dtype.type(0.0)
    n = p.size
    i = 0
    while i + 1 < n:
        x = _next_u64(state)
        s[i] = one if p.dtype.type(x >> np.uint64(40)) < p[i] * scale else zero
        s[i + 1] = one if p.dtype.type((x >> np.uint64(16)) & np.uint64(0xFFFFFF)) < p[i + 1] * scale else zero
        i += 2
    if i < n:
        x = _next_u64(state)
        s[i] = one if p.dtype.type(x >> np.uint64(40)) < p[i] * scale else zero


def sigmoid_inplace(x, bias, beta=1.0):
    """x ← σ(β·(x + bias)) with numpy's SIMD exp (faster than a numba loop: measured, see module doc)."""
    np.add(x, bias, out=x)
    np.multiply(x, -beta, out=x)
    np.exp(x, out=x)
    np.add(x, 1.0, out=x)
    np.reciprocal(x, out=x)
    return x


def bernoulli_reference(prob, codes):
    """Plain numpy version of ``bernoulli`` given the codes ``uniform_codes`` draws from the same state."""
    return (codes / 16777216.0 < prob).astype(prob.dtype)
