"""Kohonen self-organizing maps: the scientific estimator ``SOM`` and the GUI model ``SOMModel``.

Seed 000 §7: a 2-D competitive layer whose winner drags its grid neighbours towards
each input. Here: rectangular or hexagonal grids (odd rows shifted right by half a cell),
optional toroidal wrap, bubble (the seeds' square ``find_neighbors``), Gaussian and
Mexican-hat neighbourhoods, learning-rate and radius schedules (constant, linear,
exponential, MiniSom's asymptotic, the seeds' step-down), online and batch training,
random or PCA initialisation, and MiniSom's quantization and topographic errors.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sklearn.base import BaseEstimator

from engine.estimator import ParamsMixin
from engine.kernels import som as K
from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import check_array, check_seed

TOPOLOGIES = ("rectangular", "hexagonal")
NEIGHBORHOODS = ("bubble", "gaussian", "mexican_hat")
LR_DECAYS = ("constant", "linear", "exponential", "asymptotic")
SIGMA_DECAYS = ("constant", "linear", "exponential", "asymptotic", "step")
INITS = ("normal", "samples", "pca")
MODES = ("online", "batch")


# --------------------------------------------------------------------------- validation helpers
def _check_choice(name: str, value: Any, choices: tuple) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer ≥ {lo}, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        rng = f"≥ {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
    return int(value)


def _check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'≥' if allow_zero else '>'} 0, got {value!r}")
    return value


def check_data(name: str, X: Any, n_features: int | None = None) -> np.ndarray:
    """A non-empty, finite (n_samples, n_features) float64 C-array; ValueError naming ``name`` otherwise."""
    arr = check_array(name, X, ndim=2)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one sample and one feature, got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (the map's input size), got {arr.shape[1]}")
    return np.ascontiguousarray(arr, dtype=np.float64)


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


def find_neighbors(winner: int, k: int, rows: int = 10, cols: int = 10) -> np.ndarray:
    """The seeds' find_neighbors: flat indices within k rows and k columns of ``winner`` (clipped at the edges)."""
    rows = _check_int("rows", rows, 1)
    cols = _check_int("cols", cols, 1)
    winner = _check_int("winner", winner, 0, rows * cols - 1)
    k = _check_int("k", k, 0)
    return K.neighbors_of(winner, rows, cols, False, False, K.BUBBLE, float(k),
                          np.empty(rows * cols, dtype=np.int64))


def unit_positions(rows: int, cols: int, topology: str = "rectangular") -> np.ndarray:
    """(rows·cols, 2) [x, y] positions of the units (hexagonal: odd rows shifted by ½, rows √3/2 apart)."""
    rows = _check_int("rows", rows, 1)
    cols = _check_int("cols", cols, 1)
    _check_choice("topology", topology, TOPOLOGIES)
    r, c = np.divmod(np.arange(rows * cols), cols)
    if topology == "hexagonal":
        return np.column_stack([c + 0.5 * (r & 1), r * K.HEX_ROW_HEIGHT]).astype(np.float64)
    return np.column_stack([c, r]).astype(np.float64)


def grid_adjacent(a: np.ndarray, b: np.ndarray, rows: int, cols: int, topology: str, toroidal: bool) -> np.ndarray:
    """True where units a and b are grid neighbours (or equal): 8-neighbourhood square, 6 hexagonal."""
    ra, ca = np.divmod(np.asarray(a, dtype=np.int64), cols)
    rb, cb = np.divmod(np.asarray(b, dtype=np.int64), cols)
    if topology == "hexagonal":
        dx = np.abs((ca + 0.5 * (ra & 1)) - (cb + 0.5 * (rb & 1)))
        dy = np.abs(ra - rb) * K.HEX_ROW_HEIGHT
        if toroidal:
            dx = np.minimum(dx, cols - dx)
            dy = np.minimum(dy, rows * K.HEX_ROW_HEIGHT - dy)
        return dx * dx + dy * dy <= 1.0 + 1e-9
    dx = np.abs(ca - cb)
    dy = np.abs(ra - rb)
    if toroidal:
        dx = np.minimum(dx, cols - dx)
        dy = np.minimum(dy, rows - dy)
    return np.maximum(dx, dy) <= 1


