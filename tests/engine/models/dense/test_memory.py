"""DenseAssociativeMemory: Hopfield at n = 2, Krotov & Hopfield's capacity, the exponential energy,
energy descent, bad input, determinism."""
import math

import numpy as np
import pytest

from engine.models.dense import DenseAssociativeMemory, krotov_capacity
from engine.models.hopfield import Hopfield


def random_patterns(rng, k, n):
    return np.where(rng.random((k, n)) < 0.5, 1, -1).astype(np.int8)


def test_power_two_has_the_hebbian_hopfield_networks_fixed_points():
    """F(x) = x²: eq. (4)'s difference is 4 Σ_j≠i T_ij σ_j, so the fixed points are Hopfield's exactly."""
    rng = np.random.default_rng(0)
    N = 64
    patterns = random_patterns(rng, 9, N)  # above 0.14 N: some stored patterns are not fixed points
    dam = DenseAssociativeMemory(N, power=2)
    dam.store(patterns)
    hop = Hopfield(N, "hebbian")
    hop.store(patterns)
    noisy = patterns[rng.integers(0, 9, 300)] * np.where(rng.random((300, N)) < 0.1, -1, 1).astype(np.int8)
    states = np.concatenate([patterns, random_patterns(rng, 300, N), noisy,
                             dam.recall(noisy, seed=1), hop.recall(noisy, seed=2)])
    dam_fixed, hop_fixed = dam.is_fixed_point(states), hop.is_fixed_point(states)
    np.testing.assert_array_equal(dam_fixed, hop_fixed)
    assert dam_fixed[-600:].all() and 0 < dam_fixed[:9].sum()  # recalls end at fixed points of both


def _fixed_fraction(power, k, n_neurons, seed):
    rng = np.random.default_rng(seed)
    P = random_patterns(rng, k, n_neurons)
    dam = DenseAssociativeMemory(n_neurons, power=power)
    dam.store(P)
    return dam.is_fixed_point(P).mean()


def _largest(power, hi, ok) -> int:
    """The largest K in [1, hi) with ok(K), by bisection (ok is monotone in K up to noise)."""
    lo = 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


@pytest.mark.slow
@pytest.mark.parametrize("power,hi", [(2, 64), (3, 1500)])
def test_capacity_at_n_100_matches_krotov_hopfield(power, hi):
    """N = 100. Krotov & Hopfield's N^(n−1)/(2(2n−3)!! ln N) (≈ 11 for n = 2, ≈ 362 for n = 3) is where a
    stored pattern is error-free: ≥ 90 % of the stored patterns are fixed points (measured: 11 and ~350).
    Every pattern at once (in ≥ 90 % of seeds) needs ln(N·K) for ln N (measured: 8 and ~170)."""
    N = 100
    bound = krotov_capacity(N, power)
    per_pattern = _largest(power, hi, lambda k: np.mean([_fixed_fraction(power, k, N, 100 * k + s)
                                                          for s in range(4)]) >= 0.9)
    assert bound / 1.5 <= per_pattern <= bound * 1.5
    all_patterns = _largest(power, hi, lambda k: np.mean([_fixed_fraction(power, k, N, 100 * k + s) == 1.0
                                                          for s in range(10)]) >= 0.9)
    # the all-patterns bound: K = N^(n−1) / (2 (2n−3)!! ln(N K)), solved by iteration
    k = bound
    for _ in range(20):
        k = bound * math.log(N) / math.log(N * k)
    assert k / 1.5 <= all_patterns <= k * 1.5
    assert all_patterns <= per_pattern


def test_capacity_formula():
    assert krotov_capacity(100, 2) == pytest.approx(100 / (2 * math.log(100)))
    assert krotov_capacity(100, 3) == pytest.approx(100 ** 2 / (2 * 3 * math.log(100)))
    assert krotov_capacity(100, 4) == pytest.approx(100 ** 3 / (2 * 15 * math.log(100)))


