"""Dense Associative Memory benchmarks: seconds per MNIST epoch of ``DAMClassifier`` (seed 004's
configuration) against a plain numpy transcription of the seed's equations (dam_reference.py), with
the errors both reach after the same epochs; recall sweeps/s at N = 784, K = 100, n = 20; the engine's
CPU time per frame of the window's DAM training (issue 12: ≥ 30 frames/s).

Both sides of every ratio run in this process on ONE BLAS and ONE numba thread (equal threads; on the
shared 2-core machine two threads are slower and noisier). Both trainings start from the same
memories and draw the same minibatch order, so their errors agree (the updates are the same to
~1e-12) and the ratio is a ratio at equal error. Run with ``hebbgui bench dense`` (``--quick``:
10,000 training images and one epoch).
"""
from __future__ import annotations

import contextlib
import time

import numba
import numpy as np
from common import row
from dam_reference import SEED_CONFIG, init_memories, one_hot_columns, test_error, train_epoch
from threadpoolctl import threadpool_limits

from engine.datasets import load_mnist
from engine.kernels import dense as K
from engine.kernels import random as R
from engine.models.dense import DAMClassifier, DenseAssociativeMemory


@contextlib.contextmanager
def one_thread():
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(before)


def _mnist(n_train: int):
    x, y = load_mnist("train", n_train)
    xt, yt = load_mnist("test")
    return x.reshape(len(x), -1) / 255.0, y, xt.reshape(len(xt), -1) / 255.0, yt


def bench_epoch(quick: bool = False) -> list[dict]:
    """Seconds per 60,000-image epoch and the errors after the same epochs, ours vs the transcription."""
    n_train, n_epochs = (10000, 1) if quick else (60000, 1)
    X, y, Xt, yt = _mnist(n_train)
    with one_thread():
        DAMClassifier(n_epochs=1, random_state=0).fit(X[:1000], y[:1000])  # compile the kernels first
        ours = DAMClassifier(random_state=0).initialize(784, np.arange(10))
        t0 = time.perf_counter()
        for _ in range(n_epochs):
            ours.partial_fit(X, y)
        t_ours = (time.perf_counter() - t0) / n_epochs
        err_ours = (ours.history_["train_error"][-1], 1.0 - ours.score(Xt, yt))

        cfg = dict(SEED_CONFIG)
        rng = np.random.default_rng(0)  # the same stream: the same initial memories and minibatch order
        KS = init_memories(rng, 784, 10, cfg)
        VKS = np.zeros_like(KS)
        M, Lab = (2 * X - 1).T.copy(), one_hot_columns(y.astype(int), 10)
        t0 = time.perf_counter()
        for nep in range(n_epochs):
            train_ref = train_epoch(KS, VKS, M, Lab, nep, rng, cfg)
        t_ref = (time.perf_counter() - t0) / n_epochs
        test_ref = test_error(KS, (2 * Xt - 1).T.copy(), one_hot_columns(yt.astype(int), 10), n_epochs - 1, cfg)
    scale = 60000 / n_train
    what = f"s/epoch ({n_train // 1000}k images, {n_epochs} epoch{'s' if n_epochs > 1 else ''})"
    return [
        row("dam_epoch", what, scale * t_ours, "s", baseline="numpy transcription", baseline_value=scale * t_ref,
            ratio=t_ref / t_ours, target="≥ 3× at equal error"),
        row("dam_epoch", f"train error after {n_epochs} epoch(s)", err_ours[0], "", baseline="transcription",
            baseline_value=train_ref),
        row("dam_epoch", f"test error after {n_epochs} epoch(s)", err_ours[1], "", baseline="transcription",
            baseline_value=test_ref, target="± 0.003"),
    ]