# --------------------------------------------------------------------------- the estimator
class SOM(ParamsMixin, BaseEstimator):
    """A Kohonen self-organizing map with a scikit-learn-style API (fit / partial_fit / predict / transform)."""

    def __init__(self, rows: int = 10, cols: int = 10, *, topology: str = "rectangular",
                 neighborhood: str = "gaussian", sigma: float = 1.0, learning_rate: float = 0.5,
                 lr_decay: str = "asymptotic", sigma_decay: str = "asymptotic", step_every: int = 1,
                 toroidal: bool = False, init: str = "pca", epochs: int = 10,
                 random_state: int | None = None):
        self.rows = rows
        self.cols = cols
        self.topology = topology
        self.neighborhood = neighborhood
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.sigma_decay = sigma_decay
        self.step_every = step_every
        self.toroidal = toroidal
        self.init = init
        self.epochs = epochs
        self.random_state = random_state
        self._validate()
        self._codebook: np.ndarray | None = None
        self._w_sq: np.ndarray | None = None
        self.n_epochs_ = 0
        self.qe_history_: list[float] = []
        self.te_history_: list[float] = []
        self._rng = np.random.default_rng(self.random_state)

    _PARAM_NAMES = ("rows", "cols", "topology", "neighborhood", "sigma", "learning_rate", "lr_decay",
                    "sigma_decay", "step_every", "toroidal", "init", "epochs", "random_state")

    def _validate(self) -> None:
        self.rows = _check_int("rows", self.rows, 1)
        self.cols = _check_int("cols", self.cols, 1)
        if self.rows * self.cols < 2:
            raise ValueError(f"rows × cols must be at least 1×2 (two units), got {self.rows}×{self.cols}")
        _check_choice("topology", self.topology, TOPOLOGIES)
        _check_choice("neighborhood", self.neighborhood, NEIGHBORHOODS)
        self.sigma = _check_positive("sigma", self.sigma)
        self.learning_rate = _check_positive("learning_rate", self.learning_rate)
        _check_choice("lr_decay", self.lr_decay, LR_DECAYS)
        _check_choice("sigma_decay", self.sigma_decay, SIGMA_DECAYS)
        self.step_every = _check_int("step_every", self.step_every, 1)
        if not isinstance(self.toroidal, (bool, np.bool_)):
            raise ValueError(f"toroidal must be True or False, got {self.toroidal!r}")
        self.toroidal = bool(self.toroidal)
        if self.toroidal and self.topology == "hexagonal" and self.rows % 2:
            raise ValueError(f"rows must be even on a toroidal hexagonal grid (the half-cell shift must "
                             f"line up across the wrap), got rows={self.rows}")
        _check_choice("init", self.init, INITS)
        self.epochs = _check_int("epochs", self.epochs, 1)
        self.random_state = check_seed(self.random_state, "random_state")

    # -- sklearn plumbing ----------------------------------------------------
    def _params_changed(self, old: dict) -> None:
        """Keep the trained weights where the grid still fits."""
        if self._codebook is not None and self._codebook.shape[0] != self.rows * self.cols:
            self._codebook = None
            self._w_sq = None
        elif self._codebook is not None and (old["topology"], old["toroidal"]) != (self.topology, self.toroidal):
            self._touched[:] = 1          # other neighbour pairs: the cached distances no longer apply

    # -- state ---------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return self.rows * self.cols

    @property
    def n_features_in_(self) -> int:
        self._check_fitted()
        return self._codebook.shape[1]

    @property
    def weights_(self) -> np.ndarray:
        """(rows, cols, n_features) prototypes, read-only (assign a new array to change them)."""
        self._check_fitted()
        view = self._codebook.reshape(self.rows, self.cols, -1)
        view.flags.writeable = False
        return view

    @weights_.setter
    def weights_(self, value: Any) -> None:
        arr = check_array("weights_", value, ndim=3)
        if arr.shape[:2] != (self.rows, self.cols) or arr.shape[2] == 0:
            raise ValueError(f"weights_ must have shape ({self.rows}, {self.cols}, n_features), got {arr.shape}")
        self._codebook = np.ascontiguousarray(arr.reshape(self.n_units, -1), dtype=np.float64).copy()
        self._w_sq = np.empty(self.n_units)
        K.squared_norms(self._codebook, self._w_sq)
        # units changed since the last U-matrix (all of them now) and the cached neighbour distances
        self._touched = np.ones(self.n_units, dtype=np.uint8)
        self._edges = np.zeros((self.n_units, 4))

    def _check_fitted(self) -> None:
        if self._codebook is None:
            raise ValueError("this SOM has no weights yet: call fit, partial_fit or initialize first")

    def initialize(self, X: Any) -> "SOM":
        """Set the initial prototypes from X: 'normal' N(0, 0.1) (the seeds'), 'samples' (random rows), 'pca'."""
        X = check_data("X", X)
        n, f = X.shape
        if self.init == "normal":
            w = self._rng.normal(0.0, 0.1, size=(self.n_units, f))
        elif self.init == "samples":
            w = X[self._rng.integers(0, n, size=self.n_units)].copy()
        else:
            w = self._pca_codebook(X)
        self.weights_ = w.reshape(self.rows, self.cols, f)
        self.n_epochs_ = 0
        self.qe_history_ = []
        self.te_history_ = []
        return self

    def _pca_codebook(self, X: np.ndarray) -> np.ndarray:
        # MiniSom's pca_weights_init: mean + c1·pc1 + c2·pc2 with c1, c2 on [-1, 1] along rows and cols
        n, f = X.shape
        mean = X.mean(axis=0)
        if f == 1 or n < 2:
            spread = X.std(axis=0) if n > 1 else np.ones(f)
            ramp = np.linspace(-1, 1, self.n_units)[:, None]
            return mean + ramp * spread
        # covariance eigenvectors as MiniSom does (unit length, largest two); eigh of the
        # f×f covariance is far cheaper than an SVD of the n×f data for MNIST-sized sets
        eigvals, eigvecs = np.linalg.eigh(np.cov(X, rowvar=False))
        order = np.argsort(eigvals)[::-1]
        pc1 = eigvecs[:, order[0]]
        pc2 = eigvecs[:, order[1]]
        c1 = np.linspace(-1, 1, self.rows)[:, None, None]
        c2 = np.linspace(-1, 1, self.cols)[None, :, None]
        return (mean + c1 * pc1 + c2 * pc2).reshape(self.n_units, f)

    # -- training --------------------------------------------------------------
    def _kind(self) -> int:
        return K.NEIGHBORHOOD_CODES[self.neighborhood]

    def rates(self, progress: np.ndarray | float, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """(learning rate, sigma) at training progress p ∈ [0, 1] during ``epoch`` (0-based)."""
        lr = schedule(self.lr_decay, self.learning_rate, progress, epoch, self.step_every)
        sigma = schedule(self.sigma_decay, self.sigma, progress, epoch, self.step_every, is_sigma=True)
        return np.atleast_1d(lr).astype(np.float64), np.atleast_1d(sigma).astype(np.float64)

    def train_online_samples(self, X: np.ndarray, order: np.ndarray, progress: np.ndarray,
                             epoch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Present X[order] one sample at a time at the given per-sample progress; return (bmu, second, distance)."""
        lrs, sigmas = self.rates(progress, epoch)
        n = order.shape[0]
        bmu = np.empty(n, dtype=np.int64)
        second = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        K.som_train_online(X, np.ascontiguousarray(order, dtype=np.int64), lrs, sigmas, self._codebook,
                           self._w_sq, self.rows, self.cols, self.topology == "hexagonal", self.toroidal,
                           self._kind(), np.empty(self.n_units, dtype=np.int64), self._touched, bmu, second, dist)
        return bmu, second, dist

    def apply_batch(self, sums: np.ndarray, counts: np.ndarray, progress: float, epoch: int) -> None:
        """One batch update from per-unit sums and hit counts (the BMU statistics of one pass)."""
        if self.neighborhood == "mexican_hat":
            raise ValueError("mode='batch' needs a non-negative neighborhood ('bubble' or 'gaussian'), "
                             "got neighborhood='mexican_hat'")
        lr, sigma = self.rates(progress, epoch)
        K.som_batch_update(sums, counts, self._codebook, self._w_sq, self.rows, self.cols,
                           self.topology == "hexagonal", self.toroidal, self._kind(), float(sigma[0]),
                           min(1.0, float(lr[0])), np.empty(self.n_units, dtype=np.int64),
                           np.empty_like(self._codebook), np.empty(self.n_units), self._touched)

    def partial_fit(self, X: Any, y: Any = None, *, mode: str = "online", shuffle: bool = True) -> "SOM":
        """One epoch over X, continuing the decay schedule over ``epochs`` (initialises on first call)."""
        _check_choice("mode", mode, MODES)
        if mode == "batch" and self.neighborhood == "mexican_hat":
            raise ValueError("mode='batch' needs a non-negative neighborhood ('bubble' or 'gaussian'), "
                             "got neighborhood='mexican_hat'")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
        if self._codebook is None:
            self.initialize(X)
        X = check_data("X", X, self._codebook.shape[1])
        n = X.shape[0]
        epoch = self.n_epochs_
        if mode == "online":
            order = self._rng.permutation(n) if shuffle else np.arange(n)
            progress = (epoch * n + np.arange(n)) / (self.epochs * n)
            self.train_online_samples(X, order, progress, epoch)
        else:
            bmu, _, _ = self._bmus(X)
            sums = np.zeros_like(self._codebook)
            counts = np.zeros(self.n_units)
            K.accumulate_hits(X, bmu, sums, counts)
            self.apply_batch(sums, counts, epoch / self.epochs, epoch)
        self.n_epochs_ += 1
        return self

    def fit(self, X: Any, y: Any = None, *, epochs: int | None = None, mode: str = "online",
            shuffle: bool = True, measure: bool = True) -> "SOM":
        """Initialise and train for ``epochs`` passes (decays run over them); record QE and TE per epoch."""
        if epochs is not None:
            self.epochs = _check_int("epochs", epochs, 1)
        _check_choice("mode", mode, MODES)
        X = check_data("X", X)
        self._rng = np.random.default_rng(self.random_state)
        self.initialize(X)
        for _ in range(self.epochs):
            self.partial_fit(X, mode=mode, shuffle=shuffle)
            if measure:
                bmu, second, dist = self._bmus(X)
                self.qe_history_.append(float(dist.mean()))
                self.te_history_.append(self._te_from(bmu, second))
        return self

    # -- mapping and measures ----------------------------------------------------
    def _bmus(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = X.shape[0]
        bmu = np.empty(n, dtype=np.int64)
        second = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        K.find_bmus(X, self._codebook, self._w_sq, bmu, second, dist)
        return bmu, second, dist

    def _te_from(self, bmu: np.ndarray, second: np.ndarray) -> float:
        return float(np.mean(~grid_adjacent(bmu, second, self.rows, self.cols, self.topology, self.toroidal)))

    def _checked(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return check_data("X", X, self._codebook.shape[1])

    def predict(self, X: Any) -> np.ndarray:
        """Flat index (r·cols + c) of each row's best-matching unit."""
        return self._bmus(self._checked(X))[0]

    def transform(self, X: Any) -> np.ndarray:
        """(n, 2) grid coordinates [row, col] of each row's best-matching unit."""
        r, c = np.divmod(self.predict(X), self.cols)
        return np.column_stack([r, c]).astype(np.float64)

    def fit_transform(self, X: Any, y: Any = None, **fit_args) -> np.ndarray:
        """fit, then transform X."""
        return self.fit(X, **fit_args).transform(X)

    def quantization_error(self, X: Any) -> float:
        """Mean Euclidean distance from each row to its best-matching prototype (MiniSom's definition)."""
        return float(self._bmus(self._checked(X))[2].mean())

    def topographic_error(self, X: Any) -> float:
        """Fraction of rows whose best and second-best units are not grid neighbours (MiniSom's definition)."""
        bmu, second, _ = self._bmus(self._checked(X))
        return self._te_from(bmu, second)

    def score(self, X: Any, y: Any = None) -> float:
        """Negative quantization error (bigger is better, as scikit-learn expects)."""
        return -self.quantization_error(X)

    def umatrix(self) -> np.ndarray:
        """(rows, cols) mean distance of each prototype to its grid neighbours."""
        self._check_fitted()
        out = np.empty((self.rows, self.cols))
        K.umatrix(self._codebook, self.rows, self.cols, self.topology == "hexagonal", self.toroidal,
                  self._touched, self._edges, out)
        return out

    def hit_map(self, X: Any) -> np.ndarray:
        """(rows, cols) number of rows of X mapped to each unit."""
        bmu = self.predict(X)
        return np.bincount(bmu, minlength=self.n_units).reshape(self.rows, self.cols).astype(np.float64)

    def label_map(self, X: Any, y: Any) -> np.ndarray:
        """(rows, cols) majority class of the rows mapped to each unit, −1 where none."""
        bmu = self.predict(X)
        labels = check_array("y", y, shape=(bmu.shape[0],), dtype=None)
        if not np.issubdtype(labels.dtype, np.integer) or (labels.size and labels.min() < 0):
            raise ValueError(f"y must hold non-negative integer classes, got dtype {labels.dtype}")
        return majority_labels(bmu, labels.astype(np.int64), self.rows, self.cols)

    def component_planes(self) -> np.ndarray:
        """(n_features, rows, cols): each feature's value across the map."""
        self._check_fitted()
        return np.ascontiguousarray(self._codebook.T.reshape(-1, self.rows, self.cols))

    def neighbors(self, winner: int, radius: float | None = None) -> np.ndarray:
        """Units with nonzero neighbourhood weight around ``winner`` at ``radius`` (default: sigma)."""
        winner = _check_int("winner", winner, 0, self.n_units - 1)
        radius = self.sigma if radius is None else _check_positive("radius", radius, allow_zero=True)
        return K.neighbors_of(winner, self.rows, self.cols, self.topology == "hexagonal", self.toroidal,
                              self._kind(), float(radius), np.empty(self.n_units, dtype=np.int64))


def majority_labels(bmu: np.ndarray, labels: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) most frequent label among the samples mapped to each unit (−1 where none)."""
    n_units = rows * cols
    n_classes = int(labels.max()) + 1 if labels.size else 1
    table = np.zeros((n_units, n_classes), dtype=np.int64)
    np.add.at(table, (bmu, labels), 1)
    out = table.argmax(axis=1)
    out[table.sum(axis=1) == 0] = -1
    return out.reshape(rows, cols)


# --------------------------------------------------------------------------- data for the presets
def load_training_data(dataset: str, n_samples: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(X, y, image_shape) for a preset: 'iris' standardised, 'mnist' in [0, 1], 'mnist_pm1' in [−1, 1]
    (the seeds'), 'digits' in [0, 1], 'blobs' the seeds' three Gaussian clusters. image_shape is
    (h, w) for images, (1, n_features) otherwise. The first ``n_samples`` rows are used."""
    _check_choice("dataset", dataset, ("iris", "mnist", "mnist_pm1", "digits", "blobs"))
    n_samples = _check_int("n_samples", n_samples, 1)
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
        x, y = datasets.load_mnist("train", min(n_samples, 60000))
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1) / 255.0
        if dataset == "mnist_pm1":
            x = x * 2.0 - 1.0
        shape = (28, 28)
    if n_samples > len(x):
        raise ValueError(f"n_samples must be ≤ {len(x)} for {dataset}, got {n_samples}")
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float64)[:n_samples])
    return x, np.asarray(y, dtype=np.int64)[:n_samples], shape


