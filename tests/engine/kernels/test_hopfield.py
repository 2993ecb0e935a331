"""The numba kernels of engine/kernels/hopfield.py against plain numpy/Python references.

The references replay the kernels' xoshiro256** stream (engine.kernels.random's
``*_reference`` functions), so the states, sweep counts and overlaps must agree exactly; energies (summed in a different
order) to 1e-12.
"""
import math

import numpy as np
import pytest

from engine.kernels import hopfield as K
from engine.kernels import random as R

class ReferenceRng:
    """The kernels' xoshiro256** stream, replayed with engine.kernels.random's plain-Python references."""

    def __init__(self, state):
        self.state = np.array(state, dtype=np.uint64, copy=True)

    def uniform(self):
        return R.uniform_reference(self.state)

    def below(self, n):
        return R.below_reference(self.state, n)

    def shuffle(self, order):
        R.shuffle_reference(order, self.state)


def reference_row_sums(w):
    r = np.zeros(w.shape[0])
    for j in range(w.shape[0]):
        r += w[j]
    return r


def reference_field(w, s, up=None, down=None):
    """h = W s summed over the on units, or W·1 minus the off units when fewer are off."""
    if up is None:
        up, down = (1, -1) if np.any(s == -1) else (1, 0)
    r = reference_row_sums(w)
    on = s == up
    if on.sum() <= len(s) - on.sum():
        a = np.zeros(len(s))
        for j in np.flatnonzero(on):
            a += w[j]
    else:
        a = r.copy()
        for j in np.flatnonzero(~on):
            a -= w[j]
    return a if down == 0 else (up - down) * a + down * r


def reference_run(w, s, h, u, up, down, mode, temperature, max_sweeps, stop, rng, patterns, tie_up=False):
    """Plain numpy version of run_dynamics: per-flip field updates, the same visiting rules;
    ``tie_up``: h_i = U_i sends the unit up (sgn(0) = +1) instead of keeping it."""
    s = s.astype(np.int64).copy()
    h = h.copy()
    n = len(s)

    def stable():
        d = h - u
        goes_up = (d > 0) | ((d == 0) & tie_up)
        return not np.any((goes_up & (s != up)) | ((d < 0) & (s != down)))

    def record():
        e = float(s @ (u - 0.5 * h))
        bip = np.where(s == up, 1, -1)
        return e, (patterns.astype(np.int64) @ bip) / n

    def set_unit(i, value):
        delta = value - s[i]
        s[i] = value
        h[:] = h + delta * w[i]

    energies, overlaps = [], []
    e, m = record()
    energies.append(e)
    overlaps.append(m)
    stochastic = mode == K.MODE_GLAUBER and temperature > 0
    is_stable = stable()
    if is_stable and stop and not stochastic:
        return s, h, 0, True, np.array(energies), np.array(overlaps)
    order = list(range(n))
    done = 0
    gap = up - down
    for _ in range(max_sweeps):
        if mode == K.MODE_ASYNC or (mode == K.MODE_GLAUBER and temperature == 0):
            rng.shuffle(order)
            for i in order:
                d = h[i] - u[i]
                if (d > 0 or (tie_up and d == 0)) and s[i] != up:
                    set_unit(i, up)
                elif d < 0 and s[i] != down:
                    set_unit(i, down)
        elif mode == K.MODE_ENERGY:
            for _k in range(n):
                i = rng.below(n)
                new = down if s[i] == up else up
                d = h[i] - u[i]
                if -(new - s[i]) * d < 0 or (tie_up and d == 0 and new == up):
                    set_unit(i, new)
        elif mode == K.MODE_GLAUBER:
            rng.shuffle(order)
            for i in order:
                p_up = 1.0 / (1.0 + math.exp(-gap * (h[i] - u[i]) / temperature)) \
                    if -gap * (h[i] - u[i]) / temperature < 700 else 0.0
                new = up if rng.uniform() < p_up else down
                if new != s[i]:
                    set_unit(i, new)
        else:
            d = h - u
            nxt = np.where((d > 0) | ((d == 0) & tie_up), up, np.where(d < 0, down, s))
            for i in range(n):
                if nxt[i] != s[i]:
                    set_unit(i, nxt[i])
        done += 1
        is_stable = stable()
        e, m = record()
        energies.append(e)
        overlaps.append(m)
        if is_stable and stop and not stochastic:
            break
    return s, h, done, is_stable, np.array(energies), np.array(overlaps)


