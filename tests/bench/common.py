"""Helpers shared by the benchmark files (run by `hebbgui bench`, never by plain pytest)."""
from __future__ import annotations

import time


def best_time(fn, *, repeat: int = 5, min_time: float = 0.2) -> float:
    """Seconds per call: the best of ``repeat`` rounds, each looping until ``min_time``."""
    fn()  # warm-up (numba compile, caches)
    best = float("inf")
    for _ in range(repeat):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_time:
                break
        best = min(best, el / n)
    return best


def row(bench: str, what: str, value: float, unit: str, *, baseline: str | None = None,
        baseline_value: float | None = None, ratio: float | None = None, target: str = "") -> dict:
    """One table row; ``ratio`` is ours/baseline in the direction where bigger is better."""
    return dict(bench=bench, what=what, value=value, unit=unit, baseline=baseline,
                baseline_value=baseline_value, ratio=ratio, target=target)
