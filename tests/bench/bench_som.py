"""SOM and competitive-learning benchmarks: against MiniSom and the seeds' loop, and live frame rates.

Run with ``hebbgui bench som`` (``--quick`` for shorter, noisier runs). Ratios compare runs made
in the same process, one after the other, with identical data, grid, schedule and initial weights.
"""
from __future__ import annotations

import time

import numpy as np
from common import best_time, row

from engine.models.competitive import CompetitiveModel
from engine.models.shared import load_training_data
from engine.models.som import SOM, SOMModel

GRID = 30
SIGMA = 3.0
LEARNING_RATE = 0.5


def _mnist(n: int) -> np.ndarray:
    X, _, _ = load_training_data("mnist", n, 0)
    return X


def _minisom(X: np.ndarray, initial: np.ndarray):
    from minisom import MiniSom
    m = MiniSom(GRID, GRID, X.shape[1], sigma=SIGMA, learning_rate=LEARNING_RATE,
                neighborhood_function="gaussian", topology="rectangular", random_seed=0)
    m._weights = initial.copy()
    return m


def bench_minisom_online(quick: bool = False) -> list[dict]:
    """One online epoch of MNIST (10,000 samples) on 30×30, Gaussian, asymptotic decays, PCA start."""
    X = _mnist(10000)
    n = X.shape[0]
    ours = SOM(GRID, GRID, sigma=SIGMA, learning_rate=LEARNING_RATE, neighborhood="gaussian", init="pca",
               mode="online", n_epochs=1, random_state=0)
    ours.initialize(X)
    initial = np.array(ours.weights_)
    ours.partial_fit(X[:50])                       # compile outside the timing
    ours.weights_ = initial
    ours.epoch_ = 0
    t0 = time.perf_counter()
    ours.partial_fit(X)
    ours_s = time.perf_counter() - t0
    ours_qe = ours.quantization_error(X)

    ref = _minisom(X, initial)
    # MiniSom's train() loop, sample by sample, with the same schedule over the same epoch length
    n_timed = 800 if quick else n
    order = np.random.default_rng(0).permutation(n)[:n_timed]
    t0 = time.perf_counter()
    for t, i in enumerate(order):
        ref.update(X[i], ref.winner(X[i]), t, n)
    ref_s = (time.perf_counter() - t0) * n / n_timed
    rows = [row("som", "MNIST 10k on 30×30, online epoch", ours_s, "s",
                baseline="MiniSom" + (" (800 samples, scaled)" if quick else ""), baseline_value=ref_s,
                ratio=ref_s / ours_s, target="≥ 10×")]
    if not quick:
        ref_qe = ref.quantization_error(X)
        rows.append(row("som", "  QE after the online epoch", ours_qe, "", baseline="MiniSom", baseline_value=ref_qe,
                        ratio=ref_qe / ours_qe, target="within 5 %"))
    return rows


def bench_small_som(quick: bool = False) -> list[dict]:
    """A whole fit on small data — the 8×8 digits (1,797 × 64) on 20×20, 5 online epochs, PCA start —
    against MiniSom's pca_weights_init + train over the same number of samples."""
    from minisom import MiniSom
    X, _, _ = load_training_data("digits", 1797, 0)
    n_epochs = 2 if quick else 5

    def ours():
        SOM(20, 20, sigma=3.0, learning_rate=0.5, neighborhood="gaussian", init="pca", mode="online",
            n_epochs=n_epochs, random_state=0).fit(X)

    def minisom():
        m = MiniSom(20, 20, X.shape[1], sigma=3.0, learning_rate=0.5, neighborhood_function="gaussian",
                    random_seed=0)
        m.pca_weights_init(X)
        m.train(X, n_epochs * X.shape[0], random_order=True)

    ours()  # compile outside the timing
    ours_s = best_time(ours, repeat=3, min_time=0.05)
    ref_s = best_time(minisom, repeat=1 if quick else 2, min_time=0.0)
    return [row("som", f"digits 8×8 on 20×20, fit {n_epochs} online epochs", ours_s, "s", baseline="MiniSom",
                baseline_value=ref_s, ratio=ref_s / ours_s, target="≥ 10×")]


def bench_minisom_batch(quick: bool = False) -> list[dict]:
    """One batch epoch (Kohonen's batch rule, MiniSom's train_batch_offline) of MNIST 10k on 30×30."""
    X = _mnist(10000)
    ours = SOM(GRID, GRID, sigma=SIGMA, learning_rate=LEARNING_RATE, neighborhood="gaussian", init="pca",
               mode="batch", n_epochs=1, random_state=0)
    ours.initialize(X)
    initial = np.array(ours.weights_)
    ours.partial_fit(X[:50])
    ours.weights_ = initial
    ours.epoch_ = 0
    t0 = time.perf_counter()
    ours.partial_fit(X)
    ours_s = time.perf_counter() - t0
    ours_qe = ours.quantization_error(X)
    ref = _minisom(X, initial)
    if quick:
        # time MiniSom's batch accumulation on 800 samples (its cost is linear in the samples)
        sub = X[:800]
        t0 = time.perf_counter()
        ref.train_batch_offline(sub, 1)
        ref_s = (time.perf_counter() - t0) * len(X) / len(sub)
        return [row("som", "MNIST 10k on 30×30, batch epoch", ours_s, "s",
                    baseline="MiniSom offline (800, scaled)", baseline_value=ref_s, ratio=ref_s / ours_s,
                    target="≥ 10×")]
    t0 = time.perf_counter()
    ref.train_batch_offline(X, 1)
    ref_s = time.perf_counter() - t0
    ref_qe = ref.quantization_error(X)
    return [row("som", "MNIST 10k on 30×30, batch epoch", ours_s, "s", baseline="MiniSom train_batch_offline",
                baseline_value=ref_s, ratio=ref_s / ours_s, target="≥ 10×"),
            row("som", "  QE after the batch epoch", ours_qe, "", baseline="MiniSom", baseline_value=ref_qe,
                ratio=ref_qe / ours_qe, target="within 5 %")]


