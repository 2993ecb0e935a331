"""``HebbModel``: the seeds' letter examples and MNIST, one presented pattern per step.

A student steps through T vs U and watches each output unit's weights (a 3×3 image per unit)
change with every presented pattern; the outputs for the seed's corrupted test letters, and for a
letter drawn in the pattern editor, are bars that react at once. The MNIST preset shows one weight
image per class (or prototype), the test accuracy curve and the confusion matrix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from engine import datasets
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.hebb.classifier import RULES, HebbClassifier
from engine.models.shared import check_digit_set, imported_digit_images, rows_in_blocks
from engine.validation import check_array, check_choice, check_int, state_entry, state_int

# name: (hyper-parameters, what the preset is)
PRESETS = {
    "tu": (dict(rule="hebb", learning_rate=1.0, bias=True, normalize=False, coding="bipolar", n_prototypes=1),
           "seed §1-2: T (+1) vs U (−1), bipolar pixels, Hebb's rule with bias, tanh output"),
    "tuc": (dict(rule="hebb", learning_rate=1.0, bias=False, normalize=False, coding="binary", n_prototypes=1),
            "seed §1-3: T, U, C with one-hot targets, Hebb's rule, softmax output"),
    "tuc-normalized": (dict(rule="hebb", learning_rate=0.1, bias=False, normalize=True, coding="binary",
                            n_prototypes=1), "seed §1-3 code: Hebb's rule, weights standardised after every step"),
    "tuc-decay": (dict(rule="instar", learning_rate=0.1, bias=False, normalize=False, coding="binary",
                       n_prototypes=1), "seed §1-4: Hebb's rule with decay (instar), α = 0.1"),
    "mnist": (dict(rule="instar", learning_rate=0.001, bias=False, normalize=True, coding="binary", n_prototypes=1),
              "seed §1-6: MNIST, instar prototypes compared at unit length (set prototypes to 10 for ≥ 0.90)"),
}
PRESET_NAMES = tuple(PRESETS)
SWITCH = ("preset", "on", "off")
MNIST_TEST = 2000      # test images the accuracy curve and the confusion matrix use


def _letters_preset(name: str):
    """(X, labels, class names per classes_ index, test X, test names, input coding) of a letter preset."""
    tuc = datasets.letters("TUC", 3).reshape(3, 9).astype(np.float64)
    if name == "tu":
        t, u = 2 * tuc[0] - 1, 2 * tuc[1] - 1
        tests = np.array([t, u, [1, -1, 1, -1, 1, -1, -1, 1, -1], [1, -1, 1, -1, -1, 1, 1, 1, -1]], float)
        return np.array([t, u]), np.array([1, -1]), ["U (−1)", "T (+1)"], tests, ["T", "U", "T′", "U′"], "bipolar"
    tests = np.array([[1, 0, 1, 0, 1, 0, 0, 1, 0], [0, 1, 1, 1, 0, 0, 0, 1, 1], [1, 0, 1, 0, 0, 1, 1, 1, 0]], float)
    return tuc, np.array([0, 1, 2]), ["T", "U", "C"], tests, ["T′", "C′", "U′"], "binary"


@dataclass(frozen=True)
class HebbParams:
    preset: str = param("tu", label="Example", choices=PRESET_NAMES, live=False,
                        help="; ".join(f"{k}: {v[1]}" for k, v in PRESETS.items()))
    rule: str = param("preset", label="Rule", choices=("preset",) + RULES, group="rule",
                      help="hebb Δw = α x y; instar Δw = α (x − w) y (decay); outstar Δw = α (y − w) x")
    learning_rate: float = param(0.0, label="Learning rate α", min=0.0, max=10.0, special="preset",
                                 help="α in Δw = α x y; 0 = the example's value")
    normalize: str = param("preset", label="Normalise", choices=SWITCH,
                           help="hebb: w ← (w − mean)/std after every step; instar/outstar: compare unit-length w")
    bias: str = param("preset", label="Bias", choices=SWITCH, live=False, help="b ← b + α y (a constant input 1)")
    coding: str = param("preset", label="Targets", choices=("preset", "bipolar", "binary"), live=False,
                        help="bipolar: y = ±1 (one tanh unit for two classes); binary: one-hot 0/1, softmax")
    n_prototypes: int = param(0, label="Prototypes per class", min=0, max=50, live=False, special="preset",
                              help="k > 1: k instar prototypes per class, the nearest of the true class learns")
    data: str = param("mnist", label="MNIST example's data", choices=("mnist", IMPORTED), live=False,
                      help="the MNIST example trains on MNIST's digits, or yours (File → Import data / "
                           "set_training_data: 28×28 images, labels 0…9, all used; tested on MNIST's test digits)")
    n_data: int = param(10000, label="MNIST samples", min=100, max=60000, live=False,
                        help="training images of the MNIST example (the first n of the 60 000)")
    eval_every: int = param(1000, label="Evaluate every", min=10, max=60000,
                            help="MNIST: samples between two points of the accuracy curve")


class HebbModel(Model):
    """Hebb's rule live: one step presents ONE pattern (the seeds' loop, in order; MNIST shuffled per pass)."""

    name = "hebb"
    title = "Hebb"
    unit = "sample"
    default_rate = 2.0
    # "max" means 3000 samples/s: a letter example has converged long before, and MNIST still passes
    # its 60,000 images in 20 s; tens of thousands of Python-level presentations a frame only take the
    # GIL from the drawing (46 fps instead of 60 measured with no cap).
    max_rate = 3000.0
    Params = HebbParams
    pattern_editor = True
    data_param = "data"
    data_labels = True

    def __init__(self, params: Any = None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self._custom: tuple[np.ndarray, np.ndarray] | None = None   # patterns stored from the editor
        self._build()

    # ------------------------------------------------------------------ set-up
    def hyper_parameters(self) -> dict:
        """The classifier's hyper-parameters: the preset's, overridden where a parameter says so."""
        p = self.params
        hp = dict(PRESETS[p.preset][0])
        if p.rule != "preset":
            hp["rule"] = p.rule
        if p.learning_rate > 0:
            hp["learning_rate"] = p.learning_rate
        for key in ("normalize", "bias"):
            if getattr(p, key) != "preset":
                hp[key] = getattr(p, key) == "on"
        if p.coding != "preset":
            hp["coding"] = p.coding
        if p.n_prototypes > 0:
            hp["n_prototypes"] = p.n_prototypes
        return hp

    @property
    def mnist(self) -> bool:
        return self.params.preset == "mnist"

    def _build(self) -> None:
        p = self.params
        if self.mnist:
            x, y = imported_digit_images(self) if self.uses_imported_data() else datasets.load_mnist("train", p.n_data)
            xt, yt = datasets.load_mnist("test", MNIST_TEST)
            self.X = rows_in_blocks(x, lambda b: b / 255.0)   # stop checks between blocks (60 000 digits)
            self.labels = y.astype(np.int64)
            self.X_test, self.y_test = rows_in_blocks(xt, lambda b: b / 255.0), yt.astype(np.int64)
            self.class_names = [str(d) for d in range(10)]
            self.test_names: list[str] = []
            self.input_coding = "gray"
            self.shape = (28, 28)
            self.probe = self.X_test[0].copy()
        else:
            X, labels, names, tests, test_names, coding = _letters_preset(p.preset)
            if self._custom is not None:
                X, labels = self._custom
                names = [f"#{i + 1}" for i in range(len(X))]
                if len(X) == 2:
                    names = ["#2", "#1"]
            self.X, self.labels, self.class_names = X, labels, names
            self.X_test, self.test_names, self.input_coding = tests, test_names, coding
            self.y_test = None
            self.shape = (3, 3)
            self.probe = tests[0].copy()
        hp = self.hyper_parameters()
        self.clf = HebbClassifier(**hp)
        self.clf.initialize(self.X.shape[1], np.unique(self.labels))
        self.order = self._new_order()
        self.position = 0
        self.epoch = 0
        self.last = -1                       # index of the pattern presented last (−1: none yet)
        self.accuracy = History()
        self.accuracy_t = History()
        self.confusion = np.zeros((10, 10)) if self.mnist else None
        if self.mnist:
            self._evaluate()

    @classmethod
    def trains_on_data(cls, values) -> bool:
        return values.get("preset") == "mnist"   # the letter examples' import is their patterns

    def check_training_data(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """The MNIST example's data can be yours: 28×28 digits with labels 0…9 (the letter examples' cannot)."""
        if not self.mnist:
            raise ValueError(f"Hebb trains on your data in its MNIST example: set preset='mnist' first "
                             f"(now {self.params.preset!r}, whose patterns are the letters)")
        check_digit_set(self, x, y)

    def _new_order(self) -> np.ndarray:
        n = self.X.shape[0]
        return self.rng.permutation(n).astype(np.int64) if self.mnist else np.arange(n, dtype=np.int64)

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._build()

    def apply_params(self, old: HebbParams, new: HebbParams) -> None:
        if old.preset != new.preset:
            self._custom = None
        if any(getattr(old, k) != getattr(new, k) for k in ("preset", "bias", "coding", "n_prototypes", "data",
                                                            "n_data")):
            self.reset()
            return
        hp = self.hyper_parameters()
        self.clf.update_params(**{k: hp[k] for k in ("rule", "learning_rate", "normalize")})

    # ------------------------------------------------------------------ learning
    def step(self, n: int = 1) -> None:
        """Present n patterns, one at a time (MNIST: a fresh permutation per pass, accuracy every eval_every)."""
        n = check_int("n", n, 1)
        every = self.params.eval_every
        while n > 0:
            # everything up to the next evaluation in one call: a pass boundary draws the next order
            budget = min(n, every - self.t % every) if self.mnist else n
            pieces = []
            while budget > 0:
                if self.position >= self.order.shape[0]:
                    self.order = self._new_order()
                    self.position = 0
                    self.epoch += 1
                chunk = min(budget, self.order.shape[0] - self.position)
                pieces.append(self.order[self.position:self.position + chunk])
                self.position += chunk
                budget -= chunk
            idx = np.concatenate(pieces)
            self.clf.partial_fit(self.X[idx], self.labels[idx])
            self.last = int(idx[-1])
            self.t += idx.shape[0]
            n -= idx.shape[0]
            if self.mnist and self.t % every == 0:
                self._evaluate()

    def _evaluate(self) -> None:
        pred = self.clf.predict(self.X_test)
        self.accuracy.append(float(np.mean(pred == self.y_test)))
        self.accuracy_t.append(float(self.t))
        self.confusion = np.zeros((10, 10))
        np.add.at(self.confusion, (self.y_test, pred), 1.0)

    # ------------------------------------------------------------------ the pattern editor
    @property
    def pattern_shape(self) -> tuple[int, int]:
        """(rows, cols) of a pattern: 3×3 letters or 28×28 MNIST."""
        return self.shape

    def _from_editor(self, name: str, arr: np.ndarray) -> np.ndarray:
        """±1 or 0/1 pixels → the example's input coding (±1 for T vs U, else 0/1)."""
        check_array(name, arr, values="spins")
        on = arr > 0
        return np.where(on, 1.0, -1.0) if self.input_coding == "bipolar" else on.astype(np.float64)

    def set_patterns(self, patterns: Any) -> None:
        """Train on these letters instead (one class each; two → the first is +1); the weights restart."""
        if self.mnist:
            raise ValueError("patterns: the MNIST example trains on MNIST; draw a letter as the probe instead")
        rows, cols = self.shape
        arr = check_array("patterns", patterns, dtype=None)
        if arr.ndim == 3 and arr.shape[1:] == (rows, cols):
            arr = arr.reshape(arr.shape[0], rows * cols)
        if arr.ndim != 2 or arr.shape[1] != rows * cols or not 2 <= arr.shape[0] <= 26:
            raise ValueError(f"patterns must have shape (k, {rows * cols}) or (k, {rows}, {cols}) with 2 ≤ k ≤ 26, "
                             f"got {arr.shape}")
        X = self._from_editor("patterns", arr)
        labels = np.array([1, 0]) if len(X) == 2 else np.arange(len(X))
        self._custom = (X, labels)
        self.reset()

    def set_probe(self, x: Any) -> None:
        """The letter whose outputs the probe bars show ((rows·cols,) or (rows, cols), ±1 or 0/1)."""
        rows, cols = self.shape
        arr = check_array("x", x, dtype=None)
        if arr.shape not in ((rows * cols,), (rows, cols)):
            raise ValueError(f"x must have shape ({rows * cols},) or ({rows}, {cols}), got {arr.shape}")
        self.probe = self._from_editor("x", arr.reshape(-1))

    def paint(self, key: str, index: Any, value: float) -> None:
        """Paint pixels of the probe ("state"): +1 on, −1 or 0 off."""
        if key != "state":
            raise ValueError(f"key must be 'state' (the paintable view), got {key!r}")
        idx = check_array("index", index, dtype=None).reshape(-1)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= self.probe.size):
            raise ValueError(f"index must be flat pixel indices in [0, {self.probe.size - 1}]")
        check_choice("value", value, (1, -1, 0, 1.0, -1.0, 0.0))
        off = -1.0 if self.input_coding == "bipolar" else 0.0
        self.probe[idx.astype(np.int64)] = 1.0 if value == 1 else off

    # ------------------------------------------------------------------ drawing
    def _target(self, index: int) -> np.ndarray:
        off = -1.0 if self.clf.coding == "bipolar" else 0.0
        c = int(np.searchsorted(self.clf.classes_, self.labels[index]))
        if self.clf.coef_.shape[0] == 1:
            return np.array([1.0 if c == 1 else -1.0])
        y = np.full(len(self.class_names), off)
        y[c] = 1.0
        return y

    def _unit_names(self) -> list[str]:
        if self.clf.coef_.shape[0] == 1:
            return [f"y: {self.class_names[1]} / {self.class_names[0]}"]
        return list(self.class_names)

    def snapshot(self) -> Snapshot:
        rows, cols = self.shape
        shown = self.last if self.last >= 0 else int(self.order[0])
        data: dict[str, Any] = {
            "weights": self.clf.class_weights().reshape(-1, rows, cols),
            "x": self.X[shown].reshape(rows, cols).copy(),
            "target": self._target(shown),
            "state": self.probe.reshape(rows, cols).copy(),
            "probe_output": np.atleast_1d(self.clf.output(self.probe[None, :])[0]).copy(),
            "epoch": float(self.epoch),
        }
        if self.mnist:
            data["accuracy"] = self.accuracy.array()
            data["accuracy_t"] = self.accuracy_t.array()
            data["confusion"] = self.confusion.copy()
        else:
            out = self.clf.output(self.X_test)
            data["outputs"] = out[:, None] if out.ndim == 1 else out
            data["test_letters"] = self.X_test.reshape(-1, rows, cols).copy()
            data["weights_table"] = np.column_stack([self.clf.coef_, self.clf.intercept_])
            data["patterns"] = np.where(self.X > 0, 1, -1).reshape(-1, rows, cols).astype(np.int8)
        return Snapshot(self.t, data, self.unit)

    def views(self) -> list[ViewSpec]:
        units = self._unit_names()
        k = self.clf.coef_.shape[0] // len(self.class_names) if len(units) > 1 else 1
        grid_cols = (k if k > 1 else len(units))
        views = [
            ViewSpec("weights", "image_grid", "Weights of each output unit (w as an image)", colormap="diverging",
                     main=True, extra={"columns": grid_cols}),
            ViewSpec("x", "lattice", "Presented x", colormap="gray" if self.mnist else "spin"),
            ViewSpec("target", "bars", "Its target y", extra={"ticks": units if k == 1 else list(self.class_names)}),
            ViewSpec("state", "lattice", "Your letter (draw here or in the pattern editor)", paintable=True,
                     colormap="gray" if self.mnist else "spin"),
            ViewSpec("probe_output", "bars", "Output for your letter",
                     extra={"ticks": units if len(units) == 1 else list(self.class_names)}),
        ]
        if self.mnist:
            views += [
                ViewSpec("accuracy", "curve", f"Test accuracy ({MNIST_TEST} test images)", x_key="accuracy_t",
                         x_label="samples presented", y_label="accuracy"),
                ViewSpec("confusion", "heatmap", "Confusion matrix (row: true digit, column: predicted)",
                         colormap="viridis"),
            ]
        else:
            views += [
                ViewSpec("outputs", "bars", "Outputs for the test letters (tanh / softmax)",
                         labels=tuple(self.test_names), extra={"ticks": units}),
                ViewSpec("test_letters", "image_grid", "Test letters: " + ", ".join(self.test_names), colormap="spin"),
                ViewSpec("weights_table", "table", "Weights w₁…w₉ and bias b per output unit",
                         extra={"columns": [f"w{j + 1}" for j in range(self.X.shape[1])] + ["b"], "digits": 3}),
            ]
        return views

    # ------------------------------------------------------------------ saving
    def extra_state(self) -> dict[str, np.ndarray]:
        st = {
            "coef": self.clf.coef_.copy(), "intercept": self.clf.intercept_.copy(), "counts": self.clf.counts_.copy(),
            "order": self.order.copy(), "position": np.array(self.position, dtype=np.int64),
            "epoch": np.array(self.epoch, dtype=np.int64), "last": np.array(self.last, dtype=np.int64),
            "probe": self.probe.copy(), "accuracy": self.accuracy.array(), "accuracy_t": self.accuracy_t.array(),
        }
        if self._custom is not None:
            st["custom_X"], st["custom_labels"] = self._custom[0].copy(), self._custom[1].copy()
        if self.confusion is not None:
            st["confusion"] = self.confusion.copy()
        return st

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        if "custom_X" in state:
            X = state_entry(state, "custom_X", shape=(None, 9), values="spins")
            labels = state_entry(state, "custom_labels", shape=(X.shape[0],), dtype=np.int64)
            if not 2 <= X.shape[0] <= 26 or sorted(labels.tolist()) != list(range(X.shape[0])):
                raise ValueError("state['custom_labels'] must number the 2…26 stored letters 0, 1, …")
            self._custom = (X, labels)
            self._build()
        elif self._custom is not None:   # the saved run trained on the example's own letters
            self._custom = None
            self._build()
        n = self.X.shape[0]
        order = state_entry(state, "order", shape=(n,), dtype=np.int64)
        if sorted(order.tolist()) != list(range(n)):
            raise ValueError(f"state['order'] must be a permutation of the {n} training samples")
        probe = state_entry(state, "probe", shape=(self.X.shape[1],))
        acc, acc_t = state_entry(state, "accuracy", ndim=1), state_entry(state, "accuracy_t", ndim=1)
        if acc.shape != acc_t.shape:
            raise ValueError("state['accuracy'] and state['accuracy_t'] must have the same length")
        confusion = state_entry(state, "confusion", shape=(10, 10)) if self.mnist else None
        position = state_int(state, "position", 0, n)
        epoch = state_int(state, "epoch", 0)
        last = state_int(state, "last", -1, n - 1)
        self.clf.set_weights(state_entry(state, "coef", ndim=2), state_entry(state, "intercept", ndim=1),
                             state_entry(state, "counts", ndim=1, dtype=None))
        self.order, self.position, self.epoch, self.last = order, position, epoch, last
        self.probe = probe.copy()
        self.accuracy.load(acc)
        self.accuracy_t.load(acc_t)
        if confusion is not None:
            self.confusion = confusion.copy()
