"""The one home of argument and state checks.

Every public entry point of the engine checks its arguments here, so a bad value always
raises ``ValueError`` naming the argument, what it got and what it accepts — in the same
words everywhere. Models, experiments, loaders and ``load_state`` use these and nothing else.

Conventions: each ``check_*`` returns the value coerced to what the caller works with
(an ``int``, a ``float``, a C-contiguous array…) and never changes the caller's object.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

_NUMBER = (int, float, np.integer, np.floating)
_INTEGER = (int, np.integer)
_BOOL = (bool, np.bool_)


# --------------------------------------------------------------------------- scalars
def _span(lo, hi, lo_open: bool = False, hi_open: bool = False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '≥'} {lo}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '≤'} {hi}")
    return " and ".join(parts)


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """A whole number (not a bool) in [lo, hi]; a float with an integral value is refused too."""
    if isinstance(value, _BOOL) or not isinstance(value, _INTEGER):
        want = "an integer" + (f" {_span(lo, hi)}" if lo is not None or hi is not None else "")
        raise ValueError(f"{name} must be {want}, got {value!r}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        want = f"in [{lo}, {hi}]" if lo is not None and hi is not None else _span(lo, hi)
        raise ValueError(f"{name} must be an integer {want}, got {value}")
    return value


def check_float(name: str, value: Any, lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False) -> float:
    """A finite real number (int or float, not a bool) within the bounds; open ends exclude the bound."""
    span = _span(lo, hi, lo_open, hi_open)
    if isinstance(value, _BOOL) or not isinstance(value, _NUMBER):
        raise ValueError(f"{name} must be a finite number{' ' + span if span else ''}, got {value!r}")
    value = float(value)
    bad = (not math.isfinite(value)
           or (lo is not None and (value <= lo if lo_open else value < lo))
           or (hi is not None and (value >= hi if hi_open else value > hi)))
    if bad:
        raise ValueError(f"{name} must be a finite number{' ' + span if span else ''}, got {value!r}")
    return value


def check_fraction(name: str, value: Any) -> float:
    """A number in [0, 1]."""
    return check_float(name, value, 0.0, 1.0)


def check_bool(name: str, value: Any) -> bool:
    """True/False (or 0/1)."""
    if isinstance(value, _BOOL):
        return bool(value)
    if isinstance(value, _INTEGER) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be true or false, got {value!r}")


def check_choice(name: str, value: Any, choices: Iterable) -> Any:
    """One of ``choices``; a bool never passes for 0/1 and an array never for a scalar."""
    choices = tuple(choices)
    if not any(_same_choice(value, c) for c in choices):
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _same_choice(value: Any, choice: Any) -> bool:
    if isinstance(value, np.ndarray) or isinstance(value, _BOOL) != isinstance(choice, _BOOL):
        return False
    try:
        return bool(value == choice)
    except Exception:  # odd equality (arrays inside tuples…): not a match
        return False


def check_text(name: str, value: Any, *, allow_empty: bool = True) -> str:
    """A string."""
    if not isinstance(value, str) or (not allow_empty and not value):
        raise ValueError(f"{name} must be {'text' if allow_empty else 'non-empty text'}, got {value!r}")
    return value


MAX_SEED = 2**63 - 1


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """None or a non-negative integer below 2**63."""
    if seed is None:
        return None
    if isinstance(seed, _BOOL) or not isinstance(seed, _INTEGER) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be a non-negative integer or None (below 2**63), got {seed!r}")
    return int(seed)


def check_keys(name: str, given: Iterable[str], accepted: Iterable[str]) -> None:
    """Refuse names not in ``accepted`` (settings, parameters, state entries)."""
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise ValueError(f"{name}: unknown name(s) {unknown}; accepts {sorted(accepted)}")


def check_grid_shape(name: str, shape: Any, hi: int | None = None) -> tuple[int, int]:
    """An image or grid shape: a pair (rows, cols) of integers in [1, hi]."""
    try:
        rows, cols = shape
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (rows, cols), got {shape!r}") from None
    return check_int(f"{name} rows", rows, 1, hi), check_int(f"{name} cols", cols, 1, hi)


# --------------------------------------------------------------------------- memory
def physical_memory_bytes() -> int | None:
    """Installed RAM in bytes, or None where the OS does not say.

    psutil asks each system its own way (sysconf, sysctl, GlobalMemoryStatusEx), which the
    project did by hand before (sysconf and a ctypes structure for Windows)."""
    import psutil   # here, not at import: validation is imported by everything, RAM asked rarely
    try:
        return int(psutil.virtual_memory().total) or None
    except (OSError, RuntimeError, AttributeError):   # an unsupported or sandboxed system
        return None


def check_memory(what: str, n_bytes: float, *, fraction: float = 0.5, hint: str = "") -> None:
    """Refuse an allocation of ``n_bytes`` larger than ``fraction`` of the machine's RAM.

    ``what`` names the argument and its value ("n_hidden=10000000"); ``hint`` says what fits.
    """
    total = physical_memory_bytes()
    if total is not None and n_bytes > total * fraction:
        raise ValueError(f"{what} needs {n_bytes / 1e9:.1f} GB; this machine has {total / 1e9:.1f} GB of RAM "
                         f"and accepts at most {fraction:.0%} of it{'; ' + hint if hint else ''}")


# --------------------------------------------------------------------------- arrays
def check_array(name: str, value: Any, *, shape: tuple | None = None, ndim: int | Iterable[int] | None = None,
                dtype: Any = np.float64, finite: bool = True, non_empty: bool = False,
                values: str | tuple | None = None, copy: bool = False) -> np.ndarray:
    """Coerce to a numeric array and check it; ValueError names ``name``.

    shape     exact shape; ``None`` inside it means any size on that axis.
    ndim      a number of dimensions, or several allowed ones.
    dtype     the dtype returned (``None`` keeps the input's).
    finite    refuse NaN and ±inf.
    values    "binary" (0/1), "bipolar" (±1), "spins" (either), or (lo, hi) inclusive.
    copy      always return a fresh array (kernels that work in place).
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array, got {type(value).__name__}: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):  # casting would silently drop the imaginary parts
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if non_empty and arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); needs at least one value")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if values is not None and arr.size:
        _check_values(name, arr, values)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if copy:
        arr = np.array(arr, copy=True, order="C")
    return arr


