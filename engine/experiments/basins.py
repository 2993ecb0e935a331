"""Basins of attraction (seed 001): how many vectors at Hamming distance H from a stored vector
return to it, and the 2-D picture of one basin in 100-dimensional space.

"basins": random bipolar vectors are learned one after the other (stored count 1…max_stored);
for each stored vector and each H = 0…max_distance every vector at distance H (all of them
while there are at most ``max_probes``, a random sample above) is a probe, updated
synchronously — x ← sgn(xW) — once ("single shot") and ``iterations`` times; p_H is the
percentage that end on the stored vector. Weights are Hebbian W = XᵀX or the projection X⁺X.
The attraction index is I = Σ_h h·p_h (p_h as a fraction). The seed's tables were made with
the diagonal of W kept and sgn(0) = +1: the defaults here (``self_connections``, ``tie``).

"basin-map": N = 100 units split at random into two halves of 50; the probe at grid point
(a, b) differs from the stored vector x in a units of the first half and b of the second.
A point is +1 when the probe ends on x, −1 when it ends on −x, 0 otherwise (the mean over
``probes_per_point`` probes).
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Mapping

import numpy as np

from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.hopfield import MODES as RECALL_MODES, Hopfield
from engine.validation import check_bool, check_choice, check_int, check_keys, check_seed, check_values

TIES = ("plus", "keep")
TIE_TOLERANCE = 1e-9   # relative to the largest Σ_j |w_ij|: below it a field is a tie (rounding of X⁺X)
BASIN_RULES = ("hebbian", "pseudoinverse")
# Seed 001's own tables (dimension 10, one pattern set): % of vectors at distance H (rows 0…4)
# that converge, stored count 1… (columns). Shown beside the measured tables, and compared in the tests.
SEED_TABLES = {
    "hebbian_single": np.array([
        [100.0] * 10,
        [100.0, 100.0, 90.0, 85.0, 60.0, 60.0, 54.3, 56.2, 45.5, 33.0],
        [100.0, 86.7, 64.4, 57.2, 40.0, 31.8, 22.5, 23.1, 17.0, 13.3],
        [100.0, 50.0, 38.6, 25.4, 13.5, 8.3, 4.8, 5.9, 3.1, 2.4],
        [100.0, 0.0, 9.7, 7.4, 4.5, 2.7, 0.9, 0.8, 0.3, 0.2]]),
    "hebbian_iterated": np.array([
        [100.0] * 7,
        [100.0, 100.0, 90.0, 85.0, 60.0, 60.0, 54.3],
        [100.0, 100.0, 72.6, 71.1, 41.8, 34.8, 27.9],
        [100.0, 80.0, 48.6, 47.5, 18.3, 10.8, 8.5],
        [100.0, 42.8, 21.9, 22.3, 6.8, 3.7, 2.0]]),
    "pseudoinverse_iterated": np.array([
        [100.0] * 7,
        [100.0, 100.0, 90.0, 85.0, 50.0, 50.0, 30.0],
        [100.0, 86.7, 77.8, 60.0, 22.7, 10.4, 1.3],
        [100.0, 50.8, 40.8, 30.4, 3.2, 0.0, 0.0],
        [100.0, 1.9, 7.6, 8.6, 0.0, 0.0, 0.0]]),
}

DEFAULTS = {
    "n_neurons": 10,          # the seed's dimension
    "max_stored": 10,         # stored count 1…max_stored
    "max_distance": 5,        # H = 0…max_distance
    "iterations": 5,          # the iterated method's synchronous steps
    "rules": list(BASIN_RULES),
    "n_sets": 1,              # independent pattern sets (the seed's numbers come from one)
    "max_probes": 1000,       # per stored vector and H: all vectors at distance H up to this many, else a sample
    "self_connections": True,  # the seed keeps the diagonal of W = Σ xxᵀ
    "tie": "plus",            # the seed's sgn(0) = +1
    "seed": 0,
}


def _network(n: int, rule: str, s: dict) -> Hopfield:
    return Hopfield(n, rule, self_connections=s["self_connections"], tie=s["tie"])


def _common(s: Mapping[str, Any], out: dict) -> None:
    """Checks shared by both studies: the seed's conventions and the seed."""
    out["self_connections"] = check_bool("self_connections", s["self_connections"])
    out["tie"] = check_choice("tie", s["tie"], TIES)
    out["seed"] = check_seed(s["seed"]) or 0


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("basins settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 2, 4096)}
    out["max_stored"] = check_int("max_stored", s["max_stored"], 1, 4 * out["n_neurons"])
    out["max_distance"] = check_int("max_distance", s["max_distance"], 0, out["n_neurons"])
    out["iterations"] = check_int("iterations", s["iterations"], 1, 10000)
    out["rules"] = check_values("rules", s["rules"], lambda n, v: check_choice(n, v, BASIN_RULES), unique=True)
    out["n_sets"] = check_int("n_sets", s["n_sets"], 1, 100000)
    out["max_probes"] = check_int("max_probes", s["max_probes"], 1, 10**6)
    _common(s, out)
    return out


def probes_at_distance(x: np.ndarray, h: int, max_probes: int, rng: np.random.Generator,
                       units: np.ndarray | None = None) -> np.ndarray:
    """Vectors differing from ``x`` (N,) ±1 in exactly ``h`` of ``units`` (default: all): every one while
    there are at most ``max_probes``, else ``max_probes`` drawn at random. (k, N) int8."""
    units = np.arange(len(x)) if units is None else units
    count = math.comb(len(units), h)
    if count <= max_probes:
        picks = units[_combinations(len(units), h)]
    else:
        picks = np.array([rng.choice(units, h, replace=False) for _ in range(max_probes)], dtype=np.int64)
    probes = np.repeat(x[None, :], len(picks), axis=0)
    np.put_along_axis(probes, picks, -np.take_along_axis(probes, picks, axis=1), axis=1)
    return probes.astype(np.int8)


def sync_steps(net: Hopfield, states: np.ndarray, steps: int) -> np.ndarray:
    """Seed 001's operator x ← sgn(xW), ``steps`` times, on every row of ``states`` (B, N) ±1 at once.

    The network's synchronous rule (its weights, thresholds and tie convention), as one matrix
    product per step: the seed's tables need ~10⁵ probes of 10 units, far below what a batch
    recall call is made for. One difference, on purpose: a field within TIE_TOLERANCE of the
    threshold is a tie. X⁺X's rounding turns the exact ties of the seed's arithmetic (a probe
    orthogonal to the stored vector) into ±1e-17, which would decide them at random; with
    Hebbian (integer) weights it equals ``net.recall(states, mode="sync", max_sweeps=steps)``."""
    w, u = net.weights, net.thresholds
    tolerance = TIE_TOLERANCE * max(1.0, float(np.abs(w).sum(axis=1).max()))
    s = states.astype(np.float64)
    for _ in range(steps):
        d = np.einsum("bj,ij->bi", s, w) - u   # not BLAS: its threads only cost at this size
        d[np.abs(d) <= tolerance] = 0.0
        tie = np.ones_like(s) if net.tie == "plus" else s
        s = np.where(d > 0, 1.0, np.where(d < 0, -1.0, tie))
    return s.astype(np.int8)


@functools.lru_cache(maxsize=64)
def _combinations(n: int, h: int) -> np.ndarray:
    """Every h-subset of range(n) as rows of a (C(n, h), h) array (kept: each task asks again)."""
    return np.array(list(itertools.combinations(range(n), h)), dtype=np.int64).reshape(math.comb(n, h), h)


def tasks(s: dict) -> list[dict]:
    """One task per (pattern set, stored count)."""
    return [{"set": r, "stored": m} for r in range(s["n_sets"]) for m in range(1, s["max_stored"] + 1)]


def run_task(s: dict, task: dict, seed: int) -> list[dict]:
    """The first ``stored`` vectors of the task's set (one random set of max_stored per set index,
    learned one after the other): one row per (rule, single/iterated, H)."""
    n, m = s["n_neurons"], task["stored"]
    set_rng = np.random.default_rng([s["seed"], task["set"]])  # the same set for every stored count
    patterns = np.where(set_rng.random((s["max_stored"], n)) < 0.5, 1, -1).astype(np.int8)[:m]
    rng = np.random.default_rng(seed)
    by_h = [np.concatenate([probes_at_distance(x, h, s["max_probes"], rng) for x in patterns])
            for h in range(s["max_distance"] + 1)]
    probes = np.concatenate(by_h)            # every H in one batch, split again below
    target = np.concatenate([np.repeat(patterns, len(p) // m, axis=0) for p in by_h])
    ends = np.cumsum([len(p) for p in by_h])
    rows = []
    for rule in s["rules"]:
        net = _network(n, rule, s)
        net.store(patterns)
        for label, steps in (("single", 1), ("iterated", s["iterations"])):
            back = np.all(sync_steps(net, probes, steps) == target, axis=1)
            for h, part in enumerate(np.split(back, ends[:-1])):
                rows.append({"set": task["set"], "stored": m, "rule": rule, "method": label, "H": h,
                             "percent": 100.0 * float(np.mean(part)), "n_probes": len(part)})
    return rows


def attraction_index(percent_by_h: np.ndarray) -> np.ndarray:
    """I = Σ_h h·p_h with p_h as a fraction, over the first axis (H = 0, 1, …)."""
    h = np.arange(percent_by_h.shape[0]).reshape(-1, *([1] * (percent_by_h.ndim - 1)))
    return np.sum(h * percent_by_h / 100.0, axis=0)


def finish(s: dict, table: dict) -> dict:
    """Tables (H, stored count) of mean % over sets per rule and method, and their attraction index."""
    n_h, n_m = s["max_distance"] + 1, s["max_stored"]
    out = {"stored": np.arange(1, n_m + 1, dtype=np.float64),
           "distance_labels": np.array([f"H = {h}" for h in range(n_h)])}
    for rule in s["rules"]:
        for method in ("single", "iterated"):
            grid = np.full((n_h, n_m), np.nan)
            if table:
                pick = (table["rule"] == rule) & (table["method"] == method)
                for h in range(n_h):
                    for m in range(1, n_m + 1):
                        cell = pick & (table["H"] == h) & (table["stored"] == m)
                        if cell.any():
                            grid[h, m - 1] = table["percent"][cell].mean()
            out[f"table_{rule}_{method}"] = grid
            out[f"index_{rule}_{method}"] = attraction_index(grid)
    for key, seed_table in SEED_TABLES.items():
        out[f"seed_{key}"] = seed_table
        out[f"seed_{key}_stored"] = np.arange(1, seed_table.shape[1] + 1, dtype=np.float64)  # its own columns
    index_keys = [k for k in out if k.startswith("index_")]
    out["index_labels"] = np.array([k[len("index_"):].replace("_", " ") for k in index_keys])
    out["attraction_index"] = np.array([out[k] for k in index_keys])
    return out


def _describe(task: dict) -> str:
    return f"set {task['set'] + 1}, {task['stored']} stored"


def _table_view(key: str, title: str, beside: str | None = None, x_values: str = "stored") -> ViewSpec:
    """A % table as a heatmap with its numbers; ``beside``: the seed's table printed next to it (CLI)."""
    extra = {"numbers": True, "x_values_key": x_values, "levels": (0.0, 100.0)}
    return ViewSpec(key, "heatmap", title, x_label="stored vectors", y_label="H", colormap="gray",
                    extra={**extra, "beside": beside} if beside else extra)


EXPERIMENT = Study(
    name="basins",
    title="Basins of attraction: % of vectors at Hamming distance H that converge (seed 001)",
    defaults=dict(DEFAULTS),
    model="hopfield",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish, describe=_describe,
    views=(
        _table_view("table_hebbian_single", "Hebbian, single shot", beside="seed_hebbian_single"),
        _table_view("seed_hebbian_single", "Seed 001: Hebbian, single shot",
                    x_values="seed_hebbian_single_stored"),
        _table_view("table_hebbian_iterated", "Hebbian, iterated", beside="seed_hebbian_iterated"),
        _table_view("seed_hebbian_iterated", "Seed 001: Hebbian, 5 iterations",
                    x_values="seed_hebbian_iterated_stored"),
        _table_view("table_pseudoinverse_iterated", "X⁺X, iterated", beside="seed_pseudoinverse_iterated"),
        _table_view("seed_pseudoinverse_iterated", "Seed 001: X⁺X, 5 iterations",
                    x_values="seed_pseudoinverse_iterated_stored"),
        ViewSpec("attraction_index", "curve", "Attraction index I = Σ h·p_h", x_key="stored",
                 x_label="stored vectors", y_label="I", extra={"labels_key": "index_labels"}),
    ),
)


# --------------------------------------------------------------------------- the 2-D basin map
MAP_DEFAULTS = {
    "n_neurons": 100,          # two halves of n_neurons/2
    "n_stored": [4, 6, 10, 15],  # one map per stored count (the seed's four pictures)
    "rule": "hebbian",
    "mode": "sync",
    "max_sweeps": 20,
    "probes_per_point": 1,     # the seed draws one probe per grid point
    "self_connections": True,
    "tie": "plus",
    "seed": 0,
}


def check_map_settings(settings: Mapping[str, Any]) -> dict:
    """The basin-map settings filled from MAP_DEFAULTS and checked; ValueError names the setting."""
    check_keys("basin-map settings", settings, MAP_DEFAULTS)
    s = {**MAP_DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 2, 4096)}
    if out["n_neurons"] % 2:
        raise ValueError(f"n_neurons must be even (two halves), got {out['n_neurons']}")
    out["n_stored"] = check_values("n_stored", s["n_stored"], lambda n, v: check_int(n, v, 1, 4 * out["n_neurons"]),
                                   unique=True)
    out["rule"] = check_choice("rule", s["rule"], BASIN_RULES)
    out["mode"] = check_choice("mode", s["mode"], RECALL_MODES)
    out["max_sweeps"] = check_int("max_sweeps", s["max_sweeps"], 1, 100000)
    out["probes_per_point"] = check_int("probes_per_point", s["probes_per_point"], 1, 10000)
    _common(s, out)
    return out


def map_tasks(s: dict) -> list[dict]:
    """One task per (stored count, row a of the grid)."""
    half = s["n_neurons"] // 2
    return [{"n_stored": p, "a": a} for p in s["n_stored"] for a in range(half + 1)]


def run_map_task(s: dict, task: dict, seed: int) -> list[dict]:
    """Row a of the map for one stored count: one row per b = 0…N/2."""
    n, p, a = s["n_neurons"], task["n_stored"], task["a"]
    half = n // 2
    # the pattern set and the partition depend on the stored count only: every row shares them
    set_rng = np.random.default_rng([s["seed"], p])
    patterns = np.where(set_rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    order = set_rng.permutation(n)
    first, second = order[:half], order[half:]
    x = patterns[0]
    net = Hopfield(n, s["rule"], self_connections=s["self_connections"], tie=s["tie"])
    net.store(patterns)
    rng = np.random.default_rng(seed)
    k = s["probes_per_point"]
    probes = np.repeat(x[None, :], (half + 1) * k, axis=0)   # k probes for each b = 0…N/2, in order
    for row, b in enumerate(np.repeat(np.arange(half + 1), k)):
        flip = np.concatenate([rng.choice(first, a, replace=False), rng.choice(second, b, replace=False)])
        probes[row, flip] = -x[flip]
    if s["mode"] == "sync":   # seed 001's operator, every probe at once
        out = sync_steps(net, probes, s["max_sweeps"])
    else:
        out = net.recall(probes, mode=s["mode"], max_sweeps=s["max_sweeps"], seed=int(rng.integers(0, 2**62)))
    to_x = np.all(out == x, axis=1).reshape(half + 1, k).mean(axis=1)
    to_minus_x = np.all(out == -x, axis=1).reshape(half + 1, k).mean(axis=1)
    return [{"n_stored": p, "a": a, "b": b, "basin": float(to_x[b] - to_minus_x[b])} for b in range(half + 1)]


def finish_map(s: dict, table: dict) -> dict:
    """(stored counts, N/2+1, N/2+1) maps: +1 ends on x, −1 on −x, 0 elsewhere; NaN not done yet."""
    half = s["n_neurons"] // 2
    maps = np.full((len(s["n_stored"]), half + 1, half + 1), np.nan)
    if table:
        for i, p in enumerate(s["n_stored"]):
            pick = table["n_stored"] == p
            maps[i, table["a"][pick].astype(int), table["b"][pick].astype(int)] = table["basin"][pick]
    return {"maps": maps, "map_labels": np.array([f"{p} stored" for p in s["n_stored"]])}


MAP_EXPERIMENT = Study(
    name="basin-map",
    title="Basin of attraction in 100-dimensional space: Hamming distances (a, b) on two halves (seed 001)",
    defaults=dict(MAP_DEFAULTS),
    model="hopfield",
    check=check_map_settings, tasks=map_tasks, run_task=run_map_task, finish=finish_map,
    describe=lambda task: f"{task['n_stored']} stored, a = {task['a']}",
    views=(ViewSpec("maps", "image_grid", "Ends on x (dark), on −x (light): distance a (rows) and b (columns)",
                    colormap="diverging", main=True),),
)
