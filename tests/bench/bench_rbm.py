"""RBM / DBN benchmarks: seconds per MNIST epoch against scikit-learn's BernoulliRBM (same run),
accuracy of logistic regression on the learned features, and the live GUI frame rate.

Run with ``hebbgui bench rbm`` (add ``--quick`` for a shorter, noisier run).
"""
from __future__ import annotations

import os
import statistics
import time

import numpy as np
from common import row

from engine.datasets import load_mnist
from engine.models.rbm import DBN, RBM, RBMModel, blas_threads

# The live GUI step runs its small products on one BLAS thread (engine.models.rbm.models); the
# epoch benches run under the thread policy (engine/threads.py): every core, or cores − 1 with
# ``--busy`` / HEBBGUI_THREADS — the same count on both sides, stated in each row (BernoulliRBM's
# products on BLAS's threads, ours on numba's: engine.models.rbm.training says why).
LIVE_BLAS_THREADS = 1
N_HIDDEN = 500
BATCH = 100
LR = 0.05


def _mnist(n_train: int | None = None):
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    if n_train is not None:
        x, y = x[:n_train], y[:n_train]
    return x.reshape(len(x), -1) / 255.0, y, xt.reshape(len(xt), -1) / 255.0, yt


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _blas_threads_now() -> int:
    """The threads numpy's BLAS runs with now (the policy's count; scikit-learn's products use it too)."""
    from threadpoolctl import threadpool_info
    return min(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def bench_epoch_speed(quick: bool = False) -> list[dict]:
    """Seconds per MNIST epoch, ours (CD-1, PCD-1, PT) against BernoulliRBM at equal dtype and threads."""
    threads = _blas_threads_now()
    with blas_threads(threads):
        return _bench_epoch_speed(quick, threads)


def _bench_epoch_speed(quick: bool, threads: int) -> list[dict]:
    """Seconds per epoch (500 hidden, minibatch 100, one pass) for CD-1, PCD-1, PT and BernoulliRBM.

    Same settings on both sides: learning rate 0.05, no momentum (BernoulliRBM has none), no weight
    decay, the same BLAS threads. BernoulliRBM trains by PCD-1 in the dtype of its input, so it is
    given float32 rows against our float32 and float64 rows against our float64, and once more the
    same float32 rows as a CSR matrix: its products then go through scipy's sparse path
    (safe_sparse_dot), the counterpart of our products over the nonzeros. The runs are
    interleaved and repeated in one process; each ratio is the median of the paired ratios of one
    round (the machine's load moves between rounds, less within one), and the best round is stated.
    """
    from scipy.sparse import csr_matrix
    from sklearn.neural_network import BernoulliRBM
    n = 10000 if quick else 60000
    X64 = _mnist(n)[0]
    X32 = X64.astype(np.float32)
    scale = 60000 / n  # report per full 60,000-image epoch
    load = os.getloadavg()[0]

    def ours(method, X, **extra):
        return lambda: RBM(N_HIDDEN, method=method, learning_rate=LR, batch_size=BATCH, n_epochs=1, momentum=0.0,
                           dtype=X.dtype.name, random_state=0, **extra).fit(X)

    def sklearn(X):
        return lambda: BernoulliRBM(n_components=N_HIDDEN, learning_rate=LR, batch_size=BATCH, n_iter=1,
                                    random_state=0).fit(X)
    runs = {"cd32": ours("cd", X32), "pcd32": ours("pcd", X32), "skl32": sklearn(X32),
            "pt32": ours("pt", X32, n_temperatures=5), "cd64": ours("cd", X64), "pcd64": ours("pcd", X64),
            "skl64": sklearn(X64), "skl32csr": sklearn(csr_matrix(X32))}
    ours("pcd", X32[:200])()  # compile the kernels outside the timings
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(1 if quick else 3):
        for name, fn in runs.items():
            times[name].append(scale * _seconds(fn))
    load = f"{threads} thread(s), load {load:.1f}→{os.getloadavg()[0]:.1f}"

    def paired(ours_, base):
        ratios = [b / o for o, b in zip(times[ours_], times[base])]
        return statistics.median(ratios), max(ratios)
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = []
    for dtype, target in (("32", "≥ 2×"), ("64", "")):
        for method, label in (("cd", "CD-1"), ("pcd", "PCD-1")):
            ratio, best = paired(method + dtype, "skl" + dtype)
            rows.append(row("rbm_epoch", f"{label} float{dtype} s/epoch ({load}; best round {best:.2f}×)",
                            med[method + dtype], "s", baseline=f"BernoulliRBM float{dtype}",
                            baseline_value=med["skl" + dtype], ratio=ratio, target=target))
    ratio, best = paired("pcd32", "skl32csr")
    rows.append(row("rbm_epoch", f"PCD-1 float32 s/epoch, BernoulliRBM given the rows as CSR ({load}; best round "
                                 f"{best:.2f}×)", med["pcd32"], "s", baseline="BernoulliRBM float32 CSR",
                    baseline_value=med["skl32csr"], ratio=ratio))
    ratio, best = paired("cd32", "pcd32")
    rows.append(row("rbm_epoch", f"CD-1 against PCD-1 float32, same products ({load})", med["cd32"], "s",
                    baseline="our PCD-1", baseline_value=med["pcd32"], ratio=ratio, target="≥ 0.91 (within 10 %)"))
    ratio, _ = paired("pt32", "pcd32")
    rows.append(row("rbm_epoch", f"PT-1, 5 temperatures, float32 s/epoch ({load})", med["pt32"], "s",
                    baseline="our PCD-1", baseline_value=med["pcd32"], ratio=ratio))
    return rows


def _logistic_accuracy(F_train, y_train, F_test, y_test) -> float:
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1.0, max_iter=300)
    clf.fit(F_train, y_train)
    return float(clf.score(F_test, y_test))


