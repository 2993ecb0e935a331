"""Temperature sweep of the 2-D Ising model against Onsager's exact curves ("ising-sweep").

For each temperature and seed an independent lattice starts cold (all up: below T_c it
is then already in the ordered phase and no domain walls get stuck; above T_c it melts in
a few sweeps), equilibrates, and is measured over n_measure sweeps.
"""
from __future__ import annotations

from typing import Any, Generator, Mapping

import numpy as np

from engine.model import Experiment, ViewSpec
from engine.models.ising import (ALGORITHMS, L_MAX, Ising, onsager_energy, onsager_magnetization,
                                 window_observables)
from engine.validation import check_choice, check_float, check_int, check_keys, check_seed

DEFAULTS = dict(L=64, T_min=1.5, T_max=3.5, n_T=30, n_equilibrate=1000, n_measure=2000,
                seeds=3, algorithm="checkerboard", J=1.0, seed=0)


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
    else:
        raise ValueError(f"seeds must be a count or a non-empty list of non-negative integers, got {seeds!r}")
    check_choice("algorithm", s["algorithm"], ALGORITHMS)
    out["seeds"] = seeds
    out["algorithm"] = s["algorithm"]
    return out


def run(settings: Mapping[str, Any] | None = None) -> Generator[tuple[float, str], None, dict]:
    """Sweep T; returns T, E, C, M, absM, chi (+ *_std over seeds), binder, onsager_M, onsager_E.

    A generator: yields (fraction, message), returns the result (engine.experiments.runner.drive)."""
    cfg = check_settings(settings or {})
    temps = np.linspace(cfg["T_min"], cfg["T_max"], cfg["n_T"])
    seeds = cfg["seeds"]
    keys = ("E", "C", "M", "absM", "chi", "binder")
    table = {k: np.empty((len(seeds), len(temps))) for k in keys}
    total = len(seeds) * len(temps)
    done = 0
    n_sites = cfg["L"] ** 2
    for a, seed in enumerate(seeds):
        for b, T in enumerate(temps):
            yield done / total, f"T = {T:.3f}, seed {seed}"
            lat = Ising(L=cfg["L"], T=float(T), J=cfg["J"], algorithm=cfg["algorithm"], start="cold",
                        seed=seed * 100003 + b, history_cap=cfg["n_measure"] + 2)
            if cfg["n_equilibrate"]:
                lat.step(cfg["n_equilibrate"])
            lat.energy_history.clear()
            lat.magnetization_history.clear()
            lat.step(cfg["n_measure"])
            obs = window_observables(lat.energy_history.array(), lat.magnetization_history.array(),
                                     float(T), n_sites)
            for k in keys:
                table[k][a, b] = obs[k]
            done += 1
    out = {"T": temps}
    for k in keys:
        out[k] = table[k].mean(axis=0)
        out[k + "_std"] = table[k].std(axis=0)
    fine = np.linspace(cfg["T_min"], cfg["T_max"], 400)
    out["onsager_M"] = np.vstack([fine, onsager_magnetization(fine, cfg["J"])])
    out["onsager_E"] = np.vstack([fine, onsager_energy(fine, cfg["J"])])
    return out


EXPERIMENT = Experiment(
    name="ising-sweep",
    title="Ising temperature sweep",
    run=run,
    defaults=dict(DEFAULTS),
    model="ising",
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
