"""What several model families share, so families never import each other (the import contract).

Put a helper here only when two families really use the same logic; a family's own helpers stay
in its file.
"""
from __future__ import annotations

import math
from typing import Any, Callable, ClassVar

import numpy as np

from engine import interrupt
from engine.estimator import Estimator
from engine.validation import check_choice, check_int

EXACT_MAX_UNITS = 20  # 2**20 states: enumeration stays under a second and 160 MB at float64


def all_binary_states(n: int, dtype=np.uint8) -> np.ndarray:
    """Every 0/1 state of n units, (2**n, n), in counting order (the first unit most significant) —
    the row order of the seeds' tables. Exact enumeration (Boltzmann machine, tiny RBMs) is limited
    to ``EXACT_MAX_UNITS`` units."""
    n = check_int("n", n, 0, EXACT_MAX_UNITS)
    codes = np.arange(2 ** n, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((codes[:, None] >> shifts[None, :]) & 1).astype(dtype)


# --------------------------------------------------------------------------- SOM and competitive learning
# Both families train prototypes with the same decaying rates on the same preset data sets.
LR_DECAYS = ("constant", "linear", "exponential", "asymptotic")
SIGMA_DECAYS = LR_DECAYS + ("step",)


def schedule(kind: str, initial: float, progress: np.ndarray | float, epoch: int = 0,
             step_every: int = 1, *, is_sigma: bool = False) -> np.ndarray:
    """The value of a decaying rate at training progress p ∈ [0, 1] (sample or epoch fraction).

    constant: v0. linear: lr·(1−p), σ → 1 (MiniSom's linear_decay_to_zero / _to_one).
    exponential: lr·0.01^p, σ·(1/σ)^p (towards 1). asymptotic: v0 / (1 + 2p) (MiniSom's default).
    step (radius only, the seeds'): max(0, σ − ⌈epoch / step_every⌉).
    """
    p = np.clip(np.asarray(progress, dtype=np.float64), 0.0, 1.0)
    if kind == "constant":
        return np.full_like(p, initial)
    if kind == "linear":
        return initial + p * (min(1.0, initial) - initial) if is_sigma else initial * (1.0 - p)
    if kind == "exponential":
        final = min(1.0, initial) if is_sigma else 0.01 * initial
        return initial * (final / initial) ** p if initial > 0 else np.zeros_like(p)
    if kind == "asymptotic":
        return initial / (1.0 + 2.0 * p)
    if kind == "step":
        if not is_sigma:
            raise ValueError("lr_decay 'step' is not defined; the seeds' step-down applies to the radius (sigma_decay)")
        return np.full_like(p, max(0.0, initial - math.ceil(epoch / max(1, step_every))))
    raise ValueError(f"decay must be one of {list(SIGMA_DECAYS)}, got {kind!r}")


TRAINING_DATASETS = ("iris", "mnist", "mnist_pm1", "digits", "blobs")
# how many samples each data set holds (checked before a rebuild, so a bad value keeps the model)
CONVERT_ROWS = 1000   # image rows converted between stop checks (rows_in_blocks: 6 MB of float64, whose first touch is most of the cost)
DATA_SIZES = {"iris": 150, "digits": 1797, "mnist": 60000, "mnist_pm1": 60000, "blobs": 10_000_000}


def load_training_data(dataset: str, n_samples: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(X, y, image_shape) for a preset: 'iris' standardised, 'mnist' in [0, 1], 'mnist_pm1' in [−1, 1]
    (the seeds'), 'digits' in [0, 1], 'blobs' the seeds' three Gaussian clusters. image_shape is
    (h, w) for images, (1, n_features) otherwise. The first ``n_samples`` rows are used."""
    check_choice("dataset", dataset, TRAINING_DATASETS)
    n_samples = check_int("n_samples", n_samples, 1, DATA_SIZES[dataset])
    from engine import datasets
    if dataset == "iris":
        x, y, _names = datasets.load_iris()
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        shape = (1, 4)
    elif dataset == "digits":
        x, y = datasets.load_digits_8x8()
        x = x.reshape(len(x), -1) / 16.0
        shape = (8, 8)
    elif dataset == "blobs":
        x, y = datasets.blobs(n_samples, centers=3, cluster_std=0.15, seed=0 if seed is None else seed)
        shape = (1, 2)
    else:
        images, y = datasets.load_mnist("train", n_samples)
        x = rows_in_blocks(images, (lambda b: b / 255.0 * 2.0 - 1.0) if dataset == "mnist_pm1" else (lambda b: b / 255.0))
        shape = (28, 28)
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float64)[:n_samples])
    return x, np.asarray(y, dtype=np.int64)[:n_samples], shape


def rows_in_blocks(images: np.ndarray, convert: Callable[[np.ndarray], np.ndarray],
                   dtype: Any = np.float64) -> np.ndarray:
    """``convert`` (row by row, e.g. ``lambda b: b / 255.0``) of ``images`` (n, …) flattened to rows,
    as an (n, columns of its result) array of ``dtype``, in blocks of CONVERT_ROWS rows with a stop
    check before each (engine/interrupt.py): all 60 000 MNIST digits as float64 are 376 MB, more
    than 100 ms of work in one call. Elementwise conversions give the values of one call."""
    rows = images.reshape(len(images), -1)
    out = np.empty(rows.shape, dtype=dtype) if len(rows) == 0 else None
    for start in range(0, len(rows), CONVERT_ROWS):
        interrupt.check()
        block = convert(rows[start:start + CONVERT_ROWS])
        if out is None:
            out = np.empty((len(rows), block.shape[1]), dtype=dtype)
        out[start:start + CONVERT_ROWS] = block
    return out


def covariance(X: np.ndarray) -> np.ndarray:
    """``np.cov(X, rowvar=False)`` of (n, f) float64 rows (f ≥ 2) over row blocks of about
    interrupt.PRODUCT_CHUNK multiply-adds, a stop check before each (engine/interrupt.py): the
    60 000 MNIST digits are 37·10⁹ of them, a second in one call. Data in one block (digits, iris)
    get np.cov's own product and values; more blocks differ from it by rounding only."""
    mean = X.mean(axis=0)
    c = np.zeros((X.shape[1], X.shape[1]))
    rows = interrupt.block_rows(X.shape[1], X.shape[1])
    for start in range(0, X.shape[0], rows):
        interrupt.check()
        centred = X[start:start + rows] - mean
        c += np.dot(centred.T, centred)   # np.cov's dot of the centred data with itself
    c *= np.true_divide(1, X.shape[0] - 1)
    return c


def imported_training_data(model, n_samples: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(X, y, image_shape) of a model's imported training set (``Model.set_training_data``), as
    load_training_data gives a preset's: the first ``n_samples`` examples (0: all) as float64 rows,
    labels 0 where it has none, image_shape (h, w) for images — given as (n, h, w), or a square
    number ≥ 64 of features — else (1, n_features). ValueError before anything changes when there
    is no set or ``n_samples`` is more than it holds."""
    x, y = model.imported_data()
    n = x.shape[0]
    k = check_int("n_data", n_samples, 0, n) or n
    if x.ndim == 3:
        shape = x.shape[1:]
    else:
        side = math.isqrt(x.shape[1])
        shape = (side, side) if side * side == x.shape[1] and side >= 8 else (1, x.shape[1])
    X = np.ascontiguousarray(x.reshape(n, -1)[:k], dtype=np.float64)
    return X, (np.zeros(k, dtype=np.int64) if y is None else y[:k].copy()), tuple(shape)


MNIST_PIXELS = 784


def check_digit_set(model, x: np.ndarray, y: np.ndarray | None) -> None:
    """What a family that learns 28×28 digits needs of an imported set (its check_training_data)."""
    if x[0].size != MNIST_PIXELS:
        raise ValueError(f"{model.title} learns 28×28 images (784 values an example); the imported set has "
                         f"{'×'.join(str(d) for d in x.shape[1:])} — import the images at 28×28")
    if model.data_labels and y is not None and y.max() > 9:
        raise ValueError(f"{model.title} classifies into the ten digits: labels must be 0…9, got up to {int(y.max())}")


def imported_digit_images(model) -> tuple[np.ndarray, np.ndarray | None]:
    """A model's imported set in MNIST's form, for the families that learn 28×28 digits (RBM, DBN,
    CHL, dense memory): (n, 784) uint8 rows scaled to 0…255 by the set's range (bright is ink, as in
    MNIST) and the labels — which a classifier (``model.data_labels``) needs as 0…9, its ten outputs.
    ValueError naming what is needed otherwise."""
    x, y = model.imported_data()
    check_digit_set(model, x, y)
    x = x.reshape(len(x), MNIST_PIXELS)
    lo, hi = float(x.min()), float(x.max())
    scaled = np.round((x - lo) * (255.0 / (hi - lo))) if hi > lo else np.zeros(x.shape)
    return scaled.astype(np.uint8), y


def is_image_shape(image_shape: tuple) -> bool:
    """Whether load_training_data's image_shape is a picture ((h, w)) and not (1, n_features)."""
    return image_shape[0] > 1


class PrototypeEstimator(Estimator):
    """What SOM and CompetitiveLayer share as estimators: the learned state they drop at once
    (``_learned``: a refit, or a new grid / unit count) and the generator of their initial
    weights and sample orders."""

    _learned: ClassVar[tuple[str, ...]] = ()

    def _forget(self) -> None:
        for name in self._learned:
            self.__dict__.pop(name, None)

    def _start(self, X: Any, rng: np.random.Generator | None) -> tuple[dict[str, Any], np.ndarray]:
        """initialize's first step: the checked parameters and data, nothing learned kept, the generator
        set (``rng``, or one seeded with ``random_state``)."""
        p = self._params()
        X = self._check_X(X, reset=True)
        self._forget()
        self._rng = np.random.default_rng(p["random_state"]) if rng is None else rng
        return p, X

    def _generator(self) -> np.random.Generator:
        # weights assigned by hand (weights_ = …) come without one: seed it from random_state
        if getattr(self, "_rng", None) is None:
            self._rng = np.random.default_rng(self._params()["random_state"])
        return self._rng