_CODED = {"binary": (0, 1), "bipolar": (-1, 1), "spins": (-1, 0, 1)}


def _check_values(name: str, arr: np.ndarray, values: str | tuple) -> None:
    if isinstance(values, str):
        if values not in _CODED:
            raise ValueError(f"values must be one of {list(_CODED)} or (lo, hi), got {values!r}")
        allowed = _CODED[values]
        if values == "spins":  # one coding per array: ±1 or 0/1, not a mix of 0 and -1
            ok = bool(np.all((arr == 1) | (arr == -1)) or np.all((arr == 0) | (arr == 1)))
        else:  # two comparisons: several times faster than np.isin on the small states recall checks
            ok = bool(np.all((arr == allowed[0]) | (arr == allowed[1])))
        if not ok:
            wrong = np.unique(arr[~np.isin(arr, allowed)]) if values != "spins" else np.unique(arr)
            what = {"binary": "0/1", "bipolar": "±1", "spins": "±1 or 0/1"}[values]
            raise ValueError(f"{name} must hold only {what} values, got {wrong[:6].tolist()}"
                             f"{' …' if len(wrong) > 6 else ''}")
        return
    lo, hi = values
    amin, amax = arr.min(), arr.max()
    if (lo is not None and amin < lo) or (hi is not None and amax > hi):
        hint = " (scale images first, e.g. X / 255.0)" if (lo, hi) == (0, 1) and amax > 1 else ""
        raise ValueError(f"{name} must have values in [{lo}, {hi}], got values in [{amin}, {amax}]{hint}")


