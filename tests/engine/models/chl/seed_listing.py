"""A plain numpy transcription of seed 000 §5's listing ``12.ContrastiveHebb.py`` (MXDL-15-10).

The listing's globals (w, b, n_neurons, L, GAMMA, T, dt, ETA) become arguments; every line of
``forward_phase``, ``backward_phase`` and the update loop is kept as the seed writes it — the
input drive x[0]·w[0] recomputed at every Euler step, two products per weight update — so the
tests can check that CHL changes nothing but the speed, and the bench can time the original.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit as sigmoid


def forward_phase(x_input, w, b, gamma, dt, T):
    """The free phase: the input clamped, every other layer settles from zero."""
    n_neurons = [w[0].shape[0]] + [wk.shape[1] for wk in w]
    L = len(n_neurons) - 1
    x = [np.zeros((x_input.shape[0], m)) for m in n_neurons]
    x[0] = x_input  # input data

    for t in np.arange(1, T + 1, dt):
        for k in range(1, L + 1):  # k = 1, 2
            activation = np.dot(x[k - 1], w[k - 1])
            if k < L:
                activation += gamma * np.dot(x[k + 1], w[k].T)
            activation += b[k - 1]
            x[k] += dt * (-x[k] + sigmoid(activation))

    return x


def backward_phase(x_input, y_target, w, b, gamma, dt, T):
    """The clamped phase: input and target clamped, the hidden layers settle from zero."""
    n_neurons = [w[0].shape[0]] + [wk.shape[1] for wk in w]
    L = len(n_neurons) - 1
    x = [np.zeros((x_input.shape[0], m)) for m in n_neurons]
    x[0] = x_input  # input data
    x[-1] = y_target  # target data

    for t in np.arange(1, T + 1, dt):
        for k in range(1, L):  # k = 1
            activation = np.dot(x[k - 1], w[k - 1]) + \
                gamma * np.dot(x[k + 1], w[k].T) + b[k - 1]
            x[k] += dt * (-x[k] + sigmoid(activation))

    return x


def update(x_batch, y_batch, w, b, eta, gamma, dt, T):
    """One minibatch of the listing's training loop: both phases, then w and b updated in place."""
    L = len(w)
    x_fwd = forward_phase(x_batch, w, b, gamma, dt, T)
    x_bwd = backward_phase(x_batch, y_batch, w, b, gamma, dt, T)
    for k in range(L):  # k = 0, 1
        C = eta * gamma ** (k - L)
        w[k] += C * (np.dot(x_bwd[k].T, x_bwd[k + 1]) -
                     np.dot(x_fwd[k].T, x_fwd[k + 1]))
        b[k] += C * np.mean(x_bwd[k + 1] - x_fwd[k + 1], axis=0)


def initial_parameters(n_neurons, rng):
    """The listing's initialisation: every weight and bias N(0, 0.01²)."""
    w = [rng.normal(0, 0.01, size=(i, o)) for i, o in zip(n_neurons[:-1], n_neurons[1:])]
    b = [rng.normal(0, 0.01, size=(1, i)) for i in n_neurons[1:]]
    return w, b


def train_epoch(x_train, y_train, w, b, eta=0.01, gamma=0.5, dt=0.5, T=10, b_size=10, n_batches=None):
    """The listing's epoch loop over minibatches in order (``n_batches`` of them, all by default)."""
    if n_batches is None:
        n_batches = int(x_train.shape[0] / b_size)
    for j in range(n_batches):
        b_start = j * b_size
        b_end = b_start + b_size
        update(x_train[b_start:b_end], y_train[b_start:b_end], w, b, eta, gamma, dt, T)


def accuracy(x_test, y_test_onehot, w, b, gamma=0.5, dt=0.5, T=10):
    """The listing's test accuracy: argmax of the free phase's output layer."""
    x_fwd = forward_phase(x_test, w, b, gamma, dt, T)
    return float((np.argmax(y_test_onehot, axis=1) == np.argmax(x_fwd[-1], axis=1)).mean())
