"""Hebb benchmarks: the MNIST pass against the seed's loop, competing units against the published numpy
loop, the accuracies of the lineage, and the letter example's frame rate.

Run with ``hebbgui bench hebb`` (``--quick`` for shorter, noisier runs). Ratios compare runs made in the
same process, one after the other, with identical data, order and initial weights.
"""
from __future__ import annotations

import time

import numpy as np
from common import row

from engine.datasets import load_mnist
from engine.kernels import hebb as K
from engine.models.hebb import CompetingHebbian, HebbClassifier


def _mnist(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_mnist(split, n)
    return x.reshape(len(x), -1) / 255.0, y.astype(np.int64)


def bench_mnist_pass(quick: bool = False) -> list[dict]:
    """One pass of the seeds' decay classifier over the 60 000 training images (seed 000 §1-6)."""
    X, y = _mnist("train")
    XT, yT = _mnist("test")
    clf = HebbClassifier(rule="instar", learning_rate=0.01, bias=False, coding="binary")
    clf.fit(X[:100], y[:100])                                  # compile outside the timing
    t0 = time.perf_counter()
    clf.fit(X, y)
    ours = time.perf_counter() - t0
    # the seed's loop: for xi, yi in zip(x_train, y_train): w[yi, :] += alpha * (xi - w[yi, :])
    n_timed = 6000 if quick else X.shape[0]
    w = np.zeros((10, X.shape[1]))
    t0 = time.perf_counter()
    for xi, yi in zip(X[:n_timed], y[:n_timed]):
        w[yi, :] += 0.01 * (xi - w[yi, :])
    seed_s = (time.perf_counter() - t0) * X.shape[0] / n_timed
    rows = [row("hebb", "MNIST pass, instar α=0.01 (60k)", ours, "s",
                baseline="seed's loop" + (" (6k, scaled)" if quick else ""), baseline_value=seed_s,
                ratio=seed_s / ours, target="faster than the loop")]
    if not quick:
        np.testing.assert_allclose(clf.coef_, w, atol=1e-9)   # the same weights as the seed's loop
    rows.append(row("hebb", "  decay, dot product: test accuracy", clf.score(XT, yT), "", target="near the seeds' 0.64"))
    single = HebbClassifier(rule="instar", learning_rate=0.001, bias=False, coding="binary", normalize=True).fit(X, y)
    rows.append(row("hebb", "  single prototype, unit length", single.score(XT, yT), "", target="≥ 0.80"))
    t0 = time.perf_counter()
    many = HebbClassifier(rule="instar", learning_rate=0.01, bias=False, normalize=True, n_prototypes=10,
                          shuffle=True, random_state=0).fit(X, y)
    rows.append(row("hebb", f"  10 prototypes/class, 1 pass ({time.perf_counter() - t0:.1f} s)",
                    many.score(XT, yT), "", target="≥ 0.90"))
    return rows


def bench_competing_epoch(quick: bool = False) -> list[dict]:
    """Seconds per epoch of 60 000 images, 2000 hidden units, minibatch 100: ours vs the published numpy loop."""
    n = 2000 if quick else 6000                 # both timed on the same n images, scaled to 60k
    X, _ = _mnist("train", n)
    net = CompetingHebbian(n_hidden=2000, random_state=0).initialize(X)
    W0 = net.fields()
    net.present(X[:200], 0.04)                  # compile outside the timing
    net.set_fields(W0)
    t0 = time.perf_counter()
    net.present(X, 0.04)
    ours = (time.perf_counter() - t0) * 60000 / n
    ref = W0.copy()
    t0 = time.perf_counter()
    K.competing_epoch_reference(ref, X, np.arange(n), 100, 7, 0.4, 3.0, 0.04)
    published = (time.perf_counter() - t0) * 60000 / n
    same = np.allclose(net.fields(), ref, rtol=1e-8, atol=1e-10)
    return [row("hebb", f"competing units: s/epoch ({n} imgs, scaled)", ours, "s",
                baseline="Krotov–Hopfield numpy loop", baseline_value=published, ratio=published / ours,
                target="≥ 3×" + ("" if same else " — WEIGHTS DIFFER"))]


def bench_letters_fps(quick: bool = False) -> list[dict]:
    """The T vs U example playing at full speed in the window (offscreen)."""
    from bench_gui import measure_fps
    fps, steps, note, _worst_gap = measure_fps("hebb", {}, 1.5 if quick else 3.0)
    return [row("gui fps", "hebb T vs U" + (f" [{note}]" if note else ""), fps, "fps", baseline="target 60 fps",
                baseline_value=60, ratio=fps / 60 if fps == fps else None,
                target=f"≥ 60 fps, {steps:.3g} steps/frame")]


BENCHES = [bench_mnist_pass, bench_competing_epoch, bench_letters_fps]