def _seeds_iris_epochs(X: np.ndarray, n_epochs: int, rng: np.random.Generator) -> None:
    """The seeds' 15.SOM(iris).py loop: argmin winner, find_neighbors list, per-neighbour update."""
    m_rows, m_cols = 50, 50
    w = rng.normal(0, 0.1, size=(m_rows * m_cols, X.shape[1]))
    alpha, d_neighbor = 0.05, 20

    def find_winner(w, x):
        dist = np.sqrt(np.sum(np.square(x - w), axis=1))
        winner = np.argmin(dist)
        return dist[winner], winner

    def find_neighbors(winner, k):
        row_, col = (winner // m_rows, winner % m_cols)
        from_i = np.max([0, row_ - k])
        to_i = row_ + k + 1
        if to_i > m_rows - 1:
            to_i = m_rows
        from_j = np.max([0, col - k])
        to_j = col + k + 1
        if to_j > m_cols - 1:
            to_j = m_cols
        return np.array([i * m_cols + j for i in range(from_i, to_i) for j in range(from_j, to_j)])

    for i in range(n_epochs):
        for j in rng.choice(X.shape[0], 100):
            dx = X[j, :].reshape(1, -1)
            _, winner = find_winner(w, dx)
            for m in find_neighbors(winner, d_neighbor):
                w[m, :] += alpha * (dx.reshape(-1,) - w[m, :])
        if i % 3 == 0:
            d_neighbor = np.max([0, d_neighbor - 1])


def bench_seeds_iris(quick: bool = False) -> list[dict]:
    """The seeds' Iris 50×50 map (radius 20, 100 samples per epoch): per-epoch time of the first epochs."""
    n_epochs = 2 if quick else 6
    X, _, _ = load_training_data("iris", 150)
    model = SOMModel({"preset": "iris_50x50"}, seed=0)
    per_epoch = model.config["samples_per_epoch"] // model.config["samples_per_step"]
    model.step(per_epoch)                          # compile; radius 20 → 19
    model.reset()
    t0 = time.perf_counter()
    model.step(per_epoch * n_epochs)
    ours = (time.perf_counter() - t0) / n_epochs
    t0 = time.perf_counter()
    _seeds_iris_epochs(X, n_epochs, np.random.default_rng(0))
    seeds = (time.perf_counter() - t0) / n_epochs
    return [row("som", "seeds' Iris 50×50, one epoch (r≈20)", ours * 1e3, "ms", baseline="seeds' loop",
                baseline_value=seeds * 1e3, ratio=seeds / ours)]


def _frame_rate(model, frames: int) -> tuple[float, float]:
    """Frames/s of step(1) + snapshot(), the GUI's frame when one step fills the budget; and ms per step."""
    model.step(1)
    model.snapshot()
    step_times, frame_times = [], []
    for _ in range(frames):
        t0 = time.perf_counter()
        model.step(1)
        t1 = time.perf_counter()
        model.snapshot()
        t2 = time.perf_counter()
        step_times.append(t1 - t0)
        frame_times.append(t2 - t0)
    return 1.0 / float(np.median(frame_times)), float(np.median(step_times)) * 1e3


def bench_live(quick: bool = False) -> list[dict]:
    """Live frame rates: step + snapshot (U-matrix included) for the big presets and 2-D competitive learning."""
    frames = 30 if quick else 120
    out = []
    for preset, target in (("mnist_100x100", "≥ 20 frames/s"), ("mnist_30x30", "≥ 20 frames/s"),
                           ("iris_50x50", "≥ 60 frames/s")):
        model = SOMModel({"preset": preset}, seed=0)
        fps, step_ms = _frame_rate(model, frames)
        k = model.config["samples_per_step"]
        out.append(row("som", f"live {preset} ({k} samples/step, {step_ms:.1f} ms)", fps, "frames/s", target=target))
    model = CompetitiveModel(seed=0)
    fps, step_ms = _frame_rate(model, frames * 5)
    out.append(row("competitive", f"live 2-D blobs (15 samples/step, {step_ms:.2f} ms)", fps, "frames/s",
                   target="≥ 60 frames/s"))
    return out


def bench_umatrix(quick: bool = False) -> list[dict]:
    """U-matrix of a 100×100 map of MNIST prototypes: our kernel vs MiniSom's distance_map."""
    from minisom import MiniSom
    rng = np.random.default_rng(0)
    w = rng.random((100, 100, 784))
    som = SOM(100, 100)
    som.weights_ = w

    def full_umatrix():
        som._touched[:] = 1          # every unit changed: the full computation, not the incremental one
        return som.umatrix()
    ours = best_time(full_umatrix, repeat=3 if quick else 5, min_time=0.1)
    ref = MiniSom(100, 100, 784)
    ref._weights = w
    theirs = best_time(ref.distance_map, repeat=1 if quick else 3, min_time=0.1)
    return [row("som", "U-matrix 100×100×784 (full)", ours * 1e3, "ms", baseline="MiniSom distance_map",
                baseline_value=theirs * 1e3, ratio=theirs / ours)]


BENCHES = [bench_minisom_online, bench_small_som, bench_minisom_batch, bench_seeds_iris, bench_live, bench_umatrix]
