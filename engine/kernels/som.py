"""SOM and competitive-learning hot loops: BMU search, neighbourhood updates, U-matrix.

Units live on a ``rows × cols`` grid, flat index ``u = r * cols + c``. On a hexagonal
grid odd rows are shifted right by half a cell and rows are ``sqrt(3)/2`` apart, so the
six neighbours of every unit are at distance 1. A toroidal grid wraps both axes.

Why these are kernels: the online rule is inherently sequential (each sample's winner
depends on the previous update), so numpy pays Python overhead per sample; here a sample
costs one pass over the codebook for the winner (squared norms of the prototypes are
kept up to date, so the search is a dot product) plus one pass over the units inside the
neighbourhood window. Random sample orders are drawn by the caller from a seeded
generator and passed in, so the same seed gives the same map.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels import JIT

BUBBLE = 0
GAUSSIAN = 1
MEXICAN_HAT = 2
NEIGHBORHOOD_CODES = {"bubble": BUBBLE, "gaussian": GAUSSIAN, "mexican_hat": MEXICAN_HAT}
HEX_ROW_HEIGHT = math.sqrt(3.0) / 2.0
# Gaussian weights below 1e-4 are dropped: exp(-d²/2σ²) < 1e-4 beyond d = 4.29σ.
GAUSSIAN_REACH = math.sqrt(2.0 * math.log(1e4))
# (1 - d²/σ²)·exp(-d²/2σ²) is below 1e-4 in magnitude beyond about 5σ.
MEXICAN_HAT_REACH = 5.0
# Reassociation lets LLVM vectorise the feature loops (dot products, running |w|²); no
# "nnan"/"ninf" flags, because the winner searches start from +inf.
FAST = {"reassoc", "contract", "nsz", "arcp"}


@njit(**JIT)
def grid_offsets(r1, c1, r2, c2, rows, cols, hexagonal, toroidal):
    """(|dx|, |dy|) between two units in grid-space units (wrapped on a torus)."""
    if hexagonal:
        dx = abs((c1 + 0.5 * (r1 & 1)) - (c2 + 0.5 * (r2 & 1)))
        dy = abs(r1 - r2) * HEX_ROW_HEIGHT
        if toroidal:
            dx = min(dx, cols - dx)
            dy = min(dy, rows * HEX_ROW_HEIGHT - dy)
    else:
        dx = float(abs(c1 - c2))
        dy = float(abs(r1 - r2))
        if toroidal:
            dx = min(dx, cols - dx)
            dy = min(dy, rows - dy)
    return dx, dy


@njit(**JIT)
def neighborhood_weight(kind, r1, c1, r2, c2, sigma, rows, cols, hexagonal, toroidal):
    """h(winner, unit): bubble (square window on a rectangular grid, disc on a hex grid), Gaussian, Mexican hat."""
    dx, dy = grid_offsets(r1, c1, r2, c2, rows, cols, hexagonal, toroidal)
    d2 = dx * dx + dy * dy
    if kind == BUBBLE:
        if hexagonal:
            return 1.0 if d2 <= sigma * sigma + 1e-9 else 0.0
        # the seeds' find_neighbors: every unit within k rows AND k columns
        return 1.0 if max(dx, dy) <= sigma + 1e-9 else 0.0
    if sigma <= 0.0:
        return 1.0 if d2 == 0.0 else 0.0
    s2 = sigma * sigma
    if kind == GAUSSIAN:
        # beyond the reach the weight is below 1e-4: skip the unit (a disc, not the whole window)
        if d2 > GAUSSIAN_REACH * GAUSSIAN_REACH * s2:
            return 0.0
        return math.exp(-d2 / (2.0 * s2))
    if d2 > MEXICAN_HAT_REACH * MEXICAN_HAT_REACH * s2:
        return 0.0
    return (1.0 - d2 / s2) * math.exp(-d2 / (2.0 * s2))


@njit(**JIT)
def neighborhood_reach(kind, sigma):
    """Grid distance beyond which a neighbourhood's weight is (treated as) zero."""
    if kind == BUBBLE:
        return sigma
    if kind == GAUSSIAN:
        return sigma * GAUSSIAN_REACH
    return sigma * MEXICAN_HAT_REACH


