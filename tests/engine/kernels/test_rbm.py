"""The RBM kernels (fused σ + Bernoulli pass, momentum step, fast exp) against their plain numpy
references, drawing through engine.kernels.random."""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from engine.kernels import rbm as kernels
from engine.kernels.random import next_u64_reference, seed_state

NONE = {np.float32: np.empty((0, 0), np.float32), np.float64: np.empty((0, 0), np.float64)}


@njit
def _exp_all(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = kernels.fast_exp(x[i])
    return out


@pytest.mark.parametrize("dtype,lo,hi,ulps", [(np.float32, -87.0, 88.0, 3), (np.float64, -708.0, 709.0, 2)])
def test_fast_exp_is_within_a_few_ulp_of_numpy(dtype, lo, hi, ulps):
    x = np.concatenate([np.linspace(lo, hi, 100001), np.linspace(-1, 1, 10001)]).astype(dtype)
    got, want = _exp_all(x), np.exp(x)
    assert got.dtype == dtype
    assert np.max(np.abs(got - want) / np.spacing(want)) <= ulps
    # past the clamp σ's argument is saturated: exp stays finite and positive, never inf / NaN
    far = _exp_all(np.array([-1e4, 1e4], dtype))
    assert np.all(np.isfinite(far)) and np.all(far > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7, 13), (4, 6), (1, 1), (3, 1)])
def test_sigmoid_sample_matches_the_numpy_reference(dtype, shape):
    rng = np.random.default_rng(0)
    act = (4 * rng.standard_normal(shape)).astype(dtype)
    bias = rng.standard_normal(shape[1]).astype(dtype)
    target = rng.random(shape).astype(dtype)
    state, ref_state = seed_state(42), seed_state(42)
    got, sample, sq_err = act.copy(), np.empty_like(act), np.zeros(shape[1])
    kernels.sigmoid_sample(got, bias, 0.7, sample, state, -0.25, target, sq_err)
    want, want_sample, want_err = kernels.sigmoid_sample_reference(act, bias, 0.7, ref_state, -0.25, target)
    ulp = np.spacing(np.abs(want).astype(dtype))
    assert np.all(np.abs(got - want) <= 4 * ulp)
    np.testing.assert_array_equal(sample, want_sample)  # odd widths: the spare code carries across rows
    np.testing.assert_array_equal(state, ref_state)  # both advanced the generator alike
    np.testing.assert_allclose(sq_err, want_err, rtol=1e-5 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_sample_without_draw_or_target_leaves_the_stream_alone(dtype):
    act = np.linspace(-5, 5, 12, dtype=dtype).reshape(3, 4)
    state = seed_state(1)
    before = state.copy()
    sq_err = np.zeros(4)
    got = act.copy()
    kernels.sigmoid_sample(got, np.zeros(4, dtype), 1.0, NONE[dtype], state, 1.0, NONE[dtype], sq_err)
    np.testing.assert_array_equal(state, before)
    np.testing.assert_array_equal(sq_err, 0.0)
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-act)), rtol=4 * np.finfo(dtype).eps)


def test_codes_are_two_24_bit_halves_of_each_house_generator_output():
    state = seed_state(3)
    x = next_u64_reference(state.copy())
    codes = kernels.uniform_codes_reference(state, 3)
    assert codes[0] == x >> 40 and codes[1] == (x >> 16) & 0xFFFFFF
    assert codes.max() < 2 ** 24


def test_samples_are_seeded_unbiased_and_exact_at_zero_and_one():
    act = np.zeros((200, 500), np.float32)  # σ(logit 0.3) = 0.3
    bias = np.full(500, np.log(0.3 / 0.7), np.float32)
    out = []
    for seed in (7, 7, 8):
        s = np.empty_like(act)
        kernels.sigmoid_sample(act.copy(), bias, 1.0, s, seed_state(seed), 1.0, NONE[np.float32], np.zeros(500))
        out.append(s)
    np.testing.assert_array_equal(out[0], out[1])
    assert not np.array_equal(out[0], out[2])
    assert out[0].mean() == pytest.approx(0.3, abs=0.005)
    edge = np.array([[-200.0, 200.0, -200.0, 200.0, 200.0]], np.float32)  # σ = 0 or 1 to float32
    s = np.empty_like(edge)
    kernels.sigmoid_sample(edge, np.zeros(5, np.float32), 1.0, s, seed_state(1), 1.0, NONE[np.float32], np.zeros(5))
    np.testing.assert_array_equal(s, [[0, 1, 0, 1, 1]])


