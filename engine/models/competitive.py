"""Winner-take-all competitive learning: the estimator ``CompetitiveLayer`` and the GUI model ``CompetitiveModel``.

Seed 000 §6: the unit whose weights best match the input (largest activation w·x or
smallest distance |x − w|) wins and moves towards the input with the instar rule
w ← w + α(x − w); every other unit stays. A conscience (DeSieno's frequency-sensitive
bias) revives units that never win.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from sklearn.base import ClusterMixin, TransformerMixin

from engine import interrupt
from engine.estimator import boolean, choice, integer, real, seed
from engine.kernels import som as K
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.shared import (DATA_SIZES, LR_DECAYS, PrototypeEstimator, imported_training_data, is_image_shape,
                                  load_training_data, rows_in_blocks, schedule)
from engine.threads import small_linalg
from engine.validation import (check_array, check_bounded_state, check_choice, check_float, check_int, check_memory,
                               check_training_chunk, physical_memory_bytes, state_entry, state_float, state_indices, state_int)

WINNER_RULES = ("distance", "activation")
INITS = ("uniform", "normal", "samples")
DIVERGENCE_FACTOR = 1e6  # prototypes past 1e6 × the data's scale have run away (the rule overshoots)


class CompetitiveLayer(TransformerMixin, ClusterMixin, PrototypeEstimator):
    """A winner-take-all layer trained with the instar rule, scikit-learn style (fit / partial_fit / predict / transform).

    A clusterer: after ``fit``, ``labels_`` holds each training row's winning unit.

    ``n_epochs`` passes make one training run (``fit`` trains them all, ``partial_fit`` one) and the
    learning-rate schedule runs over them; ``shuffle`` presents each pass in a fresh order.
    """

    _constraints = {
        "n_units": integer(1), "learning_rate": real(0, lo_open=True), "winner": choice(*WINNER_RULES),
        "conscience": real(0), "conscience_rate": real(0, 1), "lr_decay": choice(*LR_DECAYS),
        "init": choice(*INITS), "shuffle": boolean(), "n_epochs": integer(1), "random_state": seed(),
    }
    # what fitting learns; all of it goes when n_units changes
    _learned = ("_weights", "_rng", "n_features_in_", "win_frequency_", "epoch_", "error_history_", "labels_")

    def __init__(self, n_units: int = 3, learning_rate: float = 0.01, *, winner: str = "distance",
                 conscience: float = 0.0, conscience_rate: float = 1e-3, lr_decay: str = "constant",
                 init: str = "uniform", shuffle: bool = True, n_epochs: int = 10, random_state: int | None = None):
        self.n_units = n_units
        self.learning_rate = learning_rate
        self.winner = winner
        self.conscience = conscience
        self.conscience_rate = conscience_rate
        self.lr_decay = lr_decay
        self.init = init
        self.shuffle = shuffle
        self.n_epochs = n_epochs
        self.random_state = random_state

    def _params_changed(self, old: dict) -> None:
        """Drop the weights when n_units changed (prototypes of another count must not answer predict)."""
        if not np.array_equal(old["n_units"], self.n_units):   # set_params stores any value, arrays too
            self._forget()

    @property
    def weights_(self) -> np.ndarray:
        """(n_units, n_features) prototypes, read-only (assign a new array to change them)."""
        self._check_fitted()
        view = self._weights.view()
        view.flags.writeable = False
        return view

    @weights_.setter
    def weights_(self, value: Any) -> None:
        arr = check_array("weights_", value, ndim=2)
        if arr.shape[0] != self.n_units or arr.shape[1] == 0:
            raise ValueError(f"weights_ must have shape ({self.n_units}, n_features), got {arr.shape}")
        if not self.__sklearn_is_fitted__():
            self.epoch_ = 0
            self.error_history_: list[float] = []
        self._weights = np.array(arr, dtype=np.float64, order="C")
        self.n_features_in_ = arr.shape[1]
        self.win_frequency_ = np.full(self.n_units, 1.0 / self.n_units)

    def initialize(self, X: Any, *, rng: np.random.Generator | None = None) -> "CompetitiveLayer":
        """Initial prototypes: 'uniform' in the data's bounding box (the seeds' rand on blobs),
        'normal' N(0, 0.1) (the seeds' MNIST), 'samples' (random rows).

        ``rng`` draws them (and later sample orders) instead of a generator seeded with ``random_state``.
        """
        p, X = self._start(X, rng)
        n, f = X.shape
        per_unit = 8.0 * (2.0 * f + 2.0)  # the prototypes and their initial draw, float64, and the win counts
        total = physical_memory_bytes()
        largest = f" (n_units ≤ {int(0.5 * total / per_unit)} for {f} features here)" if total else ""
        check_memory(f"n_units={p['n_units']}", per_unit * p["n_units"],
                     hint=f"the prototypes take about 16·n_features bytes per unit{largest}")
        if p["init"] == "uniform":
            lo, hi = X.min(axis=0), X.max(axis=0)
            w = lo + self._rng.random((p["n_units"], f)) * (hi - lo)
        elif p["init"] == "normal":
            w = self._rng.normal(0.0, 0.1, size=(p["n_units"], f))
        else:
            w = X[self._rng.integers(0, n, size=p["n_units"])]
        self.weights_ = w
        return self

    # train_samples is the per-chunk step of a live run (CompetitiveModel): it uses the parameters
    # as they are (checked by update_params or the last fit), not re-checked per call.
    def train_samples(self, X: np.ndarray, order: np.ndarray, progress: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Present X[order] one at a time at the given schedule progress; return (winner, distance before update)."""
        self._check_fitted()
        order, progress = check_training_chunk(X, order, progress, self.n_features_in_)
        lrs = np.atleast_1d(schedule(self.lr_decay, self.learning_rate, progress)).astype(np.float64)
        n = order.shape[0]
        winners = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        backup = self._weights.copy(), self.win_frequency_.copy()
        K.competitive_train_online(X, order, lrs, self._weights,
                                   self.winner == "activation", self.conscience,
                                   self.conscience_rate if self.conscience > 0 else 0.0,
                                   self.win_frequency_, winners, dist)
        # stop at the first chunk that leaves the prototypes non-finite or past 1e6 × the data's scale,
        # with the prototypes as they were before it
        rows = X[order]
        scale = max(1.0, float(np.max(np.abs(rows)))) if rows.size else 1.0
        try:
            check_bounded_state("weights", self._weights, bound=DIVERGENCE_FACTOR * scale,
                                at=f"at epoch {getattr(self, 'epoch_', 0) + 1}",
                                hint=f"learning_rate={self.learning_rate:g} is too large for this rule; try ≤ 1")
        except ValueError:
            self._weights[...], self.win_frequency_[...] = backup
            raise
        return winners, dist

    def partial_fit(self, X: Any, y: Any = None) -> "CompetitiveLayer":
        """One pass over X (initialises on the first call); the schedule runs over ``n_epochs`` passes."""
        p = self._params()
        if not self.__sklearn_is_fitted__():
            self.initialize(X)
        X = self._check_X(X, reset=False)
        n = X.shape[0]
        order = self._generator().permutation(n) if p["shuffle"] else np.arange(n)
        _, dist = self.train_samples(X, order, (self.epoch_ * n + np.arange(n)) / (p["n_epochs"] * n))
        self.error_history_.append(float(dist.mean()))
        self.epoch_ += 1
        return self

    def fit(self, X: Any, y: Any = None) -> "CompetitiveLayer":
        """Initialise and train ``n_epochs`` passes; error_history_ gets the seeds' running error per pass."""
        p = self._params()
        X = self._check_X(X, reset=True)
        self.initialize(X)
        for _ in range(p["n_epochs"]):
            self.partial_fit(X)
        self.labels_ = self.predict(X)
        return self

    def _checked(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return self._check_X(X, reset=False)

    def activations(self, X: Any) -> np.ndarray:
        """(n, n_units) activations w·x."""
        return self._checked(X) @ self._weights.T

    def transform(self, X: Any) -> np.ndarray:
        """(n, n_units) Euclidean distances to every prototype."""
        return self._distances(self._checked(X))

    def predict(self, X: Any) -> np.ndarray:
        """Index of the winning unit for each row (by the ``winner`` rule, without the conscience bias)."""
        return self.winners(self._checked(X))

    def winners(self, X: np.ndarray) -> np.ndarray:
        """``predict`` for data already checked, as ``train_samples`` takes it (a live model's own X, every frame)."""
        self._check_fitted()
        if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == self.n_features_in_):
            raise ValueError(f"X must be a checked (n_samples, {self.n_features_in_}) array (predict checks any "
                             f"data), got {getattr(X, 'shape', type(X).__name__)}")
        if self.winner == "activation":
            return interrupt.matmul(X, self._weights.T).argmax(axis=1)
        return self._distances(X).argmin(axis=1)

    def _distances(self, X: np.ndarray) -> np.ndarray:
        w = self._weights
        w_sq = (w ** 2).sum(axis=1)[None, :]
        out = np.empty((X.shape[0], w.shape[0]))
        # in interrupt.matmul's row blocks, a stop check before each (all 60 000 digits at each epoch's
        # end and at the build: each temporary of them at once is hundreds of MB); the same values
        rows = interrupt.block_rows(X.shape[1], w.shape[0])
        for start in range(0, X.shape[0], rows):
            interrupt.check()
            x = X[start:start + rows]
            d2 = (x * x).sum(axis=1)[:, None] - np.matmul(2.0 * x, w.T) + w_sq
            out[start:start + rows] = np.sqrt(np.maximum(d2, 0.0))
        return out

    def error(self, X: Any) -> float:
        """Mean distance from each row to its winning prototype."""
        d = self.transform(X)
        return float(d[np.arange(d.shape[0]), self.predict(X)].mean())

    def score(self, X: Any, y: Any = None) -> float:
        """Negative mean distance to the winner (bigger is better, as scikit-learn expects)."""
        return -self.error(X)


def competitive_step(weights: Any, x: Any, learning_rate: float, winner: str = "distance") -> tuple[int, np.ndarray]:
    """One instar update of the seeds' worked example: (winner index, new weights); weights are (n_units, n_features)."""
    w = check_array("weights", weights, ndim=2)
    x = check_array("x", x, shape=(w.shape[1],))
    learning_rate = check_float("learning_rate", learning_rate, 0.0, lo_open=True)
    check_choice("winner", winner, WINNER_RULES)
    win = int(np.argmax(w @ x)) if winner == "activation" else int(np.argmin(np.linalg.norm(x - w, axis=1)))
    new = w.copy()
    new[win] += learning_rate * (x - new[win])
    return win, new


# --------------------------------------------------------------------------- the GUI model
_DATA_DEFAULTS = {  # dataset: (samples, units, seeds' init)
    "blobs": (1500, 3, "uniform"), "iris": (150, 3, "samples"),
    "digits": (1797, 10, "samples"), "mnist": (10000, 10, "normal"),
}
_NEAREST = 10  # the seeds' figure: each prototype with its 10 nearest samples
_PROJECTION_SAMPLES = 2000   # at most this many samples fix the scatter view's principal plane
_CHEAP_ASSIGN = 3_000_000  # recompute every sample's cluster per frame only below this many multiply-adds


@dataclass(frozen=True)
class CompetitiveParams:
    dataset: str = param("blobs", label="Data", choices=tuple(_DATA_DEFAULTS) + (IMPORTED,), live=False,
                         help="blobs: the seeds' three Gaussian clusters; iris; digits 8×8; MNIST; "
                              "imported: your own (File → Import data)")
    n_data: int = param(0, label="Samples", min=0, max=60000, live=False, help="0 = the data set's default", special="default")
    n_units: int = param(0, label="Units", min=0, max=400, live=False, help="0 = number of classes", special="one per class")
    learning_rate: float = param(0.01, label="Learning rate α", min=1e-5, max=1.0, log=True)
    lr_decay: str = param("constant", label="Rate decay", choices=LR_DECAYS)
    winner: str = param("distance", label="Winner", choices=WINNER_RULES, group="rule",
                        help="smallest distance |x − w| or largest activation w·x (seed 000 §6-2)")
    conscience: float = param(0.0, label="Conscience C", min=0.0, max=100.0,
                              help="DeSieno bias C·(1/K − p): units that win too often are handicapped; 0 = off")
    conscience_rate: float = param(1e-3, label="Conscience rate β", min=0.0, max=1.0)
    init: str = param("preset", label="Initial weights", choices=("preset",) + INITS, live=False,
                      help="uniform in the data's box (the seeds' blobs), N(0, 0.1) (the seeds' MNIST), random samples")
    epochs: int = param(10, label="Epochs", min=1, max=100000, help="length of the rate schedule")
    samples_per_step: int = param(15, label="Samples per step", min=1, max=100000)


class CompetitiveModel(Model):
    """Live competitive learning: one step presents ``samples_per_step`` samples; error per epoch."""

    name = "competitive"
    title = "Competitive learning"
    unit = "chunk"
    default_rate = 60.0   # 15 samples per tick: an epoch of the seeds' 1500 blobs in under 2 s
    Params = CompetitiveParams
    data_param = "dataset"

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._build()

    def check_training_data(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """Samples asked for (n_data; 0: all) must be in the imported set."""
        check_int("n_data", self.params.n_data, 0, len(x))

    def _build(self) -> None:
        p = self.params
        if p.dataset == IMPORTED:   # one unit per class when it has labels, else 10 (at most one per example)
            self.X, self.y, self.image_shape = imported_training_data(self, p.n_data)
            labels = self.imported_data()[1]
            units_default = len(np.unique(labels)) if labels is not None else min(10, self.X.shape[0])
            init_default = "samples"
        else:
            n_default, units_default, init_default = _DATA_DEFAULTS[p.dataset]
            self.X, self.y, self.image_shape = load_training_data(p.dataset, p.n_data or n_default, self.seed)
        n_units = p.n_units or (units_default if p.n_data == 0 else min(units_default, self.X.shape[0]))
        self.layer = CompetitiveLayer(n_units, p.learning_rate, winner=p.winner, conscience=p.conscience,
                                      conscience_rate=p.conscience_rate, lr_decay=p.lr_decay,
                                      init=init_default if p.init == "preset" else p.init, n_epochs=p.epochs)
        self.layer.initialize(self.X, rng=self.rng)  # initial weights from the model's (saved) generator
        # 2-D view: the data itself, or its first two principal components
        mean = self.X.mean(axis=0)
        if self.X.shape[1] <= 2:   # the data itself (one feature: on a line)
            self.projection = np.eye(2)[:self.X.shape[1]]
        else:
            # the view's plane: every ⌈n/2000⌉-th sample is plenty (MNIST's 10 000: 0.1 s, not 0.5 s)
            with small_linalg():
                _, vecs = np.linalg.eigh(np.cov(self.X[::-(-len(self.X) // _PROJECTION_SAMPLES)], rowvar=False))
            self.projection = np.ascontiguousarray(vecs[:, ::-1][:, :2])
        self.center = mean if self.X.shape[1] != 2 else np.zeros(2)
        self.points = rows_in_blocks(self.X, lambda x: (x - self.center) @ self.projection)   # stop checks
        self.epoch = 0
        self.position = 0
        self.order = np.zeros(0, dtype=np.int64)
        self.running_error = 0.0
        self.error = History(cap=20000)
        self._assignment: np.ndarray | None = None
        self._refresh_epoch_views()

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old: CompetitiveParams, new: CompetitiveParams) -> None:
        # before a rebuild: a bad value (or no imported set) keeps the model
        if new.dataset == IMPORTED:
            imported_training_data(self, new.n_data)
        else:
            check_int("n_data", new.n_data, 0, DATA_SIZES[new.dataset])
        if any(getattr(old, k) != getattr(new, k) for k in ("dataset", "n_data", "n_units", "init")):
            self.reset()
            return
        self.layer.update_params(learning_rate=new.learning_rate, winner=new.winner, conscience=new.conscience,
                              conscience_rate=new.conscience_rate, lr_decay=new.lr_decay, n_epochs=new.epochs)
        self._assignment = None

    def step(self, n: int = 1) -> None:
        """Present n chunks of ``samples_per_step`` samples (each epoch a fresh permutation)."""
        remaining = check_int("n", n, 1)
        n_samples = self.X.shape[0]
        per_chunk = self.params.samples_per_step
        while remaining > 0:
            if self.position == 0 or self.position >= self.order.shape[0]:
                self.order = np.ascontiguousarray(self.rng.permutation(n_samples), dtype=np.int64)
                self.position = 0
                self.running_error = 0.0
            # All the chunks left in this epoch in one kernel call: chunks are consecutive runs
            # of the same order, so this is the same training without a Python loop per chunk
            # (which, at full speed, would hold the GIL the GUI thread needs to draw).
            chunks = min(remaining, -(-(n_samples - self.position) // per_chunk))
            stop = min(n_samples, self.position + chunks * per_chunk)
            # ... in calls of a bounded amount of work, with a stop check before each: online
            # training is sample by sample, so the split changes nothing; an interrupted step keeps
            # the samples presented (position) and counts no chunk
            block = max(1, interrupt.PRODUCT_CHUNK // 5 // max(1, self.layer._weights.size))
            first, dist = self.position, np.zeros(stop - self.position)
            try:
                for start in range(first, stop, block):
                    interrupt.check()
                    end = min(stop, start + block)
                    progress = (self.epoch * n_samples + np.arange(start, end)) / (self.layer.n_epochs * n_samples)
                    dist[start - first:end - first] = self.layer.train_samples(self.X, self.order[start:end],
                                                                               progress)[1]
                    self.position = end
            except interrupt.StepInterrupted:
                self.running_error += float(dist.sum())   # the samples presented so far
                raise
            self.running_error += float(dist.sum())   # one sum over the call's samples, as before the split
            self.t += chunks
            remaining -= chunks
            self._assignment = None
            if self.position >= n_samples:
                self.error.append(self.running_error / n_samples)
                self.epoch += 1
                self.layer.epoch_ = self.epoch
                self.position = 0
                self._refresh_epoch_views()

    def _compute_assignment(self) -> np.ndarray:
        return self.layer.winners(self.X).astype(np.int64)

    def _refresh_epoch_views(self) -> None:
        # the prototypes with their nearest samples and (for big data) the cluster of every sample
        distances = self.layer.transform(self.X)
        # the distance winner from the distances at hand (searching every sample again doubled the cost)
        assignment = (distances.argmin(axis=1).astype(np.int64) if self.layer.winner == "distance"
                      else self._compute_assignment())
        self._epoch_assignment = assignment
        h, w = self.image_shape
        tiles = np.zeros((self.layer.n_units, _NEAREST + 1, h, w))
        tiles[:, 0] = self.layer.weights_.reshape(-1, h, w)
        # each unit's samples in index order, from one stable sort (not a pass over all samples per unit)
        by_unit = np.argsort(assignment, kind="stable")
        bounds = np.searchsorted(assignment[by_unit], np.arange(self.layer.n_units + 1))
        for u in range(self.layer.n_units):
            members = by_unit[bounds[u]:bounds[u + 1]]
            if members.size:
                nearest = members[np.argsort(distances[members, u])[:_NEAREST]]
                tiles[u, 1:1 + nearest.size] = self.X[nearest].reshape(-1, h, w)
        self.nearest_tiles = tiles.reshape(-1, h, w)

    def _current_assignment(self) -> np.ndarray:
        if self.X.shape[0] * self.layer.n_units * self.X.shape[1] > _CHEAP_ASSIGN:
            return self._epoch_assignment
        if self._assignment is None:
            self._assignment = self._compute_assignment()
        return self._assignment

    def snapshot(self) -> Snapshot:
        w = self.layer.weights_
        data = {
            "data": self.points.copy(),
            "assignment": self._current_assignment().copy(),
            "prototypes": (w - self.center) @ self.projection,
            "error": self.error.array(),
            "win_frequency": self.layer.win_frequency_.copy(),
            "epoch": float(self.epoch),
        }
        if is_image_shape(self.image_shape):   # prototypes and their nearest samples as pictures
            data["prototype_images"] = w.reshape((-1,) + tuple(self.image_shape)).copy()
            data["nearest"] = self.nearest_tiles.copy()
        return Snapshot(self.t, data, self.unit)

    def views(self) -> list[ViewSpec]:
        views = [
            ViewSpec("data", "scatter", "Clusters and prototypes (PCA plane for >2 features)", main=True,
                     series=("prototypes",), extra={"classes_key": "assignment"}),
            ViewSpec("error", "curve", "Error (mean distance to the winner)", x_label="epoch",
                     y_label="mean |x − w_win|"),
            ViewSpec("win_frequency", "bars", "Win frequency (conscience)"),
        ]
        if is_image_shape(self.image_shape):   # a 1×2 "picture" of a 2-D prototype tells nothing
            views[2:2] = [
                ViewSpec("prototype_images", "image_grid", "Prototypes", colormap="gray"),
                ViewSpec("nearest", "image_grid", "Each prototype and its 10 nearest samples", colormap="gray",
                         extra={"columns": _NEAREST + 1}),
            ]
        return views

    def extra_state(self) -> dict[str, np.ndarray]:
        return {
            "weights": self.layer.weights_.copy(),
            "win_frequency": self.layer.win_frequency_.copy(),
            "epoch": np.array(self.epoch, dtype=np.int64),
            "position": np.array(self.position, dtype=np.int64),
            "order": self.order.copy(),
            "running_error": np.array(self.running_error),
            "error": self.error.array(),
            "nearest": self.nearest_tiles.copy(),
            "epoch_assignment": self._epoch_assignment.copy(),
        }

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        k, (n, f) = self.layer.n_units, self.X.shape
        h, w = self.image_shape
        weights = state_entry(state, "weights", shape=(k, f))
        win_frequency = state_entry(state, "win_frequency", shape=(k,), values=(0, 1), copy=True)
        order = state_indices(state, "order", n)
        position = state_int(state, "position", 0, order.shape[0])
        epoch = state_int(state, "epoch", 0)
        running_error = state_float(state, "running_error", 0.0)
        error = state_entry(state, "error", shape=(None,))
        # the epoch-end views as they were saved (recomputing them now would use later weights)
        nearest = state_entry(state, "nearest", shape=(k * (_NEAREST + 1), h, w), copy=True)
        epoch_assignment = state_indices(state, "epoch_assignment", k, shape=(n,))
        self.layer.weights_ = weights
        self.layer.win_frequency_ = win_frequency
        self.epoch = epoch
        self.layer.epoch_ = epoch
        self.position = position
        self.order = order
        self.running_error = running_error
        self.error.load(error)
        self._assignment = None
        self.nearest_tiles = nearest
        self._epoch_assignment = epoch_assignment
