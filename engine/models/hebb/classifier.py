"""``HebbClassifier``: Hebb's rule, its decay forms (instar, outstar) and prototypes per class.

Seed 000 §1: output unit i learns from input x_j and its target y_i —
  hebb     Δw_ji = α x_j y_i,  b_i += α y_i           (§1-2, 1-3; ``normalize`` standardises W as the seeds do)
  instar   Δw_ji = α (x_j − w_ji) y_i                  (§1-4, Grossberg: each class's weights average its inputs)
  outstar  Δw_ji = α (y_i − w_ji) x_j
Targets are ±1 (``coding="bipolar"``: one tanh unit for two classes, one unit per class otherwise) or a
one-hot 0/1 code (``coding="binary"``); the readout is tanh for one unit and softmax over classes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin

from engine.estimator import Estimator, boolean, choice, integer, real, seed
from engine.kernels import hebb as K
from engine.validation import check_array, check_bounded_state, check_int

RULES = ("hebb", "instar", "outstar")
CODINGS = ("bipolar", "binary")


def same_value(a: Any, b: Any) -> bool:
    """a == b as one bool; False where the comparison is not a plain truth value (arrays)."""
    try:
        return bool(a == b)
    except Exception:  # arrays and odd objects set by set_params: treat as a change
        return False


def _softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum (a class scoring −inf gets probability 0)."""
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class HebbClassifier(ClassifierMixin, Estimator):
    """Hebbian classifier (seed 000 §1), scikit-learn style: fit / partial_fit / predict / predict_proba.

    ``n_prototypes = k > 1``: k instar prototypes per class; the prototype of the true class nearest the
    input learns (competitive learning within a class) and the best prototype decides. ``normalize``:
    for "hebb" W is standardised after every sample (the seeds); for "instar"/"outstar" the readout
    compares unit-length weight vectors (the plain dot product favours bright classes). ``n_epochs``
    passes over the data in its order (``shuffle=True``: a fresh permutation per pass from ``random_state``).
    """

    _constraints = {
        "rule": choice(*RULES),
        "learning_rate": real(0, lo_open=True),
        "bias": boolean(),
        "normalize": boolean(),
        "coding": choice(*CODINGS),
        "n_prototypes": integer(1, 1000),
        "n_epochs": integer(1, 100000),
        "shuffle": boolean(),
        "random_state": seed(),
    }

    def __init__(self, rule: str = "hebb", learning_rate: float = 1.0, bias: bool = True, normalize: bool = False,
                 coding: str = "bipolar", n_prototypes: int = 1, n_epochs: int = 1, shuffle: bool = False,
                 random_state: int | None = None):
        self.rule = rule
        self.learning_rate = learning_rate
        self.bias = bias
        self.normalize = normalize
        self.coding = coding
        self.n_prototypes = n_prototypes
        self.n_epochs = n_epochs
        self.shuffle = shuffle
        self.random_state = random_state

    # ------------------------------------------------------------------ hyper-parameters
    def _params(self) -> dict[str, Any]:
        p = super()._params()
        if p["n_prototypes"] > 1 and p["rule"] != "instar":
            raise ValueError(f"n_prototypes > 1 needs rule='instar' (prototypes are averages of their inputs), "
                             f"got n_prototypes={p['n_prototypes']} with rule={p['rule']!r}")
        return p

    def _params_changed(self, old: dict) -> None:
        """Weights of another layout (prototypes, coding) no longer fit: forget them."""
        if any(not same_value(old[k], getattr(self, k)) for k in ("n_prototypes", "coding")):
            for name in ("coef_", "intercept_", "counts_", "classes_", "n_features_in_", "unit_class_"):
                self.__dict__.pop(name, None)
            self.__dict__.pop("_rng", None)

    # ------------------------------------------------------------------ learning
    def _single_output(self, n_classes: int, p: dict) -> bool:
        return n_classes == 2 and p["coding"] == "bipolar" and p["n_prototypes"] == 1

    def _start(self, classes: np.ndarray, n_features: int, p: dict) -> None:
        if classes.shape[0] < 2:
            raise ValueError(f"y must hold at least 2 classes to classify, got 1 class {classes.tolist()}")
        k = p["n_prototypes"]
        n_units = 1 if self._single_output(classes.shape[0], p) else classes.shape[0] * k
        self.classes_ = classes
        self.coef_ = np.zeros((n_units, n_features))
        self.intercept_ = np.zeros(n_units)
        self.counts_ = np.zeros(n_units, dtype=np.int64)
        self.unit_class_ = np.arange(n_units) // k if n_units > 1 else np.array([1])
        self._rng = np.random.default_rng(p["random_state"])

    def _present(self, X: np.ndarray, idx: np.ndarray, order: np.ndarray, p: dict, at: str = "") -> None:
        order = np.ascontiguousarray(order, dtype=np.int64)
        backup = (self.coef_.copy(), self.intercept_.copy(), self.counts_.copy())   # kept if the weights diverge
        if p["n_prototypes"] > 1:
            K.prototypes_present(self.coef_, self.intercept_, X, idx, order, p["n_prototypes"],
                                 p["learning_rate"], p["bias"], self.counts_)
        else:
            K.classifier_present(self.coef_, self.intercept_, X, idx, order, K.RULE_CODES[p["rule"]],
                                 p["learning_rate"], p["bias"], p["normalize"] and p["rule"] == "hebb",
                                 -1.0 if p["coding"] == "bipolar" else 0.0, self.counts_)
        try:
            check_bounded_state("weights", self.coef_, self.intercept_, at=at,
                                hint=f"learning_rate={p['learning_rate']:g} is too large for these inputs; "
                                     f"lower it or scale X")
        except ValueError:
            self.coef_, self.intercept_, self.counts_ = backup
            raise

    def initialize(self, n_features: int, classes: Any) -> "HebbClassifier":
        """Zero weights for ``classes`` and inputs of ``n_features``, before any sample (a live model's t = 0)."""
        p = self._params()
        n_features = check_int("n_features", n_features, 1)
        classes = np.unique(check_array("classes", classes, ndim=1, dtype=None, non_empty=True))
        self._start(classes, n_features, p)
        self.n_features_in_ = n_features
        return self

    def fit(self, X: Any, y: Any) -> "HebbClassifier":
        """Start from zero weights and present the samples ``n_epochs`` times, one at a time."""
        p = self._params()
        X = self._check_X(X, reset=True)
        y = self._check_y(y, X.shape[0])
        self._start(np.unique(y), X.shape[1], p)
        idx = self._class_indices(y)
        for epoch in range(p["n_epochs"]):
            order = self._rng.permutation(X.shape[0]) if p["shuffle"] else np.arange(X.shape[0])
            self._present(X, idx, order, p, at=f"at epoch {epoch + 1}")
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "HebbClassifier":
        """One pass over X (in order, or shuffled); the first call fixes the classes (``classes`` or those of y)."""
        p = self._params()
        first = not hasattr(self, "coef_")
        X = self._check_X(X, reset=first)
        y = self._check_y(y, X.shape[0])
        if first:
            if classes is None:
                classes = np.unique(y)
            else:
                classes = np.unique(check_array("classes", classes, ndim=1, dtype=None, non_empty=True))
            self._start(classes, X.shape[1], p)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes must be the classes of the first partial_fit {self.classes_.tolist()}, "
                             f"got {np.unique(classes).tolist()}")
        idx = self._class_indices(y)
        order = self._rng.permutation(X.shape[0]) if p["shuffle"] else np.arange(X.shape[0])
        self._present(X, idx, order, p)
        return self

    # ------------------------------------------------------------------ readout
    def _unit_scores(self, X: np.ndarray) -> np.ndarray:
        scores = X @ self.coef_.T + self.intercept_
        if self.normalize and self.rule != "hebb":
            norms = np.sqrt((self.coef_ ** 2).sum(axis=1) + (self.intercept_ ** 2 if self.bias else 0.0))
            scores = scores / np.where(norms > 0, norms, 1.0)
        return scores

    def class_scores(self, X: Any) -> np.ndarray:
        """Σ_j w_ji x_j + b_i per output: (n, 1) for one ±1 unit, else (n, n_classes) (best prototype per class)."""
        self._check_fitted("class_scores")
        X = self._check_X(X, reset=False)
        scores = self._unit_scores(X)
        k = self.coef_.shape[0] // self.classes_.shape[0]
        if k > 1:  # the best trained prototype speaks for its class
            scores = np.where(self.counts_ > 0, scores, -np.inf)
            scores = scores.reshape(X.shape[0], self.classes_.shape[0], k).max(axis=2)
            if not self.counts_.any():   # nothing learned yet: every class scores 0, as zero weights would
                scores = np.zeros_like(scores)
        return scores

    def decision_function(self, X: Any) -> np.ndarray:
        """scikit-learn's decision: (n,) for two classes (positive → classes_[1]), else the (n, n_classes) scores."""
        scores = self.class_scores(X)
        if scores.shape[1] == 1:
            return scores[:, 0]
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def output(self, X: Any) -> np.ndarray:
        """The network's output as the seeds print it: tanh for one ±1 unit ((n,)), else softmax (n, n_classes)."""
        scores = self.class_scores(X)
        return np.tanh(scores[:, 0]) if scores.shape[1] == 1 else _softmax(scores)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, n_classes): softmax of the class scores, or (1 ± tanh(d)) / 2 for one ±1 unit."""
        scores = self.class_scores(X)
        if scores.shape[1] == 1:
            p1 = 0.5 * (1.0 + np.tanh(scores[:, 0]))
            return np.column_stack([1.0 - p1, p1])
        return _softmax(scores)

    def predict(self, X: Any) -> np.ndarray:
        """The class whose output is largest (for one ±1 unit: classes_[1] when the decision is > 0)."""
        scores = self.class_scores(X)
        if scores.shape[1] == 1:
            return self.classes_[(scores[:, 0] > 0).astype(np.int64)]
        return self.classes_[np.argmax(scores, axis=1)]

    def class_weights(self) -> np.ndarray:
        """(n_units, n_features) weight vectors, the pictures of what each unit learned (a copy)."""
        self._check_fitted("class_weights")
        return self.coef_.copy()

    def set_weights(self, coef: Any, intercept: Any, counts: Any) -> None:
        """Install learned weights of the fitted layout (a saved session), checked."""
        self._check_fitted("set_weights")
        coef = check_array("coef", coef, shape=self.coef_.shape)
        intercept = check_array("intercept", intercept, shape=self.intercept_.shape)
        counts = check_array("counts", counts, shape=self.counts_.shape, dtype=None)
        if not np.issubdtype(counts.dtype, np.integer) or (counts.size and counts.min() < 0):
            raise ValueError("counts must hold non-negative integers")
        self.coef_ = np.array(coef, dtype=np.float64, order="C")
        self.intercept_ = np.array(intercept, dtype=np.float64)
        self.counts_ = counts.astype(np.int64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


__all__ = ["HebbClassifier", "RULES", "CODINGS", "same_value"]