def bench_accuracy(quick: bool = False) -> list[dict]:
    """Test accuracy of logistic regression on RBM features (500 hidden, CD-1, 10 epochs) vs raw pixels."""
    n = 10000 if quick else None
    epochs = 1 if quick else 10
    X, y, Xt, yt = _mnist(n)
    X32, Xt32 = X.astype(np.float32), Xt.astype(np.float32)
    t0 = time.perf_counter()
    rbm = RBM(N_HIDDEN, method="cd", k=1, learning_rate=LR, batch_size=BATCH, n_epochs=epochs, momentum=0.5,
              random_state=0).fit(X32)
    train_s = time.perf_counter() - t0
    acc = _logistic_accuracy(rbm.transform(X32), y, rbm.transform(Xt32), yt)
    raw = _logistic_accuracy(X32, y, Xt32, yt)
    what = f"RBM {N_HIDDEN}h CD-1 {epochs} ep + logreg ({len(X)} train)"
    return [row("rbm_accuracy", what, acc, "", baseline="logreg on pixels", baseline_value=raw,
                ratio=acc / raw, target="≥ 0.97"),
            row("rbm_accuracy", f"training time, {epochs} epochs", train_s, "s")]


def bench_dbn(quick: bool = False) -> list[dict]:
    """Test accuracy of logistic regression on a (500, 500) DBN's top features."""
    n = 10000 if quick else None
    epochs = 1 if quick else 10
    X, y, Xt, yt = _mnist(n)
    X32, Xt32 = X.astype(np.float32), Xt.astype(np.float32)
    t0 = time.perf_counter()
    dbn = DBN((N_HIDDEN, N_HIDDEN), learning_rate=LR, batch_size=BATCH, n_epochs=epochs, random_state=0).fit(X32)
    train_s = time.perf_counter() - t0
    acc = _logistic_accuracy(dbn.transform(X32), y, dbn.transform(Xt32), yt)
    return [row("dbn_accuracy", f"DBN (500, 500) {epochs} ep/layer + logreg ({len(X)} train)", acc, "",
                target="≥ 0.97"),
            row("dbn_accuracy", f"training time, 2 × {epochs} epochs", train_s, "s")]


def bench_live(quick: bool = False) -> list[dict]:
    """Frames per second of the live RBM view (step + snapshot)."""
    with blas_threads(LIVE_BLAS_THREADS):
        return _bench_live(quick)


def _bench_live(quick: bool) -> list[dict]:
    """GUI frame rate: one RBMModel step (a minibatch) plus one snapshot, default params."""
    model = RBMModel(seed=0)
    model.step(5)  # compile and warm up
    frames = []
    for _ in range(30 if quick else 200):
        t0 = time.perf_counter()
        model.step(1)
        model.snapshot()
        frames.append(time.perf_counter() - t0)
    per_frame = statistics.median(frames)
    return [row("rbm_live", "step(1) + snapshot, median", per_frame * 1000, "ms", target="< 16.7 ms"),
            row("rbm_live", "receptive-field frames/s", 1.0 / per_frame, "fps", target="≥ 10 fps")]


BENCHES = [bench_epoch_speed, bench_accuracy, bench_dbn, bench_live]