@njit(**JIT)
def window_units(r0, c0, reach, rows, cols, hexagonal, toroidal, out):
    """Write the flat indices of the units in the bounding window of radius ``reach``; return how many."""
    if hexagonal:
        half_r = int(math.ceil(reach / HEX_ROW_HEIGHT))
        half_c = int(math.ceil(reach)) + 1
    else:
        half_r = int(math.floor(reach + 1e-9))
        half_c = half_r
    n = 0
    full_r = toroidal and 2 * half_r + 1 >= rows
    full_c = toroidal and 2 * half_c + 1 >= cols
    if full_r:
        r_lo, r_hi = 0, rows - 1
    elif toroidal:
        r_lo, r_hi = r0 - half_r, r0 + half_r
    else:
        r_lo, r_hi = max(0, r0 - half_r), min(rows - 1, r0 + half_r)
    if full_c:
        c_lo, c_hi = 0, cols - 1
    elif toroidal:
        c_lo, c_hi = c0 - half_c, c0 + half_c
    else:
        c_lo, c_hi = max(0, c0 - half_c), min(cols - 1, c0 + half_c)
    for rr in range(r_lo, r_hi + 1):
        r = rr % rows
        for cc in range(c_lo, c_hi + 1):
            out[n] = r * cols + (cc % cols)
            n += 1
    return n