def _numpy_sweep(xi: np.ndarray, state: np.ndarray, order: np.ndarray, power: int) -> None:
    """One asynchronous sweep of eq. (4) in plain numpy: per unit, the K overlaps without it."""
    m = xi @ state
    for i in order:
        L = m - xi[:, i] * state[i]
        d = np.sum((L + xi[:, i]) ** power - (L - xi[:, i]) ** power)
        new = 1.0 if d > 0 else -1.0 if d < 0 else state[i]
        if new != state[i]:
            m += xi[:, i] * (new - state[i])
            state[i] = new


def bench_recall(quick: bool = False) -> list[dict]:
    """Recall sweeps/s at N = 784, K = 100, n = 20: the kernel (one probe; a batch) vs a numpy sweep."""
    N, Kp, n = 784, 100, 20
    rng = np.random.default_rng(0)
    xi = np.where(rng.random((Kp, N)) < 0.5, 1, -1).astype(np.int8)
    xi_t = np.ascontiguousarray(xi.T)
    # random probes far from every pattern: sweeps keep flipping units (max_sweeps bounds the work)
    probes = np.where(rng.random((16 if quick else 64, N)) < 0.5, 1, -1).astype(np.int8)
    with one_thread():
        state = probes[0].copy()
        overlaps = np.empty(Kp, np.int64)
        order = np.empty(N, np.int64)
        K.compute_overlaps(xi_t, state, overlaps)
        K.recall(xi_t, state, overlaps, n, K.KIND_POLYNOMIAL, 1, R.seed_state(1), order)  # compile
        sweeps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < (0.5 if quick else 2.0):
            state[:] = probes[sweeps % len(probes)]
            K.compute_overlaps(xi_t, state, overlaps)
            K.recall(xi_t, state, overlaps, n, K.KIND_POLYNOMIAL, 1, R.seed_state(sweeps + 2), order)
            sweeps += 1
        ours = sweeps / (time.perf_counter() - t0)
        xf, sweeps_np, t0 = xi.astype(np.float64), 0, time.perf_counter()
        while time.perf_counter() - t0 < (0.5 if quick else 2.0):
            s = probes[sweeps_np % len(probes)].astype(np.float64)
            _numpy_sweep(xf, s, rng.permutation(N), n)
            sweeps_np += 1
        base = sweeps_np / (time.perf_counter() - t0)
    dam = DenseAssociativeMemory(N, power=n)
    dam.store(xi)
    dam.run_batch(probes[:2].copy(), 1, seed=0)  # compile
    batch = probes.copy()
    t0 = time.perf_counter()
    done, _ = dam.run_batch(batch, 5, seed=0)
    batched = float(done.sum()) / (time.perf_counter() - t0)
    return [row("dam_recall", "sweeps/s, one probe (N=784, K=100, n=20)", ours, "sweeps/s",
                baseline="numpy sweep", baseline_value=base, ratio=ours / base),
            row("dam_recall", f"sweeps/s, {len(probes)} probes batched (numba threads: {numba.get_num_threads()})",
                batched, "sweeps/s")]


def bench_frame(quick: bool = False) -> list[dict]:
    """What one frame of the window's DAM training costs the engine thread: one 1000-image minibatch step
    of the "dam" model (seed 004's configuration) and its snapshot, in CPU time of this thread on one
    thread (CPU time: the machine's other load does not count, so the number holds on a shared machine)."""
    from engine.models.dense import DAMModel
    n = 20 if quick else 120   # 120: two epochs' ends (test error on 10,000 digits) among them
    with one_thread():
        model = DAMModel(seed=0)
        model.step(1)
        model.snapshot()
        times = []
        for _ in range(n):
            t0 = time.thread_time()
            model.step(1)
            model.snapshot()
            times.append(time.thread_time() - t0)
    times = np.array(times) * 1e3
    return [row("dam_frame", f"engine CPU ms per frame (step + snapshot), median of {n}", float(np.median(times)), "ms",
                target="< 33 ms (a frame at 30 fps, the GUI drawing on the other core)"),
            row("dam_frame", "engine CPU ms per frame, mean (epoch ends included)", float(np.mean(times)), "ms")]


BENCHES = [bench_epoch, bench_recall, bench_frame]
