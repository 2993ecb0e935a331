"""Spurious states (seed 001): a census of the fixed points of a Hebbian network ("spurious").

For N ≤ ``exhaustive_max`` every one of the 2^N states is tested; above, ``n_samples`` random
states are relaxed (asynchronous updates) and the distinct fixed points they reach are
counted. Each fixed point is one of: a stored pattern, the negative of one, a mixture
(sgn of ±ξ^a ± ξ^b ± ξ^c…, an odd number ≥ 3 of patterns) or another spurious state. Seed
001 stores 2…7 random vectors in dimension 10 (diagonal kept, sgn(0) = +1, the defaults)
and counts 2, 4, 8, 16, 24, 45 spurious fixed points besides the stored vectors and their
negatives. With ``dreams`` > 0 the census is taken again after that much dream sleep
(``Hopfield.unlearn``), which removes spurious attractors first.
"""
from __future__ import annotations

import itertools
from typing import Any, Mapping

import numpy as np

from engine.experiments.basins import sync_steps
from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.hopfield import Hopfield
from engine.validation import (check_bool, check_choice, check_float, check_int, check_keys, check_seed,
                               check_values)

TIES = ("plus", "keep")
EXHAUSTIVE_MAX = 20            # 2^20 states: about a second
SEED_SPURIOUS = {2: 2, 3: 4, 4: 8, 5: 16, 6: 24, 7: 45}   # seed 001, dimension 10, one pattern set each
KINDS = ("stored", "negatives", "mixtures", "other")
DEFAULTS = {
    "n_neurons": 10,
    "stored": [2, 3, 4, 5, 6, 7],
    "n_sets": 20,               # independent pattern sets per stored count
    "exhaustive_max": 16,       # census of all 2^N states up to this N (at most 20)
    "n_samples": 2000,          # above it: random starts relaxed to their fixed points
    "dreams": 0,                # > 0: a second census after this many dreams of unlearning
    "dream_rate": 0.01,
    "self_connections": True,   # the seed's conventions
    "tie": "plus",
    "seed": 0,
}


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("spurious settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 2, 4096)}
    out["stored"] = check_values("stored", s["stored"], lambda n, v: check_int(n, v, 1, out["n_neurons"]),
                                 unique=True)
    out["n_sets"] = check_int("n_sets", s["n_sets"], 1, 100000)
    out["exhaustive_max"] = check_int("exhaustive_max", s["exhaustive_max"], 0, EXHAUSTIVE_MAX)
    out["n_samples"] = check_int("n_samples", s["n_samples"], 1, 10**7)
    out["dreams"] = check_int("dreams", s["dreams"], 0, 10**7)
    out["dream_rate"] = check_float("dream_rate", s["dream_rate"], 0.0, lo_open=True)
    out["self_connections"] = check_bool("self_connections", s["self_connections"])
    out["tie"] = check_choice("tie", s["tie"], TIES)
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def all_states(n: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """States number start…stop−1 of the 2^n bipolar states (bit i of the number → unit i), (k, n) int8."""
    idx = np.arange(start, 2**n if stop is None else stop, dtype=np.int64)
    bits = (idx[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1
    return (2 * bits - 1).astype(np.int8)


def fixed_points(net: Hopfield, *, exhaustive_max: int, n_samples: int, seed: int) -> np.ndarray:
    """The distinct fixed points of ``net`` (k, N) int8: every state tested when N ≤ exhaustive_max,
    else the ends of ``n_samples`` random starts relaxed asynchronously."""
    n = net.n_neurons
    if n <= exhaustive_max:
        chunk = 1 << 16
        # a fixed point is what one synchronous step leaves as it is: 2^N states in a few products
        found = [s[np.all(sync_steps(net, s, 1) == s, axis=1)] for s in (all_states(n, a, min(a + chunk, 2**n))
                                                                            for a in range(0, 2**n, chunk))]
        return np.concatenate(found)
    rng = np.random.default_rng(seed)
    starts = np.where(rng.random((n_samples, n)) < 0.5, 1, -1).astype(np.int8)
    ends = net.recall(starts, mode="async", max_sweeps=1000, seed=int(rng.integers(0, 2**62)))
    ends = ends[net.is_fixed_point(ends)]
    return np.unique(ends, axis=0)


def mixtures(patterns: np.ndarray) -> set[bytes]:
    """sgn(Σ ε_μ ξ^μ) over odd subsets of ≥ 3 patterns and every sign choice, as bytes (sgn(0) = +1)."""
    out: set[bytes] = set()
    p = len(patterns)
    for size in range(3, p + 1, 2):
        for subset in itertools.combinations(range(p), size):
            for signs in itertools.product((1, -1), repeat=size):
                total = np.asarray(signs, dtype=np.int64) @ patterns[list(subset)].astype(np.int64)
                out.add(np.where(total >= 0, 1, -1).astype(np.int8).tobytes())
    return out


def census(points: np.ndarray, patterns: np.ndarray) -> dict:
    """Counts of the fixed points ``points`` by kind: stored, negatives, mixtures, other (and spurious,
    the mixtures and others together)."""
    stored = {x.tobytes() for x in patterns}
    negatives = {(-x).astype(np.int8).tobytes() for x in patterns} - stored
    mixed = mixtures(patterns) - stored - negatives
    counts = dict.fromkeys(KINDS, 0)
    for x in points:
        key = x.tobytes()
        kind = ("stored" if key in stored else "negatives" if key in negatives
                else "mixtures" if key in mixed else "other")
        counts[kind] += 1
    counts["spurious"] = counts["mixtures"] + counts["other"]
    counts["fixed_points"] = len(points)
    return counts


def network(s: dict) -> Hopfield:
    """A Hebbian network with the settings' conventions (diagonal, tie rule)."""
    return Hopfield(s["n_neurons"], "hebbian", self_connections=s["self_connections"], tie=s["tie"])


def tasks(s: dict) -> list[dict]:
    """One task per (stored count, pattern set)."""
    return [{"stored": m, "set": r} for m in s["stored"] for r in range(s["n_sets"])]


def run_task(s: dict, task: dict, seed: int) -> list[dict]:
    """The census of one pattern set, before (and after dream sleep, when asked)."""
    rng = np.random.default_rng(seed)
    patterns = np.where(rng.random((task["stored"], s["n_neurons"])) < 0.5, 1, -1).astype(np.int8)
    net = network(s)
    net.store(patterns)
    phases = [("before", 0)] + ([("after", s["dreams"])] if s["dreams"] else [])
    rows = []
    for phase, dreams in phases:
        if dreams:
            net.unlearn(n_dreams=dreams, rate=s["dream_rate"], seed=int(rng.integers(0, 2**62)))
        points = fixed_points(net, exhaustive_max=s["exhaustive_max"], n_samples=s["n_samples"],
                              seed=int(rng.integers(0, 2**62)))
        rows.append({"n_stored": task["stored"], "set": task["set"], "phase": phase, "dreams": dreams,
                     **census(points, patterns)})   # its "stored": how many stored patterns are fixed points
    return rows


def finish(s: dict, table: dict) -> dict:
    """Mean counts by kind per stored count (kinds, stored counts), before and after dreams."""
    stored = np.array(s["stored"], dtype=np.float64)
    out = {"stored": stored, "kind_labels": np.array(KINDS),
           "seed_spurious": np.array([stored, [SEED_SPURIOUS.get(int(m), np.nan) for m in stored]])}
    for phase in ("before", "after") if s["dreams"] else ("before",):
        means = np.full((len(KINDS) + 1, len(stored)), np.nan)
        if table:
            for j, m in enumerate(s["stored"]):
                cell = (table["phase"] == phase) & (table["n_stored"] == m)
                if cell.any():
                    means[:, j] = [table[k][cell].mean() for k in KINDS + ("spurious",)]
        out[f"counts_{phase}"] = means[: len(KINDS)]
        out[f"spurious_{phase}"] = means[len(KINDS)]
    return out


EXPERIMENT = Study(
    name="spurious",
    title="Spurious states: census of the fixed points (seed 001)",
    defaults=dict(DEFAULTS),
    model="hopfield",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish,
    describe=lambda task: f"{task['stored']} stored, set {task['set'] + 1}",
    views=(
        ViewSpec("spurious_before", "curve", "Spurious fixed points (mean over sets); seed 001 dashed",
                 series=("spurious_after",), labels=("before dreams", "after dreams"), x_key="stored",
                 x_label="stored vectors", y_label="spurious fixed points", theory="seed_spurious",
                 extra={"theory_label": "seed 001"}),
        ViewSpec("counts_before", "curve", "Fixed points by kind", x_key="stored", x_label="stored vectors",
                 y_label="count", extra={"labels_key": "kind_labels"}),
    ),
)
