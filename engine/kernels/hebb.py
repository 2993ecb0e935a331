"""Hebbian hot loops: the classifier rules sample by sample, Oja/Sanger, competing hidden units.

Why kernels: Hebbian learning is online — each sample's update depends on the weights the
previous sample left — so numpy pays Python overhead per sample (the seeds' MNIST loop). Here a
sample costs one pass over the weights it changes. Sample orders are drawn by the caller from a
seeded generator and passed in, so the same seed gives the same weights. Each kernel has a plain
numpy ``*_reference`` written straight from the formulas; the tests hold them to each other.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels import JIT

HEBB = 0
INSTAR = 1
OUTSTAR = 2
RULE_CODES = {"hebb": HEBB, "instar": INSTAR, "outstar": OUTSTAR}


# --------------------------------------------------------------------------- classifier rules
@njit(**JIT)
def _target(u, c, n_units, off):
    """Target of output unit u when the true class index is c: one unit ±1 (two classes), else one-hot."""
    if n_units == 1:
        return 1.0 if c == 1 else off
    return 1.0 if u == c else off


@njit(**JIT)
def classifier_present(W, b, X, labels, order, rule, lr, use_bias, standardize, off, counts):
    """Present X[order] one at a time to units W (U, F), b (U,); labels are class indices.

    hebb: Δw = α y x, Δb = α y; instar: Δw = α (x − w) y, Δb = α (1 − b) y; outstar: Δw = α (y − w) x,
    Δb = α (y − b) — the bias is the weight of a constant input 1. ``standardize`` rescales W to
    zero mean and unit standard deviation after every sample (the seeds' normalisation).
    ``counts[u]`` counts the samples whose target switched unit u on.
    """
    n_units, n_features = W.shape
    for s in range(order.shape[0]):
        i = order[s]
        c = labels[i]
        for u in range(n_units):
            y = _target(u, c, n_units, off)
            if y == 0.0 and rule != OUTSTAR:
                continue  # hebb and instar change nothing where the output is silent
            if y > 0.0:
                counts[u] += 1
            if rule == HEBB:
                for j in range(n_features):
                    W[u, j] += lr * y * X[i, j]
                if use_bias:
                    b[u] += lr * y
            elif rule == INSTAR:
                for j in range(n_features):
                    W[u, j] += lr * (X[i, j] - W[u, j]) * y
                if use_bias:
                    b[u] += lr * (1.0 - b[u]) * y
            else:
                for j in range(n_features):
                    W[u, j] += lr * (y - W[u, j]) * X[i, j]
                if use_bias:
                    b[u] += lr * (y - b[u])
        if standardize:
            _standardize(W)


@njit(**JIT)
def _standardize(W):
    n = W.size
    mean = 0.0
    for u in range(W.shape[0]):
        for j in range(W.shape[1]):
            mean += W[u, j]
    mean /= n
    var = 0.0
    for u in range(W.shape[0]):
        for j in range(W.shape[1]):
            var += (W[u, j] - mean) ** 2
    std = math.sqrt(var / n)
    if std > 0.0:  # all-equal weights (nothing learned yet) have no scale to remove
        for u in range(W.shape[0]):
            for j in range(W.shape[1]):
                W[u, j] = (W[u, j] - mean) / std


@njit(**JIT)
def prototypes_present(W, b, X, labels, order, k, lr, use_bias, counts):
    """Competitive instar within each class: k prototypes per class (rows c·k … c·k + k − 1).

    A prototype that has never won starts at the first input given to it; after that the nearest
    (Euclidean) prototype of the true class moves: w ← w + α (x − w), b ← b + α (1 − b).
    """
    n_features = W.shape[1]
    for s in range(order.shape[0]):
        i = order[s]
        first = labels[i] * k
        best = -1
        for r in range(first, first + k):
            if counts[r] == 0:
                best = r
                break
        if best >= 0:
            for j in range(n_features):
                W[best, j] = X[i, j]
            if use_bias:
                b[best] = 1.0
            counts[best] += 1
            continue
        best_d = np.inf
        for r in range(first, first + k):
            d = 0.0
            for j in range(n_features):
                diff = X[i, j] - W[r, j]
                d += diff * diff
            if d < best_d:
                best_d = d
                best = r
        for j in range(n_features):
            W[best, j] += lr * (X[i, j] - W[best, j])
        if use_bias:
            b[best] += lr * (1.0 - b[best])
        counts[best] += 1


def classifier_present_reference(W, b, X, labels, order, rule, lr, use_bias, standardize, off, counts):
    """Plain numpy version of ``classifier_present`` (same arguments, updates in place)."""
    n_units = W.shape[0]
    for i in order:
        c = labels[i]
        if n_units == 1:
            y = np.array([1.0 if c == 1 else off])
        else:
            y = np.full(n_units, off)
            y[c] = 1.0
        x = X[i]
        counts += y > 0
        if rule == HEBB:
            W += lr * np.outer(y, x)
            b += lr * y * use_bias
        elif rule == INSTAR:
            W += lr * (x[None, :] - W) * y[:, None]
            b += lr * (1.0 - b) * y * use_bias
        else:
            W += lr * (y[:, None] - W) * x[None, :]
            b += lr * (y - b) * use_bias
        if standardize and W.std() > 0:
            W[...] = (W - W.mean()) / W.std()


def prototypes_present_reference(W, b, X, labels, order, k, lr, use_bias, counts):
    """Plain numpy version of ``prototypes_present``."""
    for i in order:
        rows = np.arange(labels[i] * k, labels[i] * k + k)
        free = rows[counts[rows] == 0]
        if free.size:
            W[free[0]] = X[i]
            b[free[0]] = 1.0 if use_bias else b[free[0]]
            counts[free[0]] += 1
            continue
        r = rows[np.argmin(((X[i] - W[rows]) ** 2).sum(axis=1))]
        W[r] += lr * (X[i] - W[r])
        b[r] += lr * (1.0 - b[r]) * use_bias
        counts[r] += 1


# --------------------------------------------------------------------------- Oja / Sanger
@njit(**JIT)
def gha_present(W, X, order, lr, sanger):
    """Present X[order] (centred) to the components W (k, F): y = W x, then for each row i

    Sanger: w_i += α y_i (x − Σ_{l ≤ i} y_l w_l)   (the generalised Hebbian algorithm);
    Oja:    w_i += α y_i (x − Σ_l y_l w_l)          (Oja's subspace rule; k = 1 is Oja's rule).
    """
    k, n_features = W.shape
    y = np.empty(k)
    residual = np.empty(n_features)
    for s in range(order.shape[0]):
        i = order[s]
        for r in range(k):
            acc = 0.0
            for j in range(n_features):
                acc += W[r, j] * X[i, j]
            y[r] = acc
        for j in range(n_features):
            residual[j] = X[i, j]
        if not sanger:
            for r in range(k):
                for j in range(n_features):
                    residual[j] -= y[r] * W[r, j]
        for r in range(k):
            if sanger:
                for j in range(n_features):
                    residual[j] -= y[r] * W[r, j]
            for j in range(n_features):
                W[r, j] += lr * y[r] * residual[j]


def gha_present_reference(W, X, order, lr, sanger):
    """Plain numpy version of ``gha_present``: ΔW = α (y xᵀ − T[y yᵀ] W), T = lower triangle (Sanger) or all."""
    for i in order:
        y = W @ X[i]
        yy = np.outer(y, y)
        W += lr * (np.outer(y, X[i]) - (np.tril(yy) if sanger else yy) @ W)


# --------------------------------------------------------------------------- competing hidden units
@njit(**JIT)
def lebedev_weights(W, p, out, rows):
    """out[r] = sign(W[r]) |W[r]|^(p − 1) for the given rows (the metric of the Lebedev-p norm)."""
    for t in range(rows.shape[0]):
        r = rows[t]
        for j in range(W.shape[1]):
            w = W[r, j]
            a = abs(w)
            v = a * a if p == 3.0 else a ** (p - 1.0)
            out[r, j] = v if w >= 0.0 else -v


@njit(**JIT)
def competing_update(W, Wp, currents, Xb, k, delta, p, lr, scratch_rows, ds):
    """One minibatch of Krotov & Hopfield's rule, given ``currents`` = Wp · Xbᵀ (hidden, batch).

    Per sample the strongest unit gets g = 1, the k-th strongest g = −delta; then
    ΔW_μ = Σ_samples g (x − ⟨W_μ, x⟩_p W_μ), scaled so that its largest entry is ``lr``. Only the
    units that won or ranked k-th change (at most 2·batch rows), so Wp is refreshed for them alone.
    Returns the number of rows touched (their indices in ``scratch_rows``).
    """
    n_hidden, batch = currents.shape
    n_features = W.shape[1]
    top = np.empty(k, dtype=np.int64)
    topv = np.empty(k)
    mark = np.full(n_hidden, -1, dtype=np.int64)
    n_rows = 0
    xx = np.zeros(2 * batch)
    for s in range(batch):
        # the k largest currents, kept sorted (k is small: an insertion pass per unit)
        filled = 0
        for mu in range(n_hidden):
            v = currents[mu, s]
            if filled < k:
                pos = filled
                filled += 1
            elif v > topv[k - 1]:
                pos = k - 1
            else:
                continue
            while pos > 0 and topv[pos - 1] < v:
                topv[pos] = topv[pos - 1]
                top[pos] = top[pos - 1]
                pos -= 1
            topv[pos] = v
            top[pos] = mu
        for which in range(2):
            mu = top[0] if which == 0 else top[k - 1]
            g = 1.0 if which == 0 else -delta
            row = mark[mu]
            if row < 0:
                row = n_rows
                mark[mu] = row
                scratch_rows[row] = mu
                for j in range(n_features):
                    ds[row, j] = 0.0
                n_rows += 1
            for j in range(n_features):
                ds[row, j] += g * Xb[s, j]
            xx[row] += g * currents[mu, s]
    nc = 0.0
    for row in range(n_rows):
        mu = scratch_rows[row]
        for j in range(n_features):
            d = ds[row, j] - xx[row] * W[mu, j]
            ds[row, j] = d
            if abs(d) > nc:
                nc = abs(d)
    if nc < 1e-30:
        nc = 1e-30
    scale = lr / nc
    for row in range(n_rows):
        mu = scratch_rows[row]
        for j in range(n_features):
            W[mu, j] += scale * ds[row, j]
    lebedev_weights(W, p, Wp, scratch_rows[:n_rows])
    return n_rows


def competing_epoch_reference(W, X, order, batch_size, k, delta, p, lr):
    """Krotov & Hopfield's published numpy loop (2019, their GitHub notebook), one epoch, in place."""
    n_hidden = W.shape[0]
    for start in range(0, order.shape[0] - batch_size + 1, batch_size):
        inputs = X[order[start:start + batch_size]].T
        sig = np.sign(W)
        tot_input = np.dot(sig * np.absolute(W) ** (p - 1), inputs)
        y = np.argsort(tot_input, axis=0)
        yl = np.zeros((n_hidden, batch_size))
        yl[y[n_hidden - 1, :], np.arange(batch_size)] = 1.0
        yl[y[n_hidden - k], np.arange(batch_size)] = -delta
        xx = np.sum(np.multiply(yl, tot_input), 1)
        ds = np.dot(yl, np.transpose(inputs)) - np.multiply(np.tile(xx.reshape(xx.shape[0], 1), (1, X.shape[1])), W)
        nc = np.amax(np.absolute(ds))
        if nc < 1e-30:
            nc = 1e-30
        W += lr * np.true_divide(ds, nc)
