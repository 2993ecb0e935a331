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
from typing import Iterator, Protocol


class StepInterrupted(Exception):
    """A step stopped early at a stop request; the model's state is whole (see the module docstring)."""


class Flag(Protocol):
    def is_set(self) -> bool: ...


_local = threading.local()


@contextmanager
def watching(flag: Flag) -> Iterator[None]:
    """Within the block, ``check()`` in this thread raises ``StepInterrupted`` once ``flag`` is set."""
    previous = getattr(_local, "flag", None)
    _local.flag = flag
    try:
        yield
    finally:
        _local.flag = previous


def requested() -> bool:
    """Whether the flag this thread watches is set (False when it watches none)."""
    flag = getattr(_local, "flag", None)
    return flag is not None and flag.is_set()


def check() -> None:
    """Raise ``StepInterrupted`` when a stop was requested; call it between chunks of a step, where
    the state is whole. Costs an attribute read and a method call."""
    flag = getattr(_local, "flag", None)
    if flag is not None and flag.is_set():
        raise StepInterrupted("step interrupted by a stop request")
