"""``HebbianPCAModel``: watch Oja's and Sanger's weight vectors turn onto the principal axes.

A 2-D Gaussian cloud with the weight vectors drawn from its mean and the angle to the exact
principal components as a curve; or the 8×8 digits, Sanger's components as images beside PCA's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from engine import datasets, interrupt
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.hebb.pca import PCA_RULES, HebbianPCA, angles_degrees, pass_rate
from engine.models.shared import imported_training_data
from engine.threads import small_linalg
from engine.validation import check_int, state_entry, state_int

PCA_DATA = {  # name: (default components, default learning rate)
    "gaussian": (2, 0.01),
    "digits": (3, 0.01),
    IMPORTED: (3, None),    # your own data (File → Import data): the rate from the data (_default_rate)
}


def _default_rate(X: np.ndarray, preset_rate: float | None) -> float:
    """A preset's α, or for imported data 0.5 / E‖x − mean‖² (at most 0.5): Oja's and Sanger's updates
    are stable for α‖x‖² below about 1, and a set's scale is unknown beforehand."""
    if preset_rate is not None:
        return preset_rate
    spread = float(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    return min(0.5, 0.5 / spread) if spread > 0 else 0.5
_ARROW_DOTS = 12       # dots drawn along each weight vector in the scatter view


def _exact_components(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first k principal axes (rows) of X and their variances, by eigen-decomposition."""
    with small_linalg():
        vals, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order].T.copy(), vals[order]


@dataclass(frozen=True)
class HebbianPCAParams:
    dataset: str = param("gaussian", label="Data", choices=tuple(PCA_DATA), live=False,
                         help="gaussian: a correlated 2-D cloud; digits: scikit-learn's 8×8 digits (scaled to 0..1); "
                              "imported: your own (File → Import data), scaled to 0..1 by its range")
    rule: str = param("sanger", label="Rule", choices=PCA_RULES, group="rule", live=False,
                      help="oja: Δw = α y (x − y w); sanger: Δw_i = α y_i (x − Σ_{l≤i} y_l w_l)")
    n_components: int = param(0, label="Components", min=0, max=20, live=False, special="preset",
                              help="number of output units (0 = 2 for the cloud, 3 for the digits)")
    learning_rate: float = param(0.0, label="Learning rate α", min=0.0, max=1.0, special="preset",
                                 help="α of the first pass; pass e uses α/(1 + e) (0 = the preset's; imported data: "
                                      "0.5 / E‖x − mean‖², at most 0.5)")
    samples_per_step: int = param(10, label="Samples per step", min=1, max=100000)


class HebbianPCAModel(Model):
    """Oja / Sanger live: one step presents ``samples_per_step`` samples (a fresh permutation per pass)."""

    name = "hebbian-pca"
    title = "Hebbian PCA"
    unit = "chunk"
    default_rate = 30.0
    Params = HebbianPCAParams
    data_param = "dataset"

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._build()

    def _build(self) -> None:
        p = self.params
        if p.dataset == "gaussian":
            data_rng = np.random.default_rng(0)   # one fixed cloud: a saved run loads onto the same data
            cov = np.array([[3.0, 1.2], [1.2, 1.0]])
            self.X = data_rng.multivariate_normal([0.0, 0.0], cov, size=1000)
            self.image_shape = (1, 2)
        elif p.dataset == IMPORTED:
            X, _, self.image_shape = imported_training_data(self, 0)
            lo, hi = X.min(), X.max()
            self.X = (X - lo) / (hi - lo) if hi > lo else np.zeros_like(X)
        else:
            images, _ = datasets.load_digits_8x8()
            self.X = images.reshape(len(images), -1) / 16.0
            self.image_shape = (8, 8)
        k_default, rate = PCA_DATA[p.dataset]
        k = min(p.n_components or k_default, self.X.shape[1])
        self.rate = p.learning_rate or _default_rate(self.X, rate)
        self.pca = HebbianPCA(k, p.rule, learning_rate=self.rate, random_state=int(self.rng.integers(2**31)))
        self.pca.initialize(self.X)
        self.exact, self.exact_variance = _exact_components(self.X, k)
        self.order = self.rng.permutation(self.X.shape[0]).astype(np.int64)
        self.position = 0
        self.epoch = 0
        self.angle = History(width=k)
        self.norm = History(width=k)
        self.samples = History()
        self._record()

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old: HebbianPCAParams, new: HebbianPCAParams) -> None:
        if any(getattr(old, f) != getattr(new, f) for f in ("dataset", "rule", "n_components")):
            self.reset()
            return
        self.rate = new.learning_rate or _default_rate(self.X, PCA_DATA[new.dataset][1])

    def check_training_data(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """Principal axes need at least two features."""
        if x[0].size < 2:
            raise ValueError(f"Hebbian PCA needs at least 2 features an example, the imported set has {x[0].size}")

    def _record(self) -> None:
        w = self.pca.components_
        self.angle.append(angles_degrees(w, self.exact))
        self.norm.append(np.linalg.norm(w, axis=1))
        self.samples.append(float(self.epoch * self.X.shape[0] + self.position))

    def step(self, n: int = 1) -> None:
        """Present n × samples_per_step samples at this pass's rate α/(1 + pass)."""
        n = check_int("n", n, 1)
        remaining = n * self.params.samples_per_step
        while remaining > 0:
            if self.position >= self.X.shape[0]:
                self.order = self.rng.permutation(self.X.shape[0]).astype(np.int64)
                self.position = 0
                self.epoch += 1
            # samples are presented one by one: in calls of bounded work with a stop check before each
            # (engine/interrupt.py), the same run; an interrupted step keeps the samples presented
            w = self.pca.components_
            block = max(1, interrupt.PRODUCT_CHUNK // max(1, w.size * (w.shape[0] + 1)))
            chunk = min(remaining, self.X.shape[0] - self.position, block)
            interrupt.check()
            idx = self.order[self.position:self.position + chunk]
            self.pca.present(self.X[idx], pass_rate(self.rate, self.epoch))
            self.position += chunk
            remaining -= chunk
        self.t += n
        self._record()

    def snapshot(self) -> Snapshot:
        w = self.pca.components_
        data: dict[str, Any] = {
            "angle": self.angle.array(), "norm": self.norm.array(), "samples": self.samples.array(),
            "variance": np.vstack([self.pca.transform(self.X).var(axis=0, ddof=1) / np.sum(w * w, axis=1),
                                   self.exact_variance]),
        }
        if self.X.shape[1] == 2:
            reach = 2.0 * np.sqrt(self.exact_variance[0])
            steps = np.linspace(0.0, 1.0, _ARROW_DOTS)[:, None]
            data["data"] = self.X.copy()
            data["weights"] = np.concatenate([self.pca.mean_ + reach * steps * wi for wi in w])
            data["axes"] = np.concatenate([self.pca.mean_ + reach * s * steps * e
                                           for e in self.exact for s in (-1.0, 1.0)])
        else:
            data["components"] = w.reshape(-1, *self.image_shape).copy()
            data["exact"] = self.exact.reshape(-1, *self.image_shape).copy()
        return Snapshot(self.t, data, self.unit)

    def views(self) -> list[ViewSpec]:
        k = self.pca.components_.shape[0]
        names = tuple(f"w{i + 1}" for i in range(k))
        views = [
            ViewSpec("angle", "curve", "Angle to the exact principal component", labels=names, x_key="samples",
                     x_label="samples presented", y_label="angle (degrees)"),
            ViewSpec("norm", "curve", "Length |w| (Oja's decay holds it at 1)", labels=names, x_key="samples",
                     x_label="samples presented", y_label="|w|"),
            ViewSpec("variance", "bars", "Variance along each component", labels=("Hebbian", "exact PCA"),
                     extra={"ticks": list(names)}),
        ]
        if self.X.shape[1] == 2:
            views.insert(0, ViewSpec("data", "scatter", "Data, weight vectors (large) and the principal axes",
                                     series=("weights", "axes"), main=True))
        else:
            views.insert(0, ViewSpec("components", "image_grid", "Learned components (Sanger / Oja)",
                                     colormap="diverging", main=True, extra={"columns": k}))
            views.insert(1, ViewSpec("exact", "image_grid", "Exact principal components", colormap="diverging",
                                     extra={"columns": k}))
        return views

    def extra_state(self) -> dict[str, np.ndarray]:
        return {"components": self.pca.components_.copy(), "order": self.order.copy(),
                "position": np.array(self.position, dtype=np.int64), "epoch": np.array(self.epoch, dtype=np.int64),
                "angle": self.angle.array(), "norm": self.norm.array(), "samples": self.samples.array()}

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        n, (k, f) = self.X.shape[0], self.pca.components_.shape
        components = state_entry(state, "components", shape=(k, f))
        order = state_entry(state, "order", shape=(n,), dtype=np.int64)
        if sorted(order.tolist()) != list(range(n)):
            raise ValueError(f"state['order'] must be a permutation of the {n} samples")
        angle, norm = state_entry(state, "angle", shape=(k, None)), state_entry(state, "norm", shape=(k, None))
        samples = state_entry(state, "samples", ndim=1)
        if not angle.shape[1] == norm.shape[1] == samples.shape[0]:
            raise ValueError("state['angle'], state['norm'] and state['samples'] must have the same length")
        position, epoch = state_int(state, "position", 0, n), state_int(state, "epoch", 0)
        self.pca.set_components(components)
        self.order, self.position, self.epoch = order, position, epoch
        self.angle.load(angle)
        self.norm.load(norm)
        self.samples.load(samples)