def is_image_shape(image_shape: tuple) -> bool:
    """Whether load_training_data's image_shape is a picture ((h, w)) and not (1, n_features)."""
    return image_shape[0] > 1


# how many samples each data set holds (checked before a rebuild, so a bad value keeps the model)
DATA_SIZES = {"iris": 150, "digits": 1797, "mnist": 60000, "mnist_pm1": 60000, "blobs": 10_000_000}


# --------------------------------------------------------------------------- the GUI model
PRESETS: dict[str, dict[str, Any]] = {
    # seed 000 "15.SOM(iris).py": 50×50, N(0, 0.1) weights, α = 0.05, square radius 20 stepped down
    # by 1 every 3 epochs, 100 samples drawn with replacement per epoch, 300 epochs
    "iris_50x50": dict(dataset="iris", n_data=150, rows=50, cols=50, topology="rectangular",
                       neighborhood="bubble", sigma=20.0, sigma_decay="step", step_every=3,
                       learning_rate=0.05, lr_decay="constant", epochs=300, samples_per_epoch=100,
                       sampling="replacement", samples_per_step=25, init="normal", eval_samples=150),
    # seed 000 "16.SOM(mnist).py": 2000 digits in [−1, 1], 100×100, radius 20 down 1 every 2 epochs, 500/epoch
    "mnist_100x100": dict(dataset="mnist_pm1", n_data=2000, rows=100, cols=100, topology="rectangular",
                          neighborhood="bubble", sigma=20.0, sigma_decay="step", step_every=2,
                          learning_rate=0.05, lr_decay="constant", epochs=300, samples_per_epoch=500,
                          sampling="replacement", samples_per_step=2, init="normal", eval_samples=200),
    "mnist_30x30": dict(dataset="mnist", n_data=10000, rows=30, cols=30, topology="hexagonal",
                        neighborhood="gaussian", sigma=4.0, sigma_decay="asymptotic", step_every=1,
                        learning_rate=0.5, lr_decay="asymptotic", epochs=5, samples_per_epoch=10000,
                        sampling="shuffle", samples_per_step=10, init="pca", eval_samples=1000),
    "digits": dict(dataset="digits", n_data=1797, rows=20, cols=20, topology="hexagonal",
                   neighborhood="gaussian", sigma=3.0, sigma_decay="asymptotic", step_every=1,
                   learning_rate=0.5, lr_decay="asymptotic", epochs=20, samples_per_epoch=1797,
                   sampling="shuffle", samples_per_step=50, init="pca", eval_samples=1797),
    "blobs": dict(dataset="blobs", n_data=1500, rows=15, cols=15, topology="hexagonal",
                  neighborhood="gaussian", sigma=3.0, sigma_decay="asymptotic", step_every=1,
                  learning_rate=0.5, lr_decay="asymptotic", epochs=20, samples_per_epoch=1500,
                  sampling="shuffle", samples_per_step=50, init="pca", eval_samples=1500),
}
# fields whose change rebuilds the map (the rest apply live, mid-run)
_REBUILD_KEYS = ("dataset", "n_data", "rows", "cols", "init", "eval_samples")
_MAX_PROTOTYPE_SIDE = 30      # prototypes view: at most 30×30 tiles, sampled evenly over the grid
_MAX_COMPONENTS = 64          # component planes: all features up to 64, else the 16 most variable