def check_buffer(name: str, value: Any, shape: tuple, dtype: Any) -> np.ndarray:
    """An array a kernel updates in place: exactly ``dtype`` and ``shape``, C-contiguous, writeable.

    Returns ``value`` itself (never a copy: the caller keeps the result in it).
    """
    ok = (isinstance(value, np.ndarray) and value.dtype == np.dtype(dtype) and value.shape == tuple(shape)
          and value.flags.c_contiguous and value.flags.writeable)
    if not ok:
        got = (f"{value.dtype} {value.shape}" + ("" if value.flags.writeable else " read-only")
               if isinstance(value, np.ndarray) else type(value).__name__)
        raise ValueError(f"{name} must be a writeable C-contiguous {np.dtype(dtype)} array of shape "
                         f"{tuple(shape)} (it is updated in place), got {got}")
    return value


def check_data(name: str, X: Any, *, n_features: int | None = None, values: str | tuple | None = None,
               allow_1d: bool = False, dtype: Any = np.float64, min_samples: int = 1) -> np.ndarray:
    """Training or query data: a finite (n_samples, n_features) C-contiguous array.

    ``allow_1d`` reads a 1-D array as one sample; ``n_features`` is the width the model was fitted
    with; ``values`` as in ``check_array``.
    """
    arr = check_array(name, X, dtype=None, ndim=(1, 2) if allow_1d else 2)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.shape[0] < min_samples or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least {min_samples} sample(s) and one feature, got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (columns, as fitted), got {arr.shape[1]}")
    if values is not None:
        _check_values(name, arr, values)
    return np.ascontiguousarray(arr, dtype=dtype)


def check_estimator_data(estimator: Any, X: Any, *, reset: bool, values: str | tuple | None = None,
                         dtype: Any = np.float64) -> np.ndarray:
    """Data for a scikit-learn-style estimator, checked as scikit-learn checks it (its wording, which its
    own tools and users know: "X has 3 features, but RBM is expecting 784 features as input"), then the
    model's value range. ``reset=True`` (fit) records ``n_features_in_``."""
    from sklearn.utils.validation import validate_data  # scikit-learn only where an estimator is used
    try:
        arr = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_all_finite=True)
    except ValueError as exc:   # numpy's words for text data name no argument
        if str(exc).startswith("could not convert"):
            raise ValueError(f"X must be numeric: {exc}") from None
        raise
    if values is not None:
        _check_values("X", arr, values)
    return np.ascontiguousarray(arr)


# --------------------------------------------------------------------------- saved state
def state_entry(state: Mapping[str, Any], key: str, **checks) -> np.ndarray:
    """``state[key]`` checked with ``check_array`` options; a missing entry is named too."""
    if key not in state:
        raise ValueError(f"state is missing {key!r}")
    return check_array(f"state[{key!r}]", state[key], **checks)


def state_int(state: Mapping[str, Any], key: str, lo: int | None = 0, hi: int | None = None) -> int:
    """A scalar integer counter or index in a saved state, range-checked."""
    arr = state_entry(state, key, dtype=None)
    if arr.shape != () or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"state[{key!r}] must be an integer scalar, got {arr!r}")
    return check_int(f"state[{key!r}]", int(arr), lo, hi)


def state_float(state: Mapping[str, Any], key: str, lo: float | None = None, hi: float | None = None) -> float:
    """A scalar finite number in a saved state."""
    arr = state_entry(state, key, dtype=None)
    if arr.shape != ():
        raise ValueError(f"state[{key!r}] must be a scalar, got shape {arr.shape}")
    return check_float(f"state[{key!r}]", arr.item(), lo, hi)


