"""Hopfield benchmarks: async sweeps, recall of a noisy probe, Storkey learning, batched recall,
perceptron learning and dream sleep.

Each row compares with a baseline timed in the same run: the seeds' energy-recompute loop
(seed 000, 7.Hopfield(hebbian).py), a numpy per-flip loop, the seeds' random-pair Storkey
loop (9.Hopfield(storkey).py), and one-by-one recall. Times are medians of repeats.
"""
from __future__ import annotations

import os
import time

import numpy as np
from common import row

from engine import Hopfield
from engine.kernels import hopfield as K
from engine.kernels import random as R

N = 784
N_STORED = 10


def median_time(fn, *, repeat: int = 7, min_time: float = 0.05) -> float:
    """Seconds per call: the median of ``repeat`` rounds, each looping until ``min_time``."""
    fn()  # warm-up: compile, caches
    rounds = []
    for _ in range(repeat):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_time:
                break
        rounds.append(elapsed / n)
    return float(np.median(rounds))


def median_cpu_time(fn, *, repeat: int = 7, min_time: float = 0.05) -> float:
    """Like median_time but in this process's CPU seconds: what a dedicated core would take."""
    fn()
    rounds = []
    for _ in range(repeat):
        n = 0
        t0 = time.process_time()
        while True:
            fn()
            n += 1
            elapsed = time.process_time() - t0
            if elapsed >= min_time:
                break
        rounds.append(elapsed / n)
    return float(np.median(rounds))


def single_thread_blas():
    """A context limiting BLAS to one thread (threadpoolctl ships with scikit-learn)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def load_average() -> str:
    """The 1-minute load average: the machine is shared, so every time here is read against it."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def random_patterns(rng, p, n=N):
    return np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)


def flipped(rng, x, fraction):
    out = x.copy()
    idx = rng.choice(x.shape[-1], int(round(fraction * x.shape[-1])), replace=False)
    out[idx] = -out[idx]
    return out


def mnist_bipolar(n):
    with np.load("resources/mnist.npz") as z:
        x = z["x_train"][:n].reshape(n, 784)
    return np.where(x > 0, 1, -1)  # the seeds' binarisation (int64, as their np.where gives)


# --------------------------------------------------------------------------- baselines (the seeds' ways)
def seeds_energy_sweep(w, s, order):
    """7.Hopfield(hebbian).py: per site E1 = energy, flip, E2 = energy, flip back if dE ≥ 0."""
    def energy(v):
        return -0.5 * np.dot(np.dot(v.T, w), v)
    for i in order:
        e1 = energy(s)
        s[i] *= -1
        e2 = energy(s)
        if e2 - e1 >= 0:
            s[i] *= -1


def numpy_per_flip_sweep(w, s, order):
    """A numpy loop: per site the field h_i = W[i] @ s, then the threshold rule."""
    for i in order:
        h = w[i] @ s
        if h > 0:
            s[i] = 1
        elif h < 0:
            s[i] = -1


def _seeds_storkey_loop():
    import numba as nb

    @nb.njit
    def update_weights(s, w, nw, m):  # 9.Hopfield(storkey).py, m passed instead of a global
        for _k in range(nw):
            i = np.random.randint(m)
            j = np.random.randint(m)
            if i != j:
                mask = np.ones(m)
                mask[i] = mask[j] = 0
                hij = np.sum(w[i] * s * mask, axis=1)
                hji = np.sum(w[j] * s * mask, axis=1)
                dw = s[:, i] * s[:, j] - s[:, i] * hji - hij * s[:, j]
                w[i][j] += np.sum(dw / m)
        return w
    return update_weights


# --------------------------------------------------------------------------- benchmarks
def _first_sweeps_driver():
    from numba import njit

    @njit(nogil=True)
    def first_sweeps(w, u, pool, fields, state, field, rng_state, flips):
        """One async sweep from each pool state, inside one compiled call (as Model.step runs)."""
        no_p = np.zeros((0, w.shape[0]), np.int8)
        no_e = np.zeros(0)
        no_o = np.zeros((0, 0))
        for k in range(pool.shape[0]):
            state[:] = pool[k]
            field[:] = fields[k]
            K.run_dynamics(w, state, field, u, np.int8(1), np.int8(-1), K.MODE_ASYNC, 0.0, 1, False,
                           rng_state, no_p, no_e, no_o)
            flips[k] = np.sum(state != pool[k])
    return first_sweeps


