"""The numba kernels of engine/kernels/dense.py against plain numpy references (the recall replays
the kernels' xoshiro256** stream with engine.kernels.random's ``*_reference`` functions)."""
import numpy as np
import pytest

from engine.kernels import dense as K
from engine.kernels import random as R


def classifier_problem(seed=0, K_=7, B=13, n_feat=20, nc=4):
    rng = np.random.default_rng(seed)
    mem = rng.uniform(-1, 1, (K_, n_feat + nc))
    V = np.where(rng.random((B, n_feat)) < 0.4, 1.0, -1.0)
    h = mem[:, :n_feat] @ V.T
    C = np.ascontiguousarray(mem[:, n_feat:])
    return h, C.sum(axis=1), C, rng


@pytest.mark.parametrize("power,B", [(2, 13), (3, 13), (20, 13), (3, 2 * K.BLOCK + 9)])
def test_scores_and_gradient_match_numpy(power, B):
    """B = 13: one partial SIMD block; 2·BLOCK + 9: whole blocks and a ragged one, split into parts that
    cut through blocks."""
    h, S, C, rng = classifier_problem(B=B)
    T = 3.0
    B, nc = h.shape[1], C.shape[1]
    score = np.empty((B, nc))
    K.dam_scores(h, S, C, T, power, score)
    ref_score, ref_P = K.dam_scores_reference(h, S, C, T, power)
    np.testing.assert_allclose(score, ref_score, rtol=1e-12, atol=1e-300)
    targets = rng.integers(0, nc, B)
    m = 3
    out = np.tanh(ref_score)
    t = np.where(np.arange(nc)[None, :] == targets[:, None], 1.0, -1.0)
    w = 2.0 * m * (out - t) ** (2 * m - 1) * (1.0 - out * out)
    ref_G, ref_g = K.dam_gradient_reference(ref_P, w, T, power)
    for parts in (1, 3, 7, B + 2):    # any split of the samples (more parts than samples too)
        score2, G, g = np.empty((B, nc)), np.empty((h.shape[0], B)), np.empty((parts, h.shape[0], nc))
        K.dam_batch_gradient(h, S, C, targets, T, power, m, score2, G, g)
        np.testing.assert_array_equal(score2, score)   # training sees the scores prediction gives
        np.testing.assert_allclose(G, ref_G, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g.sum(axis=0), ref_g, rtol=1e-10, atol=1e-12)


def test_powers_are_powi_bit_for_bit():
    """The SIMD powers of the classifier kernels give powi's bits (the notebook-equality tests rest on it)."""
    x = np.random.default_rng(5).normal(0.0, 2.0, 77)
    for k in (1, 2, 19, 59):
        out, scratch = np.empty_like(x), np.empty_like(x)
        K._powers(x, x.size, k, out, scratch)
        np.testing.assert_array_equal(out, [K.powi(v, k) if v > 0 else 0.0 for v in x])


def test_bipolar_rows_gathers_and_maps_to_plus_minus_one():
    rng = np.random.default_rng(6)
    images = rng.integers(0, 256, (40, 784), dtype=np.uint8)
    rows = rng.permutation(40)[:17]
    out = np.empty((17, 784))
    K.bipolar_rows(images, rows, out)
    np.testing.assert_array_equal(out, K.bipolar_rows_reference(images, rows))
    assert out.min() >= -1.0 and out.max() <= 1.0


def recall_reference(xi, state, power, kind, max_sweeps, rng_state):
    """Eq. (4) unit by unit from scratch (O(NK) per unit), in the kernel's random orders."""
    state = state.copy()
    order = np.arange(state.size)
    for sweep in range(max_sweeps):
        R.shuffle_reference(order, rng_state)
        changed = False
        for i in order:
            d = K.unit_drive_reference(xi, state, i, power, kind)
            new = 1 if d > 0 else -1 if d < 0 else state[i]
            changed |= new != state[i]
            state[i] = new
        if not changed:
            return state, sweep + 1, True
    return state, max_sweeps, False


@pytest.mark.parametrize("kind,power", [(K.KIND_POLYNOMIAL, 2), (K.KIND_POLYNOMIAL, 3), (K.KIND_RECTIFIED, 4),
                                        (K.KIND_EXPONENTIAL, 1)])
def test_recall_matches_reference(kind, power):
    rng = np.random.default_rng(kind * 10 + power)
    N, K_, B = 24, 9, 5
    xi = np.where(rng.random((K_, N)) < 0.5, 1, -1).astype(np.int8)
    probes = np.where(rng.random((B, N)) < 0.5, 1, -1).astype(np.int8)
    states = probes.copy()
    seeds = R.seed_states(7, B)
    n_sweeps, converged = np.zeros(B, np.int64), np.zeros(B, np.bool_)
    K.recall_batch(np.ascontiguousarray(xi.T), states, power, kind, 20, seeds.copy(), n_sweeps, converged)
    fixed = np.zeros(B, np.bool_)
    K.fixed_points(np.ascontiguousarray(xi.T), states, power, kind, fixed)
    for b in range(B):
        ref, done, ok = recall_reference(xi, probes[b], power, kind, 20, seeds[b].copy())
        np.testing.assert_array_equal(states[b], ref)
        assert (n_sweeps[b], converged[b]) == (done, ok)
        assert fixed[b] == ok


def test_incremental_drive_equals_from_scratch():
    rng = np.random.default_rng(3)
    xi = np.where(rng.random((11, 30)) < 0.5, 1, -1).astype(np.int8)
    s = np.where(rng.random(30) < 0.5, 1, -1).astype(np.int8)
    m = np.empty(11, np.int64)
    K.compute_overlaps(np.ascontiguousarray(xi.T), s, m)
    np.testing.assert_array_equal(m, xi.astype(np.int64) @ s)
    for kind, power in ((K.KIND_POLYNOMIAL, 5), (K.KIND_EXPONENTIAL, 1)):
        for i in range(30):
            got = K.unit_drive(np.ascontiguousarray(xi.T), m, s, i, power, kind)
            assert got == pytest.approx(K.unit_drive_reference(xi, s, i, power, kind), rel=1e-12)
