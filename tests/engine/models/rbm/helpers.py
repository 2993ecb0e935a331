"""Small machines and data shared by the RBM tests."""
from __future__ import annotations

import numpy as np

from engine.models.rbm import RBM, SEED_3X2_HIDDEN_BIAS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_WEIGHTS


def seed_rbm() -> RBM:
    """The seeds' 3×2 machine."""
    return RBM(2, dtype="float64").set_weights(SEED_3X2_WEIGHTS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_HIDDEN_BIAS)


def random_rbm(nv=4, nh=3, seed=0, scale=1.0, **params) -> RBM:
    """A float64 machine with random N(0, scale²) weights and N(0, 0.25) biases."""
    rng = np.random.default_rng(seed)
    return RBM(nh, dtype="float64", random_state=seed, **params).set_weights(
        scale * rng.standard_normal((nv, nh)), 0.5 * rng.standard_normal(nv), 0.5 * rng.standard_normal(nh))


def tiny_data(n=600, seed=0) -> np.ndarray:
    """Samples from a 6-unit distribution with three prototypes and 5 % bit noise."""
    rng = np.random.default_rng(seed)
    protos = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]], float)
    X = protos[rng.integers(0, 3, n)]
    flip = rng.random(X.shape) < 0.05
    return np.abs(X - flip)


def mnist_float(split="train", n=2000):
    """The first n MNIST digits as float32 rows in [0, 1], and their labels."""
    from engine.datasets import load_mnist
    x, y = load_mnist(split, n)
    return (x.reshape(len(x), -1) / 255.0).astype(np.float32), y
