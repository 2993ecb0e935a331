"""The CHL settling kernel and its vectorised sigmoid against their plain numpy references."""
from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import chl as kernels


def test_sigmoid_matches_numpy_to_the_last_bits():
    u = np.concatenate([np.linspace(-700, 700, 200001), [0.0, -0.0, 1e-300, 36.7, -745.0, 800.0, -800.0]])
    got = u.copy()
    kernels.sigmoid_inplace(got, got.size, np.empty(got.size, np.int64))
    with np.errstate(over="ignore"):
        ref = kernels.sigmoid_reference(u)
    inside = np.abs(u) <= 700
    assert np.max(np.abs(got[inside] - ref[inside]) / ref[inside]) < 1e-15
    assert got[-1] == pytest.approx(0.0, abs=1e-300) and got[-2] == 1.0    # clipped, never inf or NaN


def _network(rng, sizes, batch, scale):
    W = [rng.normal(0, scale, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bias = [rng.normal(0, scale, b) for b in sizes[1:]]
    X = rng.random((batch, sizes[0]))
    target = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return W, bias, X, target


# two and three weight layers above the input's: one compiled signature each (per dtype)
@pytest.mark.parametrize("sizes", [(7, 5, 3), (9, 6, 4, 3)])
@pytest.mark.parametrize("phase,dtype", [(ph, np.float64) for ph in ("free", "clamped", "nudged", "tanh", "random")]
                         + [("free", np.float32), ("clamped", np.float32)])
def test_settle_matches_numpy_reference(sizes, phase, dtype):
    rng = np.random.default_rng(len(sizes))
    W, bias, X, target = _network(rng, sizes, 6, 0.8)
    drive = (X @ W[0] + bias[0]).astype(dtype)
    upper = tuple(np.ascontiguousarray(w.T, dtype=dtype) for w in W[1:])
    feedback = (tuple(rng.uniform(-1, 1, w.shape).astype(dtype) for w in upper) if phase == "random" else upper)
    biases = tuple(b.astype(dtype) for b in bias[1:])
    target = target.astype(dtype)
    start = [rng.random((6, n)).astype(dtype) for n in sizes[1:]]
    clamp = phase == "clamped"
    if clamp:
        start[-1] = target.copy()
    beta = 0.7 if phase == "nudged" else 0.0
    ours, ref = tuple(s.copy() for s in start), [s.astype(np.float64) for s in start]
    args = (0.5, 0.3, 12, clamp, beta)
    kernels.settle(drive, ours, upper, biases, feedback, *args, target, phase == "tanh")
    kernels.settle_reference(drive.astype(np.float64), ref, [u.astype(np.float64) for u in upper],
                             [b.astype(np.float64) for b in biases], [f.astype(np.float64) for f in feedback],
                             *args, target.astype(np.float64), phase == "tanh")
    tol = 1e-13 if dtype == np.float64 else 2e-5
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)
    if clamp:
        np.testing.assert_array_equal(ours[-1], target)   # the clamped layer never moves


@pytest.mark.parametrize("case", ["chl", "random", "eqprop", "tanh-short-batch"])
def test_train_matches_numpy_reference(case):
    """The whole training loop (both phases, the step, sparse inputs, a short last minibatch)."""
    rng = np.random.default_rng(3)
    sizes = (12, 7, 5, 4)
    W, bias, X, _ = _network(rng, sizes, 23, 0.6)
    X[X < 0.5] = 0.0                                   # zeros the kernel skips
    targets = np.eye(4)[rng.integers(0, 4, 23)]
    order = rng.permutation(23)
    feedback = tuple(rng.uniform(-1, 1, (b, a)) for a, b in zip(sizes[1:-1], sizes[2:])) if case == "random" else None
    eqprop, tanh = case == "eqprop", case.startswith("tanh")
    bs = 5 if tanh else 6                               # 23 rows: a short last minibatch either way
    ours_w, ours_b = [w.copy() for w in W], [b.copy() for b in bias]
    upper = tuple(np.ascontiguousarray(w.T) for w in ours_w[1:])
    n_batches = -(-23 // bs)
    losses, signals = np.empty(n_batches), np.empty(n_batches)
    free = tuple(np.empty((bs, n)) for n in sizes[1:])
    second = tuple(np.empty_like(a) for a in free)
    rows = kernels.train(X, targets, order, bs, tuple(ours_w), tuple(ours_b), upper, tuple(ours_b[1:]),
                         upper if feedback is None else feedback, 0.5, 0.5, 8, eqprop, 0.7, 0.05, tanh,
                         losses, signals, free, second)
    ref_w, ref_b = [w.copy() for w in W], [b.copy() for b in bias]
    ref_losses, ref_signals = kernels.train_reference(X, targets, order, bs, ref_w, ref_b, feedback, 0.5, 0.5, 8,
                                                      eqprop, 0.7, 0.05, tanh)
    assert rows == 23 - (n_batches - 1) * bs
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-12)
    np.testing.assert_allclose(signals, ref_signals, rtol=1e-12)
    for a, b in zip(ours_w + ours_b, ref_w + ref_b):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    for w, wt in zip(ours_w[1:], upper):
        np.testing.assert_array_equal(wt, w.T)          # the transposed copies kept in step
