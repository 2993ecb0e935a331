"""Exact tables for tiny RBMs: partition function, joint and marginal distributions, the exact
likelihood gradient — by enumerating every binary state (``engine.models.shared``).

Functions take float64 parameters ``W`` (n_visible, n_hidden), ``b`` (n_visible,), ``c`` (n_hidden,);
``RBM``'s methods of the same names call them with its own weights.
"""
from __future__ import annotations

import numpy as np

from engine.models.shared import EXACT_MAX_UNITS, all_binary_states

# The seeds' 3-visible × 2-hidden RBM (seed 000 §4-2).
SEED_3X2_VISIBLE_BIAS = np.array([0.1, 0.2, 0.1])
SEED_3X2_HIDDEN_BIAS = np.array([0.3, 0.2])
SEED_3X2_WEIGHTS = np.array([[-0.1, 0.2], [0.3, 0.1], [0.1, -0.3]])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^−x), in the tanh form: no overflow warning for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow."""
    return np.logaddexp(0.0, x)


def states(n: int) -> np.ndarray:
    """All 2**n binary rows of n units as float64, in counting order (first unit most significant)."""
    return all_binary_states(n, np.float64)


def state_codes(rows: np.ndarray) -> np.ndarray:
    """Binary rows → their indices in counting order (the row numbers of ``states``)."""
    n = rows.shape[1]
    return (rows.astype(np.int64) << np.arange(n - 1, -1, -1)).sum(axis=1)


def check_size(n_visible: int, n_hidden: int, *, joint: bool) -> None:
    """Refuse a machine too large to enumerate: n_visible + n_hidden (joint) or the smaller layer ≤ 20."""
    total = n_visible + n_hidden if joint else min(n_visible, n_hidden)
    if total > EXACT_MAX_UNITS:
        what = "n_visible + n_hidden" if joint else "min(n_visible, n_hidden)"
        raise ValueError(f"exact enumeration needs {what} ≤ {EXACT_MAX_UNITS}, this RBM has {total}")


def free_energy(X: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """F(v) = −bᵀv − Σ_j softplus(vᵀW_{·j} + c_j) per row of X."""
    return -(X @ b) - softplus(X @ W + c).sum(axis=1)


def log_partition_function(W: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """log Z, summing over the smaller layer (the other one is summed out in closed form)."""
    check_size(*W.shape, joint=False)
    if W.shape[0] <= W.shape[1]:
        V = states(W.shape[0])
        neg_f = V @ b + softplus(V @ W + c).sum(axis=1)
    else:
        H = states(W.shape[1])
        neg_f = H @ c + softplus(H @ W.T + b).sum(axis=1)
    m = neg_f.max()
    return float(m + np.log(np.exp(neg_f - m).sum()))


def joint_distribution(W: np.ndarray, b: np.ndarray, c: np.ndarray):
    """(states_v (2^V, V), states_h (2^H, H), p (2^V, 2^H) joint p(v, h), Z)."""
    check_size(*W.shape, joint=True)
    V = states(W.shape[0])
    H = states(W.shape[1])
    neg_e = (V @ W) @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    log_z = log_partition_function(W, b, c)
    return V, H, np.exp(neg_e - log_z), float(np.exp(log_z))


def marginal_visible(W: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(states_v, p(v)) for every visible configuration."""
    if W.shape[0] > EXACT_MAX_UNITS:
        raise ValueError(f"marginal_visible needs n_visible ≤ {EXACT_MAX_UNITS}, got {W.shape[0]}")
    V = states(W.shape[0])
    return V, np.exp(-free_energy(V, W, b, c) - log_partition_function(W, b, c))


def log_likelihood(X: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Mean log p(v) over the binary rows of X."""
    return float(np.mean(-free_energy(X, W, b, c) - log_partition_function(W, b, c)))


def gradient(X: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray):
    """(dW, db, dc): the exact gradient of the mean log-likelihood of the binary rows X."""
    V, pv = marginal_visible(W, b, c)
    ph_data = sigmoid(X @ W + c)
    ph_model = sigmoid(V @ W + c)
    dW = X.T @ ph_data / X.shape[0] - (V * pv[:, None]).T @ ph_model
    db = X.mean(axis=0) - pv @ V
    dc = ph_data.mean(axis=0) - pv @ ph_model
    return dW, db, dc
