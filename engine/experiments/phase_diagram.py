"""The stochastic Hopfield network's phase diagram ("phase-diagram"): retrieval in the (α, T) plane.

One task is (load α, repetition): P = αN random patterns are stored with 1/N-scaled Hebbian
weights (w_ij = (1/N) Σ ξ_iξ_j, zero diagonal); for every temperature T the network starts
on pattern 1 and runs Glauber dynamics (P(s_i = +1) = 1/(1 + e^{−2h_i/T})) for ``n_sweeps``
sweeps; the row records the overlap m = (1/N) Σ ξ_i s_i averaged over the last
``n_measure`` sweeps. The Amit–Gutfreund–Sompolinsky (1985) replica-symmetric retrieval
boundary T_M(α) — where the retrieval solution of m = ⟨tanh β(m + √(αr) z)⟩,
q = ⟨tanh² β(m + √(αr) z)⟩, r = q/(1 − β(1 − q))² ceases to exist — is drawn over it;
it meets T = 0 at α_c ≈ 0.138 and α = 0 at T = 1.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.hopfield import Hopfield
from engine.validation import check_float, check_int, check_keys, check_seed, check_values

DEFAULTS = {
    "n_neurons": 1000,
    "alphas": [0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20],
    "temperatures": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
    "n_seeds": 1,
    "n_sweeps": 30,        # Glauber sweeps from the pattern
    "n_measure": 10,       # the overlap is the mean over the last n_measure sweeps
    "seed": 0,
}


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("phase-diagram settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_neurons": check_int("n_neurons", s["n_neurons"], 10, 4096)}
    out["alphas"] = check_values("alphas", s["alphas"],
                                 lambda n, v: check_float(n, v, 0.0, 1.0, lo_open=True), allow_scalar=False,
                                 unique=True)
    out["temperatures"] = check_values("temperatures", s["temperatures"], lambda n, v: check_float(n, v, 0.0),
                                       allow_scalar=False, unique=True)
    out["n_seeds"] = check_int("n_seeds", s["n_seeds"], 1, 10000)
    out["n_sweeps"] = check_int("n_sweeps", s["n_sweeps"], 1, 100000)
    out["n_measure"] = check_int("n_measure", s["n_measure"], 1, out["n_sweeps"])
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def tasks(s: dict) -> list[dict]:
    """One task per (load, repetition); it relaxes at every temperature."""
    return [{"alpha": a, "rep": r} for a in s["alphas"] for r in range(s["n_seeds"])]


def run_task(s: dict, task: dict, seed: int) -> list[dict]:
    """Overlap with pattern 1 after Glauber relaxation from it, at every temperature."""
    n = s["n_neurons"]
    p = max(1, int(round(task["alpha"] * n)))
    rng = np.random.default_rng(seed)
    patterns = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(n, "hebbian", scale="1/N")
    net.store(patterns)
    rows = []
    for t in s["temperatures"]:
        rec = net.run(patterns[0], mode="glauber", temperature=t, max_sweeps=s["n_sweeps"],
                      seed=int(rng.integers(0, 2**62)), stop_at_fixed_point=False)
        m = rec.overlaps[:, 0]
        rows.append({"alpha": task["alpha"], "n_patterns": p, "T": t, "rep": task["rep"],
                     "overlap": float(np.mean(m[-s["n_measure"]:]))})
    return rows


def finish(s: dict, table: dict) -> dict:
    """The (T, α) map of the mean overlap over repetitions (NaN not done yet) and the AGS line."""
    alphas, temps = s["alphas"], s["temperatures"]
    grid = np.full((len(temps), len(alphas)), np.nan)
    if table:
        for j, a in enumerate(alphas):
            for i, t in enumerate(temps):
                cell = (table["alpha"] == a) & (table["T"] == t)
                if cell.any():
                    grid[i, j] = table["overlap"][cell].mean()
    return {"overlap": grid, "alphas": np.array(alphas, dtype=np.float64),
            "temperatures": np.array(temps, dtype=np.float64), "ags": ags_boundary()}


# --------------------------------------------------------------------------- theory
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(120)  # ∫ Dz f(z) ≈ Σ w f(z) / √(2π)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)


def ags_overlap(alpha, temperature, iterations: int = 2000) -> np.ndarray:
    """The AGS retrieval overlap m(α, T), iterated from m = q = 1 (0 where no retrieval solution is left).

    ``alpha`` and ``temperature`` broadcast together; T = 0 uses the zero-temperature limit
    m = erf(m/√(2αr)), C = √(2/(παr)) e^{−m²/(2αr)}, r = 1/(1 − C)²."""
    alpha, temperature = (np.array(a, dtype=np.float64).ravel() for a in np.broadcast_arrays(alpha, temperature))
    m = np.ones_like(alpha)
    q = np.ones_like(alpha)
    cold = temperature <= 0.0
    beta = np.where(cold, 1.0, 1.0 / np.where(cold, 1.0, temperature))
    for _ in range(iterations):
        # T > 0: r = q/(1 − β(1 − q))²; T = 0: with C = β(1 − q), r = 1/(1 − C)²
        c = np.where(cold, 1.0 - q, beta * (1.0 - q))   # at T = 0, "q" holds 1 − C
        r = np.where(cold, 1.0, q) / np.maximum(1.0 - c, 1e-9) ** 2
        sd = np.sqrt(alpha * r)
        th = np.tanh(beta[:, None] * (m[:, None] + sd[:, None] * _NODES[None, :]))
        m_warm, q_warm = th @ _WEIGHTS, (th * th) @ _WEIGHTS
        x = m / np.maximum(sd * math.sqrt(2.0), 1e-12)
        m_cold = np.array([math.erf(v) for v in x])
        c_cold = math.sqrt(2.0 / math.pi) / np.maximum(sd, 1e-12) * np.exp(-x * x)
        m = np.where(cold, m_cold, m_warm)
        q = np.where(cold, 1.0 - c_cold, q_warm)
    return np.where(m > 0.01, m, 0.0)


def ags_boundary(n_points: int = 21) -> np.ndarray:
    """(2, n) [α; T]: the retrieval boundary T_M(α), from (α_c ≈ 0.138, 0) up to (0, 1)."""
    temps = np.linspace(0.0, 1.0, n_points)[:-1]
    lo, hi = np.zeros_like(temps), np.full_like(temps, 0.2)
    for _ in range(24):   # bisection on α, every temperature at once
        mid = 0.5 * (lo + hi)
        ok = ags_overlap(mid, temps, iterations=400) > 0.0
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return np.array([np.append(0.5 * (lo + hi), 0.0), np.append(temps, 1.0)])


EXPERIMENT = Study(
    name="phase-diagram",
    title="Phase diagram of the stochastic Hopfield network: overlap in the (α, T) plane",
    defaults=dict(DEFAULTS),
    model="hopfield",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish,
    describe=lambda task: f"α = {task['alpha']:g}, set {task['rep'] + 1}",
    views=(ViewSpec("overlap", "heatmap", "Overlap m after Glauber relaxation, AGS boundary T_M(α) dashed",
                    x_label="load α = P/N", y_label="temperature T", colormap="gray", main=True,
                    extra={"x_values_key": "alphas", "y_values_key": "temperatures", "overlay_key": "ags",
                           "levels": (0.0, 1.0)}),),
)
