"""``CompetingModel``: Krotov & Hopfield's competing hidden units learning MNIST, live.

The receptive fields are drawn as a grid while they learn (noise → strokes and digit parts); after
every pass a logistic-regression readout on the hidden activities reports its test accuracy.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from engine import datasets
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.hebb.competing import CompetingHebbian
from engine.models.shared import check_digit_set, imported_digit_images, rows_in_blocks
from engine.validation import check_int, state_entry, state_int

SHOWN_FIELDS = 100      # receptive fields drawn (the first units)
READOUT_TEST = 2000     # test images the readout is scored on


@dataclass(frozen=True)
class CompetingParams:
    n_hidden: int = param(100, label="Hidden units", min=2, max=2000, live=False,
                          help="competing units (the paper: 2000; fewer learn faster on a laptop)")
    p: float = param(3.0, label="Lebedev p", min=2.0, max=8.0, live=False,
                     help="the norm |W|_p the units keep at 1; currents ⟨W, x⟩ = Σ sign(W)|W|^(p−1) x")
    k: int = param(7, label="Rank k pushed away", min=2, max=100,
                   help="per sample the strongest unit learns x, the k-th strongest unlearns it (anti-Hebbian)")
    delta: float = param(0.4, label="Anti-Hebbian Δ", min=0.0, max=2.0, help="strength of the k-th unit's push away")
    learning_rate: float = param(0.04, label="Learning rate ε₀", min=1e-4, max=1.0, log=True,
                                 help="largest weight change per minibatch in the first pass; falls linearly")
    n_epochs: int = param(100, label="Schedule length (passes)", min=1, max=10000,
                          help="ε = ε₀ (1 − pass / passes)")
    batch_size: int = param(100, label="Minibatch", min=1, max=10000, live=False)
    power: float = param(4.5, label="Readout power n", min=1.0, max=10.0,
                         help="hidden activity h = max(W·x, 0)^n fed to the logistic readout")
    n_data: int = param(10000, label="MNIST samples", min=200, max=60000, live=False)
    data: str = param("mnist", label="Training data", choices=("mnist", IMPORTED), live=False,
                      help="mnist: MNIST's first n_data digits; imported: your own (File → Import data, or "
                           "set_training_data: 28×28 images, labels 0…9 for the readout, all used; the readout "
                           "is scored on MNIST's test digits)")
    readout_samples: int = param(5000, label="Readout training samples", min=100, max=60000,
                                 help="training images the logistic readout learns from after each pass")


class CompetingModel(Model):
    """Competing hidden units live: one step is one minibatch; the readout is scored after every pass."""

    name = "competing"
    title = "Competing units"
    unit = "minibatch"
    default_rate = None
    Params = CompetingParams
    data_param = "data"
    data_labels = True          # the logistic readout learns the digits' labels
    check_training_data = check_digit_set

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._build()

    def _build(self) -> None:
        p = self.params
        x, y = imported_digit_images(self) if self.uses_imported_data() else datasets.load_mnist("train", p.n_data)
        xt, yt = datasets.load_mnist("test", READOUT_TEST)
        self.X, self.y = rows_in_blocks(x, lambda b: b / 255.0), y.astype(np.int64)   # stop checks between blocks
        self.X_test, self.y_test = rows_in_blocks(xt, lambda b: b / 255.0), yt.astype(np.int64)
        self.net = CompetingHebbian(n_hidden=p.n_hidden, p=p.p, k=min(p.k, p.n_hidden), delta=p.delta,
                                    power=p.power, learning_rate=p.learning_rate, batch_size=p.batch_size,
                                    n_epochs=p.n_epochs, random_state=int(self.rng.integers(2**31)))
        self.net.initialize(self.X)
        self.order = self.rng.permutation(self.X.shape[0]).astype(np.int64)
        self.position = 0
        self.epoch = 0
        self.accuracy = History()
        self.norm = History()
        self.norm.append(float(self.net.norms().mean()))

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old: CompetingParams, new: CompetingParams) -> None:
        if any(getattr(old, f) != getattr(new, f) for f in ("n_hidden", "p", "batch_size", "n_data", "data")):
            self.reset()
            return
        if new.k > new.n_hidden:
            raise ValueError(f"k must be ≤ the number of hidden units ({new.n_hidden}), got {new.k}")
        self.net.update_params(k=new.k, delta=new.delta, power=new.power, learning_rate=new.learning_rate,
                               n_epochs=new.n_epochs)

    def step(self, n: int = 1) -> None:
        """Present n minibatches (a fresh permutation per pass); after each pass, score the readout."""
        n = check_int("n", n, 1)
        bs = self.params.batch_size
        for _ in range(n):
            if self.position >= self.X.shape[0]:
                self.order = self.rng.permutation(self.X.shape[0]).astype(np.int64)
                self.position = 0
            idx = self.order[self.position:self.position + bs]
            self.net.present(self.X[idx], self.net.epoch_rate(self.epoch))
            self.position += idx.shape[0]
            self.t += 1
            if self.position >= self.X.shape[0]:
                self.epoch += 1
                self.accuracy.append(self.readout_accuracy())
        self.norm.append(float(self.net.norms().mean()))

    def readout_accuracy(self) -> float:
        """Test accuracy of a logistic regression on the standardised hidden activities (readout_samples images)."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
        m = min(self.params.readout_samples, self.X.shape[0])
        scaler = StandardScaler()
        F = scaler.fit_transform(self.net.transform(self.X[:m]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = LogisticRegression(max_iter=200).fit(F, self.y[:m])
        return float(clf.score(scaler.transform(self.net.transform(self.X_test)), self.y_test))

    def snapshot(self) -> Snapshot:
        shown = self.net.fields(SHOWN_FIELDS)
        return Snapshot(self.t, {
            "fields": shown.reshape(-1, 28, 28),
            "accuracy": self.accuracy.array(),
            "norm": self.norm.array(),
            "epoch": float(self.epoch + self.position / self.X.shape[0]),
        }, self.unit)

    def views(self) -> list[ViewSpec]:
        shown = min(SHOWN_FIELDS, self.params.n_hidden)
        return [
            ViewSpec("fields", "image_grid", f"Receptive fields of {shown} of {self.params.n_hidden} hidden units",
                     colormap="diverging", main=True, extra={"columns": int(np.ceil(np.sqrt(shown)))}),
            ViewSpec("accuracy", "curve", f"Readout test accuracy after each pass ({READOUT_TEST} test images)",
                     x_label="pass", y_label="accuracy"),
            ViewSpec("norm", "curve", "Mean Lebedev norm |W|_p (learning drives it to 1)", x_label="frame",
                     y_label="|W|_p"),
        ]

    def extra_state(self) -> dict[str, np.ndarray]:
        return {"weights": self.net.fields(), "order": self.order.copy(),
                "position": np.array(self.position, dtype=np.int64), "epoch": np.array(self.epoch, dtype=np.int64),
                "accuracy": self.accuracy.array(), "norm": self.norm.array()}

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        n = self.X.shape[0]
        weights = state_entry(state, "weights", shape=(self.params.n_hidden, self.X.shape[1]))
        order = state_entry(state, "order", shape=(n,), dtype=np.int64)
        if sorted(order.tolist()) != list(range(n)):
            raise ValueError(f"state['order'] must be a permutation of the {n} training images")
        accuracy, norm = state_entry(state, "accuracy", ndim=1), state_entry(state, "norm", ndim=1)
        position, epoch = state_int(state, "position", 0, n), state_int(state, "epoch", 0)
        self.net.set_fields(weights)
        self.order, self.position, self.epoch = order, position, epoch
        self.accuracy.load(accuracy)
        self.norm.load(norm)
