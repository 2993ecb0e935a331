"""Dense Associative Memory hot loops (Krotov & Hopfield 2016; seed 004).

Classifier (eqs. 15–17). For a minibatch of B images v (±1 pixels) and K memories ξ (K, N + Nc),
every V^{αA} and U^A state of eq. (15) shares the visible part v^A, so their drives come from ONE
product h = ξ_vis·v (K, B), done by BLAS outside:
    ξ·U^A  = h_A − S,          S = Σ_γ ξ_γ            (every classification neuron at −1)
    ξ·V^{αA} = h_A − S + 2 ξ_α                          (neuron α at +1)
— ten times less work than forming the (N + Nc, Nc·B) matrices of the reference notebook. The
kernels here do the elementwise rest, in units of the temperature: β F_n(x) = ((x)_+ / T)^n,
which stays finite where x^n alone would not (the issue's "numerically safe powers").

Auto-associative memory (eqs. 2–4). The overlaps m_μ = Σ_j ξ_j^μ σ_j are kept incrementally: unit
i sees L_μ = m_μ − ξ_i^μ σ_i (the sum over j ≠ i of eq. 4), so deciding one unit costs O(K) and a
flip updates m in O(K). Energy kinds: 0 polynomial F(x) = xⁿ, 1 rectified (eq. 3), 2 exponential
F(x) = eˣ (Demircigil et al. 2017), evaluated as Σ_μ ξ_i^μ e^{L_μ − max L}·2 sinh 1 — the sign of
eq. (4)'s difference without overflow. A unit whose difference is exactly 0 keeps its value (the
project's Hopfield convention, so power 2 reproduces Hopfield(rule="hebbian") exactly: for F = x²
the difference is 4·Σ_j≠i T_ij σ_j in exact integer arithmetic).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from engine.kernels import JIT
from engine.kernels.random import shuffle

KIND_POLYNOMIAL = 0
KIND_RECTIFIED = 1
KIND_EXPONENTIAL = 2
KINDS = {"polynomial": KIND_POLYNOMIAL, "rectified": KIND_RECTIFIED, "exponential": KIND_EXPONENTIAL}


@njit(**JIT)
def powi(x, k):
    """x**k for a whole k ≥ 0 by repeated squaring (the numpy references use the same)."""
    result = 1.0
    base = x
    while k > 0:
        if k & 1:
            result *= base
        base *= base
        k >>= 1
    return result


# --------------------------------------------------------------------------- classifier
# Samples per SIMD block. The kernels below run the loop over a block's samples innermost (contiguous
# in h's rows), so LLVM vectorises the powers; a block's powers, K·(Nc + 1)·BLOCK doubles (563 KB at
# K = 100), stay in the L2 cache between the scores and the gradient.
BLOCK = 64


@njit(**JIT)
def _powers(x, nb, k, out, base):
    """out[j] = (x[j])_+^k for j < nb (k ≥ 1): ``powi``'s products in ``powi``'s order (the same bits),
    with the loop over the bits of k outside, so that the loops over j run in SIMD lanes."""
    for j in range(nb):
        out[j] = 1.0
        base[j] = x[j] if x[j] > 0.0 else 0.0
    while k > 0:
        if k & 1:
            for j in range(nb):
                out[j] *= base[j]
        k >>= 1
        if k > 0:
            for j in range(nb):
                base[j] *= base[j]


@njit(**JIT)
def _block_scores(h, S, C, a0, nb, inv_t, power, sc, P, work):
    """Scores sc[c, j] of samples a0 + j (j < nb), as ``dam_scores``, and their powers P[μ, c, j] =
    (ξ·V^{c}/T)_+^{n−1}, P[μ, Nc, j] the same of U. ``work`` (3, BLOCK) scratch."""
    K = h.shape[0]
    nc = C.shape[1]
    xu, xv, fu = work[0], work[1], work[2]
    for c in range(nc):
        for j in range(nb):
            sc[c, j] = 0.0
    for mu in range(K):
        s = S[mu]
        for j in range(nb):
            xu[j] = (h[mu, a0 + j] - s) * inv_t
        pu = P[mu, nc]
        _powers(xu, nb, power - 1, pu, fu)
        for j in range(nb):
            fu[j] = pu[j] * xu[j] if xu[j] > 0.0 else 0.0
        for c in range(nc):
            off = 2.0 * C[mu, c] * inv_t
            for j in range(nb):
                xv[j] = xu[j] + off
            pv = P[mu, c]
            _powers(xv, nb, power - 1, pv, sc[nc])    # sc's spare row: the squarings' scratch
            for j in range(nb):
                sc[c, j] += (pv[j] * xv[j] if xv[j] > 0.0 else 0.0) - fu[j]


@njit(**JIT)
def _scores_of_blocks(h, S, C, inv_t, power, score, first, last):
    """``dam_scores`` of the samples in blocks first … last − 1."""
    K, B = h.shape
    nc = C.shape[1]
    P = np.empty((K, nc + 1, BLOCK))
    sc = np.empty((nc + 1, BLOCK))
    work = np.empty((3, BLOCK))
    for blk in range(first, last):
        a0 = blk * BLOCK
        nb = min(BLOCK, B - a0)
        _block_scores(h, S, C, a0, nb, inv_t, power, sc, P, work)
        for j in range(nb):
            for c in range(nc):
                score[a0 + j, c] = sc[c, j]


@njit(parallel=True, **JIT)
def dam_scores(h, S, C, temperature, power, score):
    """score[A, α] = Σ_μ (ξ·V^{αA}/T)_+^n − (ξ·U^A/T)_+^n — β times eq. (16)'s energy difference.

    h (K, B) visible drives, S (K,) sums of the class columns, C (K, Nc) the class columns.
    """
    B = h.shape[1]
    inv_t = 1.0 / temperature
    blocks = (B + BLOCK - 1) // BLOCK
    if blocks <= 1:
        # one block (the window's drawn digit, every frame): no parallel region to start; on a busy
        # machine starting one cost the caller 4 ms of spinning for 0.2 ms of work
        _scores_of_blocks(h, S, C, inv_t, power, score, 0, blocks)
        return
    parts = min(blocks, 64)   # a sample's score does not depend on the split
    for part in prange(parts):
        _scores_of_blocks(h, S, C, inv_t, power, score, part * blocks // parts, (part + 1) * blocks // parts)


@njit(parallel=True, **JIT)
def dam_batch_gradient(h, S, C, targets, temperature, power, loss_power, score, G, gcls_parts):
    """The memories' gradient of eq. (17) on a minibatch, with its scores, a block of samples at a time:
      score[A, α] as ``dam_scores``; P = (x/T)_+^{n−1} of V^{αA} and U^A;
      w[A, α]    = 2m (c_α − t_α)^{2m−1} (1 − c_α²),  c = tanh(score), t = ±1 (eq. 14's derivative);
      G[μ, A]    = (n/T) Σ_α w_αA (P_V − P_U)                 (visible part = G · v, done by BLAS)
      gcls[μ, γ] = (n/T) Σ_A [2 w_γA P_Vγ − Σ_α w_αA P_Vα + Σ_α w_αA P_U]   (V_γ = ±1, U_γ = −1)

    Why blocks: a block's P stays in the cache from the scores to the gradient, where a scores kernel
    and a gradient kernel exchanged all of them, (B, K, Nc + 1) — 8.8 MB for a 1000-image minibatch;
    and the loops over a block's samples run in SIMD lanes. ``targets`` (B,) class indices; gcls_parts
    (parts, K, Nc) receive per-part sums of gcls (add them up: parts run in parallel), each summed over
    its samples in order.
    """
    K, B = h.shape
    nc = C.shape[1]
    parts = gcls_parts.shape[0]
    inv_t = 1.0 / temperature
    scale = power / temperature
    for part in prange(parts):
        P = np.empty((K, nc + 1, BLOCK))
        sc = np.empty((nc + 1, BLOCK))
        work = np.empty((3, BLOCK))
        w = np.empty((nc, BLOCK))
        wsum = np.empty(BLOCK)
        g = gcls_parts[part]
        g[:, :] = 0.0
        lo, hi = part * B // parts, (part + 1) * B // parts
        for a0 in range(lo, hi, BLOCK):
            nb = min(BLOCK, hi - a0)
            _block_scores(h, S, C, a0, nb, inv_t, power, sc, P, work)
            for j in range(nb):
                total = 0.0
                for c in range(nc):
                    score[a0 + j, c] = sc[c, j]
                    out = math.tanh(sc[c, j])
                    d = out - (1.0 if c == targets[a0 + j] else -1.0)
                    w[c, j] = 2.0 * loss_power * powi(d, 2 * loss_power - 1) * (1.0 - out * out)
                    total += w[c, j]
                wsum[j] = total
            wpv = work[0]
            for mu in range(K):
                for j in range(nb):
                    wpv[j] = 0.0
                for c in range(nc):
                    pv = P[mu, c]
                    for j in range(nb):
                        wpv[j] += w[c, j] * pv[j]
                pu = P[mu, nc]
                for j in range(nb):
                    G[mu, a0 + j] = scale * (wpv[j] - wsum[j] * pu[j])
                for j in range(nb):   # the samples in order: gcls's sums as the per-sample loop added them
                    common = wsum[j] * pu[j] - wpv[j]
                    for c in range(nc):
                        g[mu, c] += scale * (2.0 * w[c, j] * P[mu, c, j] + common)


@njit(**JIT)
def bipolar_rows(images, rows, out):
    """out[i] = 2·(images[rows[i]] / 255) − 1 for uint8 pixel rows (0…255): a minibatch gathered and mapped
    to ±1 in one pass (no float copy of the set), with the bits of the classifier's 2x − 1 of x / 255."""
    n = images.shape[1]
    for i in range(rows.shape[0]):
        r = rows[i]
        for j in range(n):
            out[i, j] = 2.0 * (images[r, j] / 255.0) - 1.0


def bipolar_rows_reference(images, rows):
    """Plain numpy ``bipolar_rows``."""
    return 2.0 * (images[rows] / 255.0) - 1.0


def dam_scores_reference(h, S, C, temperature, power):
    """Plain numpy scores of ``dam_scores`` and the powers P (B, K, Nc + 1) of ``dam_batch_gradient``."""
    xu = (h - S[:, None]) / temperature                       # (K, B)
    xv = xu[:, :, None] + 2.0 * C[:, None, :] / temperature  # (K, B, Nc)
    pos_u, pos_v = np.maximum(xu, 0.0), np.maximum(xv, 0.0)
    score = (pos_v ** power).sum(axis=0) - (pos_u ** power).sum(axis=0)[:, None]
    P = np.concatenate([pos_v ** (power - 1), (pos_u ** (power - 1))[:, :, None]], axis=2)
    return score, np.ascontiguousarray(P.transpose(1, 0, 2))


def dam_gradient_reference(P, w, temperature, power):
    """Plain numpy (G (K, B), gcls (K, Nc)) of ``dam_batch_gradient`` from P and the output weights w."""
    pv, pu = P[:, :, :-1], P[:, :, -1]            # (B, K, Nc), (B, K)
    scale = power / temperature
    wpv = np.einsum("ac,akc->ka", w, pv)
    wsum = w.sum(axis=1)
    G = scale * (wpv - wsum[None, :] * pu.T)
    gcls = scale * (2.0 * np.einsum("ac,akc->kc", w, pv) + (wsum[None, :] * pu.T - wpv).sum(axis=1)[:, None])
    return G, gcls


# --------------------------------------------------------------------------- auto-associative memory
@njit(**JIT)
def _f(x, power, kind):
    if kind == KIND_POLYNOMIAL or x > 0.0:
        return powi(x, power)
    return 0.0


@njit(**JIT)
def unit_drive(xi_t, overlaps, state, i, power, kind):
    """Eq. (4)'s bracket for unit i: Σ_μ F(ξ_i^μ + L_μ) − F(−ξ_i^μ + L_μ), L_μ = m_μ − ξ_i^μ σ_i
    (exponential: the same up to a positive factor)."""
    K = overlaps.shape[0]
    row = xi_t[i]
    s = state[i]
    total = 0.0
    if kind == KIND_EXPONENTIAL:
        top = -1e300
        for mu in range(K):
            L = overlaps[mu] - row[mu] * s
            if L > top:
                top = L
        for mu in range(K):
            total += row[mu] * math.exp(overlaps[mu] - row[mu] * s - top)
        return total
    for mu in range(K):
        L = float(overlaps[mu] - row[mu] * s)
        x = float(row[mu])
        total += _f(L + x, power, kind) - _f(L - x, power, kind)
    return total


@njit(**JIT)
def compute_overlaps(xi_t, state, overlaps):
    """overlaps[μ] = Σ_j ξ_j^μ σ_j (exact integers)."""
    N, K = xi_t.shape
    for mu in range(K):
        overlaps[mu] = 0
    for j in range(N):
        s = state[j]
        row = xi_t[j]
        for mu in range(K):
            overlaps[mu] += row[mu] * s


@njit(**JIT)
def recall(xi_t, state, overlaps, power, kind, max_sweeps, rng_state, order):
    """Asynchronous sweeps of eq. (4) in a fresh random order each (``order`` (N,) int64 buffer),
    in place on ``state`` (N,) int8 ±1 and its ``overlaps`` (K,) int64, until a sweep changes
    nothing or ``max_sweeps``. Returns (sweeps done, reached a fixed point)."""
    N = state.shape[0]
    K = overlaps.shape[0]
    for i in range(N):
        order[i] = i
    for sweep in range(max_sweeps):
        shuffle(order, rng_state)
        changed = False
        for k in range(N):
            i = order[k]
            d = unit_drive(xi_t, overlaps, state, i, power, kind)
            new = state[i]
            if d > 0.0:
                new = 1
            elif d < 0.0:
                new = -1
            if new != state[i]:
                delta = new - state[i]
                row = xi_t[i]
                for mu in range(K):
                    overlaps[mu] += row[mu] * delta
                state[i] = new
                changed = True
        if not changed:
            return sweep + 1, True
    return max_sweeps, False


@njit(parallel=True, **JIT)
def recall_batch(xi_t, states, power, kind, max_sweeps, rng_states, n_sweeps, converged):
    """``recall`` of every row of ``states`` (B, N) in place, in parallel; probe b draws its orders
    from rng_states[b], so it ends exactly as a single recall with that generator state."""
    B, N = states.shape
    K = xi_t.shape[1]
    for b in prange(B):
        overlaps = np.empty(K, dtype=np.int64)
        order = np.empty(N, dtype=np.int64)
        compute_overlaps(xi_t, states[b], overlaps)
        done, ok = recall(xi_t, states[b], overlaps, power, kind, max_sweeps, rng_states[b], order)
        n_sweeps[b] = done
        converged[b] = ok


@njit(parallel=True, **JIT)
def fixed_points(xi_t, states, power, kind, out):
    """out[b] = True when no unit of states[b] would change under eq. (4)."""
    B, N = states.shape
    K = xi_t.shape[1]
    for b in prange(B):
        overlaps = np.empty(K, dtype=np.int64)
        compute_overlaps(xi_t, states[b], overlaps)
        ok = True
        for i in range(N):
            d = unit_drive(xi_t, overlaps, states[b], i, power, kind)
            if d * states[b, i] < 0.0:
                ok = False
                break
        out[b] = ok


def unit_drive_reference(xi, state, i, power, kind):
    """Plain numpy eq. (4) bracket for unit i (xi (K, N) ±1, state (N,) ±1), summed over j ≠ i."""
    xi = xi.astype(np.float64)
    s = state.astype(np.float64)
    L = xi @ s - xi[:, i] * s[i]
    if kind == KIND_EXPONENTIAL:
        return float(np.sum(xi[:, i] * np.exp(L - L.max())))

    def f(x):
        if kind == KIND_POLYNOMIAL:
            return x ** power
        return np.where(x > 0, np.maximum(x, 0.0) ** power, 0.0)
    return float(np.sum(f(L + xi[:, i]) - f(L - xi[:, i])))