def random_net(n, p, seed, *, scale=True, thresholds=0.0):
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    w = x.T.astype(np.float64) @ x
    if scale:
        w /= n
    np.fill_diagonal(w, 0.0)
    u = np.full(n, float(thresholds)) if np.isscalar(thresholds) else np.asarray(thresholds, float)
    return w, x, u, rng


def test_local_field_matches_reference_bitwise_and_matvec():
    w, x, _u, rng = random_net(97, 7, 1)
    r = np.empty(97)
    K.compute_row_sums(w, r)
    assert np.array_equal(r, reference_row_sums(w))
    out = np.empty(97)
    for frac_on in (0.2, 0.5, 0.8):  # both summation paths (over on units, over off units)
        s = np.where(rng.random(97) < frac_on, 1, -1).astype(np.int8)
        K.compute_local_field(w, r, s, np.int8(1), np.int8(-1), out)
        assert np.array_equal(out, reference_field(w, s, 1, -1))
        assert np.allclose(out, w @ s, rtol=0, atol=1e-12)
        s01 = (s > 0).astype(np.int8)
        K.compute_local_field(w, r, s01, np.int8(1), np.int8(0), out)
        assert np.array_equal(out, reference_field(w, s01, 1, 0))
        assert np.allclose(out, w @ s01, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", [K.MODE_ASYNC, K.MODE_SYNC, K.MODE_ENERGY, K.MODE_GLAUBER])
@pytest.mark.parametrize("coding", ["bipolar", "binary"])
def test_run_dynamics_matches_reference_exactly(mode, coding):
    n, p = 60, 5
    w, x, _, rng = random_net(n, p, 2, thresholds=0.0)
    u = rng.normal(0.0, 0.05, n)  # thresholds that actually bias the rule
    up, down = (1, -1) if coding == "bipolar" else (1, 0)
    temperature = 0.3 if mode == K.MODE_GLAUBER else 0.0
    for trial in range(3):
        s0 = np.where(rng.random(n) < 0.5, up, down).astype(np.int8)
        h0 = reference_field(w, s0, up, down)
        seed_state = R.seed_state(10 + trial)
        s = s0.copy()
        h = h0.copy()
        energies = np.empty(31)
        overlaps = np.empty((31, p))
        rng_state = seed_state.copy()
        done, stable = K.run_dynamics(w, s, h, u, np.int8(up), np.int8(down), mode, temperature, 30, True,
                                      rng_state, x, energies, overlaps)
        rs, rh, rdone, rstable, re, ro = reference_run(w, s0, h0, u, up, down, mode, temperature, 30, True,
                                                       ReferenceRng(seed_state), x)
        assert done == rdone and stable == rstable
        assert np.array_equal(s, rs)
        assert np.array_equal(h, rh)
        assert np.array_equal(overlaps[: done + 1], ro)
        assert np.allclose(energies[: done + 1], re, rtol=1e-12, atol=1e-12)


def test_glauber_at_zero_temperature_is_async():
    w, x, u, rng = random_net(50, 4, 3)
    s0 = np.where(rng.random(50) < 0.5, 1, -1).astype(np.int8)
    results = []
    for mode in (K.MODE_ASYNC, K.MODE_GLAUBER):
        s, h = s0.copy(), reference_field(w, s0)
        rs = R.seed_state(5)
        K.run_dynamics(w, s, h, u, np.int8(1), np.int8(-1), mode, 0.0, 20, True, rs,
                       x, np.zeros(0), np.zeros((0, 0)))
        results.append(s)
    assert np.array_equal(results[0], results[1])


def test_run_without_stop_keeps_sweeping_at_fixed_point():
    w, x, u, _ = random_net(40, 2, 4)
    s = x[0].copy()
    h = reference_field(w, s)
    rs = R.seed_state(1)
    e = np.empty(6)
    o = np.empty((6, 2))
    done, stable = K.run_dynamics(w, s, h, u, np.int8(1), np.int8(-1), K.MODE_ASYNC, 0.0, 5, False, rs, x, e, o)
    assert done == 5 and stable
    assert np.array_equal(s, x[0]) and np.all(e == e[0]) and np.all(o[:, 0] == 1.0)
    done, stable = K.run_dynamics(w, s, h, u, np.int8(1), np.int8(-1), K.MODE_ASYNC, 0.0, 5, True, rs, x, e, o)
    assert done == 0 and stable


def test_run_batch_equals_single_runs():
    n = 80
    w, x, u, rng = random_net(n, 6, 5)
    probes = np.where(rng.random((9, n)) < 0.5, 1, -1).astype(np.int8)
    seeds = R.seed_states(100, 9)
    for mode in (K.MODE_ASYNC, K.MODE_ENERGY, K.MODE_SYNC, K.MODE_GLAUBER):
        temperature = 0.5 if mode == K.MODE_GLAUBER else 0.0
        batch = probes.copy()
        n_sweeps = np.zeros(9, dtype=np.int64)
        converged = np.zeros(9, dtype=np.bool_)
        r = np.empty(n)
        K.compute_row_sums(w, r)
        rng_states = seeds.copy()
        K.run_batch(w, r, batch, u, np.int8(1), np.int8(-1), mode, temperature, 25,
                    rng_states, n_sweeps, converged)
        for b in range(9):
            s = probes[b].copy()
            h = np.empty(n)
            K.compute_local_field(w, r, s, np.int8(1), np.int8(-1), h)
            rs = seeds[b].copy()
            done, stable = K.run_dynamics(w, s, h, u, np.int8(1), np.int8(-1), mode, temperature, 25, True, rs,
                                          np.zeros((0, n), np.int8), np.zeros(0), np.zeros((0, 0)))
            assert np.array_equal(batch[b], s) and n_sweeps[b] == done and converged[b] == stable
            assert np.array_equal(rng_states[b], rs)  # each probe's generator advanced as a single run's


def storkey_reference(w, patterns):
    """Storkey's rule as a numpy outer-product update per pattern (zero diagonal kept)."""
    w = w.copy()
    n = w.shape[0]
    for xi in patterns.astype(np.float64):
        h = w @ xi
        dw = (np.outer(xi, xi) - (np.outer(xi, h) + np.outer(h, xi)) + 2.0 * w) / n
        np.fill_diagonal(dw, 0.0)
        w += dw
    return w


def storkey_definition(patterns):
    """Storkey's Definition 3 literally: h_ij = Σ_{k≠i,j} w_ik ξ_k, for tiny N (slow loops)."""
    n = patterns.shape[1]
    w = np.zeros((n, n))
    for xi in patterns.astype(np.float64):
        new = w.copy()
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                h_ij = sum(w[i, k] * xi[k] for k in range(n) if k not in (i, j))
                h_ji = sum(w[j, k] * xi[k] for k in range(n) if k not in (i, j))
                new[i, j] = w[i, j] + (xi[i] * xi[j] - xi[i] * h_ji - h_ij * xi[j]) / n
        w = new
    return w


def test_storkey_kernel_matches_numpy_reference():
    rng = np.random.default_rng(6)
    x = np.where(rng.random((12, 150)) < 0.5, 1, -1).astype(np.int8)
    w = np.zeros((150, 150))
    K.storkey_learn(w, x)
    ref = storkey_reference(np.zeros((150, 150)), x)
    assert np.max(np.abs(w - ref)) < 1e-12
    assert np.array_equal(w, w.T) and np.all(np.diag(w) == 0)


def test_storkey_vectorised_form_equals_the_definition():
    rng = np.random.default_rng(7)
    x = np.where(rng.random((4, 7)) < 0.5, 1, -1).astype(np.int8)
    w = np.zeros((7, 7))
    K.storkey_learn(w, x)
    assert np.max(np.abs(w - storkey_definition(x))) < 1e-12


def test_energy_from_field_and_is_stable():
    w, x, _, rng = random_net(30, 3, 8)
    u = rng.normal(0, 0.1, 30)
    s = np.where(rng.random(30) < 0.5, 1, -1).astype(np.int8)
    h = reference_field(w, s)
    e = K.energy_from_field(s, h, u)
    assert e == pytest.approx(-0.5 * s @ w @ s + u @ s, abs=1e-12)
    d = h - u
    expect = not np.any(((d > 0) & (s != 1)) | ((d < 0) & (s != -1)))
    assert K.is_stable(s, h, u, np.int8(1), np.int8(-1)) == expect


def integer_net(n, p, seed, *, diagonal=False):
    """Unscaled Hebbian weights of few patterns: many exact zero fields (ties) on random states."""
    rng = np.random.default_rng(seed)
    x = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    w = x.T.astype(np.float64) @ x
    if not diagonal:
        np.fill_diagonal(w, 0.0)
    return w, x, rng


@pytest.mark.parametrize("mode", [K.MODE_ASYNC, K.MODE_SYNC, K.MODE_ENERGY])
@pytest.mark.parametrize("tie_up", [False, True])
@pytest.mark.parametrize("diagonal", [False, True])
def test_run_dynamics_tie_convention_and_self_connections_match_reference(mode, tie_up, diagonal):
    """sgn(0) = +1 (tie_up) and a kept diagonal reach every deterministic mode exactly as the reference."""
    n, p = 11, 2  # odd N, even P: h_i = Σ_μ ξ_i^μ (ξ^μ·s) − P s_i (or without the last term) can be 0
    w, x, rng = integer_net(n, p, 20, diagonal=diagonal)
    u = np.zeros(n)
    ties = 0
    for trial in range(20):
        s0 = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        h0 = reference_field(w, s0, 1, -1)
        ties += int(np.sum(h0 == 0))
        s, h = s0.copy(), h0.copy()
        seed_state = R.seed_state(30 + trial)
        energies, overlaps = np.empty(21), np.empty((21, p))
        done, stable = K.run_dynamics(w, s, h, u, np.int8(1), np.int8(-1), mode, 0.0, 20, True,
                                      seed_state.copy(), x, energies, overlaps, tie_up)
        rs, rh, rdone, rstable, _re, ro = reference_run(w, s0, h0, u, 1, -1, mode, 0.0, 20, True,
                                                        ReferenceRng(seed_state), x, tie_up)
        assert done == rdone and stable == rstable and np.array_equal(s, rs) and np.array_equal(h, rh)
        assert np.array_equal(overlaps[: done + 1], ro)
        assert K.is_stable(s, h, u, np.int8(1), np.int8(-1), tie_up) == stable
    assert ties > 10  # the probes did meet zero fields


def test_run_batch_passes_the_tie_convention():
    n = 11
    w, _x, rng = integer_net(n, 2, 21)
    probes = np.where(rng.random((16, n)) < 0.5, 1, -1).astype(np.int8)
    r = np.empty(n)
    K.compute_row_sums(w, r)
    out = {}
    for tie_up in (False, True):
        batch = probes.copy()
        K.run_batch(w, r, batch, np.zeros(n), np.int8(1), np.int8(-1), K.MODE_ASYNC, 0.0, 30,
                    R.seed_states(5, 16), np.zeros(16, np.int64), np.zeros(16, np.bool_), tie_up)
        for b in range(16):
            s = probes[b].copy()
            h = reference_field(w, s, 1, -1)
            K.run_dynamics(w, s, h, np.zeros(n), np.int8(1), np.int8(-1), K.MODE_ASYNC, 0.0, 30, True,
                           R.seed_states(5, 16)[b], np.zeros((0, n), np.int8), np.zeros(0), np.zeros((0, 0)), tie_up)
            assert np.array_equal(batch[b], s)
        out[tie_up] = batch
    assert not np.array_equal(out[False], out[True])


def perceptron_reference(inputs, targets, fixed, margin, symmetric, max_epochs):
    """Seed 001's perceptron in numpy: per pattern, per unit in order, a unit step where
    t_i (h_i − fixed_i − θ_i) ≤ margin, fields recomputed from W after every step."""
    p, n = targets.shape
    w = np.zeros((n, n))
    theta = np.zeros(n)
    for epoch in range(max_epochs):
        steps = 0
        for k in range(p):
            s, t = inputs[k], targets[k].astype(np.float64)
            for i in range(n):
                if t[i] * (w[i] @ s - fixed[i] - theta[i]) > margin:
                    continue
                steps += 1
                theta[i] -= t[i]
                step = t[i] * s
                step[i] = 0.0
                w[i] += step
                if symmetric:
                    w[:, i] += step
        if steps == 0:
            return w, theta, epoch + 1, True
    return w, theta, max_epochs, False


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("coding", ["bipolar", "binary"])
def test_perceptron_kernel_matches_reference_exactly(symmetric, coding):
    """Unit steps on ±1 or 0/1 inputs keep W and θ integers: the kernel and the reference agree exactly."""
    rng = np.random.default_rng(22)
    n, p = 24, 20
    targets = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    inputs = targets.astype(np.float64) if coding == "bipolar" else (targets > 0).astype(np.float64)
    fixed = rng.integers(-2, 3, n).astype(np.float64)
    for margin, max_epochs in ((0.0, 500), (3.0, 500), (0.0, 2)):
        w, theta = np.zeros((n, n)), np.zeros(n)
        epochs, converged = K.perceptron_learn(w, theta, inputs, targets, fixed, margin, symmetric, max_epochs)
        rw, rtheta, repochs, rconverged = perceptron_reference(inputs, targets, fixed, margin, symmetric, max_epochs)
        assert (epochs, converged) == (repochs, rconverged)
        assert np.array_equal(w, rw) and np.array_equal(theta, rtheta)
        assert np.all(np.diag(w) == 0) and np.array_equal(w, w.T) == symmetric
        if converged:
            h = inputs @ w.T - fixed - theta
            assert np.min(targets * h) > margin
        else:
            assert epochs == max_epochs == 2