def state_indices(state: Mapping[str, Any], key: str, n: int | None, *, shape: tuple = (None,),
                  lo: int = 0) -> np.ndarray:
    """Integer entries of a saved state in [lo, n) — sample, unit or class indices — as a fresh int64 array."""
    arr = state_entry(state, key, shape=shape, dtype=None)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"state[{key!r}] must hold integer indices, got dtype {arr.dtype}")
    if arr.size and (arr.min() < lo or (n is not None and arr.max() >= n)):
        want = f"[{lo}, {n})" if n is not None else f"≥ {lo}"
        raise ValueError(f"state[{key!r}] must hold indices {want}, got values in [{arr.min()}, {arr.max()}]")
    return np.array(arr, dtype=np.int64, order="C")


def state_ints(state: Mapping[str, Any], key: str, n: int, lo: int | None = 0, hi: int | None = None) -> list[int]:
    """A saved array of ``n`` integer counters (e.g. [epoch, batch_pos]), each in [lo, hi]."""
    arr = state_entry(state, key, shape=(n,), dtype=None)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"state[{key!r}] must hold integers, got dtype {arr.dtype}")
    return [check_int(f"state[{key!r}][{i}]", int(v), lo, hi) for i, v in enumerate(arr)]


def check_kernel_rng_state(name: str, words: Any) -> np.ndarray:
    """A xoshiro256** state (4 uint64 words, not all zero): a copy the kernels can advance."""
    arr = check_array(name, words, shape=(4,), dtype=None)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold 4 unsigned 64-bit words, got dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.uint64, copy=True)
    if not arr.any():
        raise ValueError(f"{name} is all zeros, which is not a valid generator state; reseed instead")
    return arr


def check_pcg64_words(name: str, words: Any) -> list[int]:
    """A saved numpy PCG64 state: 6 uint64 words (state hi/lo, increment hi/lo, has_uint32, uinteger).

    PCG64's increment is always odd; an even one (an all-zero state, say) gives a generator stuck at
    zero, on which numpy's bounded draws loop forever — so it is refused here, before any draw.
    """
    arr = check_array(name, words, shape=(6,), dtype=None)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold 6 unsigned 64-bit words, got dtype {arr.dtype}")
    w = [int(x) for x in arr.astype(np.uint64)]
    if w[3] % 2 == 0:
        raise ValueError(f"{name} is not a valid PCG64 state (its increment must be odd, got "
                         f"{(w[2] << 64) | w[3]}); the file was edited or damaged")
    if w[4] not in (0, 1):
        raise ValueError(f"{name}: has_uint32 must be 0 or 1, got {w[4]}")
    return w


def check_bounded_state(what: str, *arrays: np.ndarray, bound: float = math.inf, at: str = "",
                        hint: str = "") -> None:
    """Raise when training has made the state non-finite or larger than ``bound`` in magnitude —
    weights that explode without becoming inf (a rule whose rate overshoots) count as diverged too:
    "weights diverged at epoch 3 (values up to 1.2e+154): learning_rate=5 is too large …"."""
    for a in arrays:
        if a.size == 0:
            continue
        peak = max(float(a.max()), -float(a.min()))   # no |a| temporary: called after every training chunk
        if not (math.isfinite(peak) and peak <= bound):
            got = "NaN or infinite values" if not math.isfinite(peak) else f"values up to {peak:.3g}, bound {bound:.3g}"
            raise ValueError(f"{what} diverged{' ' + at if at else ''} ({got}){': ' + hint if hint else ''}")