@njit(**JIT)
def neighbors_of(winner, rows, cols, hexagonal, toroidal, kind, sigma, window):
    """Units with a nonzero neighbourhood weight around ``winner``, ascending (used by find_neighbors)."""
    r0 = winner // cols
    c0 = winner % cols
    n = window_units(r0, c0, neighborhood_reach(kind, sigma), rows, cols, hexagonal, toroidal, window)
    keep = np.zeros(n, dtype=np.int64)
    m = 0
    for k in range(n):
        v = window[k]
        if neighborhood_weight(kind, r0, c0, v // cols, v % cols, sigma, rows, cols, hexagonal, toroidal) != 0.0:
            keep[m] = v
            m += 1
    return np.sort(keep[:m])


@njit(fastmath=FAST, **JIT)
def _squared_distance(weights, u, x):
    acc = 0.0
    for f in range(x.shape[0]):
        d = x[f] - weights[u, f]
        acc += d * d
    return acc


@njit(fastmath=FAST, **JIT)
def _best_two(weights, w_sq, x):
    """Indices of the two closest prototypes to x (argmin of |w|² − 2 w·x)."""
    n_units, n_features = weights.shape
    best = -1
    second = -1
    best_score = np.inf
    second_score = np.inf
    for u in range(n_units):
        dot = 0.0
        for f in range(n_features):
            dot += weights[u, f] * x[f]
        score = w_sq[u] - 2.0 * dot
        if score < best_score:
            second = best
            second_score = best_score
            best = u
            best_score = score
        elif score < second_score:
            second = u
            second_score = score
    return best, second


@njit(fastmath=FAST, **JIT)
def squared_norms(weights, out):
    """out[u] = |weights[u]|²."""
    for u in range(weights.shape[0]):
        acc = 0.0
        for f in range(weights.shape[1]):
            acc += weights[u, f] * weights[u, f]
        out[u] = acc


@njit(**JIT)
def axis_terms(kind, r0, c0, sigma, rows, cols, hexagonal, toroidal, row_d2, row_g, col_d2, col_g):
    """Squared grid offsets from unit (r0, c0) per row (``row_d2``) and per column (``col_d2[p]``, p the
    row parity on a hex grid, 0 otherwise), and their Gaussian factors exp(−d²/2σ²).

    Why: exp(−(dx²+dy²)/2σ²) = g(dx)·g(dy), so a sample costs rows + cols exponentials instead of
    one per unit of its window — on a 20×20 map at σ=3 the per-unit exp was half the online epoch.
    """
    inv = 1.0 / (2.0 * sigma * sigma) if sigma > 0.0 else 0.0
    for r in range(rows):
        dy = float(abs(r - r0))
        if hexagonal:
            dy *= HEX_ROW_HEIGHT
            if toroidal:
                dy = min(dy, rows * HEX_ROW_HEIGHT - dy)
        elif toroidal:
            dy = min(dy, rows - dy)
        row_d2[r] = dy * dy
        if kind != BUBBLE:
            row_g[r] = math.exp(-dy * dy * inv)
    for p in range(2 if hexagonal else 1):
        for c in range(cols):
            if hexagonal:
                dx = abs((c + 0.5 * p) - (c0 + 0.5 * (r0 & 1)))
            else:
                dx = float(abs(c - c0))
            if toroidal:
                dx = min(dx, cols - dx)
            col_d2[p, c] = dx * dx
            if kind != BUBBLE:
                col_g[p, c] = math.exp(-dx * dx * inv)


@njit(**JIT)
def separable_weight(kind, sigma, hexagonal, dy2, dx2, gy, gx):
    """neighborhood_weight from the per-axis terms of ``axis_terms`` (same cut-offs, same values up to rounding)."""
    d2 = dx2 + dy2
    if kind == BUBBLE:
        if hexagonal:
            return 1.0 if d2 <= sigma * sigma + 1e-9 else 0.0
        reach2 = (sigma + 1e-9) * (sigma + 1e-9)
        return 1.0 if dx2 <= reach2 and dy2 <= reach2 else 0.0
    if sigma <= 0.0:
        return 1.0 if d2 == 0.0 else 0.0
    s2 = sigma * sigma
    if kind == GAUSSIAN:
        if d2 > GAUSSIAN_REACH * GAUSSIAN_REACH * s2:
            return 0.0
        return gy * gx
    if d2 > MEXICAN_HAT_REACH * MEXICAN_HAT_REACH * s2:
        return 0.0
    return (1.0 - d2 / s2) * gy * gx


@njit(fastmath=FAST, **JIT)
def som_train_online(data, order, learning_rates, sigmas, weights, w_sq, rows, cols,
                     hexagonal, toroidal, kind, window, touched, out_bmu, out_second, out_dist):
    """Kohonen's online rule over data[order]: w_v += lr·h(bmu, v)·(x − w_v), one sample at a time.

    ``learning_rates``/``sigmas`` hold the schedule value for each presented sample;
    ``w_sq`` (|w_u|²) is kept current; ``touched[v]`` is set to 1 for every updated unit
    (so the U-matrix is refreshed only there); out_* get each sample's BMU, second BMU
    and distance to the BMU measured before its update (the seeds' running error).
    """
    n_features = weights.shape[1]
    row_d2 = np.empty(rows)
    row_g = np.empty(rows)
    col_d2 = np.empty((2, cols))
    col_g = np.empty((2, cols))
    for s in range(order.shape[0]):
        x = data[order[s]]
        best, second = _best_two(weights, w_sq, x)
        out_bmu[s] = best
        out_second[s] = second
        out_dist[s] = math.sqrt(_squared_distance(weights, best, x))
        lr = learning_rates[s]
        sigma = sigmas[s]
        r0 = best // cols
        c0 = best % cols
        n = window_units(r0, c0, neighborhood_reach(kind, sigma), rows, cols, hexagonal, toroidal, window)
        axis_terms(kind, r0, c0, sigma, rows, cols, hexagonal, toroidal, row_d2, row_g, col_d2, col_g)
        for k in range(n):
            v = window[k]
            r = v // cols
            c = v % cols
            p = (r & 1) if hexagonal else 0
            h = lr * separable_weight(kind, sigma, hexagonal, row_d2[r], col_d2[p, c], row_g[r], col_g[p, c])
            if h == 0.0:
                continue
            acc = 0.0
            for f in range(n_features):
                w = weights[v, f] + h * (x[f] - weights[v, f])
                weights[v, f] = w
                acc += w * w
            w_sq[v] = acc
            touched[v] = 1


@njit(**JIT)
def find_bmus(data, weights, w_sq, out_bmu, out_second, out_dist):
    """Best and second-best matching unit and BMU distance of every row of data (weights unchanged)."""
    n_samples = data.shape[0]
    if weights.shape[1] <= 32:
        # few features: a direct scan beats a BLAS call (whose threads spin on a busy machine)
        for i in range(n_samples):
            best, second = _best_two(weights, w_sq, data[i])
            out_bmu[i] = best
            out_second[i] = second
            out_dist[i] = math.sqrt(_squared_distance(weights, best, data[i]))
        return
    # the transpose as a view (BLAS reads it transposed): a copy of a 200×200 MNIST map costs 0.3 s, more
    # than searching a few samples, and callers search in small blocks between stop checks
    weights_t = weights.T
    block = 256
    for start in range(0, n_samples, block):
        stop = min(n_samples, start + block)
        # one BLAS product per block: the dot products of a block of samples with every prototype
        dots = np.dot(np.ascontiguousarray(data[start:stop]), weights_t)
        for i in range(stop - start):
            best = -1
            second = -1
            best_score = np.inf
            second_score = np.inf
            for u in range(weights.shape[0]):
                score = w_sq[u] - 2.0 * dots[i, u]
                if score < best_score:
                    second = best
                    second_score = best_score
                    best = u
                    best_score = score
                elif score < second_score:
                    second = u
                    second_score = score
            out_bmu[start + i] = best
            out_second[start + i] = second
            out_dist[start + i] = math.sqrt(_squared_distance(weights, best, data[start + i]))


@njit(**JIT)
def accumulate_hits(data, bmu, sums, counts):
    """sums[bmu[i]] += data[i]; counts[bmu[i]] += 1 (the batch rule's per-unit statistics)."""
    for i in range(data.shape[0]):
        u = bmu[i]
        counts[u] += 1.0
        for f in range(data.shape[1]):
            sums[u, f] += data[i, f]


@njit(fastmath=FAST, **JIT)
def som_batch_update(sums, counts, weights, w_sq, rows, cols, hexagonal, toroidal, kind, sigma,
                     learning_rate, window, numerator, denominator, touched, start, budget):
    """Batch rule: w_v ← (1−lr)·w_v + lr·Σ_u h(u,v)·sums_u / Σ_u h(u,v)·counts_u (units with hits only).

    In parts of bounded work: one call adds the units u = start, start+1, … to ``numerator`` and
    ``denominator`` (cleared when start = 0) until about ``budget`` multiply-adds are done, and returns
    the next u; the call that adds the last unit updates the prototypes and returns n_units. Calls
    from 0 on add the units in the same order as one call with an unbounded budget, so they give the
    same numbers, and the prototypes change only in the last one (a stop request between calls leaves
    them whole)."""
    n_units, n_features = weights.shape
    if start == 0:
        numerator[:, :] = 0.0
        denominator[:] = 0.0
    reach = neighborhood_reach(kind, sigma)
    work = 0
    u = start
    while u < n_units and work < budget:
        if counts[u] == 0.0:
            u += 1
            continue
        r0 = u // cols
        c0 = u % cols
        n = window_units(r0, c0, reach, rows, cols, hexagonal, toroidal, window)
        work += n * (n_features + 1)
        for k in range(n):
            v = window[k]
            h = neighborhood_weight(kind, r0, c0, v // cols, v % cols, sigma, rows, cols, hexagonal, toroidal)
            if h == 0.0:
                continue
            denominator[v] += h * counts[u]
            for f in range(n_features):
                numerator[v, f] += h * sums[u, f]
        u += 1
    if u < n_units:
        return u
    for v in range(n_units):
        if denominator[v] > 0.0:
            acc = 0.0
            for f in range(n_features):
                w = (1.0 - learning_rate) * weights[v, f] + learning_rate * numerator[v, f] / denominator[v]
                weights[v, f] = w
                acc += w * w
            w_sq[v] = acc
            touched[v] = 1
    return n_units


@njit(fastmath=FAST, **JIT)
def _pair_distance(weights, a, b):
    acc = 0.0
    for f in range(weights.shape[1]):
        d = weights[a, f] - weights[b, f]
        acc += d * d
    return math.sqrt(acc)


@njit(**JIT)
def _neighbor_below(r, c, k, rows, cols, hexagonal, toroidal):
    """Flat index of unit (r, c)'s k-th neighbour in the next row (k = 0, 1, 2), or −1."""
    if r + 1 < rows:
        r2 = r + 1
    elif toroidal and rows > 2:
        r2 = 0
    else:
        return -1
    if hexagonal:
        if k == 2:
            return -1
        c2 = c - 1 + (r & 1) + k
    else:
        c2 = c - 1 + k
    if 0 <= c2 < cols:
        return r2 * cols + c2
    if toroidal and cols > 2:
        return r2 * cols + (c2 % cols)
    return -1


@njit(**JIT)
def _neighbor(r, c, direction, rows, cols, hexagonal, toroidal):
    """Direction 0: the right neighbour; 1–3: the neighbours in the next row. −1 where none."""
    if direction == 0:
        if c + 1 < cols:
            return r * cols + c + 1
        if toroidal and cols > 2:
            return r * cols
        return -1
    return _neighbor_below(r, c, direction - 1, rows, cols, hexagonal, toroidal)


@njit(**JIT)
def umatrix(weights, rows, cols, hexagonal, toroidal, touched, edges, out):
    """out[r, c] = mean distance from unit (r, c)'s prototype to its grid neighbours (8 square, 6 hex).

    Each neighbour pair is stored once in ``edges[a, direction]`` (right and the three
    below); only pairs with a ``touched`` end are recomputed, so a frame after a few online
    samples costs the changed neighbourhood, not the whole map. ``touched`` is cleared.
    Pass ``touched`` all ones (and any ``edges``) for a full computation.
    """
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            for direction in range(4):
                b = _neighbor(r, c, direction, rows, cols, hexagonal, toroidal)
                if b >= 0 and (touched[a] != 0 or touched[b] != 0):
                    edges[a, direction] = _pair_distance(weights, a, b)
    total = np.zeros(rows * cols)
    count = np.zeros(rows * cols)
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            for direction in range(4):
                b = _neighbor(r, c, direction, rows, cols, hexagonal, toroidal)
                if b >= 0:
                    total[a] += edges[a, direction]
                    total[b] += edges[a, direction]
                    count[a] += 1.0
                    count[b] += 1.0
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            out[r, c] = total[a] / count[a] if count[a] > 0 else 0.0
    touched[:] = 0


@njit(fastmath=FAST, **JIT)
def competitive_train_online(data, order, learning_rates, weights, by_activation, conscience,
                             conscience_rate, win_frequency, out_winner, out_dist):
    """Winner-take-all instar rule w_win += lr·(x − w_win) over data[order].

    The winner is the closest prototype (``by_activation`` False) or the largest w·x;
    with ``conscience`` > 0 (DeSieno's frequency-sensitive bias C·(1/K − p_u)) units that
    win too often are handicapped, which revives dead units. ``win_frequency`` (p_u) is
    updated in place with rate ``conscience_rate``; out_dist gets |x − w_win| before the update.
    """
    n_units, n_features = weights.shape
    fair_share = 1.0 / n_units
    for s in range(order.shape[0]):
        x = data[order[s]]
        winner = 0
        best = np.inf
        for u in range(n_units):
            bias = conscience * (fair_share - win_frequency[u])
            if by_activation:
                dot = 0.0
                for f in range(n_features):
                    dot += weights[u, f] * x[f]
                score = -(dot + bias)
            else:
                score = _squared_distance(weights, u, x) - bias
            if score < best:
                best = score
                winner = u
        out_winner[s] = winner
        out_dist[s] = math.sqrt(_squared_distance(weights, winner, x))
        if conscience_rate > 0.0:
            for u in range(n_units):
                target = 1.0 if u == winner else 0.0
                win_frequency[u] += conscience_rate * (target - win_frequency[u])
        lr = learning_rates[s]
        for f in range(n_features):
            weights[winner, f] += lr * (x[f] - weights[winner, f])