@dataclass(frozen=True)
class SOMParams:
    preset: str = param("iris_50x50", label="Preset", choices=tuple(PRESETS), live=False,
                        help="the seeds' Iris 50×50 and MNIST 100×100 maps, a fast MNIST 30×30, digits, blobs; "
                             "the fields below left at 0 / 'preset' take the preset's value")
    dataset: str = param("preset", label="Data", choices=("preset", "iris", "mnist", "mnist_pm1", "digits", "blobs"),
                         live=False, help="iris (standardised), mnist in [0,1], mnist_pm1 in [−1,1] (the seeds'), digits 8×8, blobs")
    n_data: int = param(0, label="Samples in data", min=0, max=60000, live=False, help="0 = preset", special="preset")
    rows: int = param(0, label="Rows", min=0, max=200, live=False, help="grid rows; 0 = preset", special="preset")
    cols: int = param(0, label="Columns", min=0, max=200, live=False, help="grid columns; 0 = preset", special="preset")
    topology: str = param("preset", label="Topology", choices=("preset",) + TOPOLOGIES, group="rule",
                          help="square cells (8 neighbours) or hexagonal cells (6)")
    toroidal: bool = param(False, label="Toroidal", help="wrap the grid's edges around")
    neighborhood: str = param("preset", label="Neighbourhood", choices=("preset",) + NEIGHBORHOODS, group="rule",
                              help="bubble: every unit within the radius (the seeds' square window); "
                                   "gaussian; mexican hat (pushes the ring beyond σ away)")
    mode: str = param("online", label="Training", choices=MODES,
                      help="online: one sample at a time (Kohonen, the seeds); batch: one weighted-mean update per epoch")
    sigma: float = param(0.0, label="Radius σ", min=0.0, max=200.0, help="neighbourhood radius at the start; 0 = preset", special="preset")
    learning_rate: float = param(0.0, label="Learning rate α", min=0.0, max=1.0, help="initial rate; 0 = preset", special="preset")
    sigma_decay: str = param("preset", label="Radius decay", choices=("preset",) + SIGMA_DECAYS,
                             help="step: the seeds' radius − 1 every 'step every' epochs")
    lr_decay: str = param("preset", label="Rate decay", choices=("preset",) + LR_DECAYS)
    step_every: int = param(0, label="Step every (epochs)", min=0, max=1000, help="for the step decay; 0 = preset", special="preset")
    epochs: int = param(0, label="Epochs", min=0, max=100000, help="length of the decay schedules; 0 = preset", special="preset")
    samples_per_epoch: int = param(0, label="Samples per epoch", min=0, max=1000000, help="0 = preset", special="preset")
    sampling: str = param("preset", label="Sampling", choices=("preset", "shuffle", "replacement"),
                          help="shuffle: each epoch a permutation; replacement: random draws (the seeds')")
    samples_per_step: int = param(0, label="Samples per step", min=0, max=100000,
                                  help="samples presented per step (one animation tick); 0 = preset",
                                  special="preset")
    init: str = param("preset", label="Initial weights", choices=("preset",) + INITS, live=False,
                      help="normal: N(0, 0.1) (the seeds'); samples: random data rows; pca: the plane of the first two PCs")
    eval_samples: int = param(0, label="Samples for QE/TE", min=0, max=60000, live=False,
                              help="fixed subset on which QE, TE, hits and labels are measured every epoch; 0 = preset",
                              special="preset")


