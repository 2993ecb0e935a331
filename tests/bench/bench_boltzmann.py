"""Boltzmann machine benchmarks: one learning epoch (exact and Gibbs) on the letters preset."""
from __future__ import annotations

from common import best_time, row
from engine.models.boltzmann import BoltzmannModel


def bench_epoch(quick: bool = False) -> list[dict]:
    exact = BoltzmannModel({"n_hidden": 2}, seed=0)
    gibbs = BoltzmannModel({"n_hidden": 2, "method": "gibbs"}, seed=0)
    te = best_time(lambda: exact.step(1), repeat=3, min_time=0.05 if quick else 0.2)
    tg = best_time(lambda: gibbs.step(1), repeat=3, min_time=0.05 if quick else 0.2)
    return [row("boltzmann letters 9+2", "exact epoch ms", te * 1e3, "ms", target="≪ 16 ms (one frame)"),
            row("boltzmann letters 9+2", "Gibbs (100 chains) epoch ms", tg * 1e3, "ms", target="≪ 16 ms")]


BENCHES = [bench_epoch]
