"""The SOM / competitive numba kernels against plain numpy references."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.kernels import som as K


# --------------------------------------------------------------------------- numpy references
def positions(rows, cols, hexagonal):
    r, c = np.divmod(np.arange(rows * cols), cols)
    if hexagonal:
        return np.column_stack([c + 0.5 * (r & 1), r * math.sqrt(3) / 2])
    return np.column_stack([c, r]).astype(float)


def offsets_reference(rows, cols, hexagonal, toroidal, bmu):
    """(|dx|, |dy|) from unit bmu to every unit."""
    p = positions(rows, cols, hexagonal)
    d = np.abs(p - p[bmu])
    if toroidal:
        span = np.array([cols, rows * (math.sqrt(3) / 2 if hexagonal else 1.0)])
        d = np.minimum(d, span - d)
    return d


def neighborhood_reference(kind, rows, cols, hexagonal, toroidal, bmu, sigma):
    d = offsets_reference(rows, cols, hexagonal, toroidal, bmu)
    d2 = (d ** 2).sum(axis=1)
    if kind == "bubble":
        inside = d2 <= sigma ** 2 + 1e-9 if hexagonal else d.max(axis=1) <= sigma + 1e-9
        return inside.astype(float)
    g = np.exp(-d2 / (2 * sigma ** 2))
    return g if kind == "gaussian" else (1 - d2 / sigma ** 2) * g


def online_reference(data, order, lrs, sigmas, weights, rows, cols, hexagonal, toroidal, kind):
    w = weights.copy()
    bmus = []
    for s, i in enumerate(order):
        x = data[i]
        bmu = int(np.argmin(((w - x) ** 2).sum(axis=1)))
        bmus.append(bmu)
        h = neighborhood_reference(kind, rows, cols, hexagonal, toroidal, bmu, sigmas[s]) * lrs[s]
        w += h[:, None] * (x - w)
    return w, np.array(bmus)


def umatrix_reference(weights, rows, cols, hexagonal, toroidal):
    out = np.zeros((rows, cols))
    for u in range(rows * cols):
        d = offsets_reference(rows, cols, hexagonal, toroidal, u)
        if hexagonal:
            adjacent = np.abs((d ** 2).sum(axis=1) - 1.0) < 1e-9
        else:
            adjacent = d.max(axis=1) == 1
        dist = np.linalg.norm(weights[adjacent] - weights[u], axis=1)
        out[u // cols, u % cols] = dist.mean()
    return out


def run_online(data, order, lrs, sigmas, weights, rows, cols, hexagonal, toroidal, kind):
    w = weights.copy()
    w_sq = (w ** 2).sum(axis=1)
    n = len(order)
    bmu, second, dist = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    K.som_train_online(data, order, lrs, sigmas, w, w_sq, rows, cols, hexagonal, toroidal,
                       K.NEIGHBORHOOD_CODES[kind], np.empty(rows * cols, np.int64), np.zeros(rows * cols, np.uint8),
                       bmu, second, dist)
    return w, w_sq, bmu, dist


# --------------------------------------------------------------------------- tests
def test_find_neighbors_matches_the_seeds_examples():
    window = np.empty(100, np.int64)
    got = K.neighbors_of(11, 10, 10, False, False, K.BUBBLE, 2.0, window)
    assert got.tolist() == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]
    got = K.neighbors_of(75, 10, 10, False, False, K.BUBBLE, 1.0, window)
    assert got.tolist() == [64, 65, 66, 74, 75, 76, 84, 85, 86]


@pytest.mark.parametrize("kind", ["bubble", "gaussian", "mexican_hat"])
@pytest.mark.parametrize("hexagonal,toroidal", [(False, False), (True, False), (False, True), (True, True)])
def test_online_kernel_equals_numpy_reference(kind, hexagonal, toroidal):
    rng = np.random.default_rng(1)
    rows, cols = 6, 5
    data = rng.normal(size=(40, 3))
    order = rng.integers(0, 40, 25).astype(np.int64)
    lrs = np.linspace(0.5, 0.1, 25)
    # sigmas wide enough for the kernel's window to cover the whole grid: then the kernel
    # applies every unit's exact weight and must equal the dense reference
    sigmas = np.full(25, 3.0) if kind == "bubble" else np.linspace(2.0, 1.5, 25)
    w0 = rng.normal(size=(rows * cols, 3))
    w, w_sq, bmu, dist = run_online(data, order, lrs, sigmas, w0, rows, cols, hexagonal, toroidal, kind)
    w_ref, bmu_ref = online_reference(data, order, lrs, sigmas, w0, rows, cols, hexagonal, toroidal, kind)
    np.testing.assert_allclose(w, w_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(bmu, bmu_ref)
    np.testing.assert_allclose(w_sq, (w ** 2).sum(axis=1), rtol=1e-10)


def test_gaussian_window_drops_only_negligible_weights():
    rng = np.random.default_rng(2)
    rows = cols = 30
    data = rng.normal(size=(50, 4))
    order = np.arange(50, dtype=np.int64)
    lrs = np.full(50, 0.3)
    sigmas = np.full(50, 1.5)     # reach 6.4 units: most of the 30×30 grid lies outside
    w0 = rng.normal(size=(rows * cols, 4))
    w, _, _, _ = run_online(data, order, lrs, sigmas, w0, rows, cols, False, False, "gaussian")
    w_ref, _ = online_reference(data, order, lrs, sigmas, w0, rows, cols, False, False, "gaussian")
    assert np.max(np.abs(w - w_ref)) < 1e-3
    assert not np.allclose(w, w0)


def test_bubble_sigma_zero_updates_only_the_winner():
    data = np.array([[1.0, 1.0]])
    w0 = np.zeros((9, 2))
    w, _, bmu, _ = run_online(data, np.zeros(1, np.int64), np.array([0.5]), np.array([0.0]), w0, 3, 3,
                              False, False, "bubble")
    changed = np.flatnonzero(np.any(w != 0, axis=1))
    assert changed.tolist() == [bmu[0]]
    np.testing.assert_allclose(w[bmu[0]], [0.5, 0.5])


@pytest.mark.parametrize("n_features", [7, 40])     # the direct scan and the BLAS-block path
def test_find_bmus_equals_argsort_of_distances(n_features):
    rng = np.random.default_rng(3)
    data = rng.normal(size=(300, n_features))
    w = rng.normal(size=(48, n_features))
    n = len(data)
    bmu, second, dist = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    K.find_bmus(data, w, (w ** 2).sum(axis=1), bmu, second, dist)
    d = np.linalg.norm(data[:, None, :] - w[None], axis=2)
    ranked = np.argsort(d, axis=1)
    np.testing.assert_array_equal(bmu, ranked[:, 0])
    np.testing.assert_array_equal(second, ranked[:, 1])
    np.testing.assert_allclose(dist, d.min(axis=1), rtol=1e-10)


@pytest.mark.parametrize("hexagonal,toroidal", [(False, False), (True, False), (False, True), (True, True)])
def test_umatrix_equals_numpy_reference(hexagonal, toroidal):
    rng = np.random.default_rng(4)
    rows, cols = 6, 7
    w = rng.normal(size=(rows * cols, 5))
    out = np.empty((rows, cols))
    touched = np.ones(rows * cols, np.uint8)
    edges = np.zeros((rows * cols, 4))
    K.umatrix(w, rows, cols, hexagonal, toroidal, touched, edges, out)
    np.testing.assert_allclose(out, umatrix_reference(w, rows, cols, hexagonal, toroidal), rtol=1e-10)
    assert not touched.any()
    # online updates mark the units they move; the incremental refresh equals a full recomputation
    data = rng.normal(size=(10, 5))
    n = 3
    bmu, second, dist = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    K.som_train_online(data, np.arange(n, dtype=np.int64), np.full(n, 0.5), np.full(n, 1.0), w,
                       (w ** 2).sum(axis=1), rows, cols, hexagonal, toroidal, K.BUBBLE,
                       np.empty(rows * cols, np.int64), touched, bmu, second, dist)
    assert 0 < touched.sum() < rows * cols
    K.umatrix(w, rows, cols, hexagonal, toroidal, touched, edges, out)
    np.testing.assert_allclose(out, umatrix_reference(w, rows, cols, hexagonal, toroidal), rtol=1e-10)


@pytest.mark.parametrize("kind", ["bubble", "gaussian"])
def test_batch_update_equals_numpy_reference(kind):
    rng = np.random.default_rng(5)
    rows, cols, f = 5, 6, 3
    data = rng.normal(size=(80, f))
    w0 = rng.normal(size=(rows * cols, f))
    bmu = np.argmin(((data[:, None] - w0[None]) ** 2).sum(axis=2), axis=1)
    sums, counts = np.zeros_like(w0), np.zeros(rows * cols)
    K.accumulate_hits(data, bmu.astype(np.int64), sums, counts)
    sigma, lr = 2.5, 0.7
    w = w0.copy()
    w_sq = (w ** 2).sum(axis=1)
    K.som_batch_update(sums, counts, w, w_sq, rows, cols, True, False, K.NEIGHBORHOOD_CODES[kind], sigma, lr,
                       np.empty(rows * cols, np.int64), np.empty_like(w), np.empty(rows * cols),
                       np.zeros(rows * cols, np.uint8), 0, 1 << 62)
    num = np.zeros_like(w0)
    den = np.zeros(rows * cols)
    for i, x in enumerate(data):
        h = neighborhood_reference(kind, rows, cols, True, False, bmu[i], sigma)
        num += h[:, None] * x
        den += h
    expected = w0.copy()
    mask = den > 0
    expected[mask] = (1 - lr) * w0[mask] + lr * num[mask] / den[mask, None]
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_sq, (w ** 2).sum(axis=1), rtol=1e-10)


def test_batch_update_in_parts_equals_one_call():
    """Called in parts of a small work budget, the batch rule adds the units in the same order as one
    call: the same prototypes bit for bit, and they change only in the last part."""
    rng = np.random.default_rng(6)
    rows, cols, f = 7, 8, 4
    w0 = rng.normal(size=(rows * cols, f))
    sums, counts = rng.normal(size=(rows * cols, f)), rng.integers(0, 3, rows * cols).astype(np.float64)
    sums[counts == 0] = 0.0

    def run(budget):
        w, w_sq, touched = w0.copy(), (w0 ** 2).sum(axis=1), np.zeros(rows * cols, np.uint8)
        work = np.empty(rows * cols, np.int64), np.empty_like(w), np.empty(rows * cols)
        start, calls = 0, 0
        while start < rows * cols:
            if calls:
                np.testing.assert_array_equal(w, w0)    # untouched until the last part
            start = K.som_batch_update(sums, counts, w, w_sq, rows, cols, False, True, K.GAUSSIAN, 3.0, 0.6,
                                       *work, touched, start, budget)
            calls += 1
        return w, w_sq, touched, calls

    one, parts = run(1 << 62), run(50)
    assert one[3] == 1 and parts[3] > 5
    for a, b in zip(one[:3], parts[:3]):
        np.testing.assert_array_equal(a, b)


def competitive_reference(data, order, lrs, w0, by_activation, conscience, rate):
    w = w0.copy()
    k = len(w)
    p = np.full(k, 1.0 / k)
    winners = []
    for s, i in enumerate(order):
        x = data[i]
        bias = conscience * (1.0 / k - p)
        if by_activation:
            win = int(np.argmax(w @ x + bias))
        else:
            win = int(np.argmin(((w - x) ** 2).sum(axis=1) - bias))
        winners.append(win)
        if rate > 0:
            p += rate * ((np.arange(k) == win) - p)
        w[win] += lrs[s] * (x - w[win])
    return w, np.array(winners), p


@pytest.mark.parametrize("by_activation", [False, True])
@pytest.mark.parametrize("conscience", [0.0, 5.0])
def test_competitive_kernel_equals_numpy_reference(by_activation, conscience):
    rng = np.random.default_rng(6)
    data = rng.random((60, 4))
    order = rng.permutation(60).astype(np.int64)
    lrs = np.full(60, 0.2)
    w0 = rng.random((5, 4))
    rate = 0.05 if conscience else 0.0
    w = w0.copy()
    p = np.full(5, 0.2)
    winners, dist = np.empty(60, np.int64), np.empty(60)
    K.competitive_train_online(data, order, lrs, w, by_activation, conscience, rate, p, winners, dist)
    w_ref, winners_ref, p_ref = competitive_reference(data, order, lrs, w0, by_activation, conscience, rate)
    np.testing.assert_array_equal(winners, winners_ref)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)
    np.testing.assert_allclose(p, p_ref, rtol=1e-12)