def bench_async_sweep(quick=False):
    """Async sweeps/s at N=784 from random states (≈N/2 flips: the costliest sweep)."""
    rng = np.random.default_rng(0)
    net = Hopfield(N, "hebbian", scale="1/N", seed=0)
    net.store(random_patterns(rng, N_STORED))
    w = np.ascontiguousarray(net.weights)
    u = np.zeros(N)
    n_pool = 64
    pool = random_patterns(rng, n_pool)
    fields = pool.astype(np.float64) @ w
    state, field = np.empty(N, np.int8), np.empty(N)
    rng_state = R.seed_state(1)
    flips = np.zeros(n_pool, dtype=np.int64)
    first_sweeps = _first_sweeps_driver()
    run = lambda: first_sweeps(w, u, pool, fields, state, field, rng_state, flips)  # noqa: E731
    ours = n_pool / median_time(run, repeat=5 if quick else 9)
    cpu_rate = n_pool / median_cpu_time(run, repeat=5 if quick else 9)
    mean_flips = float(np.mean(flips))

    order = rng.permutation(N)
    seed_sites = 200 if quick else N  # quick: a fraction of a sweep, scaled to a whole one
    with single_thread_blas():  # like our kernel, one core: threaded BLAS only thrashes on 2 shared cores
        s = pool[0].astype(np.int64)
        t0 = time.perf_counter()
        seeds_energy_sweep(w, s, order[:seed_sites])
        seeds_rate = 1.0 / ((time.perf_counter() - t0) * N / seed_sites)

        def numpy_sweeps():
            v = pool[1].astype(np.float64)
            numpy_per_flip_sweep(w, v, order)
        numpy_rate = 1.0 / median_time(numpy_sweeps, repeat=3 if quick else 5, min_time=0.02)

    what = (f"N={N}, {N_STORED} stored, from random states (~{mean_flips:.0f} flips/sweep); "
            f"CPU-time rate {cpu_rate:,.0f}/s at load {load_average()}")
    return [
        row("hopfield async sweep", what, ours, "sweeps/s",
            baseline="seeds' energy-recompute loop" + (" (200 sites, scaled)" if quick else ""),
            baseline_value=seeds_rate, ratio=ours / seeds_rate, target="≥ 10,000/s, ≥ 1000× seeds"),
        row("hopfield async sweep", what, ours, "sweeps/s", baseline="numpy per-flip loop",
            baseline_value=numpy_rate, ratio=ours / numpy_rate, target="≥ 10× numpy per-flip"),
    ]


def bench_recall(quick=False):
    """Recall of a 20 %-flipped probe to its fixed point, N=784, through Hopfield.recall."""
    rng = np.random.default_rng(1)
    x = random_patterns(rng, N_STORED)
    net = Hopfield(N, "hebbian", scale="1/N", seed=0)
    net.store(x)
    probes = [flipped(rng, x[k % N_STORED], 0.2) for k in range(16)]
    assert all(np.array_equal(net.recall(p), x[k % N_STORED]) for k, p in enumerate(probes))
    count = [0]

    def recall_one():
        net.recall(probes[count[0] % 16])
        count[0] += 1
    ours = median_time(recall_one, repeat=5 if quick else 9)
    w = np.ascontiguousarray(net.weights)

    def numpy_recall():
        v = probes[0].astype(np.float64)
        for _ in range(100):
            before = v.copy()
            numpy_per_flip_sweep(w, v, rng.permutation(N))
            if np.array_equal(before, v):
                break
    with single_thread_blas():
        base = median_time(numpy_recall, repeat=3, min_time=0.02)
    return [row("hopfield recall 20 % flips", f"N={N}, {N_STORED} stored, to fixed point", ours * 1e3, "ms",
                baseline="numpy per-flip loop", baseline_value=base * 1e3, ratio=base / ours,
                target="< 1 ms")]


def bench_storkey(quick=False):
    """Storkey learning of 50 binarised MNIST digits, N=784, against the seeds' random-pair loop."""
    x = mnist_bipolar(50)
    net = Hopfield(N, "storkey")
    ours = median_time(lambda: net.store(x), repeat=3 if quick else 5, min_time=0.1)

    update_weights = _seeds_storkey_loop()
    m = N
    xs = x.astype(np.int64)
    batch = xs[:10]
    w = np.zeros((m, m))
    update_weights(batch, w, 10, m)  # compile outside the timing
    pairs = 2000 if quick else 10000
    t0 = time.perf_counter()
    update_weights(batch, w, pairs, m)
    per_pair = (time.perf_counter() - t0) / pairs
    total_pairs = 5 * 5 * int(m * m / 2)  # n_iter=5 epochs × 5 batches of 10 × m²/2 random pairs
    seeds_time = per_pair * total_pairs
    return [row("hopfield storkey learning", f"N={N}, P=50 MNIST", ours, "s",
                baseline=f"seeds' random-pair loop ({pairs} of {total_pairs:,} pair updates timed, extrapolated)",
                baseline_value=seeds_time, ratio=seeds_time / ours, target="< 1 s, ≥ 100× seeds")]


