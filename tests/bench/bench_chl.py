"""CHL / EqProp benchmarks: seconds per 60,000-digit epoch against the seed's listing (same run, same
process, one BLAS thread on both sides), the accuracy of full MNIST runs, and the window's frame rate.

Run with ``hebbgui bench chl`` (``--quick``: fewer minibatches timed, one epoch of accuracy).
The listing is timed on a few hundred minibatches and scaled to 6,000 (minibatch 10, T = 10, dt = 0.5):
it takes minutes per epoch. The accuracy bench trains for real: 10 epochs of CHL and of random feedback
at the seed's sizes, EqProp at the seed's sizes for 10, then at [784, 500, 10] for 25 epochs — half an hour
on a busy machine.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from common import row

from threadpoolctl import threadpool_limits

from engine.datasets import load_mnist
from engine.models.chl import CHL

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:   # the seed's listing lives with the tests that check against it
    sys.path.insert(0, str(ROOT))
from tests.engine.models.chl import seed_listing as seed  # noqa: E402

EPOCH = 6000                    # minibatches of 10 in 60,000 digits
# EqProp at the issue's [784, 500, 10]: with T = 10 (20 Euler steps) training turned unstable after 7–10
# epochs at every fixed rate tried (η = 0.02: best 0.9672; 0.01: 0.9597; 0.005: 0.9419; 0.05 and up
# saturate every unit at once). With T = 20 — phases closer to the fixed points EqProp's gradient is
# derived at — η = 0.01 climbed steadily (measured: see the report of issue 11).
EQPROP_500 = dict(hidden=(500,), method="eqprop", learning_rate=0.01, beta=1.0, T=20.0)
EQPROP_128 = dict(method="eqprop", learning_rate=0.1, beta=1.0)


def _mnist():
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    return x.reshape(len(x), -1) / 255.0, y.astype(np.int64), xt.reshape(len(xt), -1) / 255.0, yt.astype(np.int64)


def _seed_seconds(X, Y, n_batches: int) -> float:
    w, b = seed.initial_parameters([784, 128, 10], np.random.default_rng(0))
    t0 = time.perf_counter()
    seed.train_epoch(X, Y, w, b, n_batches=n_batches)
    return (time.perf_counter() - t0) / n_batches * EPOCH


def _our_seconds(X, y, n_batches: int, **kw) -> float:
    net = CHL(random_state=0, **kw)
    net.partial_fit(X[:100], y[:100])          # initialise and compile outside the timing
    n = 10 * n_batches
    t0 = time.perf_counter()
    net.partial_fit(X[:n], y[:n])
    return (time.perf_counter() - t0) / n_batches * EPOCH


def bench_epoch_speed(quick: bool = False) -> list[dict]:
    """Seconds per 60k epoch: CHL (float64 and float32) and EqProp against the listing, interleaved, medians."""
    X, y, _, _ = _mnist()
    Y = np.eye(10)[y]
    seed_batches, our_batches = (100, 1000) if quick else (300, 3000)
    runs: dict[str, list[float]] = {"seed": [], "chl64": [], "chl32": [], "eqprop32": [], "random32": []}
    with threadpool_limits(limits=1, user_api="blas"):   # one thread on both sides (10-row products)
        for _ in range(1 if quick else 3):
            runs["seed"].append(_seed_seconds(X, Y, seed_batches))
            runs["chl64"].append(_our_seconds(X, y, our_batches, dtype="float64"))
            runs["chl32"].append(_our_seconds(X, y, our_batches, dtype="float32"))
            runs["random32"].append(_our_seconds(X, y, our_batches, feedback="random"))
            runs["eqprop32"].append(_our_seconds(X, y, our_batches, method="eqprop"))
    med = {k: statistics.median(v) for k, v in runs.items()}
    base = dict(baseline="seed listing float64", baseline_value=med["seed"])
    return [row("chl_epoch", "CHL float64 s/epoch (60k, [784,128,10])", med["chl64"], "s",
                ratio=med["seed"] / med["chl64"], target="≥ 10×", **base),
            row("chl_epoch", "CHL float32 s/epoch", med["chl32"], "s", ratio=med["seed"] / med["chl32"],
                target="≥ 10×", **base),
            row("chl_epoch", "random feedback float32 s/epoch", med["random32"], "s",
                ratio=med["seed"] / med["random32"], **base),
            row("chl_epoch", "EqProp float32 s/epoch", med["eqprop32"], "s", ratio=med["seed"] / med["eqprop32"],
                **base)]


def _accuracy_run(label: str, X, y, Xt, yt, epochs: int, **kw) -> list[dict]:
    net = CHL(random_state=0, **kw)
    t0 = time.perf_counter()
    for _ in range(epochs):
        net.partial_fit(X, y, X_val=Xt, y_val=yt)
        print(f"  {label} epoch {len(net.history_['val_accuracy'])}: {net.history_['val_accuracy'][-1]:.4f} "
              f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    acc = net.history_["val_accuracy"]
    return [row("chl_accuracy", f"{label}: after epoch 1", acc[0], ""),
            row("chl_accuracy", f"{label}: best of {epochs} epochs (epoch {int(np.argmax(acc)) + 1})", max(acc), ""),
            row("chl_accuracy", f"{label}: after epoch {epochs}", acc[-1], "")]


def bench_accuracy(quick: bool = False) -> list[dict]:
    """Test accuracy on the 10k test digits after training on all 60k (targets: issue 11)."""
    X, y, Xt, yt = _mnist()
    rows = _accuracy_run("CHL [784,128,10]", X, y, Xt, yt, 1 if quick else 10)
    rows[0]["target"] = "≥ 0.93"
    rows[1]["target"] = "≥ 0.97 (seed: 0.9675)"
    if quick:
        return rows[:1]
    rows += _accuracy_run("random feedback [784,128,10]", X, y, Xt, yt, 10, feedback="random")
    rows[-2]["target"] = "≥ 0.95"
    rows += _accuracy_run("EqProp [784,128,10] η=0.1 β=1", X, y, Xt, yt, 10, **EQPROP_128)
    rows += _accuracy_run("EqProp [784,500,10] η=0.01 β=1 T=20", X, y, Xt, yt, 25, **EQPROP_500)
    rows[-2]["target"] = "≥ 0.96"
    return rows


def bench_frame_rate(quick: bool = False) -> list[dict]:
    """Frames per second of the window while CHL trains at full speed (target ≥ 20)."""
    from bench_gui import measure_fps
    fps, steps, note, gap = measure_fps("chl", {}, 2.0 if quick else 5.0)
    return [row("chl gui", "CHL on MNIST, all views" + (f" ({note})" if note else ""), fps, "fps",
                baseline="target 20 fps", baseline_value=20, ratio=fps / 20 if fps == fps else None,
                target=f"≥ 20 fps, {steps:.3g} minibatches/frame, worst gap {gap * 1000:.0f} ms")]


BENCHES = [bench_epoch_speed, bench_frame_rate, bench_accuracy]
