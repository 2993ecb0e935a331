"""Temperature sweep of the 2-D Ising model against Onsager's exact curves ("ising-sweep").

One task per (seed, temperature): an independent lattice starts cold (all up: below T_c it
is then already in the ordered phase and no domain walls get stuck; above T_c it melts in
a few sweeps), equilibrates, and is measured over n_measure sweeps.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.ising import (ALGORITHMS, L_MAX, Ising, onsager_energy, onsager_magnetization,
                                 window_observables)
from engine.validation import check_choice, check_float, check_int, check_keys, check_seed

DEFAULTS = dict(L=64, T_min=1.5, T_max=3.5, n_T=30, n_equilibrate=1000, n_measure=2000,
                seeds=3, algorithm="checkerboard", J=1.0, seed=0)
KEYS = ("E", "C", "M", "absM", "chi", "binder")


def check_settings(settings: Mapping[str, Any]) -> dict:
    """Defaults filled in and every value validated; ValueError names the setting."""
    check_keys("ising-sweep settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = dict(L=check_int("L", s["L"], 2, L_MAX), n_T=check_int("n_T", s["n_T"], 1, 1000),
               n_equilibrate=check_int("n_equilibrate", s["n_equilibrate"], 0, 10**7),
               n_measure=check_int("n_measure", s["n_measure"], 1, 10**7),
               T_min=check_float("T_min", s["T_min"], 0.0, lo_open=True),
               # Onsager's curves are for a ferromagnet
               J=check_float("J", s["J"], 0.0, lo_open=True))
    out["T_max"] = check_float("T_max", s["T_max"], out["T_min"])
    seeds = s["seeds"]
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        base = check_seed(s["seed"]) or 0
        seeds = [base * 1000 + k for k in range(check_int("seeds", seeds, 1, 1000))]
    elif isinstance(seeds, (list, tuple)) and seeds:
        seeds = [check_int(f"seeds[{i}]", x, 0) for i, x in enumerate(seeds)]
        if len(set(seeds)) < len(seeds):   # the same lattices twice would count as two samples
            raise ValueError(f"seeds must be different from each other, got {seeds!r}")
    else:
        raise ValueError(f"seeds must be a count or a non-empty list of non-negative integers, got {seeds!r}")
    check_choice("algorithm", s["algorithm"], ALGORITHMS)
    out["seeds"] = seeds
    out["algorithm"] = s["algorithm"]
    return out


def tasks(s: dict) -> list[dict]:
    """One task per (lattice seed, temperature): every lattice is independent."""
    return [{"seed": seed, "T_index": b} for seed in s["seeds"] for b in range(s["n_T"])]


def temperatures(s: dict) -> np.ndarray:
    """The temperature grid: n_T points from T_min to T_max."""
    return np.linspace(s["T_min"], s["T_max"], s["n_T"])


def run_task(s: dict, task: dict, seed: int) -> dict:
    """Equilibrate one lattice and measure it; the row holds T and the window's observables.

    The lattice's seed is ``seeds[a]·100003 + T_index`` (the explicit ``seeds`` setting), not the
    runner's task seed, so a list of seeds names the same lattices whatever else the sweep holds."""
    b = task["T_index"]
    T = float(temperatures(s)[b])
    lat = Ising(L=s["L"], T=T, J=s["J"], algorithm=s["algorithm"], start="cold",
                seed=task["seed"] * 100003 + b, history_cap=s["n_measure"] + 2)
    if s["n_equilibrate"]:
        lat.step(s["n_equilibrate"])
    lat.energy_history.clear()
    lat.magnetization_history.clear()
    lat.step(s["n_measure"])
    obs = window_observables(lat.energy_history.array(), lat.magnetization_history.array(), T, s["L"] ** 2)
    return {"T": T, "T_index": b, "seed": task["seed"], **{k: float(obs[k]) for k in KEYS}}


def finish(s: dict, table: dict) -> dict:
    """T, E, C, M, absM, chi, binder (+ *_std over seeds; NaN where no seed is done), onsager_M, onsager_E."""
    temps = temperatures(s)
    out = {"T": temps}
    for k in KEYS:
        grid = np.full((len(s["seeds"]), len(temps)), np.nan)
        if table:
            rows = [s["seeds"].index(int(x)) for x in table["seed"]]
            grid[rows, table["T_index"].astype(int)] = table[k]
        done = np.isfinite(grid).sum(axis=0)
        filled = np.where(np.isfinite(grid), grid, 0.0)
        mean = np.divide(filled.sum(axis=0), done, out=np.full(len(temps), np.nan), where=done > 0)
        var = np.divide(np.where(np.isfinite(grid), (grid - mean) ** 2, 0.0).sum(axis=0), done,
                        out=np.full(len(temps), np.nan), where=done > 0)
        out[k], out[k + "_std"] = mean, np.sqrt(var)
    fine = np.linspace(s["T_min"], s["T_max"], 400)
    out["onsager_M"] = np.vstack([fine, onsager_magnetization(fine, s["J"])])
    out["onsager_E"] = np.vstack([fine, onsager_energy(fine, s["J"])])
    return out


EXPERIMENT = Study(
    name="ising-sweep",
    title="Ising temperature sweep",
    defaults=dict(DEFAULTS),
    model="ising",
    check=check_settings, tasks=tasks, run_task=run_task, finish=finish,
    describe=lambda task: f"seed {task['seed']}, temperature {task['T_index'] + 1}",
    views=(
        ViewSpec("absM", "curve", "|M| per spin against T", x_key="T", x_label="T", y_label="|M|/N",
                 theory="onsager_M", labels=("measured", "Onsager")),
        ViewSpec("E", "curve", "Energy per spin against T", x_key="T", x_label="T", y_label="E/N",
                 theory="onsager_E", labels=("measured", "Onsager")),
        ViewSpec("C", "curve", "Specific heat", x_key="T", x_label="T", y_label="C"),
        ViewSpec("chi", "curve", "Susceptibility", x_key="T", x_label="T", y_label="χ"),
        ViewSpec("M", "curve", "M per spin", x_key="T", x_label="T", y_label="M/N"),
    ),
)
