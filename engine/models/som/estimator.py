"""Kohonen self-organizing maps: the scientific estimator ``SOM`` and the grid helpers.

Seed 000 §7: a 2-D competitive layer whose winner drags its grid neighbours towards
each input. Here: rectangular or hexagonal grids (odd rows shifted right by half a cell),
optional toroidal wrap, bubble (the seeds' square ``find_neighbors``), Gaussian and
Mexican-hat neighbourhoods, learning-rate and radius schedules (constant, linear,
exponential, MiniSom's asymptotic, the seeds' step-down), online and batch training,
random or PCA initialisation, and MiniSom's quantization and topographic errors.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import TransformerMixin

from engine import interrupt
from engine.estimator import boolean, choice, integer, real, seed
from engine.kernels import som as K
from engine.models.shared import LR_DECAYS, SIGMA_DECAYS, PrototypeEstimator, covariance, schedule
from engine.threads import small_linalg
from engine.validation import (check_array, check_bool, check_bounded_state, check_choice, check_float, check_int,
                               check_memory, check_training_chunk, physical_memory_bytes)

# multiply-adds per uninterruptible kernel call (engine/interrupt.py): numba's BMU search runs well below
# BLAS's speed (3 MNIST digits against a 200×200 map took 150–200 ms on a loaded machine: one a call now)
SEARCH_WORK = interrupt.PRODUCT_CHUNK // 4
INIT_VALUES = 1 << 21   # initial prototype values made between stop checks (initialize: tens of ms)

TOPOLOGIES = ("rectangular", "hexagonal")
NEIGHBORHOODS = ("bubble", "gaussian", "mexican_hat")
INITS = ("normal", "samples", "pca")
MODES = ("online", "batch")
DIVERGENCE_FACTOR = 1e6  # prototypes past 1e6 × the data's scale have run away (the rule overshoots)
_BATCH_NEEDS_POSITIVE = ("mode='batch' needs a non-negative neighborhood ('bubble' or 'gaussian'), "
                         "got neighborhood='mexican_hat'")


def find_neighbors(winner: int, k: int, rows: int = 10, cols: int = 10) -> np.ndarray:
    """The seeds' find_neighbors: flat indices within k rows and k columns of ``winner`` (clipped at the edges)."""
    rows = check_int("rows", rows, 1)
    cols = check_int("cols", cols, 1)
    winner = check_int("winner", winner, 0, rows * cols - 1)
    k = check_int("k", k, 0)
    return K.neighbors_of(winner, rows, cols, False, False, K.BUBBLE, float(k),
                          np.empty(rows * cols, dtype=np.int64))


def unit_positions(rows: int, cols: int, topology: str = "rectangular") -> np.ndarray:
    """(rows·cols, 2) [x, y] positions of the units (hexagonal: odd rows shifted by ½, rows √3/2 apart)."""
    rows = check_int("rows", rows, 1)
    cols = check_int("cols", cols, 1)
    check_choice("topology", topology, TOPOLOGIES)
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


def check_som_memory(rows: int, cols: int, n_features: int) -> None:
    """Refuse a map whose float64 prototypes would not fit: the codebook, its initial draw and the
    batch rule's work copy (3 × units·features), plus ~7 numbers per unit (norms, U-matrix edges…)."""
    per_unit = 8.0 * (3.0 * n_features + 7.0)
    total = physical_memory_bytes()
    largest = f" (rows × cols ≤ {int(0.5 * total / per_unit)} for {n_features} features here)" if total else ""
    check_memory(f"rows={rows}, cols={cols}", per_unit * rows * cols,
                 hint=f"the prototypes take about 8·(3·n_features + 7) bytes per unit{largest}")


