"""Pattern utilities: coding conversions, corruption, and similarity measures.

Bipolar patterns are int8 ±1, binary ones uint8 0/1 (DESIGN.md conventions). Every
function accepts one pattern (N,) or a stack (P, N): the last axis is the pattern, so a
2-D image passed as it is counts as a stack of rows (flatten it first, as the pattern
editor's grid should be). ``occlude_rows`` takes flat patterns plus their image shape.

A pattern of all ones is both valid 0/1 and valid ±1; its dtype decides which it is
(unsigned or bool: binary, otherwise bipolar), so corrupting it never leaves the coding.
"""
from __future__ import annotations

import numpy as np

from engine.validation import check_array, check_float, check_fraction, check_grid_shape, check_int, check_seed


def _as_states(name: str, x) -> np.ndarray:
    return check_array(name, x, dtype=None, non_empty=True)


def is_bipolar(x) -> bool:
    """True when ``x`` is non-empty and every value is −1 or +1."""
    a = np.asarray(x)
    return a.size > 0 and a.dtype != object and bool(np.all((a == 1) | (a == -1)))


def is_binary(x) -> bool:
    """True when ``x`` is non-empty and every value is 0 or 1."""
    a = np.asarray(x)
    return a.size > 0 and a.dtype != object and bool(np.all((a == 0) | (a == 1)))


def _coding(a: np.ndarray) -> str | None:
    """"binary", "bipolar" or None (neither); an all-ones array goes by its dtype."""
    binary, bipolar = is_binary(a), is_bipolar(a)
    if binary and bipolar:
        return "binary" if a.dtype == bool or np.issubdtype(a.dtype, np.unsignedinteger) else "bipolar"
    return "binary" if binary else ("bipolar" if bipolar else None)


def _to_bipolar(name: str, x, threshold=None) -> np.ndarray:
    a = _as_states(name, x)
    if threshold is not None:
        threshold = check_float("threshold", threshold)
        return np.where(a > threshold, 1, -1).astype(np.int8)
    coding = _coding(a)
    if coding is None:
        raise ValueError(f"{name} must hold 0/1 or ±1 values (pass threshold= to binarise real values), "
                         f"got values in [{a.min()}, {a.max()}]")
    if coding == "bipolar":
        return a.astype(np.int8)
    return (2 * a.astype(np.int8) - 1).astype(np.int8)


def to_bipolar(x, threshold: float | None = None) -> np.ndarray:
    """0/1 → ±1 (int8). With ``threshold``, any real values: > threshold → +1, else −1
    (the seeds binarise MNIST with ``threshold=0``)."""
    return _to_bipolar("x", x, threshold)


