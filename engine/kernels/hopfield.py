"""Hopfield network hot loops: recall dynamics (async, sync, energy descent, Glauber),
batched recall over probes, local fields, Storkey learning and perceptron learning.

Conventions shared by every kernel here:
  * ``weights`` (N, N) float64 with row j the weights *out of* unit j: h_i = Σ_j weights[j, i] s_j.
    For the usual symmetric W that is W itself; an asymmetric W (the asymmetric perceptron rule)
    is passed as its transpose. The diagonal may be non-zero (self-connections): a unit's own
    state then enters its field;
  * ``state`` (N,) int8 holding the coding's two values ``up``/``down``
    (+1/−1 bipolar, 1/0 binary); ``thresholds`` (N,) float64 (U_i);
  * ``row_sums`` (N,) float64 is W·1 (compute_row_sums), which lets the first field of a
    state be summed over its on or its off units, whichever are fewer;
  * ``field`` (N,) float64 is the local field h = W s, kept incrementally: changing unit i
    by δ adds δ·W[i, :] (W is symmetric, so the row is the column), an O(N) update instead
    of an O(N²) recomputation, so sweeps near a fixed point cost O(N);
  * ``tie_up``: what a unit does when h_i = U_i exactly — keep its state (False, the default) or
    go up (True: sgn(0) = +1, the convention of seed 001 and seed 003);
  * random numbers come from engine.kernels.random (xoshiro256**): the caller passes a
    uint64[4] state that the kernels advance in place, so a run is reproducible from its seed
    and the numpy references in the tests replay the same stream with the ``*_reference``
    functions.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine.kernels import JIT
from engine.kernels.random import below, shuffle, uniform

MODE_ASYNC = 0    # random permutation each sweep, deterministic threshold rule
MODE_SYNC = 1     # all units at once from the same fields
MODE_ENERGY = 2   # N random site picks per sweep (with replacement), flip when ΔE < 0
MODE_GLAUBER = 3  # random permutation each sweep, heat-bath update at temperature T
MODES = {"async": MODE_ASYNC, "sync": MODE_SYNC, "energy": MODE_ENERGY, "glauber": MODE_GLAUBER}

@njit(**JIT)
def compute_row_sums(weights, out):
    """out = W·1 (the field of the all-on state), accumulated row by row in a fixed order."""
    n = weights.shape[0]
    for i in range(n):
        out[i] = 0.0
    for j in range(n):
        row = weights[j]
        for i in range(n):
            out[i] += row[i]


@njit(**JIT)
def compute_local_field(weights, row_sums, state, up, down, out):
    """out = W s for a state of ``up``/``down`` values, in a fixed order (same bits for every caller).

    With A = Σ_{j on} W[j], h = (up − down)·A + down·W·1. A is summed over the on units, or as
    W·1 − Σ_{j off} W[j] when fewer are off, so the cost is min(#on, #off)·N, not N².
    """
    n = state.shape[0]
    n_on = 0
    for j in range(n):
        if state[j] == up:
            n_on += 1
    if n_on <= n - n_on:
        for i in range(n):
            out[i] = 0.0
        for j in range(n):
            if state[j] == up:
                row = weights[j]
                for i in range(n):
                    out[i] += row[i]
    else:
        for i in range(n):
            out[i] = row_sums[i]
        for j in range(n):
            if state[j] != up:
                row = weights[j]
                for i in range(n):
                    out[i] -= row[i]
    if down != 0:
        gap = np.float64(up - down)
        for i in range(n):
            out[i] = gap * out[i] + down * row_sums[i]


@njit(**JIT)
def _set_unit(weights, state, field, i, new_value):
    delta = np.float64(new_value) - np.float64(state[i])  # ±1 or ±2: the products are exact
    state[i] = new_value  # row i: the weights out of unit i, so the fields it feeds
    row = weights[i]
    for k in range(field.shape[0]):
        field[k] += delta * row[k]


@njit(**JIT)
def is_stable(state, field, thresholds, up, down, tie_up=False):
    """True when no unit would change under the zero-temperature threshold rule."""
    for i in range(state.shape[0]):
        d = field[i] - thresholds[i]
        if (d > 0.0 or (tie_up and d == 0.0)) and state[i] != up:
            return False
        if d < 0.0 and state[i] != down:
            return False
    return True


@njit(**JIT)
def energy_from_field(state, field, thresholds):
    """E = −½ sᵀWs + Uᵀs evaluated from the kept field h = W s in O(N)."""
    e = 0.0
    for i in range(state.shape[0]):
        e += state[i] * (thresholds[i] - 0.5 * field[i])
    return e


@njit(**JIT)
def _record(state, field, thresholds, up, patterns, energies, overlaps, k):
    energies[k] = energy_from_field(state, field, thresholds)
    n = state.shape[0]
    for p in range(patterns.shape[0]):
        acc = 0
        for i in range(n):
            if state[i] == up:
                acc += patterns[p, i]
            else:
                acc -= patterns[p, i]
        overlaps[k, p] = acc / n


@njit(**JIT)
def run_dynamics(weights, state, field, thresholds, up, down, mode, temperature, max_sweeps,
                 stop_at_fixed_point, rng_state, patterns, energies, overlaps, tie_up=False):
    """Up to ``max_sweeps`` sweeps of ``mode`` on ``state``/``field`` in place.

    Records (when ``energies`` is non-empty) the energy and the overlap with each bipolar
    ``patterns`` row before the first sweep (index 0) and after every sweep. Stops early at a
    fixed point when ``stop_at_fixed_point`` (never for Glauber at T > 0). ``tie_up``: a unit
    with h_i = U_i goes up instead of keeping its state (energy mode: that flip up is taken
    although ΔE = 0, so the mode stops at the same fixed points as the others).
    Returns (sweeps done, whether the final state is a fixed point).
    """
    n = state.shape[0]
    record = energies.shape[0] > 0
    if record:
        _record(state, field, thresholds, up, patterns, energies, overlaps, 0)
    stable = is_stable(state, field, thresholds, up, down, tie_up)
    stochastic = mode == MODE_GLAUBER and temperature > 0.0
    if stable and stop_at_fixed_point and not stochastic:
        return 0, True
    order = np.arange(n)
    next_state = np.empty(n, dtype=np.int8)
    gap = np.float64(up - down)  # ΔE of down→up is −gap·(h − U): 2 for bipolar, 1 for binary
    done = 0
    for _sweep in range(max_sweeps):
        if mode == MODE_ASYNC or (mode == MODE_GLAUBER and temperature == 0.0):
            shuffle(order, rng_state)
            for k in range(n):
                i = order[k]
                d = field[i] - thresholds[i]
                if d > 0.0 or (tie_up and d == 0.0):
                    if state[i] != up:
                        _set_unit(weights, state, field, i, up)
                elif d < 0.0:
                    if state[i] != down:
                        _set_unit(weights, state, field, i, down)
        elif mode == MODE_ENERGY:
            for _k in range(n):
                i = below(rng_state, n)
                new_value = down if state[i] == up else up
                d = field[i] - thresholds[i]
                delta_e = -(np.float64(new_value) - np.float64(state[i])) * d
                if delta_e < 0.0 or (tie_up and d == 0.0 and new_value == up):
                    _set_unit(weights, state, field, i, new_value)
        elif mode == MODE_GLAUBER:
            shuffle(order, rng_state)
            for k in range(n):
                i = order[k]
                p_up = 1.0 / (1.0 + np.exp(-gap * (field[i] - thresholds[i]) / temperature))
                new_value = up if uniform(rng_state) < p_up else down
                if new_value != state[i]:
                    _set_unit(weights, state, field, i, new_value)
        else:  # MODE_SYNC: every unit reads the fields of the same old state
            for i in range(n):
                d = field[i] - thresholds[i]
                if d > 0.0 or (tie_up and d == 0.0):
                    next_state[i] = up
                elif d < 0.0:
                    next_state[i] = down
                else:
                    next_state[i] = state[i]
            for i in range(n):
                if next_state[i] != state[i]:
                    _set_unit(weights, state, field, i, next_state[i])
        done += 1
        stable = is_stable(state, field, thresholds, up, down, tie_up)
        if record:
            _record(state, field, thresholds, up, patterns, energies, overlaps, done)
        if stable and stop_at_fixed_point and not stochastic:
            break
    return done, stable


@njit(parallel=True, **JIT)
def run_batch(weights, row_sums, states, thresholds, up, down, mode, temperature, max_sweeps, rng_states,
              n_sweeps_out, converged_out, tie_up=False):
    """Recall every row of ``states`` (B, N) in place, in parallel over probes.

    Probe b draws from its own generator state ``rng_states[b]`` ((B, 4) uint64, advanced in
    place), so row b ends exactly as a single ``run_dynamics`` call with that state would leave it.
    """
    n = states.shape[1]
    no_patterns = np.zeros((0, n), dtype=np.int8)
    no_energies = np.zeros(0, dtype=np.float64)
    no_overlaps = np.zeros((0, 0), dtype=np.float64)
    for b in prange(states.shape[0]):
        # a private copy: rows of rng_states share cache lines, and threads writing them on every
        # draw would slow each other down (false sharing); written back when the probe is done
        rng_state = rng_states[b].copy()
        field = np.empty(n, dtype=np.float64)
        state = states[b]
        compute_local_field(weights, row_sums, state, up, down, field)
        done, stable = run_dynamics(weights, state, field, thresholds, up, down, mode, temperature,
                                    max_sweeps, True, rng_state, no_patterns, no_energies, no_overlaps, tie_up)
        rng_states[b] = rng_state
        n_sweeps_out[b] = done
        converged_out[b] = stable


@njit(**JIT)
def storkey_learn(weights, patterns):
    """Add bipolar ``patterns`` (P, N) int8 to ``weights`` (N, N, symmetric, zero diagonal) in place
    with Storkey's rule.

    w_ij += (1/N)(ξ_iξ_j − ξ_i h_ji − h_ij ξ_j) with h_ij = Σ_{k≠i,j} w_ik ξ_k. With a zero
    diagonal h_ij = h_i − w_ij ξ_j, so the update is (1/N)(ξ_iξ_j − (ξ_i h_j + ξ_j h_i) + 2w_ij):
    O(N²) per pattern from one field h = W ξ. The bracketed sum has the same two terms for
    (i, j) and (j, i), so the result stays exactly symmetric; the diagonal stays 0.
    """
    n = weights.shape[0]
    inv_n = 1.0 / n
    field = np.empty(n, dtype=np.float64)
    xi = np.empty(n, dtype=np.float64)
    for p in range(patterns.shape[0]):
        for i in range(n):
            xi[i] = patterns[p, i]
            field[i] = 0.0
        for j in range(n):
            row = weights[j]
            xj = xi[j]
            for i in range(n):
                field[i] += xj * row[i]
        for i in range(n):
            row = weights[i]
            xi_i = xi[i]
            h_i = field[i]
            for j in range(n):
                if j != i:
                    cross = xi_i * field[j] + xi[j] * h_i
                    row[j] += (xi_i * xi[j] - cross + 2.0 * row[j]) * inv_n


@njit(**JIT)
def perceptron_learn(weights, theta, inputs, targets, fixed, margin, symmetric, max_epochs):
    """Perceptron learning of every unit until each pattern is stable with a margin (seed 001).

    ``inputs`` (P, N) float64: the patterns in the network's coding (±1 or 0/1); ``targets`` (P, N)
    int8 ±1: the side each unit must take. Unit i is stable in pattern p when
    t_i (h_i − fixed_i − θ_i) > margin, with h_i = Σ_{j≠i} w_ij s_j (row i of ``weights`` holds the
    weights *into* unit i here; the diagonal stays 0). An unstable unit takes one perceptron step
    w_ij += t_i s_j (j ≠ i), θ_i −= t_i — with ``symmetric`` the same step also goes to w_ji, so
    W stays exactly symmetric: seed 001's perceptron on the joint vector v = (w_ij for i < j, −θ).
    Steps are of size 1 so that, with integer ``inputs``, W and θ hold integers and every sum is
    exact (the caller scales them, and passes ``fixed``/``margin`` in the same units).
    Patterns in order, units in order; the fields of the current pattern are kept up to date after
    each step (O(N)), recomputed per pattern (O(N²)). ``weights``/``theta`` are updated in place.
    Returns (epochs done, whether the last epoch made no step — every pattern stable).
    """
    n_patterns, n = inputs.shape
    field = np.empty(n, dtype=np.float64)
    for epoch in range(max_epochs):
        steps = 0
        for p in range(n_patterns):
            s = inputs[p]
            norm = 0.0  # Σ_j s_j², what a step on unit i adds to t_i h_i (less s_i², diagonal excluded)
            for j in range(n):
                norm += s[j] * s[j]
            for i in range(n):
                row = weights[i]
                acc = 0.0
                for j in range(n):
                    acc += row[j] * s[j]
                field[i] = acc
            for i in range(n):
                t = np.float64(targets[p, i])
                if t * (field[i] - fixed[i] - theta[i]) > margin:
                    continue
                steps += 1
                theta[i] -= t
                row = weights[i]
                for j in range(n):
                    if j != i:
                        row[j] += t * s[j]
                field[i] += t * (norm - s[i] * s[i])
                if symmetric:
                    for j in range(n):
                        if j != i:
                            weights[j, i] += t * s[j]
                            field[j] += t * s[j] * s[i]
        if steps == 0:
            return epoch + 1, True
    return max_epochs, False