class SOM(TransformerMixin, PrototypeEstimator):
    """A Kohonen self-organizing map with a scikit-learn-style API (fit / partial_fit / predict / transform).

    ``n_epochs`` passes make one training run: ``fit`` trains them all, ``partial_fit`` one at a
    time, and the learning-rate and radius schedules run over them. ``mode`` 'online' presents one
    sample at a time (``shuffle``: in a fresh order each pass), 'batch' moves every prototype to
    the neighbourhood-weighted mean of its samples once per pass.
    """

    _constraints = {
        "rows": integer(1), "cols": integer(1), "topology": choice(*TOPOLOGIES),
        "neighborhood": choice(*NEIGHBORHOODS), "sigma": real(0, lo_open=True),
        "learning_rate": real(0, lo_open=True), "lr_decay": choice(*LR_DECAYS),
        "sigma_decay": choice(*SIGMA_DECAYS), "step_every": integer(1), "toroidal": boolean(),
        "init": choice(*INITS), "mode": choice(*MODES), "shuffle": boolean(), "n_epochs": integer(1),
        "random_state": seed(),
    }
    # what fitting learns; all of it goes when the grid changes
    _learned = ("_codebook", "_good", "_w_sq", "_touched", "_edges", "_rng", "n_features_in_", "epoch_",
                "qe_history_", "te_history_")

    def __init__(self, rows: int = 10, cols: int = 10, *, topology: str = "rectangular",
                 neighborhood: str = "gaussian", sigma: float = 1.0, learning_rate: float = 0.5,
                 lr_decay: str = "asymptotic", sigma_decay: str = "asymptotic", step_every: int = 1,
                 toroidal: bool = False, init: str = "pca", mode: str = "online", shuffle: bool = True,
                 n_epochs: int = 10, random_state: int | None = None):
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
        self.mode = mode
        self.shuffle = shuffle
        self.n_epochs = n_epochs
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        p = super()._params()
        if p["rows"] * p["cols"] < 2:
            raise ValueError(f"rows × cols must be at least 1×2 (two units), got {p['rows']}×{p['cols']}")
        if p["toroidal"] and p["topology"] == "hexagonal" and p["rows"] % 2:
            raise ValueError(f"rows must be even on a toroidal hexagonal grid (the half-cell shift must "
                             f"line up across the wrap), got rows={p['rows']}")
        if p["mode"] == "batch" and p["neighborhood"] == "mexican_hat":
            raise ValueError(_BATCH_NEEDS_POSITIVE)
        return p

    def _params_changed(self, old: dict) -> None:
        """Drop the map when the grid changed (a codebook of another shape must not answer predict)."""
        if not self.__sklearn_is_fitted__():
            return
        if not np.array_equal((old["rows"], old["cols"]), (self.rows, self.cols)):  # set_params stores any value
            self._forget()
        elif not np.array_equal((old["topology"], old["toroidal"]), (self.topology, self.toroidal)):
            self._touched[:] = 1          # other neighbour pairs: the cached distances no longer apply

    # -- state ---------------------------------------------------------------
    @property
    def n_units(self) -> int:
        """rows × cols."""
        return self.rows * self.cols

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
        self._take_codebook(np.array(arr.reshape(self.n_units, -1), dtype=np.float64, order="C"))

    def _take_codebook(self, codebook: np.ndarray) -> None:
        """Make ``codebook`` (n_units, n_features) float64 C-ordered, finite, owned by no one else,
        the prototypes: the setter's work after its checks and copy (which initialize's own array
        needs not: a second 250 MB pass at 200×200 on MNIST)."""
        if not self.__sklearn_is_fitted__():
            self.epoch_ = 0
            self.qe_history_: list[float] = []
            self.te_history_: list[float] = []
        self._codebook = codebook
        self.__dict__.pop("_good", None)   # the epoch-start copy belonged to the old prototypes
        self.n_features_in_ = self._codebook.shape[1]
        self._w_sq = np.empty(self.n_units)
        K.squared_norms(self._codebook, self._w_sq)
        # units changed since the last U-matrix (all of them now) and the cached neighbour distances
        self._touched = np.ones(self.n_units, dtype=np.uint8)
        self._edges = np.zeros((self.n_units, 4))

    def initialize(self, X: Any, *, rng: np.random.Generator | None = None) -> "SOM":
        """Set the initial prototypes from X: 'normal' N(0, 0.1) (the seeds'), 'samples' (random rows), 'pca'.

        ``rng`` draws them (and later sample orders) instead of a generator seeded with ``random_state``.
        """
        p, X = self._start(X, rng)
        self._initialize(p, X)
        return self

    def _initialize(self, p: dict[str, Any], X: np.ndarray) -> None:
        """initialize with checked parameters and data."""
        n, f = X.shape
        check_som_memory(p["rows"], p["cols"], f)
        # in blocks of grid rows with a stop check before each (engine/interrupt.py): 200×200 MNIST
        # prototypes are 250 MB; each block gets the values the whole array would
        w = np.empty((self.n_units, f))
        picks = self._rng.integers(0, n, size=self.n_units) if p["init"] == "samples" else None
        pca = self._pca_terms(X) if p["init"] == "pca" else None
        grid_rows = max(1, INIT_VALUES // (self.cols * f))
        for r in range(0, self.rows, grid_rows):
            interrupt.check()
            units = slice(r * self.cols, min(self.rows, r + grid_rows) * self.cols)
            if p["init"] == "normal":
                w[units] = self._rng.normal(0.0, 0.1, size=(units.stop - units.start, f))
            elif p["init"] == "samples":
                w[units] = X[picks[units]]
            else:
                w[units] = self._pca_rows(*pca, r, min(self.rows, r + grid_rows))
        self._take_codebook(w)

    def _pca_terms(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        """(mean, pc1, pc2) of MiniSom's pca_weights_init (``_pca_rows``); pc1 = pc2 = 0 and the
        spread along a ramp for one feature or one sample."""
        n, f = X.shape
        mean = X.mean(axis=0)
        if f == 1 or n < 2:
            return mean, X.std(axis=0) if n > 1 else np.ones(f), None
        # covariance eigenvectors as MiniSom does (unit length, largest two); eigh of the
        # f×f covariance is far cheaper than an SVD of the n×f data for MNIST-sized sets.
        # One BLAS thread: a 64×64 eigh took 4.6 ms with the default threads (they spin, worse on
        # a busy machine), 0.5 ms with one — the PCA start was a tenth of a small fit.
        with small_linalg():
            eigvals, eigvecs = np.linalg.eigh(covariance(X))   # in row blocks with stop checks (MNIST: a second)
        order = np.argsort(eigvals)[::-1]
        return mean, eigvecs[:, order[0]], eigvecs[:, order[1]]

    def _pca_rows(self, mean: np.ndarray, pc1: np.ndarray, pc2: np.ndarray | None, r0: int, r1: int) -> np.ndarray:
        """Grid rows r0…r1−1 of MiniSom's pca_weights_init: mean + c1·pc1 + c2·pc2 with c1, c2 on
        [-1, 1] along rows and cols (one feature or sample: mean + a ramp over all units · spread)."""
        f = mean.shape[0]
        if pc2 is None:
            ramp = np.linspace(-1, 1, self.n_units)[r0 * self.cols:r1 * self.cols, None]
            return mean + ramp * pc1
        c1 = np.linspace(-1, 1, self.rows)[r0:r1, None, None]
        c2 = np.linspace(-1, 1, self.cols)[None, :, None]
        return (mean + c1 * pc1 + c2 * pc2).reshape(-1, f)

    # -- training --------------------------------------------------------------
    # The three methods below are the per-chunk steps of a live run (SOMModel): they use the
    # parameters as they are (checked by update_params or the last fit), not re-checked per call.
    def rates(self, progress: np.ndarray | float, epoch: int) -> tuple[np.ndarray, np.ndarray]:
        """(learning rate, sigma) at training progress p ∈ [0, 1] during ``epoch`` (0-based)."""
        lr = schedule(self.lr_decay, self.learning_rate, progress, epoch, self.step_every)
        sigma = schedule(self.sigma_decay, self.sigma, progress, epoch, self.step_every, is_sigma=True)
        return np.atleast_1d(lr).astype(np.float64), np.atleast_1d(sigma).astype(np.float64)

    def train_online_samples(self, X: np.ndarray, order: np.ndarray, progress: np.ndarray,
                             epoch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Present X[order] one sample at a time at the given per-sample progress; return (bmu, second, distance)."""
        self._check_fitted()
        order, progress = check_training_chunk(X, order, progress, self.n_features_in_)
        epoch = check_int("epoch", epoch, 0)
        lrs, sigmas = self.rates(progress, epoch)
        n = order.shape[0]
        bmu = np.empty(n, dtype=np.int64)
        second = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        self._train_online(X, order, lrs, sigmas, epoch, data_scale(X[order]), bmu, second, dist)
        return bmu, second, dist

    def _train_online(self, X: np.ndarray, order: np.ndarray, lrs: np.ndarray, sigmas: np.ndarray, epoch: int,
                      scale: float, bmu: np.ndarray, second: np.ndarray, dist: np.ndarray) -> None:
        """The online kernel over X[order] with checked arguments, then the divergence check
        (``scale``: the presented data's largest magnitude, see data_scale)."""
        backup = self._epoch_backup(epoch)
        K.som_train_online(X, order, lrs, sigmas, self._codebook,
                           self._w_sq, self.rows, self.cols, self.topology == "hexagonal", self.toroidal,
                           self._kind(), np.empty(self.n_units, dtype=np.int64), self._touched, bmu, second, dist)
        self._check_diverged(backup, scale, epoch)

    def _epoch_backup(self, epoch: int) -> np.ndarray:
        """The prototypes as the epoch began, what a diverged chunk falls back to: copied once per
        epoch (a copy per chunk cost a third of a 10-sample chunk on MNIST 30×30)."""
        good = self.__dict__.get("_good")
        if good is None or good[0] != epoch or good[1].shape != self._codebook.shape:
            good = self._good = (epoch, self._codebook.copy())
        return good[1]

    def _divergence_hint(self) -> str:
        if self.neighborhood == "mexican_hat":  # its negative ring pushes prototypes apart, each step further
            return (f"learning_rate={self.learning_rate:g} is too large for the mexican hat, whose negative ring "
                    f"pushes prototypes apart; try learning_rate ≤ {self.learning_rate / 10:g}, a smaller sigma "
                    f"or neighborhood='gaussian'")
        return f"learning_rate={self.learning_rate:g} is too large for this rule; try ≤ 1"

    def _check_diverged(self, backup: np.ndarray, scale: float, epoch: int) -> None:
        """After a training chunk: prototypes non-finite or past 1e6 × the presented data's ``scale``
        have diverged — put back ``backup`` (the prototypes as the epoch began) and say why."""
        try:
            check_bounded_state("weights", self._codebook, bound=DIVERGENCE_FACTOR * scale, at=f"at epoch {epoch + 1}",
                                hint=self._divergence_hint())
        except ValueError:
            self._codebook[...] = backup
            K.squared_norms(self._codebook, self._w_sq)
            self._touched[:] = 1
            raise

    def apply_batch(self, sums: np.ndarray, counts: np.ndarray, progress: float, epoch: int) -> None:
        """One batch update from per-unit sums and hit counts (the BMU statistics of one pass)."""
        if self.neighborhood == "mexican_hat":
            raise ValueError(_BATCH_NEEDS_POSITIVE)
        self._check_fitted()
        sums = check_array("sums", sums, shape=self._codebook.shape)
        counts = check_array("counts", counts, shape=(self.n_units,), values=(0, None))
        progress = check_float("progress", progress)
        epoch = check_int("epoch", epoch, 0)
        lr, sigma = self.rates(progress, epoch)
        backup = self._epoch_backup(epoch)
        window, numerator, denominator = (np.empty(self.n_units, dtype=np.int64), np.empty_like(self._codebook),
                                          np.empty(self.n_units))
        # in calls of a bounded amount of work, a stop check before each (engine/interrupt.py): a
        # 200×200 map at a wide neighbourhood is every unit × every unit (half a PRODUCT_CHUNK a call: a
        # weight's exp costs more than a multiply-add; 40 ms at 200×200, σ = 100); the prototypes change in
        # the last call only, so an interrupted update leaves them as they were
        start = 0
        while start < self.n_units:
            interrupt.check()
            start = K.som_batch_update(sums, counts, self._codebook, self._w_sq, self.rows, self.cols,
                                       self.topology == "hexagonal", self.toroidal, self._kind(), float(sigma[0]),
                                       min(1.0, float(lr[0])), window, numerator, denominator, self._touched,
                                       start, interrupt.PRODUCT_CHUNK // 2)
        self._check_diverged(backup, data_scale(sums[counts > 0] / counts[counts > 0, None]), epoch)

    def _kind(self) -> int:
        return K.NEIGHBORHOOD_CODES[self.neighborhood]

    def partial_fit(self, X: Any, y: Any = None) -> "SOM":
        """One pass over X, continuing the decay schedule over ``n_epochs`` (initialises on the first call)."""
        p = self._params()
        if not self.__sklearn_is_fitted__():
            self.initialize(X)
        X = self._check_X(X, reset=False)
        self._epoch(p, X, data_scale(X))
        return self

    def _epoch(self, p: dict[str, Any], X: np.ndarray, scale: float) -> None:
        """One pass over checked data X (``scale``: data_scale(X), computed once per fit)."""
        n = X.shape[0]
        epoch = self.epoch_
        if p["mode"] == "online":
            order = self._generator().permutation(n) if p["shuffle"] else np.arange(n)
            lrs, sigmas = self.rates((epoch * n + np.arange(n)) / (p["n_epochs"] * n), epoch)
            self._train_online(X, order, lrs, sigmas, epoch, scale, np.empty(n, dtype=np.int64),
                               np.empty(n, dtype=np.int64), np.empty(n))
        else:
            bmu, _, _ = self._bmus(X)
            sums = np.zeros_like(self._codebook)
            counts = np.zeros(self.n_units)
            K.accumulate_hits(X, bmu, sums, counts)
            self.apply_batch(sums, counts, epoch / p["n_epochs"], epoch)
        self.epoch_ += 1

    def fit(self, X: Any, y: Any = None, *, measure: bool = False) -> "SOM":
        """Initialise and train ``n_epochs`` passes; with ``measure``, record QE and TE after each.

        Measuring is off unless asked: on small data a full best-unit pass after every epoch cost
        more than the training (the 8×8 digits on 20×20 ran at 2–3× MiniSom instead of ≥ 10×)."""
        measure = check_bool("measure", measure)
        p, X = self._start(X, None)      # checked once: the epochs below skip partial_fit's checks
        self._initialize(p, X)
        scale = data_scale(X)
        for _ in range(p["n_epochs"]):
            self._epoch(p, X, scale)
            if measure:
                qe, te, _ = self.evaluate(X)
                self.qe_history_.append(qe)
                self.te_history_.append(te)
        return self

    # -- mapping and measures ----------------------------------------------------
    def _bmus(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = X.shape[0]
        bmu = np.empty(n, dtype=np.int64)
        second = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        # rows in blocks of bounded work, a stop check before each (engine/interrupt.py): searching
        # 60 000 digits in a 200×200 map is minutes of work
        block = max(1, SEARCH_WORK // max(1, self._codebook.size))
        for at in range(0, n, block):
            interrupt.check()
            end = min(n, at + block)
            K.find_bmus(X[at:end], self._codebook, self._w_sq, bmu[at:end], second[at:end], dist[at:end])
        return bmu, second, dist

    def _checked(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return self._check_X(X, reset=False)

    def best_matching_units(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(best unit, second-best unit, distance to the best) for each row of X."""
        return self._bmus(self._checked(X))

    def evaluate(self, X: Any) -> tuple[float, float, np.ndarray]:
        """(quantization error, topographic error, best unit of each row) from one search."""
        bmu, second, dist = self.best_matching_units(X)
        te = float(np.mean(~grid_adjacent(bmu, second, self.rows, self.cols, self.topology, self.toroidal)))
        return float(dist.mean()), te, bmu

    def predict(self, X: Any) -> np.ndarray:
        """Flat index (r·cols + c) of each row's best-matching unit."""
        return self.best_matching_units(X)[0]

    def transform(self, X: Any) -> np.ndarray:
        """(n, 2) grid coordinates [row, col] of each row's best-matching unit."""
        r, c = np.divmod(self.predict(X), self.cols)
        return np.column_stack([r, c]).astype(np.float64)

    def quantization_error(self, X: Any) -> float:
        """Mean Euclidean distance from each row to its best-matching prototype (MiniSom's definition)."""
        return float(self.best_matching_units(X)[2].mean())

    def topographic_error(self, X: Any) -> float:
        """Fraction of rows whose best and second-best units are not grid neighbours (MiniSom's definition)."""
        return self.evaluate(X)[1]

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
        p = self._params()
        winner = check_int("winner", winner, 0, self.n_units - 1)
        radius = p["sigma"] if radius is None else check_float("radius", radius, 0.0)
        return K.neighbors_of(winner, p["rows"], p["cols"], p["topology"] == "hexagonal", p["toroidal"],
                              K.NEIGHBORHOOD_CODES[p["neighborhood"]], radius, np.empty(self.n_units, dtype=np.int64))


def data_scale(rows: np.ndarray) -> float:
    """The scale prototypes are judged against for divergence: the data's largest magnitude, at least 1."""
    return max(1.0, float(np.max(np.abs(rows)))) if rows.size else 1.0


def majority_labels(bmu: np.ndarray, labels: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) most frequent label among the samples mapped to each unit (−1 where none)."""
    n_units = rows * cols
    n_classes = int(labels.max()) + 1 if labels.size else 1
    table = np.zeros((n_units, n_classes), dtype=np.int64)
    np.add.at(table, (bmu, labels), 1)
    out = table.argmax(axis=1)
    out[table.sum(axis=1) == 0] = -1
    return out.reshape(rows, cols)