def bench_batched_recall(quick=False):
    """Batched recall of 1000 probes (20 % flips), N=784, parallel over probes, vs one by one."""
    rng = np.random.default_rng(2)
    x = random_patterns(rng, N_STORED)
    net = Hopfield(N, "hebbian", scale="1/N", seed=0)
    net.store(x)
    b = 1000
    probes = np.array([flipped(rng, x[k % N_STORED], 0.2) for k in range(b)])
    seeds = list(range(b))
    ours = median_time(lambda: net.recall(probes, seed=seeds), repeat=3 if quick else 5, min_time=0.1)

    def one_by_one():
        for k in range(b):
            net.recall(probes[k], seed=seeds[k])
    base = median_time(one_by_one, repeat=3 if quick else 5, min_time=0.1)
    assert np.array_equal(net.recall(probes, seed=seeds), np.array([x[k % N_STORED] for k in range(b)]))
    return [row("hopfield batched recall", f"{b} probes, N={N}, 20 % flips, load {load_average()}", ours * 1e3, "ms",
                baseline="one-by-one recall (same seeds)", baseline_value=base * 1e3, ratio=base / ours,
                target="faster than one by one")]


def bench_step_in_a_frame(quick=False):
    """The window's step(1) from a freshly corrupted probe: it must fit in a frame (1/60 s)."""
    from engine.models.hopfield import HopfieldModel
    rows = []
    for side in (28, 64):   # MNIST size and the largest the form allows (N = 4096)
        model = HopfieldModel({"rows": side, "cols": side}, seed=0)
        model.step(1)   # compiled
        times = []
        for _ in range(3 if quick else 7):
            model.corrupt_probe()
            t0 = time.perf_counter()
            model.step(1)
            times.append(time.perf_counter() - t0)
        rows.append(row("hopfield step(1)", f"{side}×{side} from a 20 %-corrupted probe (median)",
                        float(np.median(times)) * 1e3, "ms", target="< 16.7 ms (one frame)"))
    return rows


def _kernel_tests():
    """tests/engine/kernels/test_hopfield.py, whose numpy references the kernels are tested against
    (loaded by path: the bench runs without the checkout's root on sys.path)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "engine" / "kernels" / "test_hopfield.py"
    spec = importlib.util.spec_from_file_location("hopfield_kernel_references", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bench_perceptron(quick=False):
    """Perceptron learning of P = N = 200 random patterns (symmetric, κ = 0) against the numpy
    reference of the kernel tests (one epoch timed, extrapolated to the epochs the kernel needed)."""
    perceptron_reference = _kernel_tests().perceptron_reference
    n = 200
    x = random_patterns(np.random.default_rng(3), n, n)
    net = Hopfield(n, "perceptron")
    ours = median_time(lambda: net.store(x), repeat=2 if quick else 3, min_time=0.1)
    epochs = net.learning_report.epochs
    assert net.learning_report.converged and net.stable_patterns().all()
    xf = x.astype(np.float64)
    t0 = time.perf_counter()
    perceptron_reference(xf, x, np.zeros(n), 0.0, True, 1)
    base = (time.perf_counter() - t0) * epochs
    return [row("hopfield perceptron learning", f"N={n}, P={n}, symmetric, {epochs} epochs, load {load_average()}",
                ours, "s", baseline=f"numpy reference (1 of {epochs} epochs timed, extrapolated)",
                baseline_value=base, ratio=base / ours, target="< 10 s")]


def bench_dreams(quick=False):
    """Dream sleep (unlearn) at N=500, P=100 Hebbian: milliseconds per dream (relax + anti-Hebbian step)."""
    n = 500
    net = Hopfield(n, seed=0)
    net.store(random_patterns(np.random.default_rng(4), 100, n))
    count = 50 if quick else 200
    ours = median_time(lambda: net.unlearn(count, rate=0.001, seed=1), repeat=2 if quick else 3, min_time=0.1)
    return [row("hopfield unlearn", f"N={n}, P=100, {count} dreams, load {load_average()}", ours / count * 1e3,
                "ms/dream", target="< 10 ms per dream")]


BENCHES = [bench_async_sweep, bench_recall, bench_storkey, bench_batched_recall, bench_step_in_a_frame,
           bench_perceptron, bench_dreams]
