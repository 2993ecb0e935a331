"""Pattern utilities: coding conversions, corruption, and similarity measures.

Bipolar patterns are int8 ±1, binary ones uint8 0/1 (DESIGN.md conventions). Every
function accepts one pattern (N,) or a stack (P, N); image-shaped patterns work
where noted.
"""
from __future__ import annotations

import numpy as np

from engine.model import expect_array


def _as_states(name: str, x) -> np.ndarray:
    arr = expect_array(name, x, dtype=None)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    return arr


def is_bipolar(x) -> bool:
    a = np.asarray(x)
    return a.size > 0 and bool(np.all((a == 1) | (a == -1)))


def is_binary(x) -> bool:
    a = np.asarray(x)
    return a.size > 0 and bool(np.all((a == 0) | (a == 1)))


def to_bipolar(x, threshold: float | None = None) -> np.ndarray:
    """0/1 → ±1 (int8). With ``threshold``, any real values: > threshold → +1, else −1
    (the seeds binarise MNIST with ``threshold=0``)."""
    a = _as_states("x", x)
    if threshold is not None:
        return np.where(a > threshold, 1, -1).astype(np.int8)
    if is_bipolar(a):
        return a.astype(np.int8)
    if not is_binary(a):
        raise ValueError("x must hold 0/1 or ±1 values (pass threshold= to binarise real values), "
                         f"got values in [{a.min()}, {a.max()}]")
    return (2 * a.astype(np.int8) - 1).astype(np.int8)


def to_binary(x, threshold: float | None = None) -> np.ndarray:
    """±1 → 0/1 (uint8). With ``threshold``, any real values: > threshold → 1, else 0."""
    a = _as_states("x", x)
    if threshold is not None:
        return (a > threshold).astype(np.uint8)
    if is_binary(a):
        return a.astype(np.uint8)
    if not is_bipolar(a):
        raise ValueError("x must hold ±1 or 0/1 values (pass threshold= to binarise real values), "
                         f"got values in [{a.min()}, {a.max()}]")
    return ((a.astype(np.int8) + 1) // 2).astype(np.uint8)


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_fraction(name: str, f) -> float:
    if isinstance(f, bool) or not isinstance(f, (int, float, np.integer, np.floating)) or not (0.0 <= f <= 1.0):
        raise ValueError(f"{name} must be a fraction in [0, 1], got {f!r}")
    return float(f)


def _off_value(a: np.ndarray) -> int:
    return 0 if is_binary(a) and not is_bipolar(a) else -1


def flip_noise(x, fraction: float, seed=None) -> np.ndarray:
    """Flip exactly round(fraction·N) randomly chosen units of each pattern (a copy)."""
    a = _as_states("x", x).copy()
    fraction = _check_fraction("fraction", fraction)
    rng = _rng(seed)
    flat = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    n = flat.shape[1]
    k = int(round(fraction * n))
    binary = is_binary(flat) and not is_bipolar(flat)
    for row in flat:
        idx = rng.choice(n, size=k, replace=False)
        row[idx] = (1 - row[idx]) if binary else -row[idx]
    return flat.reshape(a.shape)


def occlude_rows(x, shape: tuple[int, int], start_row: int, value: int | None = None) -> np.ndarray:
    """Blank the image rows from ``start_row`` down (the seeds blank MNIST rows 18..27)."""
    a = _as_states("x", x).copy()
    h, w = _check_shape(shape)
    if a.shape[-1] != h * w:
        raise ValueError(f"x has {a.shape[-1]} values per pattern; shape {shape} needs {h * w}")
    if isinstance(start_row, bool) or not isinstance(start_row, (int, np.integer)) or not 0 <= start_row <= h:
        raise ValueError(f"start_row must be an integer in [0, {h}], got {start_row!r}")
    fill = _off_value(a) if value is None else value
    img = a.reshape(a.shape[:-1] + (h, w))
    img[..., start_row:, :] = fill
    return img.reshape(a.shape)


def random_mask(x, fraction: float, seed=None, value: int | None = None) -> np.ndarray:
    """Set a random ``fraction`` of each pattern's units to the 'off' value (or ``value``)."""
    a = _as_states("x", x).copy()
    fraction = _check_fraction("fraction", fraction)
    rng = _rng(seed)
    fill = _off_value(a) if value is None else value
    flat = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    k = int(round(fraction * flat.shape[1]))
    for row in flat:
        row[rng.choice(flat.shape[1], size=k, replace=False)] = fill
    return flat.reshape(a.shape)


def overlap(a, b) -> np.ndarray | float:
    """m = (1/N) Σ aᵢbᵢ of bipolar versions (1 = equal, −1 = inverse). (N,)·(N,) → float;
    (N,)·(P, N) → (P,); (B, N)·(P, N) → (B, P)."""
    x = to_bipolar(a).astype(np.float64)
    y = to_bipolar(b).astype(np.float64)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"a has {x.shape[-1]} units per pattern but b has {y.shape[-1]}")
    m = x @ y.T / x.shape[-1]
    return float(m) if np.ndim(m) == 0 else m


def hamming(a, b) -> np.ndarray | int:
    """Number of differing units (after converting both to bipolar); shapes as ``overlap``."""
    x = to_bipolar(a)
    y = to_bipolar(b)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"a has {x.shape[-1]} units per pattern but b has {y.shape[-1]}")
    if x.ndim == 1 and y.ndim == 1:
        return int(np.count_nonzero(x != y))
    n = x.shape[-1]
    d = np.rint((n - n * np.atleast_2d(overlap(x, y))) / 2).astype(np.int64)
    return d[0] if x.ndim == 1 else (d[:, 0] if y.ndim == 1 else d)


def _check_shape(shape) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in shape)
    except Exception:
        raise ValueError(f"shape must be (rows, cols), got {shape!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"shape must be positive, got {shape!r}")
    return h, w
