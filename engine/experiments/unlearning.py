"""Unlearning ("unlearning"): what Hopfield–Feinstein–Palmer dream sleep does to a Hebbian network.

One task is (stored count P, number of dreams, pattern set): P random patterns are stored
with Hebbian weights, the network dreams (``Hopfield.unlearn``: relax from random states, a
small anti-Hebbian step at the state reached), and then: the fraction of stored patterns
that are fixed points, the retrieval rate from probes with ``flip_fraction`` of their
units flipped, and the number of spurious fixed points (the census of the "spurious"
experiment: exhaustive for N ≤ exhaustive_max, sampled above).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from engine.experiments.runner import Study
from engine.experiments.spurious import EXHAUSTIVE_MAX, census, fixed_points
from engine.model import ViewSpec
from engine.models.hopfield import Hopfield
from engine.patterns import flip_noise
from engine.validation import check_float, check_fraction, check_int, check_keys, check_seed, check_values

DEFAULTS = {
    "n_neurons": 16,
    "stored": [2, 3, 4],         # P
    "dreams": [0, 5, 10, 20, 40, 80],
    "dream_rate": 0.01,
    "n_sets": 10,
    "flip_fraction": 0.125,
    "overlap_threshold": 1.0,    # retrieved: the probe ends exactly on its pattern
    "exhaustive_max": 16,
    "n_samples": 2000,
    "seed": 0,
}


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("unlearning settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 2, 4096)}
    out["stored"] = check_values("stored", s["stored"], lambda n, v: check_int(n, v, 1, 4 * out["n_neurons"]),
                                 unique=True)
    out["dreams"] = check_values("dreams", s["dreams"], lambda n, v: check_int(n, v, 0, 10**7), unique=True)
    out["dream_rate"] = check_float("dream_rate", s["dream_rate"], 0.0, lo_open=True)
    out["n_sets"] = check_int("n_sets", s["n_sets"], 1, 100000)
    out["flip_fraction"] = check_fraction("flip_fraction", s["flip_fraction"])
    out["overlap_threshold"] = check_fraction("overlap_threshold", s["overlap_threshold"])
    out["exhaustive_max"] = check_int("exhaustive_max", s["exhaustive_max"], 0, EXHAUSTIVE_MAX)
    out["n_samples"] = check_int("n_samples", s["n_samples"], 1, 10**7)
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def tasks(s: dict) -> list[dict]:
    """One task per (stored count, dreams, pattern set)."""
    return [{"stored": p, "dreams": d, "set": r} for p in s["stored"] for d in s["dreams"]
            for r in range(s["n_sets"])]


def run_task(s: dict, task: dict, seed: int) -> dict:
    """Store, dream, measure. The pattern set depends on (stored, set) only: every dream count sees it."""
    n, p = s["n_neurons"], task["stored"]
    set_rng = np.random.default_rng([s["seed"], p, task["set"]])
    patterns = np.where(set_rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    probes = flip_noise(patterns, s["flip_fraction"], seed=set_rng)
    rng = np.random.default_rng(seed)
    net = Hopfield(n, "hebbian")
    net.store(patterns)
    if task["dreams"]:
        net.unlearn(n_dreams=task["dreams"], rate=s["dream_rate"], seed=int(rng.integers(0, 2**62)))
    out = net.recall(probes, mode="async", max_sweeps=100, seed=int(rng.integers(0, 2**62)))
    m = np.einsum("pi,pi->p", out.astype(np.float64), patterns.astype(np.float64)) / n
    counts = census(fixed_points(net, exhaustive_max=s["exhaustive_max"], n_samples=s["n_samples"],
                                 seed=int(rng.integers(0, 2**62))), patterns)
    return {"stored": p, "dreams": task["dreams"], "set": task["set"],
            "stable": float(np.mean(net.is_fixed_point(patterns))),
            "retrieval": float(np.mean(m >= s["overlap_threshold"] - 1e-12)),
            "spurious": counts["spurious"], "fixed_points": counts["fixed_points"]}


def finish(s: dict, table: dict) -> dict:
    """(stored counts, dreams) means over sets of retrieval, stability and spurious count."""
    dreams = np.array(s["dreams"], dtype=np.float64)
    out = {"dreams": dreams, "stored_labels": np.array([f"P = {p}" for p in s["stored"]])}
    for what in ("retrieval", "stable", "spurious"):
        grid = np.full((len(s["stored"]), len(dreams)), np.nan)
        if table:
            for i, p in enumerate(s["stored"]):
                for j, d in enumerate(s["dreams"]):
                    cell = (table["stored"] == p) & (table["dreams"] == d)
                    if cell.any():
                        grid[i, j] = table[what][cell].mean()
        out[what] = grid
    return out


def _curve(key: str, title: str, y_label: str) -> ViewSpec:
    return ViewSpec(key, "curve", title, x_key="dreams", x_label="dreams", y_label=y_label,
                    extra={"labels_key": "stored_labels"})


EXPERIMENT = Study(
    name="unlearning",
    title="Unlearning: dream sleep against spurious states",
    defaults=dict(DEFAULTS),
    model="hopfield",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish,
    describe=lambda task: f"P = {task['stored']}, {task['dreams']} dreams, set {task['set'] + 1}",
    views=(_curve("spurious", "Spurious fixed points", "count"),
           _curve("retrieval", "Retrieval from noisy probes", "retrieval rate"),
           _curve("stable", "Stored patterns that are fixed points", "fraction stable")),
)