def to_binary(x, threshold: float | None = None) -> np.ndarray:
    """±1 → 0/1 (uint8). With ``threshold``, any real values: > threshold → 1, else 0."""
    a = _as_states("x", x)
    if threshold is not None:
        threshold = check_float("threshold", threshold)
        return (a > threshold).astype(np.uint8)
    coding = _coding(a)
    if coding is None:
        raise ValueError("x must hold ±1 or 0/1 values (pass threshold= to binarise real values), "
                         f"got values in [{a.min()}, {a.max()}]")
    if coding == "binary":
        return a.astype(np.uint8)
    return ((a.astype(np.int8) + 1) // 2).astype(np.uint8)


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def _check_coded(name: str, a: np.ndarray) -> str:
    coding = _coding(a)
    if coding is None:
        raise ValueError(f"{name} must hold 0/1 or ±1 values, got values in [{a.min()}, {a.max()}]")
    return coding


def _fill_value(a: np.ndarray, value) -> int | float:
    """The value that blanks a unit: 0 for binary, −1 for bipolar, or ``value`` if it fits a's dtype."""
    if value is None:
        return 0 if _check_coded("x", a) == "binary" else -1
    check_float("value", value)
    if a.dtype == bool:
        ok = value in (0, 1)
    elif np.issubdtype(a.dtype, np.integer):
        info = np.iinfo(a.dtype)
        ok = float(value) == int(value) and info.min <= value <= info.max
    else:
        ok = True
    if not ok:
        raise ValueError(f"value {value!r} does not fit x's dtype {a.dtype}")
    return value


def _pattern_rows(a: np.ndarray) -> np.ndarray:
    """A (P, N) view of a C-contiguous array (one pattern → one row)."""
    return a.reshape(-1, a.shape[-1])


def _random_units(rng: np.random.Generator, n_patterns: int, n_units: int, k: int) -> np.ndarray:
    """(P, k) distinct random unit indices per pattern.

    Short patterns: the k smallest of fresh uniforms, one vectorised draw (O(P·N)). Long ones:
    ``rng.choice`` per pattern, which costs O(k) plus ~10 µs of call overhead and so wins
    once N is a few hundred (measured in tests/bench/bench_datasets.py).
    """
    if k == 0:
        return np.empty((n_patterns, 0), dtype=np.intp)
    if n_units > _VECTORISED_MAX_UNITS:
        return np.stack([rng.choice(n_units, size=k, replace=False) for _ in range(n_patterns)])
    keys = rng.random((n_patterns, n_units))
    if k == n_units:
        return np.argsort(keys, axis=1)
    return np.argpartition(keys, k - 1, axis=1)[:, :k]


_VECTORISED_MAX_UNITS = 256


def flip_noise(x, fraction: float, seed=None) -> np.ndarray:
    """Flip exactly round(fraction·N) randomly chosen units of each pattern (a copy, same dtype).

    ``seed`` is None, a non-negative int or a ``numpy.random.Generator``.
    """
    a = np.array(_as_states("x", x), copy=True, order="C")
    fraction = check_fraction("fraction", fraction)
    coding = _check_coded("x", a)
    rng = _rng(seed)
    rows = _pattern_rows(a)
    n = rows.shape[1]
    k = int(round(fraction * n))
    idx = _random_units(rng, rows.shape[0], n, k)
    picked = np.take_along_axis(rows, idx, axis=1)
    flipped = (picked == 0) if coding == "binary" else -picked
    np.put_along_axis(rows, idx, flipped.astype(a.dtype), axis=1)
    return a


def occlude_rows(x, shape: tuple[int, int], start_row: int, value: int | None = None) -> np.ndarray:
    """Blank the image rows from ``start_row`` down (the seeds blank MNIST rows 18..27).

    ``x`` is (rows·cols,) or (P, rows·cols); blanked units get 0 (binary), −1 (bipolar) or ``value``.
    """
    a = np.array(_as_states("x", x), copy=True, order="C")
    h, w = check_grid_shape("shape", shape)
    if a.shape[-1] != h * w:
        raise ValueError(f"x has {a.shape[-1]} values per pattern; shape {shape} needs {h * w}")
    start_row = check_int("start_row", start_row, 0, h)
    fill = _fill_value(a, value)
    img = a.reshape(a.shape[:-1] + (h, w))
    img[..., start_row:, :] = fill
    return img.reshape(a.shape)


def random_mask(x, fraction: float, seed=None, value: int | None = None) -> np.ndarray:
    """Set exactly round(fraction·N) random units of each pattern to the 'off' value (or ``value``)."""
    a = np.array(_as_states("x", x), copy=True, order="C")
    fraction = check_fraction("fraction", fraction)
    fill = _fill_value(a, value)
    rng = _rng(seed)
    rows = _pattern_rows(a)
    k = int(round(fraction * rows.shape[1]))
    idx = _random_units(rng, rows.shape[0], rows.shape[1], k)
    np.put_along_axis(rows, idx, np.asarray(fill).astype(a.dtype), axis=1)
    return a


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    x = _to_bipolar("a", a)
    y = _to_bipolar("b", b)
    for name, arr in (("a", x), ("b", y)):
        if arr.ndim > 2:
            raise ValueError(f"{name} must be one pattern (N,) or a stack (P, N), got shape {arr.shape}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"a has {x.shape[-1]} units per pattern but b has {y.shape[-1]}")
    return x, y


def overlap(a, b) -> np.ndarray | float:
    """m = (1/N) Σ aᵢbᵢ of bipolar versions (1 = equal, −1 = inverse). (N,)·(N,) → float;
    (N,)·(P, N) → (P,); (B, N)·(N,) → (B,); (B, N)·(P, N) → (B, P)."""
    x, y = _pair(a, b)
    m = x.astype(np.float64) @ y.astype(np.float64).T / x.shape[-1]
    return float(m) if np.ndim(m) == 0 else m


def hamming(a, b) -> np.ndarray | int:
    """Number of differing units (after converting both to bipolar); shapes as ``overlap``."""
    x, y = _pair(a, b)
    if x.ndim == 1 and y.ndim == 1:
        return int(np.count_nonzero(x != y))
    n = x.shape[-1]
    # d = (N − a·b)/2 for ±1 vectors. The dot products go through float64 BLAS (integer
    # matmul has no BLAS and is ~25x slower); sums of ±1 are exact in float64 below 2**53.
    dots = x.astype(np.float64) @ y.astype(np.float64).T
    return np.rint((n - dots) / 2).astype(np.int64)
