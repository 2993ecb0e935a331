"""RBM / DBN benchmarks: seconds per MNIST epoch against scikit-learn's BernoulliRBM (same run),
accuracy of logistic regression on the learned features, and the live GUI frame rate.

Run with ``hebbgui bench rbm`` (add ``--quick`` for a shorter, noisier run).
"""
from __future__ import annotations

import statistics
import time

import numpy as np
from common import row

from engine.datasets import load_mnist
from engine.models.rbm import DBN, RBM, RBMModel, blas_threads

# Every benchmark runs with ONE BLAS thread on both sides: on this shared 2-core machine two
# threads made the products 3–4× slower and far noisier (see engine.models.rbm.blas_threads).
BLAS_THREADS = 1
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


def bench_epoch_speed(quick: bool = False) -> list[dict]:
    """Seconds per MNIST epoch, ours (CD-1, PCD-1) against BernoulliRBM, same run."""
    with blas_threads(BLAS_THREADS):
        return _bench_epoch_speed(quick)


def _bench_epoch_speed(quick: bool) -> list[dict]:
    """Seconds per epoch (500 hidden, minibatch 100, one pass) for CD-1, PCD-1 and BernoulliRBM.

    Same settings on both sides: learning rate 0.05, no momentum (BernoulliRBM has none), no
    weight decay. BernoulliRBM trains by PCD-1 in the dtype of its input: float64 for X/255 (its
    default), float32 when given float32. Runs are interleaved and repeated; medians reported.
    """
    from sklearn.neural_network import BernoulliRBM
    n = 10000 if quick else 60000
    X64, _, _, _ = _mnist(n)
    X32 = X64.astype(np.float32)
    scale = 60000 / n  # report per full 60,000-image epoch
    runs: dict[str, list[float]] = {"cd": [], "pcd": [], "skl64": [], "skl32": []}
    for rep in range(1 if quick else 3):
        runs["cd"].append(_seconds(lambda: RBM(N_HIDDEN, method="cd", learning_rate=LR, batch_size=BATCH,
                                               n_epochs=1, momentum=0.0, random_state=rep).fit(X32)))
        runs["skl64"].append(_seconds(lambda: BernoulliRBM(n_components=N_HIDDEN, learning_rate=LR, batch_size=BATCH,
                                                           n_iter=1, random_state=rep).fit(X64)))
        runs["pcd"].append(_seconds(lambda: RBM(N_HIDDEN, method="pcd", learning_rate=LR, batch_size=BATCH,
                                                n_epochs=1, momentum=0.0, random_state=rep).fit(X32)))
        runs["skl32"].append(_seconds(lambda: BernoulliRBM(n_components=N_HIDDEN, learning_rate=LR, batch_size=BATCH,
                                                           n_iter=1, random_state=rep).fit(X32)))
    med = {k: scale * statistics.median(v) for k, v in runs.items()}
    rows = []
    for ours, label in (("cd", "CD-1"), ("pcd", "PCD-1")):
        rows.append(row("rbm_epoch", f"{label} float32 s/epoch", med[ours], "s",
                        baseline="BernoulliRBM float64", baseline_value=med["skl64"],
                        ratio=med["skl64"] / med[ours], target="≥ 2×"))
        rows.append(row("rbm_epoch", f"{label} float32 vs sklearn float32", med[ours], "s",
                        baseline="BernoulliRBM float32", baseline_value=med["skl32"],
                        ratio=med["skl32"] / med[ours]))
    return rows


def _logistic_accuracy(F_train, y_train, F_test, y_test) -> float:
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1.0, max_iter=300)
    clf.fit(F_train, y_train)
    return float(clf.score(F_test, y_test))


def bench_accuracy(quick: bool = False) -> list[dict]:
    """Logistic-regression test accuracy on RBM features (500 hidden, 10 epochs)."""
    with blas_threads(BLAS_THREADS):
        return _bench_accuracy(quick)


def _bench_accuracy(quick: bool) -> list[dict]:
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
    """Logistic-regression test accuracy on a (500, 500) DBN's top features."""
    with blas_threads(BLAS_THREADS):
        return _bench_dbn(quick)


def _bench_dbn(quick: bool) -> list[dict]:
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
    with blas_threads(BLAS_THREADS):
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
