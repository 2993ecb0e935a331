"""engine.patterns: codings, corruption (flip noise, occlusion, masks), overlap and Hamming distance."""
from __future__ import annotations

import numpy as np
import pytest

from engine import patterns as pat


# ----------------------------------------------------------------------------- codings

def test_binary_bipolar_round_trip():
    rng = np.random.default_rng(0)
    b = rng.integers(0, 2, (5, 37)).astype(np.uint8)
    s = pat.to_bipolar(b)
    assert s.dtype == np.int8 and set(np.unique(s)) == {-1, 1}
    np.testing.assert_array_equal(s, 2 * b.astype(int) - 1)
    back = pat.to_binary(s)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, b)
    # already in the target coding: unchanged
    np.testing.assert_array_equal(pat.to_bipolar(s), s)
    np.testing.assert_array_equal(pat.to_binary(b), b)
    # bool and float inputs of the right values work
    np.testing.assert_array_equal(pat.to_bipolar(b.astype(bool)), s)
    np.testing.assert_array_equal(pat.to_binary(s.astype(float)), b)


def test_all_ones_is_decided_by_dtype():
    ones_u8 = np.ones(4, np.uint8)
    ones_i8 = np.ones(4, np.int8)
    assert pat.to_bipolar(ones_u8).tolist() == [1, 1, 1, 1]
    assert pat.to_binary(ones_i8).tolist() == [1, 1, 1, 1]
    # flipping keeps the coding: a binary 1 becomes 0, a bipolar 1 becomes −1
    assert sorted(pat.flip_noise(ones_u8, 0.5, seed=0).tolist()) == [0, 0, 1, 1]
    assert sorted(pat.flip_noise(ones_i8, 0.5, seed=0).tolist()) == [-1, -1, 1, 1]
    assert pat.occlude_rows(ones_u8, (2, 2), 1).tolist() == [1, 1, 0, 0]
    assert pat.occlude_rows(ones_i8, (2, 2), 1).tolist() == [1, 1, -1, -1]


