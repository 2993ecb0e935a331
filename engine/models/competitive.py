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

from sklearn.base import BaseEstimator

from engine.estimator import ParamsMixin
from engine.kernels import som as K
from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import check_array, check_seed
from engine.models.som import (DATA_SIZES, _check_choice, _check_int, _check_positive, check_data,
                               is_image_shape, load_training_data, schedule)

WINNER_RULES = ("distance", "activation")
INITS = ("uniform", "normal", "samples")
LR_DECAYS = ("constant", "linear", "exponential", "asymptotic")


class CompetitiveLayer(ParamsMixin, BaseEstimator):
    """A winner-take-all layer trained with the instar rule, scikit-learn style (fit / partial_fit / predict / transform)."""

    _PARAM_NAMES = ("n_units", "learning_rate", "winner", "conscience", "conscience_rate", "lr_decay",
                    "init", "epochs", "random_state")

    def __init__(self, n_units: int = 3, learning_rate: float = 0.01, *, winner: str = "distance",
                 conscience: float = 0.0, conscience_rate: float = 1e-3, lr_decay: str = "constant",
                 init: str = "uniform", epochs: int = 10, random_state: int | None = None):
        self.n_units = n_units
        self.learning_rate = learning_rate
        self.winner = winner
        self.conscience = conscience
        self.conscience_rate = conscience_rate
        self.lr_decay = lr_decay
        self.init = init
        self.epochs = epochs
        self.random_state = random_state
        self._validate()
        self._weights: np.ndarray | None = None
        self.win_frequency_: np.ndarray | None = None
        self.n_epochs_ = 0
        self.error_history_: list[float] = []
        self._rng = np.random.default_rng(self.random_state)

    def _validate(self) -> None:
        self.n_units = _check_int("n_units", self.n_units, 1)
        self.learning_rate = _check_positive("learning_rate", self.learning_rate)
        _check_choice("winner", self.winner, WINNER_RULES)
        self.conscience = _check_positive("conscience", self.conscience, allow_zero=True)
        self.conscience_rate = _check_positive("conscience_rate", self.conscience_rate, allow_zero=True)
        if self.conscience_rate > 1:
            raise ValueError(f"conscience_rate must be in [0, 1], got {self.conscience_rate!r}")
        _check_choice("lr_decay", self.lr_decay, LR_DECAYS)
        _check_choice("init", self.init, INITS)
        self.epochs = _check_int("epochs", self.epochs, 1)
        self.random_state = check_seed(self.random_state, "random_state")

    def _params_changed(self, old: dict) -> None:
        """Keep the weights while n_units is unchanged."""
        if self._weights is not None and self._weights.shape[0] != self.n_units:
            self._weights = None
            self.win_frequency_ = None

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
        self._weights = np.ascontiguousarray(arr, dtype=np.float64).copy()
        self.win_frequency_ = np.full(self.n_units, 1.0 / self.n_units)

    def _check_fitted(self) -> None:
        if self._weights is None:
            raise ValueError("this CompetitiveLayer has no weights yet: call fit, partial_fit or initialize first")

    def initialize(self, X: Any) -> "CompetitiveLayer":
        """Initial prototypes: 'uniform' in the data's bounding box (the seeds' rand on blobs),
        'normal' N(0, 0.1) (the seeds' MNIST), 'samples' (random rows)."""
        X = check_data("X", X)
        n, f = X.shape
        if self.init == "uniform":
            lo, hi = X.min(axis=0), X.max(axis=0)
            w = lo + self._rng.random((self.n_units, f)) * (hi - lo)
        elif self.init == "normal":
            w = self._rng.normal(0.0, 0.1, size=(self.n_units, f))
        else:
            w = X[self._rng.integers(0, n, size=self.n_units)].copy()
        self.weights_ = w
        self.n_epochs_ = 0
        self.error_history_ = []
        return self

    def train_samples(self, X: np.ndarray, order: np.ndarray, progress: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Present X[order] one at a time at the given schedule progress; return (winner, distance before update)."""
        lrs = np.atleast_1d(schedule(self.lr_decay, self.learning_rate, progress)).astype(np.float64)
        n = order.shape[0]
        winners = np.empty(n, dtype=np.int64)
        dist = np.empty(n)
        K.competitive_train_online(X, np.ascontiguousarray(order, dtype=np.int64), lrs, self._weights,
                                   self.winner == "activation", self.conscience,
                                   self.conscience_rate if self.conscience > 0 else 0.0,
                                   self.win_frequency_, winners, dist)
        return winners, dist

    def partial_fit(self, X: Any, y: Any = None, *, shuffle: bool = True) -> "CompetitiveLayer":
        """One pass over X (initialises on the first call); the schedule runs over ``epochs`` passes."""
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
        if self._weights is None:
            self.initialize(X)
        X = check_data("X", X, self._weights.shape[1])
        n = X.shape[0]
        order = self._rng.permutation(n) if shuffle else np.arange(n)
        progress = (self.n_epochs_ * n + np.arange(n)) / (self.epochs * n)
        _, dist = self.train_samples(X, order, progress)
        self.error_history_.append(float(dist.mean()))
        self.n_epochs_ += 1
        return self

    def fit(self, X: Any, y: Any = None, *, epochs: int | None = None, shuffle: bool = True) -> "CompetitiveLayer":
        """Initialise and train for ``epochs`` passes; error_history_ gets the seeds' running error per pass."""
        if epochs is not None:
            self.epochs = _check_int("epochs", epochs, 1)
        X = check_data("X", X)
        self._rng = np.random.default_rng(self.random_state)
        self.initialize(X)
        for _ in range(self.epochs):
            self.partial_fit(X, shuffle=shuffle)
        return self

    def _checked(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return check_data("X", X, self._weights.shape[1])

    def activations(self, X: Any) -> np.ndarray:
        """(n, n_units) activations w·x."""
        return self._checked(X) @ self._weights.T

    def transform(self, X: Any) -> np.ndarray:
        """(n, n_units) Euclidean distances to every prototype."""
        X = self._checked(X)
        d2 = (X * X).sum(axis=1)[:, None] - 2.0 * X @ self._weights.T + (self._weights ** 2).sum(axis=1)[None, :]
        return np.sqrt(np.maximum(d2, 0.0))

    def predict(self, X: Any) -> np.ndarray:
        """Index of the winning unit for each row (by the ``winner`` rule, without the conscience bias)."""
        if self.winner == "activation":
            return self.activations(X).argmax(axis=1)
        return self.transform(X).argmin(axis=1)

    def fit_predict(self, X: Any, y: Any = None, **fit_args) -> np.ndarray:
        """fit, then predict X."""
        return self.fit(X, **fit_args).predict(X)

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
    learning_rate = _check_positive("learning_rate", learning_rate)
    _check_choice("winner", winner, WINNER_RULES)
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
_CHEAP_ASSIGN = 3_000_000  # recompute every sample's cluster per frame only below this many multiply-adds


@dataclass(frozen=True)
class CompetitiveParams:
    dataset: str = param("blobs", label="Data", choices=tuple(_DATA_DEFAULTS), live=False,
                         help="blobs: the seeds' three Gaussian clusters; iris; digits 8×8; MNIST")
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

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._build()

    def _build(self) -> None:
        p = self.params
        n_default, units_default, init_default = _DATA_DEFAULTS[p.dataset]
        source = "mnist" if p.dataset == "mnist" else p.dataset
        self.X, self.y, self.image_shape = load_training_data(source, p.n_data or n_default, self.seed)
        n_units = p.n_units or (units_default if p.n_data == 0 else min(units_default, self.X.shape[0]))
        self.layer = CompetitiveLayer(n_units, p.learning_rate, winner=p.winner, conscience=p.conscience,
                                      conscience_rate=p.conscience_rate, lr_decay=p.lr_decay,
                                      init=init_default if p.init == "preset" else p.init, epochs=p.epochs)
        self.layer._rng = self.rng
        self.layer.initialize(self.X)
        # 2-D view: the data itself, or its first two principal components
        mean = self.X.mean(axis=0)
        if self.X.shape[1] == 2:
            self.projection = np.eye(2)
        else:
            _, vecs = np.linalg.eigh(np.cov(self.X, rowvar=False))
            self.projection = np.ascontiguousarray(vecs[:, ::-1][:, :2])
        self.center = mean if self.X.shape[1] != 2 else np.zeros(2)
        self.points = (self.X - self.center) @ self.projection
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
        if new.n_data > DATA_SIZES[new.dataset]:
            raise ValueError(f"n_data must be ≤ {DATA_SIZES[new.dataset]} for {new.dataset}, got {new.n_data}")
        if any(getattr(old, k) != getattr(new, k) for k in ("dataset", "n_data", "n_units", "init")):
            self.reset()
            return
        self.layer.set_params(learning_rate=new.learning_rate, winner=new.winner, conscience=new.conscience,
                              conscience_rate=new.conscience_rate, lr_decay=new.lr_decay, epochs=new.epochs)
        self._assignment = None

    def step(self, n: int = 1) -> None:
        """Present n chunks of ``samples_per_step`` samples (each epoch a fresh permutation)."""
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer ≥ 1, got {n!r}")
        n_samples = self.X.shape[0]
        per_chunk = self.params.samples_per_step
        remaining = int(n)
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
            progress = (self.epoch * n_samples + np.arange(self.position, stop)) / (self.layer.epochs * n_samples)
            _, dist = self.layer.train_samples(self.X, self.order[self.position:stop], progress)
            self.running_error += float(dist.sum())
            self.position = stop
            self.t += chunks
            remaining -= chunks
            self._assignment = None
            if self.position >= n_samples:
                self.error.append(self.running_error / n_samples)
                self.epoch += 1
                self.layer.n_epochs_ = self.epoch
                self.position = 0
                self._refresh_epoch_views()

    def _compute_assignment(self) -> np.ndarray:
        return self.layer.predict(self.X).astype(np.int64)

    def _refresh_epoch_views(self) -> None:
        # the prototypes with their nearest samples and (for big data) the cluster of every sample
        assignment = self._compute_assignment()
        self._epoch_assignment = assignment
        distances = self.layer.transform(self.X)
        h, w = self.image_shape
        tiles = np.zeros((self.layer.n_units, _NEAREST + 1, h, w))
        for u in range(self.layer.n_units):
            tiles[u, 0] = self.layer._weights[u].reshape(h, w)
            members = np.flatnonzero(assignment == u)
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
        w = self.layer._weights
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
        return [
            ViewSpec("data", "scatter", "Clusters and prototypes (PCA plane for >2 features)", main=True,
                     series=("prototypes",), extra={"classes_key": "assignment"}),
            ViewSpec("error", "curve", "Error (mean distance to the winner)", x_label="epoch",
                     y_label="mean |x − w_win|"),
            ViewSpec("prototype_images", "image_grid", "Prototypes", colormap="gray"),
            ViewSpec("nearest", "image_grid", "Each prototype and its 10 nearest samples", colormap="gray",
                     extra={"columns": _NEAREST + 1}),
            ViewSpec("win_frequency", "bars", "Win frequency (conscience)"),
        ]

    def extra_state(self) -> dict[str, np.ndarray]:
        return {
            "weights": self.layer._weights.copy(),
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
        k, f = self.layer.n_units, self.X.shape[1]
        h, w = self.image_shape
        shapes = {"weights": (k, f), "win_frequency": (k,), "epoch": (), "position": (), "order": (None,),
                  "running_error": (), "error": (None,), "nearest": (k * (_NEAREST + 1), h, w),
                  "epoch_assignment": (self.X.shape[0],)}
        checked = {}
        for key, shape in shapes.items():
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
            checked[key] = check_array(f"state[{key!r}]", state[key], shape=shape, dtype=None)
        n = self.X.shape[0]
        order = checked["order"]
        if order.size and (not np.issubdtype(order.dtype, np.integer) or order.min() < 0 or order.max() >= n):
            raise ValueError(f"state['order'] must hold sample indices in [0, {n})")
        position = int(checked["position"])
        if position < 0 or position > order.shape[0] or int(checked["epoch"]) < 0:
            raise ValueError(f"state['position'] must be in [0, {order.shape[0]}] and state['epoch'] ≥ 0, "
                             f"got {position} and {int(checked['epoch'])}")
        self.layer.weights_ = checked["weights"]
        self.layer.win_frequency_ = checked["win_frequency"].astype(np.float64).copy()
        self.epoch = int(checked["epoch"])
        self.layer.n_epochs_ = self.epoch
        self.position = position
        self.order = np.ascontiguousarray(order, dtype=np.int64)
        self.running_error = float(checked["running_error"])
        self.error.load(checked["error"])
        self._assignment = None
        # the epoch-end views as they were saved (recomputing them now would use later weights)
        self.nearest_tiles = checked["nearest"].astype(np.float64).copy()
        self._epoch_assignment = checked["epoch_assignment"].astype(np.int64).copy()