def test_higher_power_holds_far_more_than_hopfield():
    rng = np.random.default_rng(1)
    P = random_patterns(rng, 60, 100)  # 4× Hopfield's 0.14 N
    assert _store(P, 2).is_fixed_point(P).mean() < 0.5
    dam = _store(P, 4)
    probes = P * np.where(rng.random(P.shape) < 0.15, -1, 1).astype(np.int8)
    np.testing.assert_array_equal(dam.recall(probes, seed=0), P)


def _store(P, power, energy="polynomial"):
    dam = DenseAssociativeMemory(P.shape[1], power=power, energy=energy)
    dam.store(P)
    return dam


def test_exponential_energy_is_safe_at_mnist_size_and_stores_many():
    rng = np.random.default_rng(2)
    P = random_patterns(rng, 500, 784)
    dam = _store(P, 1, "exponential")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        e = dam.energy(P[:5])
        assert np.all(np.isfinite(e)) and e[0] == pytest.approx(-784 - math.log1p(np.exp(P[1:] @ P[0] - 784.0).sum()))
        probes = P[:20] * np.where(rng.random((20, 784)) < 0.3, -1, 1).astype(np.int8)
        np.testing.assert_array_equal(dam.recall(probes, seed=0), P[:20])


@pytest.mark.parametrize("energy,power", [("polynomial", 3), ("rectified", 4), ("exponential", 1), ("polynomial", 2)])
def test_energy_never_rises_under_recall(energy, power):
    rng = np.random.default_rng(3)
    dam = _store(random_patterns(rng, 30, 80), power, energy)
    state = random_patterns(rng, 1, 80)
    energies = [dam.energy(state[0])]
    for sweep in range(10):
        dam.run_batch(state, 1, seed=sweep)
        energies.append(dam.energy(state[0]))
    assert np.all(np.diff(energies) <= 1e-9 * np.abs(energies[:-1]))
    assert dam.is_fixed_point(state[0])


def test_binary_patterns_and_probes_are_read_as_spins():
    rng = np.random.default_rng(4)
    P = random_patterns(rng, 5, 40)
    a, b = _store(P, 3), _store((P + 1) // 2, 3)
    np.testing.assert_array_equal(a.patterns, b.patterns)
    np.testing.assert_array_equal(a.recall(P[0], seed=1), b.recall((P[0] + 1) // 2, seed=1))


def test_recall_is_deterministic_and_batches_match_single_probes():
    rng = np.random.default_rng(5)
    dam = _store(random_patterns(rng, 20, 50), 3)
    probes = random_patterns(rng, 6, 50)
    first = dam.recall(probes, seed=9)
    np.testing.assert_array_equal(first, dam.recall(probes, seed=9))
    np.testing.assert_array_equal(first[0], dam.recall(probes[0], seed=9))
    assert probes.dtype == np.int8 and not np.shares_memory(first, probes)


@pytest.mark.parametrize("call,name", [
    (lambda: DenseAssociativeMemory(0), "n_neurons"),
    (lambda: DenseAssociativeMemory(10, power=1), "power"),
    (lambda: DenseAssociativeMemory(784, power=200), "power"),
    (lambda: DenseAssociativeMemory(10, energy="cubic"), "energy"),
    (lambda: DenseAssociativeMemory(10, seed=-1), "seed"),
    (lambda: DenseAssociativeMemory(10).store(np.ones((2, 9))), "patterns"),
    (lambda: DenseAssociativeMemory(10).store(np.full((2, 10), 0.5)), "patterns"),
    (lambda: DenseAssociativeMemory(10).recall(np.ones(9)), "probe"),
    (lambda: DenseAssociativeMemory(10).recall(np.ones(10), max_sweeps=0), "max_sweeps"),
    (lambda: DenseAssociativeMemory(10).energy(np.full(10, 2)), "state"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