def test_threshold_binarises_real_values_like_the_seeds():
    x = np.array([[0, 3, 255], [0, 0, 1]], np.uint8)  # MNIST pixels; the seeds use x > 0
    np.testing.assert_array_equal(pat.to_bipolar(x, threshold=0), [[-1, 1, 1], [-1, -1, 1]])
    np.testing.assert_array_equal(pat.to_binary(x, threshold=0), [[0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(pat.to_binary([0.2, 0.5, 0.7], threshold=0.5), [0, 0, 1])


def test_is_binary_and_is_bipolar():
    assert pat.is_binary([0, 1, 1]) and not pat.is_bipolar([0, 1, 1])
    assert pat.is_bipolar([-1, 1]) and not pat.is_binary([-1, 1])
    assert not pat.is_binary([]) and not pat.is_bipolar([])
    assert not pat.is_binary([0, 2]) and not pat.is_bipolar([0.5, 1])


@pytest.mark.parametrize("fn", [pat.to_bipolar, pat.to_binary])
@pytest.mark.parametrize("bad,msg", [([0, 2], "x must hold"), ([], "x is empty"), ([1, np.nan], "x contains NaN"),
                                     ("abc", "x must be numeric"), ([[1, 0], [1]], "x must be"),
                                     (None, "x must be numeric")])
def test_coding_bad_inputs(fn, bad, msg):
    with pytest.raises(ValueError, match=msg):
        fn(bad)


@pytest.mark.parametrize("threshold", [np.nan, np.inf, "0", True])
def test_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        pat.to_bipolar([0.1, 0.9], threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        pat.to_binary([0.1, 0.9], threshold=threshold)


# ----------------------------------------------------------------------------- flip noise

@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25, 0.5, 1.0])
def test_flip_noise_flips_exactly_round_f_n(fraction):
    rng = np.random.default_rng(5)
    x = pat.to_bipolar(rng.integers(0, 2, (20, 100)))
    before = x.copy()
    y = pat.flip_noise(x, fraction, seed=1)
    np.testing.assert_array_equal(x, before)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert set(np.unique(y)) <= {-1, 1}
    np.testing.assert_array_equal((x != y).sum(axis=1), round(fraction * 100))


def test_flip_noise_rounds_and_leaves_the_input_alone():
    x = np.zeros(9, np.uint8)
    y = pat.flip_noise(x, 1 / 3, seed=0)
    assert x.sum() == 0, "the input was modified"
    assert y.sum() == 3 and set(np.unique(y)) == {0, 1} and y.dtype == np.uint8
    assert pat.flip_noise(np.ones(10, np.int8), 0.14, seed=0).tolist().count(-1) == round(1.4)


def test_flip_noise_is_seeded():
    x = pat.to_bipolar(np.random.default_rng(0).integers(0, 2, (4, 50)))
    a = pat.flip_noise(x, 0.2, seed=7)
    np.testing.assert_array_equal(a, pat.flip_noise(x, 0.2, seed=7))
    assert not np.array_equal(a, pat.flip_noise(x, 0.2, seed=8))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(pat.flip_noise(x, 0.2, seed=g1), pat.flip_noise(x, 0.2, seed=g2))
    # a Generator advances: a second call gives new noise
    assert not np.array_equal(pat.flip_noise(x, 0.2, seed=g1), pat.flip_noise(x, 0.2, seed=np.random.default_rng(3)))


@pytest.mark.parametrize("n_units", [49, 256, 257, 784, 4096])
def test_flip_noise_and_mask_short_and_long_patterns(n_units):
    # short patterns take a vectorised draw, long ones a per-pattern choice: both exact and seeded
    x = pat.to_bipolar(np.random.default_rng(n_units).integers(0, 2, (3, n_units)))
    k = round(0.3 * n_units)
    y = pat.flip_noise(x, 0.3, seed=2)
    assert (x != y).sum(axis=1).tolist() == [k] * 3
    np.testing.assert_array_equal(y, pat.flip_noise(x, 0.3, seed=2))
    assert len({tuple(np.flatnonzero(r)) for r in (x != y)}) == 3, "each pattern gets its own units"
    m = pat.random_mask(np.ones((3, n_units), np.int8), 0.3, seed=2)
    assert (m == -1).sum(axis=1).tolist() == [k] * 3
    assert (pat.flip_noise(x, 1.0, seed=0) == -x).all()


def test_flip_noise_bool_and_binary():
    x = np.zeros((3, 10), bool)
    y = pat.flip_noise(x, 0.3, seed=0)
    assert y.dtype == bool and y.sum(axis=1).tolist() == [3, 3, 3]
    z = pat.flip_noise(np.ones(10, np.uint8), 0.3, seed=0)
    assert z.tolist().count(0) == 3


@pytest.mark.parametrize("kw,msg", [(dict(fraction=-0.1), "fraction"), (dict(fraction=1.5), "fraction"),
                                    (dict(fraction=np.nan), "fraction"), (dict(fraction="0.1"), "fraction"),
                                    (dict(fraction=True), "fraction"), (dict(seed=-1), "seed"),
                                    (dict(seed="a"), "seed"), (dict(seed=1.5), "seed")])
def test_flip_noise_bad_arguments(kw, msg):
    args = dict(x=np.ones(10, np.int8), fraction=0.1, seed=0)
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        pat.flip_noise(**args)


def test_flip_noise_refuses_real_values():
    with pytest.raises(ValueError, match="x must hold 0/1 or ±1"):
        pat.flip_noise(np.array([0.3, 0.7]), 0.5, seed=0)


# ----------------------------------------------------------------------------- occlusion and masks

def test_occlusion_blanks_rows_18_to_27_like_the_seeds():
    rng = np.random.default_rng(2)
    img = pat.to_bipolar(rng.integers(0, 2, 784))
    out = pat.occlude_rows(img, (28, 28), 18)
    # the seeds: p.reshape(28, 28)[18:, :] = -1
    expected = img.copy()
    expected.reshape(28, 28)[18:, :] = -1
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int8 and out.shape == (784,)
    assert (img.reshape(28, 28)[18:] == 1).any(), "input must be left untouched"
    grid = out.reshape(28, 28)
    assert (grid[18:] == -1).all()
    np.testing.assert_array_equal(grid[:18], img.reshape(28, 28)[:18])


def test_occlusion_binary_stacks_and_value():
    x = np.ones((3, 12), np.uint8)
    out = pat.occlude_rows(x, (3, 4), 2)
    assert out.shape == (3, 12) and (out[:, 8:] == 0).all() and (out[:, :8] == 1).all()
    np.testing.assert_array_equal(pat.occlude_rows(x, (3, 4), 3), x)  # nothing below the last row
    assert (pat.occlude_rows(x, (3, 4), 0) == 0).all()
    real = np.full(4, 0.5)
    np.testing.assert_array_equal(pat.occlude_rows(real, (2, 2), 1, value=0.0), [0.5, 0.5, 0, 0])
    s = pat.occlude_rows(np.full(4, -1, np.int8), (2, 2), 1, value=1)
    assert s.tolist() == [-1, -1, 1, 1]


@pytest.mark.parametrize("kw,msg", [(dict(shape=(27, 28)), "784 values per pattern"), (dict(start_row=29), "start_row"),
                                    (dict(start_row=-1), "start_row"), (dict(start_row=2.0), "start_row"),
                                    (dict(shape=(28,)), "shape"), (dict(shape=(28.0, 28)), "shape"),
                                    (dict(shape=(0, 784)), "shape"), (dict(shape="28x28"), "shape"),
                                    (dict(value=300), "value"), (dict(value=np.nan), "value"),
                                    (dict(x=np.full(784, 0.5)), "x must hold"), (dict(x=[]), "x is empty")])
def test_occlusion_bad_arguments(kw, msg):
    args = dict(x=np.ones(784, np.int8), shape=(28, 28), start_row=18)
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        pat.occlude_rows(**args)


def test_random_mask_counts_values_and_seed():
    x = np.ones((5, 40), np.int8)
    m = pat.random_mask(x, 0.25, seed=4)
    assert (m == -1).sum(axis=1).tolist() == [10] * 5 and m.dtype == np.int8
    np.testing.assert_array_equal(m, pat.random_mask(x, 0.25, seed=4))
    assert not np.array_equal(m, pat.random_mask(x, 0.25, seed=5))
    b = pat.random_mask(np.ones(40, np.uint8), 0.5, seed=0)
    assert b.sum() == 20 and b.dtype == np.uint8
    v = pat.random_mask(np.full(40, -1, np.int8), 0.1, seed=0, value=1)
    assert (v == 1).sum() == 4
    assert (x == 1).all(), "input must be left untouched"
    # masks differ between patterns of a stack (each gets its own units)
    assert len({tuple(np.flatnonzero(r == -1)) for r in m}) > 1


@pytest.mark.parametrize("kw,msg", [(dict(fraction=2), "fraction"), (dict(seed=-3), "seed"),
                                    (dict(value=-1, x=np.ones(8, np.uint8)), "value"),
                                    (dict(value="off"), "value"), (dict(x=np.full(8, 0.3)), "x must hold")])
def test_random_mask_bad_arguments(kw, msg):
    args = dict(x=np.ones(8, np.int8), fraction=0.5, seed=0)
    args.update(kw)
    with pytest.raises(ValueError, match=msg):
        pat.random_mask(**args)


# ----------------------------------------------------------------------------- overlap and Hamming

def test_overlap_and_hamming_hand_examples():
    a = np.array([1, -1, 1, -1])
    b = np.array([1, 1, 1, 1])
    assert pat.overlap(a, a) == 1.0
    assert pat.overlap(a, -a) == -1.0
    assert pat.overlap(a, b) == 0.0
    assert pat.hamming(a, b) == 2 and isinstance(pat.hamming(a, b), int)
    assert pat.hamming(a, -a) == 4
    # binary inputs are compared as bipolar: [1,0,1,1] vs [1,1,1,0] differ in 2 of 4 units
    assert pat.hamming([1, 0, 1, 1], [1, 1, 1, 0]) == 2
    assert pat.overlap([1, 0, 1, 1], [1, 1, 1, 0]) == 0.0
    # the seeds' T and its corrupted version (seed 000, 10.Boltzmann.py): one unit differs
    t = [1, 1, 1, 0, 1, 0, 0, 1, 0]
    t_corrupt = [1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert pat.hamming(t, t_corrupt) == 1
    assert pat.overlap(t, t_corrupt) == pytest.approx(7 / 9)


def test_overlap_and_hamming_shapes():
    stored = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [-1, -1, -1, -1]], np.int8)
    probe = np.array([1, 1, 1, -1], np.int8)
    np.testing.assert_allclose(pat.overlap(probe, stored), [0.5, 0.5, -0.5])
    np.testing.assert_array_equal(pat.hamming(probe, stored), [1, 1, 3])
    np.testing.assert_allclose(pat.overlap(stored, probe), [0.5, 0.5, -0.5])
    np.testing.assert_array_equal(pat.hamming(stored, probe), [1, 1, 3])
    h = pat.hamming(stored, stored)
    assert h.shape == (3, 3)
    np.testing.assert_array_equal(h, [[0, 2, 4], [2, 0, 2], [4, 2, 0]])
    np.testing.assert_allclose(pat.overlap(stored, stored), 1 - 2 * h / 4)


def test_hamming_matches_a_plain_count_on_random_stacks():
    rng = np.random.default_rng(9)
    a = pat.to_bipolar(rng.integers(0, 2, (6, 101)))
    b = pat.to_bipolar(rng.integers(0, 2, (4, 101)))
    expected = (a[:, None, :] != b[None, :, :]).sum(-1)
    np.testing.assert_array_equal(pat.hamming(a, b), expected)
    np.testing.assert_allclose(pat.overlap(a, b), (a[:, None, :] * b[None, :, :]).mean(-1))


@pytest.mark.parametrize("fn", [pat.overlap, pat.hamming])
def test_overlap_hamming_bad_inputs_name_the_argument(fn):
    with pytest.raises(ValueError, match=r"a has 3 units per pattern but b has 4"):
        fn([1, 1, 1], [1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"^a must hold"):
        fn([0.5, 1], [1, 1])
    with pytest.raises(ValueError, match=r"^b must hold"):
        fn([1, 1], [2, 1])
    with pytest.raises(ValueError, match=r"^b contains NaN"):
        fn([1, 1], [np.nan, 1])
    with pytest.raises(ValueError, match=r"^a is empty"):
        fn([], [1])
    with pytest.raises(ValueError, match=r"^a must be one pattern"):
        fn(np.ones((2, 2, 2)), np.ones(2))
