"""Interrupting a step: a stop request that long model steps look at between bounded chunks of work.

Closing the window must not wait for a step that runs for seconds (an RBM with 20 tempered chains of
2000 hidden units, Wolff clusters on a 2048² lattice): the thread that runs the step watches a flag
(``watching``), and models call ``check()`` between chunks of at most ~100 ms each (a Gibbs step, a
minibatch, a block of samples, a bounded number of clusters). When the flag is set, ``check`` raises
``StepInterrupted``; the caller of ``step`` catches it. ``check`` sits only where the model's state is
whole (the last completed minibatch, sweep, cluster or Gibbs step is kept, nothing is half-applied), so
an interrupted model still saves, loads and steps. Only closing interrupts a step, so runs that are not
interrupted, and their replays, are unchanged.

The engine makes no threads: the flag is any object with ``is_set()`` (a ``threading.Event``), set by
whoever runs the step (hebbgui's worker), and it is watched per thread, so one window's close never
interrupts another engine thread. Without ``watching``, ``check`` never raises.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

import numpy as np


class StepInterrupted(Exception):
    """A step stopped early at a stop request; the model's state is whole (see the module docstring)."""


class Flag(Protocol):
    def is_set(self) -> bool: ...


class _Watched(threading.local):
    flag: Flag | None = None   # a class default: a thread that watches nothing reads it without an exception


_local = _Watched()


@contextmanager
def watching(flag: Flag) -> Iterator[None]:
    """Within the block, ``check()`` in this thread raises ``StepInterrupted`` once ``flag`` is set."""
    previous = _local.flag
    _local.flag = flag
    try:
        yield
    finally:
        _local.flag = previous


def requested() -> bool:
    """Whether the flag this thread watches is set (False when it watches none)."""
    flag = _local.flag
    return flag is not None and flag.is_set()


def check() -> None:
    """Raise ``StepInterrupted`` when a stop was requested; call it between chunks of a step, where
    the state is whole. Costs an attribute read and a method call."""
    flag = _local.flag
    if flag is not None and flag.is_set():
        raise StepInterrupted("step interrupted by a stop request")


# ~10⁸ multiply-adds: tens of ms in one BLAS thread on a loaded machine, so a product this big is
# one chunk between checks
PRODUCT_CHUNK = 10 ** 8


def block_rows(inner: int, columns: int) -> int:
    """Rows of a block of ``matmul``: about PRODUCT_CHUNK multiply-adds of a product (rows, inner) @
    (inner, columns). Code that works on the same row blocks around such a product gets its values."""
    return max(1, PRODUCT_CHUNK // max(1, inner * columns))


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (2-D) in blocks of a's rows of about PRODUCT_CHUNK multiply-adds each, with
    ``check()`` before every block: a product too big for one uninterruptible call (a minibatch of
    10 000 MNIST rows against 2000 units). Each block is its own BLAS call on the same operands: the
    entries agree with the one product's to rounding (a block's edge rows may take another BLAS
    path), and are the same when a single block holds every row (a product under PRODUCT_CHUNK)."""
    rows = block_rows(a.shape[1], b.shape[1])
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    for start in range(0, a.shape[0], rows):
        check()
        np.matmul(a[start:start + rows], b, out=out[start:start + rows])
    return out


DRAW_CHUNK = 1 << 20   # random numbers drawn between checks (tens of ms)


def drawn(draw: Callable[[int], np.ndarray], shape: tuple[int, int], dtype: np.dtype | type = np.float64) -> np.ndarray:
    """A ``shape`` (rows, columns) array of ``dtype`` from ``draw(k)``, k rows of random numbers (e.g.
    ``lambda k: rng.normal(0.0, 0.01, (k, columns))``), in blocks of about DRAW_CHUNK numbers with
    ``check()`` before each: 2000 × 2000 initial weights are a third of a second in one call. A
    generator fills its output in order, so the blocks hold the numbers one call would."""
    out = np.empty(shape, dtype=dtype)
    rows = max(1, DRAW_CHUNK // max(1, shape[1]))
    for start in range(0, shape[0], rows):
        check()
        out[start:start + rows] = draw(min(rows, shape[0] - start))
    return out
