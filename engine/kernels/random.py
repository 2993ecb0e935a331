"""The one random generator of the kernels: xoshiro256**, seeded with splitmix64.

Why this one: its 256-bit state has no short cycles (xorshift64*'s single word does), every
output bit is good (xoshiro256+'s low bits are weak), and each step is a few shifts, xors and
two multiplies — numba compiles it to straight-line code, where PCG64-DXSM would need a
128-bit multiply numba does not have. The Ising kernels already used it, so their saved
sessions load unchanged.

A state is a C-contiguous ``uint64[4]`` array that the caller owns and the kernels advance in
place: the same seed gives the same stream, and saving the four words resumes it exactly. A
state is never all zero (a fixed point of the generator): ``seed_state`` cannot produce one and
``engine.validation.check_kernel_rng_state`` refuses one read from a file.

Every kernel draws through ``next_u64`` / ``uniform`` / ``below`` / ``shuffle`` (or ``step`` on
words it holds in locals); the
``*_reference`` functions are plain Python versions that the tests replay the streams with.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels import JIT
from engine.validation import check_int, check_seed

_MASK64 = (1 << 64) - 1
_GOLDEN64 = 0x9E3779B97F4A7C15
_TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0


# --------------------------------------------------------------------------- seeding (Python)
def _splitmix64(x: int) -> tuple[int, int]:
    """One splitmix64 step: (new counter, output)."""
    x = (x + _GOLDEN64) & _MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x, z ^ (z >> 31)


def seed_state(seed: int) -> np.ndarray:
    """A xoshiro256** state (uint64[4]) from a non-negative integer seed, expanded with splitmix64."""
    seed = check_seed(seed)
    if seed is None:
        raise ValueError("seed must be a non-negative integer below 2**63, got None")
    return seed_states(seed, 1)[0]


def seed_states(seed: int, n: int) -> np.ndarray:
    """``n`` independent states (n, 4) from one seed: consecutive stretches of one splitmix64 stream.

    State k is the same whatever ``n`` is, so a batch of n probes and its first k give the same
    streams for those k.
    """
    seed = check_seed(seed)
    if seed is None:
        raise ValueError("seed must be a non-negative integer below 2**63, got None")
    n = check_int("n", n, 0)
    out = np.empty((n, 4), dtype=np.uint64)
    x = seed
    for i in range(n):
        words = []
        for _ in range(4):
            x, z = _splitmix64(x)
            words.append(z)
        if not any(words):  # unreachable in practice; kept so the invariant is local
            words[0] = 1
        out[i] = words
    return out


# --------------------------------------------------------------------------- drawing (numba)
@njit(inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(inline="always")
def step(s0, s1, s2, s3):
    """One step on the four state words held in locals: (output, s0, s1, s2, s3).

    A kernel drawing a long run of numbers keeps the words in registers and writes them back once
    (``next_u64`` goes through the state array on every call, a store and load in the dependency
    chain: measured 1.6× slower per draw in the RBM's sampling loop)."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(**JIT)
def next_u64(state):
    """The next 64-bit output; advances ``state`` (uint64[4]) in place."""
    result, state[0], state[1], state[2], state[3] = step(state[0], state[1], state[2], state[3])
    return result


@njit(**JIT)
def uniform(state):
    """A float64 in [0, 1) from the top 53 bits of the next output."""
    return np.float64(next_u64(state) >> np.uint64(11)) * _TWO_POW_MINUS_53


@njit(**JIT)
def below(state, n):
    """An integer in [0, n) for 0 < n < 2**32: the top 32 bits scaled by n (Lemire's multiply-shift,
    no division; its bias, at most n/2**32, is far below anything a simulation can resolve)."""
    return np.int64(((next_u64(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(**JIT)
def shuffle(order, state):
    """Fisher–Yates shuffle of a 1-D array in place."""
    for k in range(order.shape[0] - 1, 0, -1):
        j = below(state, k + 1)
        tmp = order[k]
        order[k] = order[j]
        order[j] = tmp


# --------------------------------------------------------------------------- references (plain Python)
def next_u64_reference(state: np.ndarray) -> int:
    """Plain-Python ``next_u64``: advances the uint64[4] array in place and returns the output."""
    s = [int(v) for v in state]
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & _MASK64  # noqa: E731
    result = (rotl((s[1] * 5) & _MASK64, 7) * 9) & _MASK64
    t = (s[1] << 17) & _MASK64
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    state[:] = np.array(s, dtype=np.uint64)
    return result


def uniform_reference(state: np.ndarray) -> float:
    """Plain-Python ``uniform``."""
    return (next_u64_reference(state) >> 11) * _TWO_POW_MINUS_53


def below_reference(state: np.ndarray, n: int) -> int:
    """Plain-Python ``below``."""
    return ((next_u64_reference(state) >> 32) * int(n)) >> 32


def shuffle_reference(order: np.ndarray, state: np.ndarray) -> None:
    """Plain-Python ``shuffle``."""
    for k in range(len(order) - 1, 0, -1):
        j = below_reference(state, k + 1)
        order[k], order[j] = order[j], order[k]
