"""2-D Ising lattice kernels: checkerboard Metropolis / heat-bath, random-site Metropolis, Wolff.

Spins are int8 ±1 on an L×L periodic lattice; energy E = −J Σ_<ij> s_i s_j − h Σ_i s_i.

Random numbers come from the kernels' one generator (engine.kernels.random: a xoshiro256**
state, uint64[4], from ``seed_state``) that the caller owns, so the same seed gives the same
run. The checkerboard kernel draws one 64-bit key per (sweep, colour, row) from it and turns
the key into one 32-bit number per site with a counter-based hash (``site_random``), which
vectorises: this is what makes the sweep several times faster than a per-site generator.

Acceptance is decided in integers: a uint32 random number r flips a spin when
``r <= threshold`` with ``threshold = floor(p·2³²)`` clipped to 2³²−1, a table of the ten
possible (spin, neighbour sum) cases. (Probabilities are quantised to 2⁻³², far below any
statistical error a run can reach.) Heat-bath uses the same kernel with a different table:
the flip probability of s is 1 − p(new = s).

The per-sweep energy and magnetisation are kept incrementally: each call counts the bond sum
Σ s_i s_j and the spin sum Σ s_i once, and every flip of s with neighbour sum nn changes them
by −2·s·nn and −2·s. The running sums are exact integers, so the per-sweep values are
bit-identical to a fresh ``lattice_observables`` of the lattice at that sweep.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels import JIT
from engine.kernels.random import below, next_u64, next_u64_reference, uniform

_GOLDEN32 = 0x9E3779B9
_NO_POP_LIMIT = 1 << 62   # wolff_grow's max_pops for whole clusters in one call


# --------------------------------------------------------------------------- random numbers
@njit(**JIT)
def site_random(key_low, k):
    """The uint32 random number of site ``k`` of a row whose key's low word is ``key_low``.

    Not a second generator: a stateless hash (lowbias32 of key + k·golden) of a key drawn from
    engine.kernels.random, so every site of a row gets its own number without a sequential draw.
    """
    # numpy ufuncs keep uint32 ⊕ uint32 in uint32; numba's operators would widen to uint64
    # (even with a cast back after each step LLVM keeps 64-bit lanes), which halves the
    # lanes per vector register and costs 64-bit multiplies in the checkerboard loop.
    x = np.add(np.uint32(key_low), np.multiply(np.uint32(k), np.uint32(_GOLDEN32)))
    x = np.bitwise_xor(x, np.right_shift(x, np.uint32(16)))
    x = np.multiply(x, np.uint32(0x7FEB352D))
    x = np.bitwise_xor(x, np.right_shift(x, np.uint32(15)))
    x = np.multiply(x, np.uint32(0x846CA68B))
    x = np.bitwise_xor(x, np.right_shift(x, np.uint32(16)))
    return x


def site_random_reference(key_low: int, k: np.ndarray) -> np.ndarray:
    """Numpy version of ``site_random`` over an array of site indices (for tests)."""
    with np.errstate(over="ignore"):
        x = (np.uint32(key_low) + np.asarray(k, dtype=np.uint32) * np.uint32(_GOLDEN32)).astype(np.uint32)
        x ^= x >> np.uint32(16)
        x = (x * np.uint32(0x7FEB352D)).astype(np.uint32)
        x ^= x >> np.uint32(15)
        x = (x * np.uint32(0x846CA68B)).astype(np.uint32)
        x ^= x >> np.uint32(16)
    return x


# --------------------------------------------------------------------------- acceptance tables
def flip_thresholds(beta: float, J: float, h: float, rule: str) -> np.ndarray:
    """uint32 (10,) flip thresholds indexed by spin (−1 → 0..4, +1 → 5..9) and neighbour sum −4..4.

    rule "metropolis": p = min(1, exp(−βΔE)); rule "heatbath": p = 1 − 1/(1 + exp(−βΔE))
    (the probability that the heat-bath draw leaves the other value), ΔE = 2 s (J·nn + h).
    """
    if rule not in ("metropolis", "heatbath"):
        raise ValueError(f"rule must be 'metropolis' or 'heatbath', got {rule!r}")
    for name, v in (("beta", beta), ("J", J), ("h", h)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if beta < 0:
        raise ValueError(f"beta must be ≥ 0, got {beta!r}")
    out = np.empty(10, dtype=np.uint32)
    for si, s in enumerate((-1, 1)):
        for ni, nn in enumerate(range(-4, 5, 2)):
            x = beta * 2.0 * s * (J * nn + h)
            if rule == "metropolis":
                p = 1.0 if x <= 0 else math.exp(-x)
            else:  # 1/(1 + e^x), written to avoid overflow for large |x|
                p = math.exp(-x) / (1.0 + math.exp(-x)) if x > 0 else 1.0 / (1.0 + math.exp(x))
            out[si * 5 + ni] = min(int(p * 4294967296.0), 4294967295)
    return out


@njit(inline="always")
def _threshold(thr, s, nn):
    # Scalar loops (random-site, odd-L sequential) read the table: one load beats the
    # select chain there (≈1.4× for random-site at L=1024; the chain is for vector loops).
    return thr[(5 if s > 0 else 0) + ((nn + 4) >> 1)]


@njit(inline="always")
def _select(s, nn, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4):
    # A select chain over scalars held in registers instead of a table gather, so the
    # site loop vectorises (a gather from memory that might alias the lattice does not).
    # The spin is resolved first (five blends on one mask), then the neighbour sum: nested
    # the other way round LLVM builds and spills ten combined (spin & nn) masks.
    pos = s > 0
    t0 = b0 if pos else a0
    t1 = b1 if pos else a1
    t2 = b2 if pos else a2
    t3 = b3 if pos else a3
    t4 = b4 if pos else a4
    return t4 if nn == 4 else (t3 if nn == 2 else (t2 if nn == 0 else (t1 if nn == -2 else t0)))


# --------------------------------------------------------------------------- layouts & observables
@njit(**JIT)
def split_colours(spins, black, white):
    """Copy an even L×L lattice into its two colour sublattices (L, L/2): colour (i+j)&1."""
    L = spins.shape[0]
    half = L // 2
    for i in range(L):
        ob = i & 1
        for k in range(half):
            black[i, k] = spins[i, 2 * k + ob]
            white[i, k] = spins[i, 2 * k + 1 - ob]


@njit(**JIT)
def merge_colours(black, white, spins):
    """Inverse of split_colours."""
    L = spins.shape[0]
    half = L // 2
    for i in range(L):
        ob = i & 1
        for k in range(half):
            spins[i, 2 * k + ob] = black[i, k]
            spins[i, 2 * k + 1 - ob] = white[i, k]


@njit(inline="always")
def _per_spin(bonds, total, n, J, h):
    # The one formula for (E/spin, M/spin) from the integer sums, so that the incremental
    # values of the sweep kernels and a full recompute are the same floats.
    return (-J * bonds - h * total) / n, total / n


@njit(**JIT)
def lattice_sums(spins):
    """(Σ_<ij> s_i s_j over the 2L² bonds, Σ_i s_i) of an L×L periodic lattice, as int64."""
    L = spins.shape[0]
    bonds = 0
    total = 0
    for i in range(L):
        row = spins[i]
        down = spins[i + 1] if i < L - 1 else spins[0]
        for j in range(L - 1):
            s = np.int64(row[j])
            bonds += s * (row[j + 1] + down[j])
            total += s
        s = np.int64(row[L - 1])
        bonds += s * (row[0] + down[L - 1])
        total += s
    return bonds, total


@njit(**JIT)
def lattice_observables(spins, J, h):
    """(energy per spin, magnetisation per spin) of an L×L periodic lattice."""
    bonds, total = lattice_sums(spins)
    L = spins.shape[0]
    return _per_spin(bonds, total, L * L, J, h)


@njit(inline="always")
def _fill_pad(pad, orow, half):
    # pad = [orow[-1], orow[0], …, orow[half-1], orow[0]]: the row with its periodic
    # neighbours on both ends, so a site's horizontal neighbours are orow[k] and
    # pad[k] (shift −1) or pad[k+2] (shift +1), with no wrap test anywhere in the row.
    for k in range(half):
        pad[k + 1] = orow[k]
    pad[0] = orow[half - 1]
    pad[half + 1] = orow[0]


@njit(**JIT)
def _split_sums(black, white, pad):
    # Every bond has exactly one black end on an even lattice. Row sums in int32 (at most
    # 4·L/2 in size) keep the loop in narrow vector lanes; the totals are int64.
    L = black.shape[0]
    half = black.shape[1]
    bonds = 0
    total = 0
    for i in range(L):
        rw = black[i]
        orow = white[i]
        u = white[i - 1] if i > 0 else white[L - 1]
        d = white[i + 1] if i < L - 1 else white[0]
        _fill_pad(pad, orow, half)
        side = pad[2:] if (i & 1) == 1 else pad[:half]
        rb = np.int32(0)
        rt = np.int32(0)
        for k in range(half):
            nn = np.add(np.add(u[k], d[k]), np.add(orow[k], side[k]))
            rb = np.add(rb, np.int32(np.multiply(rw[k], nn)))
            rt = np.add(rt, np.add(np.int32(rw[k]), np.int32(orow[k])))
        bonds += rb
        total += rt
    return bonds, total


# --------------------------------------------------------------------------- checkerboard
@njit(**JIT)
def _colour_pass(me, other, c, thr, state, pad):
    """Update every site of colour sublattice ``me`` once; returns (Δ bond sum, Δ spin sum).

    The site loop is written for the vectoriser: int8 neighbour sums (numpy ufuncs keep
    int8 + int8 in int8, numba's operators widen to int64), the uint32 hash, a branch-free
    flip (f = 0/1, s → s − 2·f·s) and int32 row sums of f·s·nn and f·s, the flipped spins'
    contributions, which give the observables without another pass over the lattice.
    """
    L = me.shape[0]
    half = me.shape[1]
    a0, a1, a2, a3, a4 = thr[0], thr[1], thr[2], thr[3], thr[4]
    b0, b1, b2, b3, b4 = thr[5], thr[6], thr[7], thr[8], thr[9]
    flipped_bonds = 0
    flipped_total = 0
    for i in range(L):
        u = other[i - 1] if i > 0 else other[L - 1]
        d = other[i + 1] if i < L - 1 else other[0]
        rw = me[i]
        orow = other[i]
        # horizontal neighbours of me[i, k]: orow[k] and orow[k ± 1] (periodic), the sign
        # by the row's parity; via the padded copy the whole row is one loop without
        # wrap tests or a scalar remainder
        _fill_pad(pad, orow, half)
        side = pad[2:] if ((i + c) & 1) == 1 else pad[:half]
        key_low = np.uint32(next_u64(state) & np.uint64(0xFFFFFFFF))
        rb = np.int32(0)
        rt = np.int32(0)
        for k in range(half):
            s = rw[k]
            nn = np.add(np.add(u[k], d[k]), np.add(orow[k], side[k]))
            th = _select(s, nn, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4)
            fs = np.multiply(np.int8(site_random(key_low, k) <= th), s)  # s if it flips, else 0
            rw[k] = np.subtract(s, np.add(fs, fs))
            rb = np.add(rb, np.int32(np.multiply(fs, nn)))
            rt = np.add(rt, np.int32(fs))
        flipped_bonds += rb
        flipped_total += rt
    return -2 * flipped_bonds, -2 * flipped_total


@njit(**JIT)
def checkerboard_sweeps(spins, n_sweeps, thr, state, black, white, J, h, energy_out, magnet_out):
    """n_sweeps checkerboard sweeps of an even-L lattice (in place); per-sweep E/spin and M/spin.

    ``black``/``white`` are (L, L/2) int8 work buffers; ``thr`` comes from flip_thresholds.
    """
    L = spins.shape[0]
    pad = np.empty(L // 2 + 2, dtype=np.int8)
    split_colours(spins, black, white)
    bonds, total = _split_sums(black, white, pad)
    for t in range(n_sweeps):
        db, dt = _colour_pass(black, white, 0, thr, state, pad)
        bonds += db
        total += dt
        db, dt = _colour_pass(white, black, 1, thr, state, pad)
        bonds += db
        total += dt
        e, m = _per_spin(bonds, total, L * L, J, h)
        energy_out[t] = e
        magnet_out[t] = m
    merge_colours(black, white, spins)


@njit(**JIT)
def sequential_checkerboard_sweeps(spins, n_sweeps, thr, state, J, h, energy_out, magnet_out):
    """Checkerboard-ordered single-site sweeps, in place, for odd L (where colours touch).

    On an odd lattice the two colour classes are not independent sets, so each site is
    updated in turn with its neighbours' current values; each update keeps the Boltzmann
    distribution invariant, so the sweep does too.
    """
    L = spins.shape[0]
    bonds, total = lattice_sums(spins)
    for t in range(n_sweeps):
        for c in range(2):
            for i in range(L):
                u = spins[i - 1] if i > 0 else spins[L - 1]
                d = spins[i + 1] if i < L - 1 else spins[0]
                rw = spins[i]
                key_low = np.uint32(next_u64(state) & np.uint64(0xFFFFFFFF))
                for j in range((i + c) & 1, L, 2):
                    left = rw[j - 1] if j > 0 else rw[L - 1]
                    right = rw[j + 1] if j < L - 1 else rw[0]
                    s = rw[j]
                    nn = u[j] + d[j] + left + right
                    # branch-free flip (fs = s if it flips, else 0): the accept/reject
                    # branch is unpredictable near T_c and its mispredictions dominate
                    fs = np.int64(site_random(key_low, j // 2) <= _threshold(thr, s, nn)) * s
                    rw[j] = s - 2 * fs
                    bonds -= 2 * fs * nn  # L ≥ 3: a site is never its own neighbour
                    total -= 2 * fs
        e, m = _per_spin(bonds, total, L * L, J, h)
        energy_out[t] = e
        magnet_out[t] = m


def checkerboard_sweep_reference(spins: np.ndarray, thr: np.ndarray, state: np.ndarray) -> None:
    """Numpy version of one checkerboard sweep (even L), same random numbers (for tests)."""
    L = spins.shape[0]
    half = L // 2
    k = np.arange(half)
    for c in range(2):
        for i in range(L):
            off = (i + c) & 1
            j = 2 * k + off
            key_low = next_u64_reference(state) & 0xFFFFFFFF
            r = site_random_reference(key_low, k)
            s = spins[i, j].astype(np.int64)
            nn = (spins[(i - 1) % L, j].astype(np.int64) + spins[(i + 1) % L, j]
                  + spins[i, (j - 1) % L] + spins[i, (j + 1) % L])
            idx = np.where(s > 0, 5, 0) + (nn + 4) // 2
            flip = r <= thr[idx]
            spins[i, j[flip]] = -spins[i, j[flip]]


# --------------------------------------------------------------------------- random-site Metropolis
@njit(**JIT)
def random_site_sweeps(spins, n_sweeps, thr, state, J, h, energy_out, magnet_out):
    """Metropolis with a random site per attempt (the seeds' algorithm): L² attempts per sweep."""
    L = spins.shape[0]
    n = L * L
    prev = np.empty(L, dtype=np.int64)
    nxt = np.empty(L, dtype=np.int64)
    for i in range(L):  # neighbour indices once, so the loop has no modulo
        prev[i] = i - 1 if i > 0 else L - 1
        nxt[i] = i + 1 if i < L - 1 else 0
    bonds, total = lattice_sums(spins)  # kept up to date per flip, like the checkerboard
    for t in range(n_sweeps):
        for _ in range(n):
            # one draw for two numbers: the high word picks the site (as ``below`` would), the
            # low word decides the flip; the saved sessions' streams depend on this order
            x = next_u64(state)
            site = np.int64(((x >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
            r = np.uint32(x & np.uint64(0xFFFFFFFF))
            i = site // L
            j = site - i * L
            s = spins[i, j]
            nn = spins[prev[i], j] + spins[nxt[i], j] + spins[i, prev[j]] + spins[i, nxt[j]]
            # branch-free flip, as in the checkerboard kernels (≈1.5× here: the accept/reject
            # branch is unpredictable near T_c); fs = s if the spin flips, else 0
            fs = np.int64(r <= _threshold(thr, s, nn)) * s
            spins[i, j] = s - 2 * fs
            bonds -= 2 * fs * nn
            total -= 2 * fs
        e, m = _per_spin(bonds, total, n, J, h)
        energy_out[t] = e
        magnet_out[t] = m


def random_site_sweep_reference(spins: np.ndarray, thr: np.ndarray, state: np.ndarray) -> None:
    """Pure-Python version of one random-site sweep, same random numbers (for tests)."""
    L = spins.shape[0]
    n = L * L
    for _ in range(n):
        x = next_u64_reference(state)
        site = ((x >> 32) * n) >> 32
        r = x & 0xFFFFFFFF
        i, j = divmod(site, L)
        s = int(spins[i, j])
        nn = int(spins[(i - 1) % L, j]) + int(spins[(i + 1) % L, j]) + int(spins[i, (j - 1) % L]) \
            + int(spins[i, (j + 1) % L])
        if r <= int(thr[(5 if s > 0 else 0) + (nn + 4) // 2]):
            spins[i, j] = -s


# --------------------------------------------------------------------------- Wolff clusters
@njit(**JIT)
def wolff_sweeps(spins, n_sweeps, clusters_per_sweep, add_threshold, beta, h, state, queue, mark, J,
                 energy_out, magnet_out, max_visits_per_sweep=0):
    """Wolff single-cluster updates; one sweep = ``clusters_per_sweep`` clusters.

    The count per sweep is fixed in advance: stopping after a state-dependent number of
    clusters (e.g. "until L² sites were visited") would bias the states seen at sweep ends.
    ``max_visits_per_sweep`` (0 = none) bounds a sweep's work all the same: it only acts while
    the count is far too large for the lattice (a count calibrated on a hot lattice that has
    since ordered, whose every cluster is then ~L²), so a step stays short enough to interrupt;
    the caller recalibrates the count from the returned totals.

    ``add_threshold`` is floor(p_add·2³²) with p_add = 1 − exp(−2βJ) (J ≥ 0). A field h is
    handled by accepting the grown cluster with min(1, exp(−2βh·s·|C|)), which keeps
    detailed balance. ``queue`` is an int64 (L²,) buffer, ``mark`` an int64 (L²,) stamp
    array; returns (total size of the clusters grown, number of clusters grown).
    """
    mark[:] = 0  # stamps restart at 1 on every call
    cluster = np.zeros(4, dtype=np.int64)
    clusters = 0
    visited = 0
    for t in range(n_sweeps):
        v, c = wolff_grow(spins, clusters_per_sweep, 0, max_visits_per_sweep, add_threshold, beta, h, state, queue,
                          mark, cluster, _NO_POP_LIMIT)
        visited += v
        clusters += c
        e, m = lattice_observables(spins, J, h)
        energy_out[t] = e
        magnet_out[t] = m
    return visited, clusters


@njit(**JIT)
def wolff_grow(spins, n_clusters, visited_before, max_visits, add_threshold, beta, h, state, queue, mark,
               cluster, max_pops):
    """Grow and flip Wolff clusters, at most ``n_clusters`` of them, taking at most ``max_pops`` sites
    off the growth queue in this call: a cluster as big as the lattice (T = 1 on 2048²) is grown over
    several calls, with the same draws as in one, and flipped when it is complete.

    ``cluster`` int64 (4,) = [stamp, s0, head, tail] carries the cluster being grown from one call
    to the next (tail 0: none; the stamp is the last one used, so start a sweep at 0 with ``mark``
    zeroed); ``queue`` and ``mark`` must not change between such calls. A new cluster starts only
    while ``visited_before`` + the visits of the clusters completed here is under ``max_visits``
    (0 = no cap; see ``wolff_sweeps``). Returns (visits, clusters) of the clusters completed here;
    the call ends when a cluster is still growing (tail > 0) or no more may start (tail 0).
    """
    L = spins.shape[0]
    n = L * L
    flat = spins.reshape(n)
    stamp, s0, head, tail = cluster[0], cluster[1], cluster[2], cluster[3]
    visited = 0
    done = 0
    pops = 0
    while True:
        if tail == 0:
            if done >= n_clusters or (max_visits > 0 and visited_before + visited >= max_visits):
                break
            stamp += 1
            seed_site = below(state, n)
            s0 = flat[seed_site]
            mark[seed_site] = stamp
            queue[0] = seed_site
            head = 0
            tail = 1
        while head < tail and pops < max_pops:
            site = queue[head]
            head += 1
            pops += 1
            i = site // L
            j = site - i * L
            for q in range(4):
                if q == 0:
                    nb = site - L if i > 0 else site + n - L
                elif q == 1:
                    nb = site + L if i < L - 1 else site - n + L
                elif q == 2:
                    nb = site - 1 if j > 0 else site + L - 1
                else:
                    nb = site + 1 if j < L - 1 else site - L + 1
                if flat[nb] == s0 and mark[nb] != stamp:
                    r = np.uint32(next_u64(state) >> np.uint64(32))
                    if r < add_threshold:
                        mark[nb] = stamp
                        queue[tail] = nb
                        tail += 1
        if head < tail:   # this call's share of the work is done; the cluster grows on in the next
            break
        visited += tail
        done += 1
        accept = True
        if h != 0.0:
            d = 2.0 * beta * h * s0 * tail
            if d > 0.0:
                accept = uniform(state) < math.exp(-d)
        if accept:
            for q in range(tail):
                flat[queue[q]] = -s0
        tail = 0
    cluster[0], cluster[1], cluster[2], cluster[3] = stamp, s0, head, tail
    return visited, done


def wolff_add_threshold(beta: float, J: float) -> int:
    """floor(p_add·2³²) for the Wolff bond probability p_add = 1 − exp(−2βJ), J ≥ 0."""
    if not math.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be a finite number ≥ 0, got {beta!r}")
    if not math.isfinite(J) or J < 0:
        raise ValueError(f"J must be ≥ 0 for Wolff clusters (ferromagnet), got {J!r}")
    p_add = -math.expm1(-2.0 * beta * J)
    return min(int(p_add * 4294967296.0), 4294967295)
