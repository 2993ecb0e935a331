"""Lattice kernels (engine/kernels/lattice.py) against plain references, and their incremental E and M.

The incremental checks: each per-sweep value must equal a full recompute. Equality is exact
(==, not approx): the kernels carry integer bond and spin sums and use the same formula as
``lattice_observables``, so any drift or missed flip shows up as a mismatch.
"""
import math

import numpy as np
import pytest

from engine.kernels import lattice as K
from engine.kernels.random import next_u64_reference, seed_state, uniform_reference


def random_spins(L, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (L, L))


def energy_reference(spins, J, h):
    s = spins.astype(np.int64)
    bonds = np.sum(s * (np.roll(s, -1, 0) + np.roll(s, -1, 1)))
    return (-J * bonds - h * s.sum()) / s.size


# --------------------------------------------------------------------------- kernels vs references
def test_site_hash_matches_reference():
    k = np.arange(100)
    ref = K.site_random_reference(0xDEADBEEF, k)
    assert all(int(K.site_random(np.uint32(0xDEADBEEF), int(i))) == int(ref[i]) for i in k)


@pytest.mark.parametrize("L", [2, 4, 8])
@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_checkerboard_kernel_matches_numpy_reference(L, rule):
    thr = K.flip_thresholds(1 / 2.2, 1.0, 0.3, rule)
    spins = random_spins(L, 1)
    ref = spins.copy()
    st, st_ref = seed_state(9), seed_state(9)
    e, m = np.zeros(3), np.zeros(3)
    black = np.empty((L, L // 2), np.int8)
    K.checkerboard_sweeps(spins, 3, thr, st, black, black.copy(), 1.0, 0.3, e, m)
    for _ in range(3):
        K.checkerboard_sweep_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)
    assert np.array_equal(st, st_ref)
    assert e[-1] == pytest.approx(energy_reference(ref, 1.0, 0.3))
    assert m[-1] == pytest.approx(ref.mean())


def test_random_site_kernel_matches_python_reference():
    thr = K.flip_thresholds(0.5, 1.0, -0.2, "metropolis")
    spins = random_spins(6, 2)
    ref = spins.copy()
    st, st_ref = seed_state(4), seed_state(4)
    e, m = np.zeros(2), np.zeros(2)
    K.random_site_sweeps(spins, 2, thr, st, 1.0, -0.2, e, m)
    for _ in range(2):
        K.random_site_sweep_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)


def sequential_reference(spins, thr, state):
    L = spins.shape[0]
    for c in range(2):
        for i in range(L):
            key_low = next_u64_reference(state) & 0xFFFFFFFF
            for j in range((i + c) & 1, L, 2):
                s = int(spins[i, j])
                nn = int(spins[(i - 1) % L, j] + spins[(i + 1) % L, j]) + int(spins[i, (j - 1) % L]) \
                    + int(spins[i, (j + 1) % L])
                r = int(K.site_random_reference(key_low, np.array([j // 2]))[0])
                if r <= int(thr[(5 if s > 0 else 0) + (nn + 4) // 2]):
                    spins[i, j] = -s


def test_odd_lattice_sequential_kernel_matches_reference():
    thr = K.flip_thresholds(0.4, 1.0, 0.1, "metropolis")
    spins = random_spins(5, 3)
    ref = spins.copy()
    st, st_ref = seed_state(2), seed_state(2)
    e, m = np.zeros(2), np.zeros(2)
    K.sequential_checkerboard_sweeps(spins, 2, thr, st, 1.0, 0.1, e, m)
    for _ in range(2):
        sequential_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)


def wolff_reference(spins, clusters, add_thr, beta, h, state):
    """One Wolff sweep in plain Python with the kernel's random-number order."""
    L = spins.shape[0]
    n = L * L
    flat = spins.reshape(n)
    visited = 0
    for _ in range(clusters):
        x = next_u64_reference(state)
        site = ((x >> 32) * n) >> 32
        s0 = int(flat[site])
        cluster = [site]
        members = {site}
        head = 0
        while head < len(cluster):
            c = cluster[head]
            head += 1
            i, j = divmod(c, L)
            for nb in (((i - 1) % L) * L + j, ((i + 1) % L) * L + j, i * L + (j - 1) % L, i * L + (j + 1) % L):
                if flat[nb] == s0 and nb not in members:
                    if (next_u64_reference(state) >> 32) < add_thr:
                        members.add(nb)
                        cluster.append(nb)
        visited += len(cluster)
        accept = True
        if h != 0 and 2 * beta * h * s0 * len(cluster) > 0:
            u = uniform_reference(state)
            accept = u < math.exp(-2 * beta * h * s0 * len(cluster))
        if accept:
            flat[cluster] = -s0


def test_wolff_kernel_matches_python_reference():
    beta, h = 1 / 2.4, 0.05
    add = K.wolff_add_threshold(beta, 1.0)
    spins = random_spins(6, 5)
    ref = spins.copy()
    st, st_ref = seed_state(11), seed_state(11)
    q, mark = np.zeros(36, np.int64), np.zeros(36, np.int64)
    e, m = np.zeros(2), np.zeros(2)
    visited, clusters = K.wolff_sweeps(spins, 2, 4, add, beta, h, st, q, mark, 1.0, e, m)
    assert visited >= 8 and clusters == 8
    for _ in range(2):
        wolff_reference(ref, 4, add, beta, h, st_ref)
    assert np.array_equal(spins, ref)


def test_observables_kernel_matches_reference():
    s = random_spins(7, 8)
    e, m = K.lattice_observables(s, 0.7, 0.2)
    assert e == pytest.approx(energy_reference(s, 0.7, 0.2))
    assert m == pytest.approx(s.mean())


def test_flip_thresholds_validate():
    with pytest.raises(ValueError, match="rule"):
        K.flip_thresholds(1.0, 1.0, 0.0, "glauber")
    with pytest.raises(ValueError, match="beta"):
        K.flip_thresholds(float("nan"), 1.0, 0.0, "metropolis")
    with pytest.raises(ValueError, match="J"):
        K.wolff_add_threshold(1.0, -1.0)


# --------------------------------------------------------------------------- incremental observables
J, H = 0.8, 0.35  # h ≠ 0 so the spin sum enters the energy; J ≠ 1 so bonds are weighted


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
    state = seed_state(L + 17)
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
    spins_a, st_a = start.copy(), seed_state(5)
    e_a, m_a = np.empty(n), np.empty(n)
    run(spins_a, n, st_a, e_a, m_a)
    spins_b, st_b = start.copy(), seed_state(5)
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


def test_wolff_sweep_work_is_bounded_by_the_visit_cap():
    """A count far too large for the lattice (every cluster ~L² on an ordered lattice) stops at the cap."""
    L = 16
    spins = np.ones((L, L), np.int8)
    st = seed_state(3)
    q, mark = np.zeros(L * L, np.int64), np.zeros(L * L, np.int64)
    e, m = np.zeros(2), np.zeros(2)
    beta = 1.0  # T = 1: p_add ≈ 0.86, clusters span the ordered lattice
    visited, clusters = K.wolff_sweeps(spins, 2, 1000, K.wolff_add_threshold(beta, 1.0), beta, 0.0, st, q, mark,
                                       1.0, e, m, 4 * L * L)
    assert clusters < 2000 and visited < 2 * (4 * L * L + L * L)
