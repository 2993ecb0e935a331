"""Keeping Python's full garbage collections short while an engine thread runs (moved out of
worker/engine.py, which is about the engine thread and its play loop)."""
from __future__ import annotations

import gc


class _StartupHeapFreezer:
    """Keeps Python's full garbage collections short while an engine thread runs.

    A full collection walks every object alive; with Qt, pyqtgraph, numba and scipy loaded that
    is 50-80 ms, a dropped frame or more each time one comes. Everything alive when the first
    engine starts (modules, the window) lives as long as the app, so it is frozen out of the
    collector's sight (gc.freeze) and a full collection takes about a millisecond; it is let back
    when the last engine stops, so closed windows' cycles are still collected. (Collecting only
    from a GUI-thread timer, as pyqtgraph's GarbageCollector does, was measured here: it lumps
    the work into 5-40 ms pauses, worse than the collector's own small steps.)
    """

    def __init__(self):
        self.users = 0

    def acquire(self) -> None:
        self.users += 1
        if self.users == 1:
            gc.collect()
            gc.freeze()

    def release(self) -> None:
        self.users = max(0, self.users - 1)
        if self.users == 0:
            gc.unfreeze()


heap_freezer = _StartupHeapFreezer()
