"""Hopfield storage capacity: retrieval rate and bit error against load P/N, for every storage rule
at several N ("capacity"; also registered under its first name, "hopfield-capacity").

One task is (N, P, repetition): P random bipolar patterns are stored with each rule; every
stored pattern, with a fraction of its units flipped, is a probe, and a probe counts as
retrieved when the recalled state's overlap with its pattern reaches ``overlap_threshold``.
The perceptron rule stores its patterns with margin ``margin`` (κ); "dense" is the Dense Associative
Memory with F(x) = xⁿ (``dense_power``), on its own dynamics. The theory marks: Hebbian α_c ≈ 0.138
(Amit, Gutfreund & Sompolinsky, a few errors allowed) and the error-free P/N = 1/(2 ln N); Storkey's N/√(2 ln N) patterns; the pseudo-inverse's
P = N; the perceptron rule's Gardner bound 2N (κ = 0); the dense memory's N^(n−1)/(2 (2n−3)!! ln N)
(Krotov & Hopfield 2016).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.hopfield import MODES as RECALL_MODES, RULES as HOPFIELD_RULES, Hopfield
from engine.patterns import flip_noise
from engine.validation import (check_choice, check_float, check_fraction, check_int, check_keys, check_seed,
                               check_values)

ALPHA_C = 0.138
DENSE = "dense"   # the Dense Associative Memory (seed 004), F(x) = xⁿ with n = dense_power
RULES = HOPFIELD_RULES + (DENSE,)
DEFAULTS = {
    "n_neurons": [100, 200],  # N, or a list of sizes (one curve each)
    "alpha_max": 0.3,       # largest load P/N
    "n_loads": 15,          # loads alpha_max·k/n_loads, k = 1…n_loads
    "rules": list(RULES),   # storage rules compared
    "margin": 0.0,          # the perceptron rule's κ (wider basins above 0; Gardner's 2N is for κ = 0)
    "dense_power": 3,       # n of the dense memory's F(x) = xⁿ (n = 2 is the Hebbian network)
    "n_seeds": 4,           # independent pattern sets per load
    "flip_fraction": 0.1,   # probe noise
    "overlap_threshold": 0.95,
    "mode": "async",
    "max_sweeps": 50,
    "seed": 0,
}


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("capacity settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_values("n_neurons", s["n_neurons"], lambda n, v: check_int(n, v, 2, 4096),
                                     unique=True)}
    out["alpha_max"] = check_float("alpha_max", s["alpha_max"], 0.0, 4.0, lo_open=True)
    out["n_loads"] = check_int("n_loads", s["n_loads"], 1, 1000)
    out["rules"] = check_values("rules", s["rules"], lambda n, v: check_choice(n, v, RULES), unique=True)
    out["margin"] = check_float("margin", s["margin"], 0.0)
    out["dense_power"] = check_int("dense_power", s["dense_power"], 2, 10)
    out["n_seeds"] = check_int("n_seeds", s["n_seeds"], 1, 100000)
    out["flip_fraction"] = check_fraction("flip_fraction", s["flip_fraction"])
    out["overlap_threshold"] = check_fraction("overlap_threshold", s["overlap_threshold"])
    out["mode"] = check_choice("mode", s["mode"], RECALL_MODES)
    out["max_sweeps"] = check_int("max_sweeps", s["max_sweeps"], 1, 100000)
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def _dense():
    """engine.models.dense, imported when a run asks for the dense memory: the package brings its
    classifier and so scikit-learn (measured: 5 s of a loaded worker's start, against 0.2 s without)."""
    import engine.models.dense
    return engine.models.dense


def loads(s: dict) -> np.ndarray:
    """The load grid P/N asked for: alpha_max·k/n_loads, k = 1…n_loads."""
    return s["alpha_max"] * np.arange(1, s["n_loads"] + 1) / s["n_loads"]


def n_patterns(n: int, alpha: float) -> int:
    """P for load α at size N: the nearest whole number, at least 1."""
    return max(1, int(round(alpha * n)))


def tasks(s: dict) -> list[dict]:
    """One task per (N, load, repetition)."""
    return [{"n_neurons": n, "load_index": k, "n_patterns": n_patterns(n, a), "rep": rep}
            for n in s["n_neurons"] for k, a in enumerate(loads(s)) for rep in range(s["n_seeds"])]


def run_task(s: dict, task: dict, seed: int) -> list[dict]:
    """Store one random pattern set with every rule; one row per rule."""
    n, p = task["n_neurons"], task["n_patterns"]
    rng = np.random.default_rng(seed)
    patterns = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    probes = flip_noise(patterns, s["flip_fraction"], seed=rng)
    probe_seed = int(rng.integers(0, 2**62))  # one stream per probe: kernels.random.seed_states
    rows = []
    for rule in s["rules"]:
        if rule == DENSE:   # its own asynchronous dynamics (eq. 4): the mode setting is the Hopfield rules'
            net = _dense().DenseAssociativeMemory(n, power=s["dense_power"])
            net.store(patterns)
            out = net.recall(probes, max_sweeps=s["max_sweeps"], seed=probe_seed)
        else:
            net = Hopfield(n, rule, margin=s["margin"])   # the margin is the perceptron's only
            net.store(patterns)
            out = net.recall(probes, mode=s["mode"], max_sweeps=s["max_sweeps"], seed=probe_seed)
        m = np.einsum("pi,pi->p", out.astype(np.float64), patterns.astype(np.float64)) / n
        rows.append({"rule": rule, "n_neurons": n, "n_patterns": p, "load": p / n, "load_index": task["load_index"],
                     "rep": task["rep"],
                     "retrieval": float(np.mean(m >= s["overlap_threshold"])),
                     "bit_error": float(np.mean(out != patterns)),
                     "stable": float(np.mean(net.is_fixed_point(patterns)))})
    return rows


def theory(rule: str, sizes: list[int], dense_power: int = 3) -> np.ndarray:
    """(2, m) [x; y]: vertical marks at the rule's capacity for each N, split by NaN gaps."""
    if rule == DENSE:
        marks = [_dense().krotov_capacity(n, dense_power) / n for n in sizes]
    else:
        marks = {"hebbian": [ALPHA_C] + [1.0 / (2.0 * math.log(n)) for n in sizes],
                 "storkey": [1.0 / math.sqrt(2.0 * math.log(n)) for n in sizes],
                 "pseudoinverse": [1.0], "perceptron": [2.0]}.get(rule, [])
    xs, ys = [], []
    for a in marks:
        xs += [a, a, np.nan]
        ys += [0.0, 1.0, np.nan]
    return np.array([xs[:-1], ys[:-1]]) if xs else np.zeros((2, 0))


def finish(s: dict, table: dict) -> dict:
    """Mean retrieval, bit error and fixed-point fraction per (rule, N, load): (sizes, loads) arrays."""
    grid = loads(s)
    sizes = s["n_neurons"]
    out = {"load": grid, "sizes": np.array(sizes, dtype=np.float64), "alpha_c": ALPHA_C,
           "size_labels": np.array([f"N = {n}" for n in sizes])}
    for rule in s["rules"]:
        for what in ("retrieval", "bit_error", "stable"):
            out[f"{what}_{rule}"] = _mean_grid(table, rule, what, sizes, grid)
        out[f"theory_{rule}"] = theory(rule, sizes, s["dense_power"])
    return out


def _mean_grid(table: dict, rule: str, what: str, sizes: list[int], grid: np.ndarray) -> np.ndarray:
    """(sizes, loads) means over repetitions; NaN where no task has finished."""
    out = np.full((len(sizes), len(grid)), np.nan)
    if not table:
        return out
    for i, n in enumerate(sizes):
        for k in range(len(grid)):
            pick = (table["rule"] == rule) & (table["n_neurons"] == n) & (table["load_index"] == k)
            if pick.any():
                out[i, k] = table[what][pick].mean()
    return out


def _describe(task: dict) -> str:
    return f"N = {task['n_neurons']}, P = {task['n_patterns']}, set {task['rep'] + 1}"


EXPERIMENT = Study(
    name="capacity",
    title="Hopfield capacity: retrieval vs load P/N, every rule",
    defaults=dict(DEFAULTS),
    model="hopfield",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish, describe=_describe,
    views=tuple(
        ViewSpec(f"retrieval_{rule}", "curve", f"{rule}: retrieval from noisy probes", x_key="load",
                 x_label="load P/N", y_label="retrieval rate", theory=f"theory_{rule}",
                 extra={"labels_key": "size_labels"})
        for rule in RULES) + (
        ViewSpec("stable_hebbian", "curve", "hebbian: stored patterns that are fixed points", x_key="load",
                 x_label="load P/N", y_label="fraction stable", theory="theory_hebbian",
                 extra={"labels_key": "size_labels"}),),
)