@pytest.mark.parametrize("momentum", [0.9, 0.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_momentum_step_matches_reference(dtype, momentum):
    rng = np.random.default_rng(1)
    param, vel, grad = (rng.standard_normal((5, 3)).astype(dtype) for _ in range(3))
    p2, v2 = param.copy(), vel.copy()
    kernels.momentum_step(param, vel, grad, momentum, 0.01)
    kernels.momentum_step_reference(p2, v2, grad, momentum, 0.01)
    tol = dict(rtol=1e-5 if dtype == np.float32 else 1e-14)
    np.testing.assert_allclose(vel, v2, **tol)
    np.testing.assert_allclose(param, p2, **tol)


def _sparse_rows(rng, shape, density, dtype, binary):
    """Rows with about ``density`` nonzeros (values in (0, 1], or exactly 1 when binary), plus an
    empty row and an all-ones row (the edge cases of the index lists)."""
    v = np.where(rng.random(shape) < density, 1.0 if binary else rng.random(shape) + 1e-3, 0.0)
    v[0] = 0.0
    v[-1] = 1.0
    return v.astype(dtype)


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("density", [0.0, 0.15, 0.5, 1.0])
def test_sparse_products_equal_the_dense_numpy_ones(density, dtype, binary):
    rng = np.random.default_rng(3)
    v0 = _sparse_rows(rng, (9, 13), density, dtype, binary)  # 13 columns: rows of odd lengths, 4-unroll tails
    v1 = _sparse_rows(rng, (6, 13), density, dtype, binary)
    W = rng.standard_normal((13, 7)).astype(dtype)
    n = len(v0) + len(v1)
    idx, ptr, vals = np.empty(n * 13, np.int32), np.zeros(n + 1, np.int64), np.empty(n * 13, dtype)
    assert kernels.nonzero_rows(v0, 0, idx, ptr, vals) == np.count_nonzero(v0)
    assert kernels.nonzero_rows(v1, len(v0), idx, ptr, vals) == np.count_nonzero(v1)  # appended rows
    out = np.full((len(v1), 7), np.nan, dtype)  # the kernel overwrites, it does not add
    kernels.sparse_rows_dot(idx, ptr, vals, len(v0), W, out)
    tol = dict(rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(out, v1 @ W, **tol)
    # the gradient's product: vᵀ·H over the same index lists, transposed
    v, H = np.vstack([v0, v1]), rng.random((n, 7)).astype(dtype)
    idx_t, ptr_t, vals_t = np.empty(n * 13, np.int32), np.empty(14, np.int64), np.empty(n * 13, dtype)
    kernels.transpose_rows(idx, ptr, vals, n, 13, idx_t, ptr_t, vals_t)
    assert ptr_t[0] == 0 and ptr_t[-1] == np.count_nonzero(v)
    grad = np.full((13, 7), np.nan, dtype)
    kernels.sparse_rows_dot(idx_t, ptr_t, vals_t, 0, H, grad)
    np.testing.assert_allclose(grad, v.T @ H, **tol)
    assert out.dtype == grad.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_parallel_kernels_give_the_one_thread_numbers_at_any_split(dtype):
    # each output element is one thread's, summed in one order: 2 or 3 parts (uneven blocks of
    # columns, or of W's rows) give exactly the numbers of one
    rng = np.random.default_rng(5)
    v = _sparse_rows(rng, (40, 90), 0.2, dtype, binary=False)
    W = rng.standard_normal((90, 200)).astype(dtype)
    idx, ptr, vals = np.empty(v.size, np.int32), np.zeros(41, np.int64), np.empty(v.size, dtype)
    kernels.nonzero_rows(v, 0, idx, ptr, vals)
    h = (rng.random((40, 200)) < 0.4).astype(dtype)
    products, steps = [], []
    for threads in (1, 2, 3):
        out, pre_v = np.full((40, 200), np.nan, dtype), np.full((40, 90), np.nan, dtype)
        kernels.sparse_rows_dot(idx, ptr, vals, 0, W, out, threads)
        kernels.times_transposed(h, W, pre_v, threads)
        dense, grad = np.full((40, 200), np.nan, dtype), np.full((90, 200), np.nan, dtype)
        kernels.times(v, W, dense, threads)   # the products' dense forms, for rows too dense to list
        kernels.transposed_times(v, h, grad, threads)
        products.append((out, pre_v, dense, grad))
        param, vel = np.ones(40000, dtype), np.full(40000, 0.5, dtype)
        kernels.momentum_step(param, vel, np.linspace(-1, 1, 40000).astype(dtype), 0.9, 0.01, threads)
        steps.append((param, vel))
    tol = dict(rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(products[0][0], v @ W, **tol)
    np.testing.assert_allclose(products[0][1], h @ W.T, **tol)
    np.testing.assert_allclose(products[0][2], v @ W, **tol)
    np.testing.assert_allclose(products[0][3], v.T @ h, **tol)
    for other in products[1:]:
        for got, first in zip(other, products[0]):
            np.testing.assert_array_equal(got, first)
    for other in steps[1:]:
        np.testing.assert_array_equal(other[0], steps[0][0])
        np.testing.assert_array_equal(other[1], steps[0][1])
    p2, v2 = np.ones(40000, dtype), np.full(40000, 0.5, dtype)
    kernels.momentum_step_reference(p2, v2, np.linspace(-1, 1, 40000).astype(dtype), 0.9, 0.01)
    np.testing.assert_allclose(steps[1][0], p2, rtol=1e-6 if dtype == np.float32 else 1e-14)
    # the update with the gradient computed inside it: the product, then the step, to the bit
    start = rng.standard_normal((90, 200)).astype(dtype)
    vel0 = rng.standard_normal((90, 200)).astype(dtype)
    v_t = np.ascontiguousarray(v.T)   # the gradient's product runs over vᵀ's compressed rows
    idx_t, ptr_t, vals_t = np.empty(v.size, np.int32), np.zeros(91, np.int64), np.empty(v.size, dtype)
    kernels.nonzero_rows(v_t, 0, idx_t, ptr_t, vals_t)
    H = rng.random((40, 200)).astype(dtype)
    grad = np.empty((90, 200), dtype)
    kernels.sparse_rows_dot(idx_t, ptr_t, vals_t, 0, H, grad)
    expected_p, expected_v = start.copy(), vel0.copy()
    kernels.momentum_step(expected_p, expected_v, grad, 0.5, 0.001)
    for threads in (1, 2, 3):
        param, vel = start.copy(), vel0.copy()
        kernels.sparse_rows_dot_update(idx_t, ptr_t, vals_t, H, param, vel, 0.5, 0.001, threads)
        np.testing.assert_array_equal(param, expected_p)
        np.testing.assert_array_equal(vel, expected_v)


def test_compressed_rows_list_each_rows_columns_in_order():
    v = np.array([[0, 0.5, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], np.float32)
    idx, ptr, vals = np.empty(12, np.int32), np.zeros(4, np.int64), np.empty(12, np.float32)
    kernels.nonzero_rows(v, 0, idx, ptr, vals)
    np.testing.assert_array_equal(ptr, [0, 2, 2, 6])
    np.testing.assert_array_equal(idx[:6], [1, 3, 0, 1, 2, 3])
    np.testing.assert_array_equal(vals[:6], [0.5, 1, 1, 1, 1, 1])
    idx_t, ptr_t, vals_t = np.empty(12, np.int32), np.empty(5, np.int64), np.empty(12, np.float32)
    kernels.transpose_rows(idx, ptr, vals, 3, 4, idx_t, ptr_t, vals_t)
    np.testing.assert_array_equal(ptr_t, [0, 1, 3, 4, 6])  # column j's rows, ascending
    np.testing.assert_array_equal(idx_t[:6], [2, 0, 2, 2, 0, 2])
    np.testing.assert_array_equal(vals_t[:6], [1, 0.5, 1, 1, 1, 1])


def test_compressed_rows_that_do_not_fit_say_so_and_so_do_rows_appended_after_them():
    v = np.ones((2, 4), np.float32)
    idx, ptr, vals = np.empty(5, np.int32), np.zeros(5, np.int64), np.empty(5, np.float32)
    assert kernels.nonzero_rows(v, 0, idx, ptr, vals) == -1  # 8 nonzeros, room for 5
    assert ptr[2] == 6  # past any real count: the caller's density check then takes BLAS
    assert kernels.nonzero_rows(np.zeros((2, 4), np.float32), 2, idx, ptr, vals) == -1
    assert ptr[4] == 6
    assert kernels.nonzero_rows(v[:1], 0, idx, ptr, vals) == 4  # a fresh start fits again
    np.testing.assert_array_equal(ptr[:2], [0, 4])
