"""The kernels' one generator (engine/kernels/random.py): numba functions against their references,
seeding, bounded draws and the shuffle."""
import numpy as np
import pytest
from numba import njit

from engine.kernels import random as R

N_DRAWS = 3000


# njit wrappers that draw many numbers in one call, as a kernel does
@njit
def _draws_u64(state, n):
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = R.next_u64(state)
    return out


@njit
def _draws_uniform(state, n):
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = R.uniform(state)
    return out


@njit
def _draws_below(state, bounds):
    out = np.empty(bounds.shape[0], dtype=np.int64)
    for i in range(bounds.shape[0]):
        out[i] = R.below(state, bounds[i])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2**63 - 1])
def test_next_u64_matches_reference(seed):
    a, b = R.seed_state(seed), R.seed_state(seed)
    got = _draws_u64(a, N_DRAWS)
    want = [R.next_u64_reference(b) for _ in range(N_DRAWS)]
    assert got.tolist() == want
    assert np.array_equal(a, b)  # both advanced the state alike


def test_uniform_matches_reference_and_lies_in_unit_interval():
    a, b = R.seed_state(7), R.seed_state(7)
    got = _draws_uniform(a, N_DRAWS)
    want = np.array([R.uniform_reference(b) for _ in range(N_DRAWS)])
    assert np.array_equal(got, want)
    assert got.min() >= 0.0 and got.max() < 1.0
    assert abs(got.mean() - 0.5) < 0.03


def test_below_matches_reference_and_stays_in_range():
    bounds = np.random.default_rng(0).integers(1, 2**32 - 1, N_DRAWS)
    bounds[:10] = [1, 2, 3, 7, 2**32 - 1, 1, 1, 2, 5, 1000]
    a, b = R.seed_state(11), R.seed_state(11)
    got = _draws_below(a, bounds)
    want = [R.below_reference(b, int(n)) for n in bounds]
    assert got.tolist() == want
    assert np.all(got >= 0) and np.all(got < bounds)
    small = _draws_below(R.seed_state(3), np.full(N_DRAWS, 6))
    assert set(small.tolist()) == set(range(6))  # every value is reached


@pytest.mark.parametrize("n", [0, 1, 2, 10, 257])
def test_shuffle_is_a_permutation_equal_to_the_reference(n):
    order = np.arange(n, dtype=np.int64)
    ref = order.copy()
    a, b = R.seed_state(5), R.seed_state(5)
    R.shuffle(order, a)
    R.shuffle_reference(ref, b)
    assert np.array_equal(order, ref) and np.array_equal(a, b)
    assert sorted(order.tolist()) == list(range(n))
    if n >= 10:
        assert not np.array_equal(order, np.arange(n))


def test_seed_state_is_never_all_zero_and_seeds_differ():
    states = [R.seed_state(s) for s in range(2000)]
    assert all(s.dtype == np.uint64 and s.shape == (4,) and s.any() for s in states)
    assert len({s.tobytes() for s in states}) == len(states)
    # splitmix64 expansion: even seed 0 gives a full state
    assert R.seed_state(0).any()


def test_seed_states_row_k_does_not_depend_on_n():
    many = R.seed_states(42, 50)
    assert many.shape == (50, 4) and many.dtype == np.uint64
    for n in (1, 7, 50):
        assert np.array_equal(R.seed_states(42, n), many[:n])
    assert np.array_equal(many[0], R.seed_state(42))
    assert len({row.tobytes() for row in many}) == 50
    assert R.seed_states(42, 0).shape == (0, 4)


@pytest.mark.parametrize("seed", [-1, 1.5, True, None, 2**63])
def test_bad_seeds_raise_naming_the_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        R.seed_state(seed)
