"""Hopfield storage capacity: retrieval rate against load P/N for the three storage rules.

For each load P/N and each seed, P random bipolar patterns are stored with each rule;
every stored pattern, with a fraction of its units flipped, is used as a probe, and a
probe counts as retrieved when the recalled state's overlap with its pattern reaches
``overlap_threshold``. The theory marks are Hebbian capacity α_c ≈ 0.138 (Amit, Gutfreund
& Sompolinsky, with a few errors allowed) and the error-free limit P/N = 1/(2 ln N).
"""
from __future__ import annotations

import math
from typing import Any, Generator, Mapping

import numpy as np

from engine.model import Experiment, ViewSpec
from engine.models.hopfield import MODES as RECALL_MODES, Hopfield
from engine.patterns import flip_noise
from engine.validation import check_choice, check_fraction, check_int, check_keys, check_seed

ALPHA_C = 0.138
CAPACITY_RULES = ("hebbian", "storkey", "pseudoinverse")
DEFAULTS = {
    "n_neurons": 200,       # N
    "p_max": 60,            # largest number of stored patterns
    "p_step": 2,            # P = p_step, 2·p_step, …, p_max
    "n_seeds": 4,           # independent pattern sets per load
    "flip_fraction": 0.1,   # probe noise
    "overlap_threshold": 0.95,
    "mode": "async",
    "max_sweeps": 50,
    "seed": 0,
}


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("hopfield-capacity settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 2, 4096)}
    out["p_max"] = check_int("p_max", s["p_max"], 1, 4 * out["n_neurons"])
    out["p_step"] = check_int("p_step", s["p_step"], 1, out["p_max"])
    out["n_seeds"] = check_int("n_seeds", s["n_seeds"], 1, 1000)
    out["flip_fraction"] = check_fraction("flip_fraction", s["flip_fraction"])
    out["overlap_threshold"] = check_fraction("overlap_threshold", s["overlap_threshold"])
    out["mode"] = check_choice("mode", s["mode"], RECALL_MODES)
    out["max_sweeps"] = check_int("max_sweeps", s["max_sweeps"], 1, 100000)
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def theory_lines(n_neurons: int) -> np.ndarray:
    """(2, 5) [x; y]: vertical marks at α_c = 0.138 and 1/(2 ln N), split by a NaN gap."""
    error_free = 1.0 / (2.0 * math.log(n_neurons))
    return np.array([[ALPHA_C, ALPHA_C, np.nan, error_free, error_free],
                     [0.0, 1.0, np.nan, 0.0, 1.0]])


def run_capacity(settings: Mapping[str, Any]) -> Generator[tuple[float, str], None, dict]:
    """Retrieval rate and fixed-point fraction vs P/N for each rule (see the module docstring).

    A generator: yields (fraction, message), returns the result (engine.experiments.runner.drive)."""
    s = check_settings(settings)
    n = s["n_neurons"]
    loads = np.arange(s["p_step"], s["p_max"] + 1, s["p_step"])
    retrieved = {r: np.zeros(len(loads)) for r in CAPACITY_RULES}
    stable = {r: np.zeros(len(loads)) for r in CAPACITY_RULES}
    total_work = float(sum(int(p) for p in loads) * s["n_seeds"])
    work = 0.0
    for k, p in enumerate(loads):
        p = int(p)
        for rep in range(s["n_seeds"]):
            yield work / total_work, f"P = {p} ({p / n:.3f} N), set {rep + 1}"
            rng = np.random.default_rng([s["seed"], p, rep])
            patterns = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
            probes = flip_noise(patterns, s["flip_fraction"], seed=rng)
            probe_seed = int(rng.integers(0, 2**62))  # one stream per probe: kernels.random.seed_states
            for rule in CAPACITY_RULES:
                net = Hopfield(n, rule)
                net.store(patterns)
                out = net.recall(probes, mode=s["mode"], max_sweeps=s["max_sweeps"], seed=probe_seed)
                m = np.einsum("pi,pi->p", out.astype(np.float64), patterns.astype(np.float64)) / n
                retrieved[rule][k] += np.mean(m >= s["overlap_threshold"]) / s["n_seeds"]
                stable[rule][k] += np.mean(net.is_fixed_point(patterns)) / s["n_seeds"]
            work += p
    result = {"load": loads / n, "n_patterns": loads.astype(np.float64), "theory": theory_lines(n),
              "alpha_c": ALPHA_C, "alpha_error_free": 1.0 / (2.0 * math.log(n))}
    for rule in CAPACITY_RULES:
        result[f"retrieval_{rule}"] = retrieved[rule]
        result[f"stable_{rule}"] = stable[rule]
    return result


EXPERIMENT = Experiment(
    name="hopfield-capacity",
    title="Hopfield capacity: retrieval vs load P/N",
    run=run_capacity,
    defaults=dict(DEFAULTS),
    model="hopfield",
    views=(
        ViewSpec("retrieval_hebbian", "curve", "Retrieval rate from noisy probes",
                 series=("retrieval_storkey", "retrieval_pseudoinverse"), labels=CAPACITY_RULES,
                 x_key="load", x_label="load P/N", y_label="retrieval rate", theory="theory"),
        ViewSpec("stable_hebbian", "curve", "Stored patterns that are fixed points",
                 series=("stable_storkey", "stable_pseudoinverse"), labels=CAPACITY_RULES,
                 x_key="load", x_label="load P/N", y_label="fraction stable", theory="theory"),
    ),
)