def check_training_chunk(X: Any, order: Any, progress: Any, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of a per-chunk training step (``SOM.train_online_samples``,
    ``CompetitiveLayer.train_samples``), checked in O(chunk) — X is the caller's already-checked data,
    so only its type and shape are (never its values, which would cost a pass over all of it per
    chunk): X a C-contiguous float64 (n, n_features) array, ``order`` row indices of X, ``progress``
    one number per index (or one for all). Returns (order as int64, progress as float64), what the kernels take."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype == np.float64 and X.flags.c_contiguous):
        got = f"{X.dtype} {X.shape}" if isinstance(X, np.ndarray) else type(X).__name__
        raise ValueError(f"X must be a C-contiguous float64 (n_samples, {n_features}) array (check it once "
                         f"with check_data), got {got}")
    if X.shape[1] != n_features:
        raise ValueError(f"X must have {n_features} features (columns, as fitted), got {X.shape[1]}")
    order = check_array("order", order, ndim=1, dtype=None)
    if order.size and not np.issubdtype(order.dtype, np.integer):
        raise ValueError(f"order must hold integer row indices, got dtype {order.dtype}")
    if order.size and (order.min() < 0 or order.max() >= X.shape[0]):
        raise ValueError(f"order must hold row indices in [0, {X.shape[0]}), got values in "
                         f"[{order.min()}, {order.max()}]")
    progress = check_array("progress", progress, ndim=(0, 1))
    if progress.ndim == 1 and progress.shape != order.shape:
        raise ValueError(f"progress must hold one value per index of order ({order.shape[0]}), got shape "
                         f"{progress.shape}")
    if progress.ndim == 0:  # one progress for the whole chunk: the kernels read one value per sample
        progress = np.full(order.shape, float(progress))
    return np.ascontiguousarray(order, dtype=np.int64), progress


# --- added by chl
def check_layer_sizes(name: str, value: Any, lo: int = 1, hi: int = 100_000) -> tuple[int, ...]:
    """Layer sizes: one integer or a non-empty sequence of integers, each in [lo, hi] → a tuple."""
    if isinstance(value, _INTEGER) and not isinstance(value, _BOOL):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list, np.ndarray)) or len(value) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of layer sizes (integers in [{lo}, {hi}]), "
                         f"got {value!r}")
    return tuple(check_int(f"{name}[{i}]", v, lo, hi) for i, v in enumerate(value))
# --- added by experiments
def check_values(name: str, value: Any, check, *, allow_scalar: bool = True, unique: bool = False) -> list:
    """A non-empty list (or tuple) of values each passing ``check(f"{name}[i]", v)`` — an experiment's
    grid of sizes, loads or temperatures; a single value counts as a list of one when ``allow_scalar``."""
    if allow_scalar and not isinstance(value, (list, tuple, np.ndarray)):
        value = [value]
    if not isinstance(value, (list, tuple, np.ndarray)) or len(value) == 0:
        raise ValueError(f"{name} must be a non-empty list, got {value!r}")
    out = [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    if unique and len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a value, got {list(value)!r}")
    return out
# --- added by lessons
def check_training_set(x: Any, y: Any = None, *, labels: bool = False,
                       min_samples: int = 2) -> tuple[np.ndarray, np.ndarray | None]:
    """A user's training set (File → Import data): x (n, features) or (n, rows, cols) images, finite,
    at least ``min_samples`` examples; y None or (n,) whole-number labels ≥ 0 (``labels``: required)."""
    arr = check_array("x", x, ndim=(2, 3))
    if arr.shape[0] < min_samples or arr[0].size == 0:
        raise ValueError(f"x must hold at least {min_samples} examples of at least one value each, "
                         f"got shape {arr.shape}")
    if y is None or (isinstance(y, np.ndarray) and y.size == 0):
        if labels:
            raise ValueError("y: this model learns classes and needs labels (a CSV label column, or an IDX/.npz "
                             "file with y), got none")
        return arr, None
    lab = check_array("y", y, ndim=1, dtype=None)
    if lab.shape[0] != arr.shape[0]:
        raise ValueError(f"y must hold one label per example ({arr.shape[0]}), got {lab.shape[0]}")
    if lab.dtype.kind not in "iub" and not np.array_equal(lab, np.round(lab)):
        raise ValueError(f"y must hold whole-number labels, got dtype {lab.dtype} with fractions")
    lab = lab.astype(np.int64)
    if lab.min() < 0:
        raise ValueError(f"y must hold labels ≥ 0, got {int(lab.min())}")
    return arr, lab