class SOMModel(Model):
    """A live SOM: one step presents a chunk of samples; QE/TE/hits/labels are measured every epoch."""

    name = "som"
    title = "Self-organizing map"
    unit = "chunk"
    Params = SOMParams

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.config = self.resolve(self.params)
        self._build()

    # -- configuration -----------------------------------------------------------
    @staticmethod
    def resolve(params: SOMParams) -> dict[str, Any]:
        """The effective settings: the preset's, overridden by every field not left at 0 / 'preset'."""
        cfg = dict(PRESETS[params.preset])
        for f in dataclasses.fields(params):
            if f.name == "preset":
                continue
            value = getattr(params, f.name)
            if f.name in ("toroidal", "mode"):
                cfg[f.name] = value
            elif value not in (0, 0.0, "preset"):
                cfg[f.name] = value
        if cfg["n_data"] > DATA_SIZES[cfg["dataset"]]:
            raise ValueError(f"n_data must be ≤ {DATA_SIZES[cfg['dataset']]} for {cfg['dataset']}, got {cfg['n_data']}")
        # the estimator validates the grid, radius, rate and choices (ValueError naming the field)
        SOM(cfg["rows"], cfg["cols"], topology=cfg["topology"], neighborhood=cfg["neighborhood"],
            sigma=cfg["sigma"], learning_rate=cfg["learning_rate"],
            lr_decay=cfg["lr_decay"], sigma_decay=cfg["sigma_decay"], step_every=cfg["step_every"],
            toroidal=cfg["toroidal"], init=cfg["init"], epochs=cfg["epochs"])
        if cfg["mode"] == "batch" and cfg["neighborhood"] == "mexican_hat":
            raise ValueError("mode='batch' needs a non-negative neighborhood ('bubble' or 'gaussian'), "
                             "got neighborhood='mexican_hat'")
        return cfg

    def _make_som(self, cfg: dict) -> SOM:
        return SOM(cfg["rows"], cfg["cols"], topology=cfg["topology"], neighborhood=cfg["neighborhood"],
                   sigma=cfg["sigma"], learning_rate=cfg["learning_rate"], lr_decay=cfg["lr_decay"],
                   sigma_decay=cfg["sigma_decay"], step_every=cfg["step_every"], toroidal=cfg["toroidal"],
                   init=cfg["init"], epochs=cfg["epochs"])

    def _build(self) -> None:
        cfg = self.config
        self.X, self.y, self.image_shape = load_training_data(cfg["dataset"], cfg["n_data"], self.seed)
        self.som = self._make_som(cfg)
        self.som._rng = self.rng  # initial weights come from the model's (saved) generator
        self.som.initialize(self.X)
        n = self.X.shape[0]
        n_eval = min(n, cfg["eval_samples"])
        self.eval_index = np.sort(self.rng.choice(n, size=n_eval, replace=False)) if n_eval < n else np.arange(n)
        variances = self.X.var(axis=0)
        n_feat = self.X.shape[1]
        self.component_index = (np.arange(n_feat) if n_feat <= _MAX_COMPONENTS
                                else np.sort(np.argsort(variances)[::-1][:16]))
        self.epoch = 0
        self.position = 0                           # samples of the current epoch already presented
        self.order = np.zeros(0, dtype=np.int64)    # this epoch's sample order
        self.running_error = 0.0
        self.batch_sums = np.zeros_like(self.som._codebook)
        self.batch_counts = np.zeros(self.som.n_units)
        self.qe = History(cap=20000)
        self.te = History(cap=20000)
        self.running = History(cap=20000)
        self._measure()
        self._umatrix_cache: np.ndarray | None = None

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old: SOMParams, new: SOMParams) -> None:
        cfg = self.resolve(new)
        rebuild = old.preset != new.preset or any(cfg[k] != self.config[k] for k in _REBUILD_KEYS)
        self.config = cfg
        if rebuild:
            self.reset()
            return
        # live: geometry, neighbourhood, schedules and pace change mid-run, weights kept
        self.som.set_params(topology=cfg["topology"], neighborhood=cfg["neighborhood"], sigma=cfg["sigma"],
                            learning_rate=cfg["learning_rate"], lr_decay=cfg["lr_decay"],
                            sigma_decay=cfg["sigma_decay"], step_every=cfg["step_every"],
                            toroidal=cfg["toroidal"], epochs=cfg["epochs"])
        if old.mode != new.mode:
            self.batch_sums[:] = 0.0
            self.batch_counts[:] = 0.0
        self._umatrix_cache = None

    # -- running -----------------------------------------------------------------
    def _new_epoch_order(self) -> None:
        n = self.X.shape[0]
        k = self.config["samples_per_epoch"]
        if self.config["sampling"] == "replacement":
            self.order = self.rng.integers(0, n, size=k)
        else:
            reps = -(-k // n)
            self.order = np.concatenate([self.rng.permutation(n) for _ in range(reps)])[:k]
        self.order = np.ascontiguousarray(self.order, dtype=np.int64)
        self.position = 0
        self.running_error = 0.0

    def step(self, n: int = 1) -> None:
        """Present n chunks of ``samples_per_step`` samples (online) or accumulate them (batch)."""
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer ≥ 1, got {n!r}")
        cfg = self.config
        for _ in range(int(n)):
            if self.position == 0 or self.position >= self.order.shape[0]:
                self._new_epoch_order()
            stop = min(self.order.shape[0], self.position + cfg["samples_per_step"])
            chunk = self.order[self.position:stop]
            total = self.som.epochs * self.order.shape[0]
            if cfg["mode"] == "online":
                progress = (self.epoch * self.order.shape[0] + np.arange(self.position, stop)) / total
                _, _, dist = self.som.train_online_samples(self.X, chunk, progress, self.epoch)
            else:
                rows = np.ascontiguousarray(self.X[chunk])
                bmu, _, dist = self.som._bmus(rows)
                K.accumulate_hits(rows, bmu, self.batch_sums, self.batch_counts)
            self.running_error += float(dist.sum())
            self.position = stop
            self.t += 1
            self._umatrix_cache = None
            if self.position >= self.order.shape[0]:
                self._end_epoch()

    def _end_epoch(self) -> None:
        if self.config["mode"] == "batch":
            self.som.apply_batch(self.batch_sums, self.batch_counts, self.epoch / self.som.epochs, self.epoch)
            self.batch_sums[:] = 0.0
            self.batch_counts[:] = 0.0
        self.running.append(self.running_error / max(1, self.order.shape[0]))
        self.epoch += 1
        self.som.n_epochs_ = self.epoch
        self.position = 0
        self._measure()

    def _measure(self) -> None:
        Xe = np.ascontiguousarray(self.X[self.eval_index])
        bmu, second, dist = self.som._bmus(Xe)
        self.qe.append(float(dist.mean()))
        self.te.append(self.som._te_from(bmu, second))
        s = self.som
        self.hits = np.bincount(bmu, minlength=s.n_units).reshape(s.rows, s.cols).astype(np.float64)
        self.bmu_labels = majority_labels(bmu, self.y[self.eval_index], s.rows, s.cols)

    def measure(self) -> None:
        """Measure QE, TE, hits and labels now (they are otherwise measured at each epoch's end)."""
        self._measure()

    def current_rates(self) -> tuple[float, float]:
        """(learning rate, sigma) the next sample will be presented with."""
        n = max(1, self.order.shape[0] if self.order.size else self.config["samples_per_epoch"])
        lr, sigma = self.som.rates((self.epoch * n + self.position) / (self.som.epochs * n), self.epoch)
        return float(lr[0]), float(sigma[0])

    # -- drawing -------------------------------------------------------------------
    def _umatrix(self) -> np.ndarray:
        if self._umatrix_cache is None:
            self._umatrix_cache = self.som.umatrix()
        return self._umatrix_cache

    def _prototype_tiles(self) -> np.ndarray:
        s = self.som
        # a square k×k sample of the grid, so the view's default square tiling lays it out as the map
        k = min(s.rows, s.cols, _MAX_PROTOTYPE_SIDE)
        rr = np.round(np.linspace(0, s.rows - 1, k)).astype(np.int64)
        cc = np.round(np.linspace(0, s.cols - 1, k)).astype(np.int64)
        units = (rr[:, None] * s.cols + cc[None, :]).ravel()
        return s._codebook[units].reshape((len(units),) + tuple(self.image_shape)).copy()

    def snapshot(self) -> Snapshot:
        lr, sigma = self.current_rates()
        s = self.som
        data = {
            "umatrix": self._umatrix().copy(),
            "hexagonal": 1.0 if s.topology == "hexagonal" else 0.0,
            "bmu_labels": self.bmu_labels.copy(),
            "hits": self.hits.copy(),
            "components": np.ascontiguousarray(s._codebook[:, self.component_index].T.reshape(-1, s.rows, s.cols)),
            "qe": self.qe.array(),
            "te": self.te.array(),
            "running_error": self.running.array(),
            "epoch": float(self.epoch),
            "learning_rate": lr,
            "sigma": sigma,
        }
        if is_image_shape(self.image_shape):   # prototypes as pictures only for images (Iris has component planes)
            data["prototypes"] = self._prototype_tiles()
        return Snapshot(self.t, data, self.unit)

    def views(self) -> list[ViewSpec]:
        # snapshot["hexagonal"] (1.0 / 0.0) says how to draw the cells: topology changes live
        grid = {"topology_key": "hexagonal", "labels_key": "bmu_labels"}
        return [
            ViewSpec("umatrix", "som_grid", "U-matrix (distance to neighbours)", colormap="viridis", main=True,
                     extra=dict(grid)),
            ViewSpec("prototypes", "image_grid", "Prototypes (sampled over the grid)", colormap="gray"),
            ViewSpec("components", "image_grid", "Component planes", colormap="viridis"),
            ViewSpec("hits", "som_grid", "Hit map", colormap="viridis", extra=dict(grid)),
            ViewSpec("qe", "curve", "Quantization error", x_label="epoch", y_label="mean |x − w_bmu|",
                     series=("running_error",), labels=("QE (eval set)", "running (seeds')")),
            ViewSpec("te", "curve", "Topographic error", x_label="epoch", y_label="fraction"),
        ]

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("measure", "Measure now", "compute QE, TE, hits and class labels on the current map")]

    # -- saving ----------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        return {
            "codebook": self.som._codebook.copy(),
            "epoch": np.array(self.epoch, dtype=np.int64),
            "position": np.array(self.position, dtype=np.int64),
            "order": self.order.copy(),
            "running_error": np.array(self.running_error),
            "batch_sums": self.batch_sums.copy(),
            "batch_counts": self.batch_counts.copy(),
            "eval_index": self.eval_index.copy(),
            "qe": self.qe.array(), "te": self.te.array(), "running": self.running.array(),
            "hits": self.hits.copy(), "bmu_labels": self.bmu_labels.copy(),
        }

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        s = self.som
        f = self.X.shape[1]
        shapes = {"codebook": (s.n_units, f), "epoch": (), "position": (), "order": (None,),
                  "running_error": (), "batch_sums": (s.n_units, f), "batch_counts": (s.n_units,),
                  "eval_index": (None,), "qe": (None,), "te": (None,), "running": (None,),
                  "hits": (s.rows, s.cols), "bmu_labels": (s.rows, s.cols)}
        checked = {}
        for key, shape in shapes.items():
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
            checked[key] = check_array(f"state[{key!r}]", state[key], shape=shape, dtype=None)
        n = self.X.shape[0]
        for key in ("order", "eval_index"):
            a = checked[key]
            if a.size and (not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() >= n):
                raise ValueError(f"state[{key!r}] must hold sample indices in [0, {n}), got {a.dtype} "
                                 f"in [{a.min()}, {a.max()}]")
        if int(checked["position"]) < 0 or int(checked["position"]) > checked["order"].shape[0]:
            raise ValueError(f"state['position'] must be in [0, {checked['order'].shape[0]}], got {checked['position']}")
        if int(checked["epoch"]) < 0:
            raise ValueError(f"state['epoch'] must be ≥ 0, got {checked['epoch']}")
        s.weights_ = checked["codebook"].reshape(s.rows, s.cols, f)
        self.epoch = int(checked["epoch"])
        s.n_epochs_ = self.epoch
        self.position = int(checked["position"])
        self.order = np.ascontiguousarray(checked["order"], dtype=np.int64)
        self.running_error = float(checked["running_error"])
        self.batch_sums = np.ascontiguousarray(checked["batch_sums"], dtype=np.float64).copy()
        self.batch_counts = checked["batch_counts"].astype(np.float64).copy()
        self.eval_index = checked["eval_index"].astype(np.int64).copy()
        self.qe.load(checked["qe"])
        self.te.load(checked["te"])
        self.running.load(checked["running"])
        self.hits = checked["hits"].astype(np.float64).copy()
        self.bmu_labels = checked["bmu_labels"].astype(np.int64).copy()
        self._umatrix_cache = None
