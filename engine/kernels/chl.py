"""Contrastive Hebbian learning's hot loop: a minibatch settling by forward Euler (seed 000 §5).

Each Euler step updates the layers in order k = 1 … L, each from the NEW state of the layer
below and the previous state of the layer above, as the seed's listing does:

    x_k ← x_k + dt·(−x_k + f(x_{k−1}·W_{k−1} + γ·x_{k+1}·F_k + b_{k−1}))

where F_k is W_kᵀ (symmetric feedback) or a fixed random matrix (Detorakis et al. 2018). The
input drive x_0·W_0 + b_0 never changes while the network settles, so the caller computes it once
per minibatch with BLAS (the seed recomputes it at every Euler step: that is most of its time).

What is left is small products (the layers above the first) and the sigmoid of every unit at
every step. numba without SVML calls a scalar libm exp (17 ns here, more than all the products);
``sigmoid_inplace`` uses an exp the compiler vectorises instead: 2^k·p(r) with r = x − k·ln 2,
|r| ≤ ln 2 / 2, p the degree-13 Taylor polynomial (relative error below 1e-15, see the tests),
and 2^k built from its bits.

Layouts (what the caller passes): ``states`` a tuple of L arrays (B, n_k), k = 1 … L, updated in
place; ``weights_t`` the L − 1 upper weights TRANSPOSED, (n_{k+1}, n_k), so every inner loop runs
over contiguous memory; ``feedback_t`` the L − 1 matrices that carry layer k+1 back to layer k,
(n_{k+1}, n_k) as well (``weights_t`` itself for symmetric feedback); ``biases`` the L − 1 biases
of layers 2 … L.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels import JIT

# reassociation lets the dot products vectorise; no 'nnan'/'ninf': a diverged state stays NaN
_FAST = dict(JIT, fastmath={"reassoc", "contract", "nsz", "arcp"})
# the sigmoid: fused multiply-adds only — reassociation would undo the split ln 2 of its range reduction
_EXACT = dict(JIT, fastmath={"contract"})
LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01   # ln 2 split so that k·LN2_HI is exact (fdlibm's constants)
LN2_LO = 1.90821492927058770002e-10
EXP_LIMIT = 708.0                     # exp(±708) is still a normal double


@njit(**_EXACT)
def sigmoid_inplace(u, n, bits):
    """u[:n] ← 1 / (1 + exp(−u[:n])); ``bits`` is an int64 work array of at least n entries."""
    scale = bits.view(np.float64)
    for j in range(n):
        x = min(max(-np.float64(u[j]), -EXP_LIMIT), EXP_LIMIT)
        kf = math.floor(x * LOG2E + 0.5)
        r = x - kf * LN2_HI - kf * LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        u[j] = p
        bits[j] = (np.int64(kf) + 1023) << 52   # the bits of the double 2^kf
    for j in range(n):
        u[j] = 1.0 / (1.0 + u[j] * scale[j])


@njit(**_EXACT)
def _activate(u, n, bits, tanh):
    """u[:n] ← f(u[:n]): the sigmoid, or tanh(u) = 2σ(2u) − 1."""
    if tanh:
        for j in range(n):
            u[j] *= 2.0
    sigmoid_inplace(u, n, bits)
    if tanh:
        for j in range(n):
            u[j] = 2.0 * u[j] - 1.0


@njit(**_FAST)
def settle(drive, states, weights_t, biases, feedback_t, gamma, dt, n_steps, clamp_top, beta, target, tanh):
    """``n_steps`` forward-Euler steps of layers 1 … L of a minibatch, in place (see the module doc).

    drive       (B, n_1): x_0·W_0 + b_0, the input's constant drive of layer 1.
    clamp_top   the top layer stays as it is (CHL's clamped phase: it holds the target).
    beta        EqProp's nudge: the top layer's input gets + β·(target − x_L) (0: none).
    target      (B, n_L) the one-hot targets (read when beta ≠ 0).
    tanh        f = tanh instead of the sigmoid.
    """
    L = len(states)
    B = drive.shape[0]
    dtype = drive.dtype
    g = dtype.type(gamma)
    h = dtype.type(dt)
    nb = dtype.type(beta)
    width = 0
    for k in range(L):
        width = max(width, states[k].shape[1])
    u = np.empty(B * width, dtype=dtype)
    bits = np.empty(B * width, dtype=np.int64)
    n_free = L - 1 if clamp_top else L
    # a clamped top layer sends layer L−1 a constant feedback: once, not at every step
    below = states[L - 2].shape[1]
    fixed = np.zeros(B * below, dtype=dtype)
    if clamp_top:
        top = states[L - 1]
        F = feedback_t[L - 2]
        for b in range(B):
            for i in range(F.shape[0]):
                c = g * top[b, i]
                for j in range(below):
                    fixed[b * below + j] += c * F[i, j]
    # with two layers and the top clamped, layer 1's input is constant: its f is too
    static = clamp_top and L == 2
    if static:
        n = states[0].shape[1]
        for b in range(B):
            for j in range(n):
                u[b * n + j] = drive[b, j] + fixed[b * n + j]
        _activate(u, B * n, bits, tanh)
    for _ in range(n_steps):
        for k in range(n_free):
            x = states[k]
            n = x.shape[1]
            if not static:
                if k == 0:
                    for b in range(B):
                        for j in range(n):
                            u[b * n + j] = drive[b, j]
                else:
                    W = weights_t[k - 1]
                    prev = states[k - 1]
                    m = prev.shape[1]
                    for b in range(B):
                        for j in range(n):
                            s = dtype.type(0.0)
                            for i in range(m):
                                s += prev[b, i] * W[j, i]
                            u[b * n + j] = s
                if k < L - 1:
                    if clamp_top and k == L - 2:
                        for q in range(B * n):
                            u[q] += fixed[q]
                    else:
                        F = feedback_t[k]
                        above = states[k + 1]
                        for b in range(B):
                            for i in range(above.shape[1]):
                                c = g * above[b, i]
                                for j in range(n):
                                    u[b * n + j] += c * F[i, j]
                if k > 0:
                    bias = biases[k - 1]
                    for b in range(B):
                        for j in range(n):
                            u[b * n + j] += bias[j]
                if k == L - 1 and nb != 0.0:
                    for b in range(B):
                        for j in range(n):
                            u[b * n + j] += nb * (target[b, j] - x[b, j])
                _activate(u, B * n, bits, tanh)
            for b in range(B):
                for j in range(n):
                    x[b, j] += h * (-x[b, j] + u[b * n + j])


# --------------------------------------------------------------------------- references (plain numpy)
def sigmoid_reference(u: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(−u)) with numpy's exp."""
    return 1.0 / (1.0 + np.exp(-np.asarray(u, dtype=np.float64)))


def settle_reference(drive, states, weights_t, biases, feedback_t, gamma, dt, n_steps, clamp_top, beta, target,
                     tanh):
    """``settle`` written as the seed's listing writes its phases: whole-minibatch numpy products."""
    f = (lambda a: np.tanh(a)) if tanh else sigmoid_reference
    L = len(states)
    for _ in range(n_steps):
        for k in range(L - 1 if clamp_top else L):
            u = drive.copy() if k == 0 else states[k - 1] @ weights_t[k - 1].T
            if k < L - 1:
                u = u + gamma * states[k + 1] @ feedback_t[k]
            if k > 0:
                u = u + biases[k - 1]
            if k == L - 1 and beta:
                u = u + beta * (target - states[k])
            states[k] += dt * (-states[k] + f(u))


@njit(**_FAST)
def train(X, targets, order, batch_size, weights, biases, upper_t, upper_b, feedback_t, gamma, dt, n_steps, eqprop,
          beta, rate, tanh, losses, signals, last_free, last_second):
    """Train on the rows ``order`` of X in minibatches of ``batch_size``: per minibatch, both phases
    (``settle``) and the contrastive Hebbian step, in place. Returns the rows of the last minibatch.

    weights     L arrays W_k (n_k, n_{k+1}); ``upper_t`` holds the transposes of W_1 … W_{L−1}, kept
                equal to them here; ``feedback_t`` is ``upper_t`` itself (symmetric) or fixed random.
    biases      L arrays b_k (n_{k+1},); ``upper_b`` the same b_1 … b_{L−1} (the tuple ``settle`` takes).
    eqprop      the second phase starts from the free state, nudged by β, instead of clamped from zero.
    rate        η, or η/β for EqProp: layer k steps by rate·γ^(k−L).
    losses, signals   per minibatch: ½‖x̌_L − y‖² per sample, mean |x̂_1 − x̌_1|.
    last_free, last_second   (batch_size, n_k) buffers: the last minibatch's states.

    The input is mostly zeros (MNIST: 81 % of the pixels), so the drive x_0·W_0 and the update of W_0
    skip zero inputs: the same sums, in a different order. Its reference is the seed's listing itself
    (tests/engine/models/chl/seed_listing.py): one minibatch equals it to 1e-10 in float64.
    """
    L = len(weights)
    dtype = weights[0].dtype
    W0 = weights[0]
    b0 = biases[0]
    n_in, n1 = W0.shape
    n_out = weights[L - 1].shape[1]
    xb = np.empty((batch_size, n_in), dtype=dtype)
    tb = np.empty((batch_size, n_out), dtype=dtype)
    n_rows = len(order)
    m = 0
    rows = 0
    for start in range(0, n_rows, batch_size):
        rows = min(batch_size, n_rows - start)
        for b in range(rows):
            r = order[start + b]
            for i in range(n_in):
                xb[b, i] = X[r, i]
            for i in range(n_out):
                tb[b, i] = targets[r, i]
        # settle reads B from the drive: the state buffers may hold more rows (a short last minibatch)
        drive = np.zeros((rows, n1), dtype=dtype)
        for b in range(rows):
            for i in range(n_in):
                x = xb[b, i]
                if x != 0:
                    for j in range(n1):
                        drive[b, j] += x * W0[i, j]
            for j in range(n1):
                drive[b, j] += b0[j]
        free = last_free
        second = last_second
        for k in range(L):
            free[k][:rows] = 0
        settle(drive, free, upper_t, upper_b, feedback_t, gamma, dt, n_steps, False, 0.0,
               tb[:rows], tanh)
        if eqprop:
            for k in range(L):
                second[k][:rows] = free[k][:rows]
            settle(drive, second, upper_t, upper_b, feedback_t, gamma, dt, n_steps, False, beta,
                   tb[:rows], tanh)
        else:
            for k in range(L - 1):
                second[k][:rows] = 0
            second[L - 1][:rows] = tb[:rows]
            settle(drive, second, upper_t, upper_b, feedback_t, gamma, dt, n_steps, True, 0.0,
                   tb[:rows], tanh)
        loss = 0.0
        top = free[L - 1]
        for b in range(rows):
            for j in range(n_out):
                e = top[b, j] - tb[b, j]
                loss += e * e
        losses[m] = 0.5 * loss / rows
        sig = 0.0
        for b in range(rows):
            for j in range(n1):
                sig += abs(second[0][b, j] - free[0][b, j])
        signals[m] = sig / (rows * n1)
        # the contrastive Hebbian step, layer by layer (x_0 is the input in both phases: one product)
        inv = dtype.type(1.0 / rows)
        for k in range(L):
            c = dtype.type(rate * gamma ** (k - L))
            s_out, f_out = second[k], free[k]
            n_k1 = s_out.shape[1]
            bias = biases[k]
            for j in range(n_k1):
                acc = dtype.type(0.0)
                for b in range(rows):
                    acc += s_out[b, j] - f_out[b, j]
                bias[j] += c * (acc * inv)
            if k == 0:
                for b in range(rows):
                    for i in range(n_in):
                        x = xb[b, i]
                        if x != 0:
                            cx = c * x
                            for j in range(n1):
                                W0[i, j] += cx * (s_out[b, j] - f_out[b, j])
            else:
                W = weights[k]
                WT = upper_t[k - 1]
                s_in, f_in = second[k - 1], free[k - 1]
                for i in range(W.shape[0]):
                    for j in range(n_k1):
                        acc = dtype.type(0.0)
                        for b in range(rows):
                            acc += s_in[b, i] * s_out[b, j] - f_in[b, i] * f_out[b, j]
                        W[i, j] += c * acc
                        WT[j, i] = W[i, j]
        m += 1
    return rows


# One minibatch of ``train`` in pieces, each called alone: the estimator drives a minibatch too big for
# one uninterruptible call through them in bounded parts (rows of the drive, of a weight). The drive,
# both phases, the loss, the signal and the weights' step give train's numbers exactly; train's bias
# step, compiled inside it, may round its last bit otherwise (the compiler reassociates it), so train
# is left as it was (its runs stay bit for bit what they were) rather than made of these pieces.
@njit(**_FAST)
def input_drive(xb, W0, b0, drive, lo, hi):
    """drive[lo:hi] += x_0·W_0 + b_0 for the minibatch rows lo … hi−1 of ``xb`` (zero inputs skipped)."""
    n_in, n1 = W0.shape
    for b in range(lo, hi):
        for i in range(n_in):
            x = xb[b, i]
            if x != 0:
                for j in range(n1):
                    drive[b, j] += x * W0[i, j]
        for j in range(n1):
            drive[b, j] += b0[j]


@njit(**_FAST)
def loss_and_signal(free, second, tb, rows):
    """(½‖x̌_L − y‖² per sample, mean |x̂_1 − x̌_1|) of the first ``rows`` rows of the two phases."""
    L = len(free)
    loss = 0.0
    top = free[L - 1]
    for b in range(rows):
        for j in range(top.shape[1]):
            e = top[b, j] - tb[b, j]
            loss += e * e
    n1 = free[0].shape[1]
    sig = 0.0
    for b in range(rows):
        for j in range(n1):
            sig += abs(second[0][b, j] - free[0][b, j])
    return 0.5 * loss / rows, sig / (rows * n1)


@njit(**_FAST)
def contrast_biases(rate, gamma, free, second, biases, rows):
    """The contrastive step of every bias b_k: rate·γ^(k−L)·mean(x̂_{k+1} − x̌_{k+1})."""
    L = len(free)
    dtype = free[0].dtype
    inv = dtype.type(1.0 / rows)
    for k in range(L):
        c = dtype.type(rate * gamma ** (k - L))
        s_out, f_out = second[k], free[k]
        n_k1 = s_out.shape[1]
        bias = biases[k]
        for j in range(n_k1):
            acc = dtype.type(0.0)
            for b in range(rows):
                acc += s_out[b, j] - f_out[b, j]
            bias[j] += c * (acc * inv)


@njit(**_FAST)
def contrast_update(k, lo, hi, rate, gamma, xb, free, second, weights, upper_t, rows):
    """The contrastive Hebbian step of W_k, in part: for k = 0 the minibatch rows lo … hi−1 add
    their input's outer products (x_0 is the same in both phases: one product, zero inputs
    skipped); for k > 0 the rows lo … hi−1 of W_k (and the columns of its transpose in ``upper_t``)."""
    L = len(free)
    s_out, f_out = second[k], free[k]
    dtype = s_out.dtype
    c = dtype.type(rate * gamma ** (k - L))
    n_k1 = s_out.shape[1]
    if k == 0:
        W0 = weights[0]
        for b in range(lo, hi):
            for i in range(W0.shape[0]):
                x = xb[b, i]
                if x != 0:
                    cx = c * x
                    for j in range(n_k1):
                        W0[i, j] += cx * (s_out[b, j] - f_out[b, j])
    else:
        W = weights[k]
        WT = upper_t[k - 1]
        s_in, f_in = second[k - 1], free[k - 1]
        for i in range(lo, hi):
            for j in range(n_k1):
                acc = dtype.type(0.0)
                for b in range(rows):
                    acc += s_in[b, i] * s_out[b, j] - f_in[b, i] * f_out[b, j]
                W[i, j] += c * acc
                WT[j, i] = W[i, j]



def train_reference(X, targets, order, batch_size, weights, biases, feedback_t, gamma, dt, n_steps, eqprop, beta,
                    rate, tanh):
    """``train`` in whole-minibatch numpy (weights and biases lists updated in place; ``feedback_t``
    None for symmetric feedback): per-minibatch (losses, signals)."""
    L = len(weights)
    losses, signals = [], []
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        x0, t = X[idx], targets[idx]
        drive = x0 @ weights[0] + biases[0]
        upper = [w.T.copy() for w in weights[1:]]
        fb = upper if feedback_t is None else list(feedback_t)
        free = [np.zeros((len(idx), w.shape[1])) for w in weights]
        settle_reference(drive, free, upper, biases[1:], fb, gamma, dt, n_steps, False, 0.0, t, tanh)
        if eqprop:
            second = [s.copy() for s in free]
            settle_reference(drive, second, upper, biases[1:], fb, gamma, dt, n_steps, False, beta, t, tanh)
        else:
            second = [np.zeros_like(s) for s in free[:-1]] + [t.copy()]
            settle_reference(drive, second, upper, biases[1:], fb, gamma, dt, n_steps, True, 0.0, t, tanh)
        losses.append(0.5 * float(np.sum((free[-1] - t) ** 2)) / len(idx))
        signals.append(float(np.mean(np.abs(second[0] - free[0]))))
        below_s, below_f = [x0] + second[:-1], [x0] + free[:-1]
        for k in range(L):
            c = rate * gamma ** (k - L)
            weights[k] += c * (below_s[k].T @ second[k] - below_f[k].T @ free[k])
            biases[k] += c * np.mean(second[k] - free[k], axis=0)
    return np.array(losses), np.array(signals)
