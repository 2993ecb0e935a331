"""The RBM's Bernoulli kernel against its plain numpy reference, drawing through engine.kernels.random."""
from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import rbm as kernels
from engine.kernels.random import next_u64_reference, seed_state


@pytest.mark.parametrize("dtype,shape", [(np.float32, (7, 13)), (np.float64, (4, 5)), (np.float32, (1, 1)),
                                         (np.float64, (3,))])
def test_bernoulli_kernel_matches_numpy_reference(dtype, shape):
    prob = np.random.default_rng(0).random(shape).astype(dtype)
    state = seed_state(42)
    ref_state = state.copy()
    sample = np.empty_like(prob)
    kernels.bernoulli(prob, sample, state)
    np.testing.assert_array_equal(sample, kernels.bernoulli_reference(prob, ref_state))
    np.testing.assert_array_equal(state, ref_state)  # both advanced the generator alike


def test_codes_are_two_24_bit_halves_of_each_house_generator_output():
    state = seed_state(3)
    x = next_u64_reference(state.copy())
    codes = kernels.uniform_codes_reference(state, 3)
    assert codes[0] == x >> 40 and codes[1] == (x >> 16) & 0xFFFFFF
    assert codes.max() < 2 ** 24


def test_bernoulli_kernel_is_seeded_and_unbiased():
    prob = np.full((200, 500), 0.3, np.float32)
    out = []
    for _ in range(2):
        s = np.empty_like(prob)
        kernels.bernoulli(prob, s, seed_state(7))
        out.append(s)
    np.testing.assert_array_equal(out[0], out[1])
    assert out[0].mean() == pytest.approx(0.3, abs=0.005)
    s = np.empty_like(prob)
    kernels.bernoulli(prob, s, seed_state(8))
    assert not np.array_equal(s, out[0])
    # in place (sample is prob) works too, and p = 0 / 1 give 0 / 1 exactly
    edge = np.array([0.0, 1.0, 0.0, 1.0, 1.0], np.float32)
    kernels.bernoulli(edge, edge, seed_state(1))
    np.testing.assert_array_equal(edge, [0, 1, 0, 1, 1])


def test_sigmoid_inplace_matches_reference():
    x = np.linspace(-30, 30, 60).reshape(3, 20)
    bias = np.linspace(-1, 1, 20)
    expected = 1 / (1 + np.exp(-0.7 * (x + bias)))
    np.testing.assert_allclose(kernels.sigmoid_inplace(x.copy(), bias, 0.7), expected, rtol=1e-12)
