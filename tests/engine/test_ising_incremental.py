"""The sweep kernels keep E and M incrementally: each per-sweep value must equal a full recompute.

Equality is exact (==, not approx): the kernels carry integer bond and spin sums and use the
same formula as ``lattice_observables``, so any drift or missed flip shows up as a mismatch.
"""
import numpy as np
import pytest

from engine.kernels import lattice as K

J, H = 0.8, 0.35  # h ≠ 0 so the spin sum enters the energy; J ≠ 1 so bonds are weighted


def random_spins(L, seed):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (L, L))


def make_kernel(kind, L, T):
    """A function (spins, n, state, e, m) running ``n`` sweeps of ``kind`` in place."""
    rule = "heatbath" if kind == "heatbath" else "metropolis"
    thr = K.flip_thresholds(1.0 / T, J, H, rule)
    if kind in ("checkerboard", "heatbath"):
        black = np.empty((L, L // 2), np.int8)
        white = np.empty((L, L // 2), np.int8)
        return lambda s, n, st, e, m: K.checkerboard_sweeps(s, n, thr, st, black, white, J, H, e, m)
    if kind == "random-site":
        return lambda s, n, st, e, m: K.random_site_sweeps(s, n, thr, st, J, H, e, m)
    return lambda s, n, st, e, m: K.sequential_checkerboard_sweeps(s, n, thr, st, J, H, e, m)


CASES = [("checkerboard", 2), ("checkerboard", 6), ("checkerboard", 16), ("checkerboard", 64),
         ("heatbath", 2), ("heatbath", 6), ("heatbath", 32),
         ("random-site", 2), ("random-site", 5), ("random-site", 16),
         ("sequential", 3), ("sequential", 7), ("sequential", 15)]


@pytest.mark.parametrize("T", [1.5, 2.4, 8.0])
@pytest.mark.parametrize("kind,L", CASES)
def test_per_sweep_observables_equal_a_fresh_recompute(kind, L, T):
    run = make_kernel(kind, L, T)
    spins = random_spins(L, L)
    state = K.seed_state(L + 17)
    e, m = np.empty(1), np.empty(1)
    changed = 0
    for _ in range(12):
        before = spins.copy()
        run(spins, 1, state, e, m)
        changed += int(np.any(spins != before))
        e_ref, m_ref = K.lattice_observables(spins, J, H)
        assert e[0] == e_ref and m[0] == m_ref
    assert changed > 0  # the check saw flips, not a frozen lattice


@pytest.mark.parametrize("kind,L", CASES)
def test_multi_sweep_call_equals_step_by_step(kind, L):
    run = make_kernel(kind, L, 2.3)
    start = random_spins(L, 100 + L)
    n = 9
    spins_a, st_a = start.copy(), K.seed_state(5)
    e_a, m_a = np.empty(n), np.empty(n)
    run(spins_a, n, st_a, e_a, m_a)
    spins_b, st_b = start.copy(), K.seed_state(5)
    e_b, m_b = np.empty(n), np.empty(n)
    one_e, one_m = np.empty(1), np.empty(1)
    for t in range(n):
        run(spins_b, 1, st_b, one_e, one_m)
        e_b[t], m_b[t] = one_e[0], one_m[0]
    assert np.array_equal(spins_a, spins_b) and np.array_equal(st_a, st_b)
    assert np.array_equal(e_a, e_b) and np.array_equal(m_a, m_b)
    assert (e_a[-1], m_a[-1]) == K.lattice_observables(spins_a, J, H)


def test_lattice_sums_match_numpy():
    for L in (2, 3, 8, 11):
        s = random_spins(L, L).astype(np.int64)
        bonds = np.sum(s * (np.roll(s, -1, 0) + np.roll(s, -1, 1)))
        assert K.lattice_sums(s.astype(np.int8)) == (bonds, s.sum())
