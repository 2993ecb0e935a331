"""SOMModel: a live self-organizing map for the GUI and the CLI, driving a ``SOM`` estimator.

The presets are the seeds' Iris 50×50 and MNIST 100×100 maps plus faster ones; one step presents
a chunk of samples, and QE, TE, hits and class labels are measured at the end of every epoch.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from engine import interrupt
from engine.kernels import som as K
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.shared import (CONVERT_ROWS, DATA_SIZES, LR_DECAYS, SIGMA_DECAYS, imported_training_data,
                                  is_image_shape, load_training_data)
from engine.models.som.estimator import (INITS, MODES, NEIGHBORHOODS, SEARCH_WORK, SOM, TOPOLOGIES,
                                         majority_labels)
from engine.validation import check_int, state_entry, state_float, state_indices, state_int

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
    dataset: str = param("preset", label="Data", choices=("preset", "iris", "mnist", "mnist_pm1", "digits", "blobs",
                                                          IMPORTED), live=False,
                         help="iris (standardised), mnist in [0,1], mnist_pm1 in [−1,1] (the seeds'), digits 8×8, "
                              "blobs; imported: your own (File → Import data)")
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
    # The GUI starts at 50 chunks/s (a level of its speed slider): the default Iris 50×50 schedule is
    # 300 epochs × 4 chunks of 25 samples = 1200 steps, 24 s to watch the radius shrink and the map
    # unfold, where the "max" speed ran it in 1–2 s (digits 14 s, blobs 12 s, MNIST 30×30 100 s).
    default_rate = 50.0
    Params = SOMParams
    data_param = "dataset"

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.config = self.resolve(self.params)
        self._build()

    def check_training_data(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """Samples asked for (n_data; 0: all) must be in the imported set."""
        check_int("n_data", self.params.n_data, 0, len(x))

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
        # checked before a rebuild, so a bad value keeps the model; the estimator checks the grid,
        # radius, rate and choices (ValueError naming the field)
        if cfg["dataset"] == IMPORTED:
            cfg["n_data"] = params.n_data   # 0: every example (checked against the set by the model)
        else:
            check_int("n_data", cfg["n_data"], 1, DATA_SIZES[cfg["dataset"]])
        SOM().update_params(**_som_params(cfg))
        return cfg

    def resolved_params(self) -> dict[str, Any]:
        """The preset's values for the fields left at 0 / 'preset' (see ``resolve``)."""
        p = self.params
        return {f.name: self.config[f.name] for f in dataclasses.fields(p)
                if f.name != "preset" and f.name in self.config and not isinstance(getattr(p, f.name), bool)
                and getattr(p, f.name) in (0, 0.0, "preset")}

    def _build(self) -> None:
        cfg = self.config
        if cfg["dataset"] == IMPORTED:
            self.X, self.y, self.image_shape = imported_training_data(self, cfg["n_data"])
        else:
            self.X, self.y, self.image_shape = load_training_data(cfg["dataset"], cfg["n_data"], self.seed)
        self.som = SOM().update_params(**_som_params(cfg))
        self.som.initialize(self.X, rng=self.rng)  # initial weights from the model's (saved) generator
        n = self.X.shape[0]
        n_eval = min(n, cfg["eval_samples"])
        self.eval_index = np.sort(self.rng.choice(n, size=n_eval, replace=False)) if n_eval < n else np.arange(n)
        n_feat = self.X.shape[1]
        self.component_index = (np.arange(n_feat) if n_feat <= _MAX_COMPONENTS
                                else np.sort(np.argsort(_variances(self.X))[::-1][:16]))
        self.epoch = 0
        self.position = 0                           # samples of the current epoch already presented
        self.order = np.zeros(0, dtype=np.int64)    # this epoch's sample order
        self.running_error = 0.0
        self.batch_sums = np.zeros((self.som.n_units, self.X.shape[1]))
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
        if cfg["dataset"] == IMPORTED:   # before a rebuild: no set, or too few examples, keeps the model
            imported_training_data(self, cfg["n_data"])
        rebuild = old.preset != new.preset or any(cfg[k] != self.config[k] for k in _REBUILD_KEYS)
        self.config = cfg
        if rebuild:
            self.reset()
            return
        # live: geometry, neighbourhood, schedules and pace change mid-run, weights kept
        self.som.update_params(**_som_params(cfg))
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
        n = check_int("n", n, 1)
        cfg = self.config
        for _ in range(n):
            if self.order.size and self.position >= self.order.shape[0]:
                self._end_epoch()   # a stop request interrupted it (engine/interrupt.py): finish it first
            if self.position == 0:
                self._new_epoch_order()
            stop = min(self.order.shape[0], self.position + cfg["samples_per_step"])
            total = self.som.n_epochs * self.order.shape[0]
            # in calls of a bounded amount of work, a stop check before each (engine/interrupt.py):
            # samples are presented (or counted) one by one, so the split changes nothing; an
            # interrupted step keeps the samples done (position, their error) and counts no step
            block = max(1, SEARCH_WORK // max(1, self.som.n_units * self.X.shape[1]))
            start, dist = self.position, np.zeros(stop - self.position)
            try:
                for at in range(start, stop, block):
                    interrupt.check()
                    end = min(stop, at + block)
                    chunk = self.order[at:end]
                    if cfg["mode"] == "online":
                        progress = (self.epoch * self.order.shape[0] + np.arange(at, end)) / total
                        dist[at - start:end - start] = self.som.train_online_samples(self.X, chunk, progress,
                                                                                     self.epoch)[2]
                    else:
                        rows = np.ascontiguousarray(self.X[chunk])
                        bmu, _, dist[at - start:end - start] = self.som.best_matching_units(rows)
                        K.accumulate_hits(rows, bmu, self.batch_sums, self.batch_counts)
                    self.position = end
            except interrupt.StepInterrupted:
                self.running_error += float(dist.sum())   # the samples presented so far
                raise
            self.running_error += float(dist.sum())   # one sum over the step, as one call made it
            self.t += 1
            self._umatrix_cache = None
            if self.position >= self.order.shape[0]:
                self._end_epoch()

    def _end_epoch(self) -> None:
        if self.config["mode"] == "batch":
            self.som.apply_batch(self.batch_sums, self.batch_counts, self.epoch / self.som.n_epochs, self.epoch)
            self.batch_sums[:] = 0.0
            self.batch_counts[:] = 0.0
        self.running.append(self.running_error / max(1, self.order.shape[0]))
        self.epoch += 1
        self.som.epoch_ = self.epoch
        self.position = 0
        self._measure()

    def _measure(self) -> None:
        qe, te, bmu = self.som.evaluate(self.X[self.eval_index])
        self.qe.append(qe)
        self.te.append(te)
        s = self.som
        self.hits = np.bincount(bmu, minlength=s.n_units).reshape(s.rows, s.cols).astype(np.float64)
        self.bmu_labels = majority_labels(bmu, self.y[self.eval_index], s.rows, s.cols)

    def measure(self) -> None:
        """Measure QE, TE, hits and labels now (they are otherwise measured at each epoch's end)."""
        self._measure()

    def current_rates(self) -> tuple[float, float]:
        """(learning rate, sigma) the next sample will be presented with."""
        n = max(1, self.order.shape[0] if self.order.size else self.config["samples_per_epoch"])
        lr, sigma = self.som.rates((self.epoch * n + self.position) / (self.som.n_epochs * n), self.epoch)
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
        return s.weights_.reshape(s.n_units, -1)[units].reshape((len(units),) + tuple(self.image_shape))

    def snapshot(self) -> Snapshot:
        lr, sigma = self.current_rates()
        s = self.som
        data = {
            "umatrix": self._umatrix().copy(),
            "hexagonal": 1.0 if s.topology == "hexagonal" else 0.0,
            "bmu_labels": self.bmu_labels.copy(),
            "hits": self.hits.copy(),
            "components": np.ascontiguousarray(s.weights_[:, :, self.component_index].transpose(2, 0, 1)),
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
        views = [
            ViewSpec("umatrix", "som_grid", "U-matrix (distance to neighbours)", colormap="viridis", main=True,
                     extra=dict(grid)),
            ViewSpec("prototypes", "image_grid", "Prototypes (sampled over the grid)", colormap="gray"),
            ViewSpec("components", "image_grid", "Component planes", colormap="viridis"),
            ViewSpec("hits", "som_grid", "Hit map", colormap="viridis", extra=dict(grid)),
            ViewSpec("qe", "curve", "Quantization error", x_label="epoch", y_label="mean |x − w_bmu|",
                     series=("running_error",), labels=("QE (eval set)", "running (seeds')")),
            ViewSpec("te", "curve", "Topographic error", x_label="epoch", y_label="fraction"),
        ]
        # prototypes as pictures only for images: Iris and blobs have component planes instead
        return [v for v in views if v.key != "prototypes" or is_image_shape(self.image_shape)]

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("measure", "Measure now", "compute QE, TE, hits and class labels on the current map")]

    # -- saving ----------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        return {
            "codebook": self.som.weights_.reshape(self.som.n_units, -1).copy(),
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
        n, f = self.X.shape
        codebook = state_entry(state, "codebook", shape=(s.n_units, f))
        order = state_indices(state, "order", n)
        position = state_int(state, "position", 0, order.shape[0])
        epoch = state_int(state, "epoch", 0)
        running_error = state_float(state, "running_error", 0.0)
        batch_sums = state_entry(state, "batch_sums", shape=(s.n_units, f), copy=True)
        batch_counts = state_entry(state, "batch_counts", shape=(s.n_units,), values=(0, None), copy=True)
        eval_index = state_indices(state, "eval_index", n)
        curves = {key: state_entry(state, key, shape=(None,)) for key in ("qe", "te", "running")}
        hits = state_entry(state, "hits", shape=(s.rows, s.cols), values=(0, None), copy=True)
        bmu_labels = state_indices(state, "bmu_labels", None, shape=(s.rows, s.cols), lo=-1)
        s.weights_ = codebook.reshape(s.rows, s.cols, f)
        self.epoch = epoch
        s.epoch_ = epoch
        self.position = position
        self.order = order
        self.running_error = running_error
        self.batch_sums = batch_sums
        self.batch_counts = batch_counts
        self.eval_index = eval_index
        self.qe.load(curves["qe"])
        self.te.load(curves["te"])
        self.running.load(curves["running"])
        self.hits = hits
        self.bmu_labels = bmu_labels
        self._umatrix_cache = None


def _variances(X: np.ndarray) -> np.ndarray:
    """Each feature's variance, in blocks of rows with a stop check before each (engine/interrupt.py):
    X.var over 60 000 digits makes a 376 MB temporary in one call. Equal to X.var to rounding."""
    mean = X.mean(axis=0)
    sums = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], CONVERT_ROWS):
        interrupt.check()
        d = X[start:start + CONVERT_ROWS] - mean
        sums += (d * d).sum(axis=0)
    return sums / X.shape[0]


def _som_params(cfg: dict[str, Any]) -> dict[str, Any]:
    """The SOM estimator's parameters in a resolved configuration."""
    names = ("rows", "cols", "topology", "neighborhood", "sigma", "learning_rate", "lr_decay", "sigma_decay",
             "step_every", "toroidal", "init", "mode")
    return dict({k: cfg[k] for k in names}, n_epochs=cfg["epochs"])
