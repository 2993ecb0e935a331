"""The RBM's training (``RBM.fit``, engine/models/rbm/training.py) written again in plain numpy:
the same algorithm, seeding, shuffles and random draws, with none of the fused kernels, buffers or
stacked products. The tests compare the trained weights."""
from __future__ import annotations

import numpy as np

from engine.kernels.random import seed_state
from engine.kernels.rbm import bernoulli_reference, sigmoid_reference


def reference_fit(X, n_hidden, *, method="cd", k=1, learning_rate=0.05, batch_size=10, n_epochs=1, momentum=0.5,
                  weight_decay=0.0, n_chains=None, n_temperatures=3, dtype="float64", random_state=0):
    """(weights, visible_bias, hidden_bias, epoch errors) after ``RBM(...).fit(X)`` with these settings
    (constant learning-rate schedule)."""
    dt = np.dtype(dtype)
    X = np.asarray(X, dtype=dt)
    n, nv = X.shape
    rng = np.random.default_rng(random_state)
    state = seed_state(int(rng.integers(1, 2 ** 62)))
    W = (0.01 * rng.standard_normal((nv, n_hidden))).astype(dt)
    b, c = np.zeros(nv, dt), np.zeros(n_hidden, dt)
    vel = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
    n_temps = n_temperatures if method == "pt" else 1
    m = batch_size if n_chains is None else n_chains
    chain_v, chain_h = np.zeros((n_temps, m, nv), dt), np.zeros((n_temps, m, n_hidden), dt)
    betas = np.linspace(1.0, 0.0, n_temps, endpoint=False)
    bs = min(batch_size, n)
    updates, errors = 0, []
    for _ in range(n_epochs):
        order = rng.permutation(n)
        epoch_errors = []
        for i in range(-(-n // bs)):
            v0 = X[order[i * bs:(i + 1) * bs]]
            want = method == "cd" or i % 20 == 0
            grads, err = _gradient(v0, W, b, c, state, rng, method, k, chain_v, chain_h, betas, updates, want)
            for param, v, g, wd in zip((W, b, c), vel, grads, (weight_decay, 0.0, 0.0)):
                v *= momentum
                v += learning_rate * (g - wd * param)
                param += v
            updates += 1
            if want:
                epoch_errors.append(err)
        errors.append(float(np.mean(epoch_errors)))
    return W, b, c, errors


def _gradient(v0, W, b, c, state, rng, method, k, chain_v, chain_h, betas, updates, want_error):
    """((dW, db, dc), error) of one minibatch, drawing in the order RBM._gradient does."""
    n = len(v0)
    err = np.nan
    if method == "cd":
        ph0 = sigmoid_reference(v0 @ W, c)
        h = bernoulli_reference(ph0, state)
        for step in range(k):
            pv = sigmoid_reference(h @ W.T, b)
            v = bernoulli_reference(pv, state)
            if step == 0:
                err = np.mean((v0 - pv).astype(np.float64) ** 2)
            ph = sigmoid_reference(v @ W, c)
            if step < k - 1:
                h = bernoulli_reference(ph, state)
        v_neg, ph_neg = v, ph
    else:
        for t, beta in enumerate(betas):
            for step in range(k):
                chain_v[t] = bernoulli_reference(sigmoid_reference(chain_h[t] @ W.T, b, beta), state)
                if method == "pt" or step < k - 1:  # PCD draws its last hidden sample after the data's
                    chain_h[t] = bernoulli_reference(sigmoid_reference(chain_v[t] @ W, c, beta), state)
        if method == "pt":
            _swap(chain_v, chain_h, W, b, c, betas, rng, updates)
        v_neg = chain_v[0].copy()
        ph0 = sigmoid_reference(v0 @ W, c)
        ph_neg = sigmoid_reference(v_neg @ W, c)
        h0 = bernoulli_reference(ph0, state) if want_error else None
        if method == "pcd":
            chain_h[0] = bernoulli_reference(ph_neg, state)
        if want_error:
            pv = sigmoid_reference(h0 @ W.T, b)
            err = np.mean((v0 - pv).astype(np.float64) ** 2)
    m = len(v_neg)
    grads = (v0.T @ ph0 / n - v_neg.T @ ph_neg / m, v0.mean(0) - v_neg.mean(0), ph0.mean(0) - ph_neg.mean(0))
    return grads, err


def _swap(chain_v, chain_h, W, b, c, betas, rng, updates):
    """Parallel tempering's swaps between neighbouring temperatures (RBM.swap_temperatures)."""
    v, h = chain_v.astype(np.float64), chain_h.astype(np.float64)
    W, b, c = W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    energy = -np.einsum("tni,ij,tnj->tn", v, W, h) - v @ b - h @ c
    for t in range(updates % 2, len(betas) - 1, 2):
        log_accept = (betas[t] - betas[t + 1]) * (energy[t] - energy[t + 1])
        swap = np.log(rng.random(log_accept.shape) + 1e-300) < log_accept
        for chain in (chain_v, chain_h):
            chain[t, swap], chain[t + 1, swap] = chain[t + 1, swap].copy(), chain[t, swap].copy()
