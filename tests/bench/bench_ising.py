"""Ising benchmarks: flip attempts/s at L=1024, GUI frame cost at 512², the L=64 temperature sweep."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from common import best_time, row
from engine.models.ising import Ising, IsingModel


def _seed_python_change_state(sites, n_iters, kT, k, rng):
    """The seeds' Metropolis loop (seed 000 `5.Ising_model.py`) in plain Python."""
    for _ in range(n_iters):
        n = rng.randint(k)
        m = rng.randint(k)
        ss = sites[(n + 1) % k, m] + sites[n, (m + 1) % k] + sites[(n - 1) % k, m] + sites[n, (m - 1) % k]
        dE = -ss * (-sites[n, m]) + ss * sites[n, m]
        if dE < 0:
            sites[n, m] *= -1
        elif rng.random() <= np.exp(-dE / kT):
            sites[n, m] *= -1
    return sites


# No cache=True: `hebbgui bench` loads this file as a module that is not in sys.modules, so
# numba pickles its name as '<dynamic>' and every later run fails to load the cache entry.
@njit
def _seed_numba_change_state(sites, n_iters, kT, k):
    # The seeds' own @nb.jit version: np.random per attempt, modulo neighbours, exp per attempt.
    for _ in range(n_iters):
        n = np.random.randint(k)
        m = np.random.randint(k)
        ss = sites[(n + 1) % k, m] + sites[n, (m + 1) % k] + sites[(n - 1) % k, m] + sites[n, (m - 1) % k]
        dE = -ss * (-sites[n, m]) + ss * sites[n, m]
        if dE < 0:
            sites[n, m] *= -1
        elif np.random.random() <= np.exp(-dE / kT):
            sites[n, m] *= -1
    return sites


def bench_flips(quick: bool = False) -> list[dict]:
    L, T = 1024, 2.269
    n_sweeps = 3 if quick else 10
    rows = []
    lat = {alg: Ising(L=L, T=T, algorithm=alg, seed=1) for alg in ("checkerboard", "metropolis", "heatbath")}
    rates = {}
    for alg, m in lat.items():
        sweeps = n_sweeps if alg != "metropolis" else max(1, n_sweeps // 3)
        t = best_time(lambda: m.step(sweeps), repeat=3 if quick else 5, min_time=0.1)
        rates[alg] = L * L * sweeps / t
    spins = lat["metropolis"].spins.astype(np.int64)
    t_seed_nb = best_time(lambda: _seed_numba_change_state(spins, L * L, T, L), repeat=3, min_time=0.1)
    rates["seed numba"] = L * L / t_seed_nb
    small = spins[:64, :64].copy()
    rng = np.random.RandomState(0)
    n_py = 5000 if quick else 20000
    t0 = time.perf_counter()
    _seed_python_change_state(small, n_py, T, 64, rng)
    rates["seed python"] = n_py / (time.perf_counter() - t0)
    cb = rates["checkerboard"]
    rows.append(row("ising flips L=1024", "checkerboard 1 thread", cb, "flips/s", baseline="random-site numba",
                    baseline_value=rates["metropolis"], ratio=cb / rates["metropolis"],
                    target="≥3e8/s, ≥10× random-site"))
    rows.append(row("ising flips L=1024", "checkerboard vs seed's numba", cb, "flips/s", baseline="seed @nb.jit loop",
                    baseline_value=rates["seed numba"], ratio=cb / rates["seed numba"]))
    rows.append(row("ising flips L=1024", "checkerboard vs seed's Python", cb, "flips/s", baseline="seed Python loop",
                    baseline_value=rates["seed python"], ratio=cb / rates["seed python"]))
    rows.append(row("ising flips L=1024", "heat-bath 1 thread", rates["heatbath"], "flips/s",
                    baseline="random-site numba", baseline_value=rates["metropolis"],
                    ratio=rates["heatbath"] / rates["metropolis"]))
    # Two independent lattices in two threads (the kernels release the GIL): aggregate rate.
    pair = [Ising(L=L, T=T, algorithm="checkerboard", seed=s) for s in (2, 3)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda m: m.step(1), pair))
        t0 = time.perf_counter()
        list(pool.map(lambda m: m.step(n_sweeps), pair))
        t2 = time.perf_counter() - t0
    rows.append(row("ising flips L=1024", "checkerboard 2 lattices × 2 threads", 2 * L * L * n_sweeps / t2,
                    "flips/s", baseline="1 thread", baseline_value=cb, ratio=2 * L * L * n_sweeps / t2 / cb))
    return rows


def bench_frame(quick: bool = False) -> list[dict]:
    m = IsingModel({"L": 512, "T": 2.269}, seed=0)
    m.step(5)
    samples = []
    for _ in range(20 if quick else 60):
        t0 = time.perf_counter()
        m.step(1)
        m.snapshot()
        samples.append(time.perf_counter() - t0)
    step_only = best_time(lambda: m.step(1), repeat=3, min_time=0.05)
    med = float(np.median(samples))
    return [row("ising frame 512²", "step(1)+snapshot (median)", 1.0 / med, "frames/s",
                target="≥30 frames/s (engine side)"),
            row("ising frame 512²", "step(1) alone (best)", step_only * 1e3, "ms", target="≲5 ms"),
            row("ising frame 512²", "step(1)+snapshot (median)", med * 1e3, "ms")]


def bench_sweep(quick: bool = False) -> list[dict]:
    from engine.experiments.ising_sweep import EXPERIMENT
    from engine.experiments.runner import drive
    settings = dict(L=64, n_T=30, seeds=3, n_equilibrate=1000, n_measure=2000)
    if quick:
        settings.update(seeds=1, n_equilibrate=300, n_measure=500)
    t0 = time.perf_counter()
    out = drive(EXPERIMENT, settings)
    t = time.perf_counter() - t0
    below = out["T"] <= 2.0
    dev = float(np.max(np.abs(out["absM"][below] - out["onsager_M"][1][np.searchsorted(out["onsager_M"][0], out["T"][below])])))
    return [row("ising-sweep L=64", f"30 T × {settings['seeds']} seeds, s", t, "s", target="< 60 s"),
            row("ising-sweep L=64", "max | |M| − Onsager | for T ≤ 2", dev, "")]


BENCHES = [bench_flips, bench_frame, bench_sweep]
