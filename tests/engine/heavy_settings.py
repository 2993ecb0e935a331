"""Each registered model at the heaviest settings its form allows, and how long a stop request takes to
end one step, a build or a rebuild there (engine/interrupt.py). Used by tests/engine/test_interrupt.py,
and run alone it prints the measured table (one model per subprocess, so one that never returns is cut
off):

    .venv/bin/python -m tests.engine.heavy_settings [names…] [--full] [--timeout S]
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

# The heaviest allowed settings per model: the largest sizes, the most Gibbs steps, chains and
# temperatures, the slowest algorithm where the form offers one.
HEAVY: dict[str, dict] = {
    "hebb": dict(preset="mnist", n_data=60000, n_prototypes=50, eval_every=10),
    "hebbian-pca": dict(dataset="digits", n_components=20, samples_per_step=100000),
    "competing": dict(n_hidden=2000, k=100, batch_size=10000, n_data=60000, readout_samples=60000),
    "hopfield": dict(rows=64, cols=64, rule="storkey", storkey_passes=50, mode="glauber", temperature=0.5,
                     max_sweeps=100000),
    "ising": dict(L=2048, T=1.0, algorithm="wolff"),
    "boltzmann": dict(n_hidden=8, method="gibbs", n_chains=10000, anneal_steps=1000),
    "rbm": dict(method="pt", n_hidden=2000, k=50, batch_size=1000, n_temperatures=20, n_fantasy=100,
                fantasy_steps=100, eval_every=1),
    "rbm-table": dict(n_chains=100000),
    "dbn": dict(n_layers=3, n_hidden_1=2000, n_hidden_2=2000, n_hidden_3=2000, method="pt", k=50,
                batch_size=1000),
    "chl": dict(rule="eqprop", n_hidden=2000, n_layers=3, batch_size=1000, dtype="float64", T=100.0,
                dt=0.01, n_test=10000, eval_every=10),
    "bam": dict(),
    "dam": dict(n_memories=400, batch_size=5000, n_test=10000),
    "modern-hopfield": dict(n_stored=1000),
    "competitive": dict(dataset="mnist", n_data=60000, n_units=400, samples_per_step=100000),
    "som": dict(preset="mnist_100x100", rows=200, cols=200, n_data=60000, mode="batch", init="pca",
                samples_per_step=100000, eval_samples=60000),
}


def measure(name: str, *, delay: float = 0.2, full: bool = False) -> dict:
    """Build ``name`` at its heavy settings and step it once with a stop request ``delay`` s in:
    ``stopped_after`` is how long the step ran past the request (the longest uninterruptible stretch
    it met). A build, and a rebuild from the default settings to the heavy ones, are timed (``build``,
    ``rebuild``) and then stopped halfway (``build_stopped_after``, ``rebuild_stopped_after``). With
    ``full``, one whole step is timed first (``one_step``)."""
    from engine import registry
    heavy = HEAVY.get(name, {})
    out: dict = {"name": name, "settings": heavy}
    registry.create(name, seed=1)   # imports, compiles and reads the data sets: not part of a build's time
    t0 = time.perf_counter()
    model = registry.create(name, heavy, seed=1)
    out["build"] = time.perf_counter() - t0
    out["build_stopped_after"] = _stopped_after(lambda: registry.create(name, heavy, seed=1), out["build"] / 2)[0]
    base = registry.create(name, seed=1)
    t0 = time.perf_counter()
    base.with_params(**heavy)
    out["rebuild"] = time.perf_counter() - t0
    base = registry.create(name, seed=1)
    out["rebuild_stopped_after"] = _stopped_after(lambda: base.with_params(**heavy), out["rebuild"] / 2)[0]
    _stopped_after(lambda: model.step(1), 3.0)  # compiles (numba caches): the warm-up is left out of the timings
    if full:
        t0 = time.perf_counter()
        model.step(1)
        out["one_step"] = time.perf_counter() - t0
    out["stopped_after"], out["interrupted"] = _stopped_after(lambda: model.step(1), delay)
    model.with_params()  # what an interrupted step leaves is whole: it saves, loads and steps
    model.load_state(model.state())
    _stopped_after(lambda: model.step(1), delay)
    return out


def _stopped_after(fn, delay: float) -> tuple[float, bool]:
    """``fn()`` (a step, a build) with a stop request ``delay`` s in: (seconds it ran past the
    request, whether it was interrupted)."""
    from engine import interrupt
    flag = threading.Event()
    timer = threading.Timer(delay, flag.set)
    t0 = time.perf_counter()
    timer.start()
    try:
        with interrupt.watching(flag):
            fn()
        interrupted = False
    except interrupt.StepInterrupted:
        interrupted = True
    took = time.perf_counter() - t0
    timer.cancel()
    return (max(0.0, took - delay) if flag.is_set() else 0.0), interrupted


def main(argv: list[str]) -> None:
    full = "--full" in argv
    timeout = 300.0
    if "--timeout" in argv:
        i = argv.index("--timeout")
        timeout = float(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    names = [a for a in argv if not a.startswith("--")] or list(HEAVY)
    print(f"{'model':16} {'build s':>8} {'stop after':>10} {'rebuild s':>9} {'stop after':>10} {'one step s':>10} "
          f"{'stop after s':>12}  settings", flush=True)
    for name in names:
        code = (f"import json; from tests.engine.heavy_settings import measure; "
                f"print(json.dumps(measure({name!r}, full={full})))")
        t0 = time.perf_counter()
        try:
            res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
            lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
            if res.returncode or not lines:
                print(f"{name:16} failed: {res.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            r = json.loads(lines[-1])
            one = f"{r['one_step']:.2f}" if "one_step" in r else "-"
            print(f"{name:16} {r['build']:8.2f} {r['build_stopped_after']:10.3f} {r['rebuild']:9.2f} "
                  f"{r['rebuild_stopped_after']:10.3f} {one:>10} {r['stopped_after']:12.3f}  {r['settings']}", flush=True)
        except subprocess.TimeoutExpired:
            print(f"{name:16} more than {timeout:.0f} s (cut off after {time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
