"""Deep belief net: RBMs stacked greedily, each trained on the previous layer's p(h|v) (seed 001)."""
from __future__ import annotations

import copy
from typing import Iterator

import numpy as np
from sklearn.base import TransformerMixin

from engine.estimator import Estimator, choice, integer, real, seed
from engine.models.rbm.estimator import DTYPES, METHODS, RBM, forget, largest_hidden, optional, weight_bytes
from engine.validation import check_data, check_int, check_memory, check_seed

MAX_LAYERS = 5
# what every layer's RBM shares with the net (a set_params of one of these reaches every layer)
SHARED = ("method", "k", "learning_rate", "batch_size", "n_epochs", "momentum", "weight_decay", "n_chains",
          "dtype", "n_jobs")


def _layers(name: str, value) -> tuple[int, ...]:
    """A sequence of 1 to MAX_LAYERS hidden-layer sizes."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not 1 <= len(value) <= MAX_LAYERS:
        raise ValueError(f"{name} must be a sequence of 1 to {MAX_LAYERS} hidden-layer sizes, got {value!r}")
    return tuple(check_int(f"{name}[{i}]", n, 1) for i, n in enumerate(value))


class DBN(TransformerMixin, Estimator):
    """Deep belief net trained greedily, layer by layer.

    ``fit(X, y)`` with labels also trains a scikit-learn logistic regression on the top
    features (``classifier_``), used by ``predict`` and ``score``. Learned state: ``rbms_``
    (one fitted RBM per layer) and ``layer_``, the layer ``train_batch`` trains (len(layers)
    once every layer is trained). ``initialize`` + ``train_batch`` + ``next_layer`` train one
    minibatch at a time (the GUI's DBN); ``fit`` / ``iter_fit`` train whole epochs.
    """

    _constraints = {
        "layers": _layers, "method": choice(*METHODS), "k": integer(1, 1000),
        "learning_rate": real(0.0, 100.0, lo_open=True), "batch_size": integer(1), "n_epochs": integer(1),
        "momentum": real(0.0, 0.999), "weight_decay": real(0.0, 1.0), "n_chains": optional(integer(1)),
        "dtype": choice(*DTYPES), "classifier_C": real(0.0, lo_open=True), "n_jobs": optional(integer(1, 1024)),
        "random_state": seed(),
    }

    def __init__(self, layers=(500, 500), *, method: str = "cd", k: int = 1, learning_rate: float = 0.05,
                 batch_size: int = 100, n_epochs: int = 10, momentum: float = 0.5, weight_decay: float = 0.0,
                 n_chains: int | None = None, dtype: str = "float32", classifier_C: float = 1.0,
                 n_jobs: int | None = None, random_state: int | None = None):
        self.layers = layers
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.n_chains = n_chains
        self.dtype = dtype
        self.classifier_C = classifier_C
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _params_changed(self, old: dict) -> None:
        """Another ``layers`` or ``random_state`` is another net (fit again); the shared training
        settings reach every layer."""
        if not self.is_fitted:
            return
        if self.layers != old["layers"] or self.random_state != old["random_state"]:
            forget(self)
            return
        changes = {name: getattr(self, name) for name in SHARED if getattr(self, name) != old[name]}
        for rbm in self.rbms_:
            rbm.set_params(**changes)

    @property
    def is_fitted(self) -> bool:
        """True once the layers exist (after fit or initialize)."""
        return hasattr(self, "rbms_")

    @property
    def done(self) -> bool:
        """True when every layer has been trained (``train_batch`` has nothing left to train)."""
        self._check_fitted()
        return self.layer_ >= len(self.rbms_)

    def initialize(self, n_visible: int) -> "DBN":
        """Fresh untrained layers for ``n_visible`` inputs, training to start at layer 1. Returns self."""
        p = self._params()
        n_visible = check_int("n_visible", n_visible, 1)
        layers = p["layers"]
        sizes = (n_visible,) + layers
        need = [weight_bytes(a, b, p["dtype"]) for a, b in zip(sizes, sizes[1:])]
        worst = int(np.argmax(need))  # the layer to make smaller
        check_memory(f"layers={layers} with {n_visible} visible units", sum(need),
                     hint=f"each layer's weights, momentum and gradient take 3·n_in·n_out·"
                          f"{np.dtype(p['dtype']).itemsize} bytes; layer {worst + 1} is the largest"
                          f"{largest_hidden(sizes[worst], p['dtype'])}")
        seeds = (np.random.default_rng(p["random_state"]).integers(0, 2 ** 31, size=len(layers))
                 if p["random_state"] is not None else [None] * len(layers))
        shared = {name: getattr(self, name) for name in SHARED}
        self.rbms_ = []
        for n_hidden, s in zip(layers, seeds):
            rbm = RBM(n_hidden, random_state=None if s is None else int(s), **shared).initialize(n_visible)
            self.rbms_.append(rbm)
            n_visible = n_hidden
        self.layer_ = 0
        self.n_features_in_ = self.rbms_[0].n_visible
        return self

    def up(self, X, n_layers: int | None = None):
        """X (rows in [0, 1]) passed up through the first ``n_layers`` layers by p(h|v) (all when None)."""
        self._check_fitted()
        n_layers = len(self.rbms_) if n_layers is None else check_int("n_layers", n_layers, 0, len(self.rbms_))
        data = self._check_X(np.reshape(X, (1, -1)) if np.ndim(X) == 1 else X, reset=False, values=(0, 1),
                             dtype=np.dtype(self.dtype))
        for rbm in self.rbms_[:n_layers]:
            data = rbm.transform(data)
        return data

    def down(self, v_top) -> np.ndarray:
        """Top-RBM visible states passed down to the input layer by p(v|h), (n, n_visible)."""
        self._check_fitted()
        v = check_data("v_top", v_top, n_features=self.rbms_[-1].n_visible, allow_1d=True, values=(0, 1))
        for rbm in reversed(self.rbms_[:-1]):
            v = rbm.prob_v_given_h(v)
        return np.asarray(v, dtype=np.float64)

    def train_batch(self, v0, *, want_error: bool = True) -> float:
        """One update of the layer in training (``layer_``) from the input minibatch v0, passed up
        through the frozen layers below; returns the layer's reconstruction error."""
        self._check_fitted()
        if self.done:
            raise ValueError("every layer of this DBN is trained; initialize() to start again")
        return self.rbms_[self.layer_].train_batch(self.up(v0, self.layer_), want_error=want_error)

    def next_layer(self) -> None:
        """Freeze the layer in training and start the next one (nothing happens when all are done)."""
        if not self.done:
            self.layer_ += 1

    def get_state(self) -> dict[str, np.ndarray]:
        """Every layer's ``RBM.get_state()``, under the keys ``layer{i}_…``."""
        self._check_fitted()
        return {f"layer{i}_{k}": v for i, rbm in enumerate(self.rbms_) for k, v in rbm.get_state().items()}

    def set_state(self, state, layer: int) -> None:
        """Inverse of get_state, with ``layer`` the layer in training; every layer is checked before
        any changes, and a bad entry raises ValueError naming it."""
        self._check_fitted()
        layer = check_int("layer", layer, 0, len(self.rbms_))
        rbms = [copy.deepcopy(rbm) for rbm in self.rbms_]
        for i, rbm in enumerate(rbms):
            rbm.set_state(state, prefix=f"layer{i}_")
        self.rbms_, self.layer_ = rbms, layer

    def fit(self, X, y=None) -> "DBN":
        """Greedy layer-wise training on X (rows in [0, 1]); with labels y also fits the classifier."""
        for _ in self.iter_fit(X, y):
            pass
        return self

    def iter_fit(self, X, y=None) -> Iterator[tuple[float, str]]:
        """``fit`` as a generator: yields (fraction done, message) while each layer trains (``RBM.iter_fit``)."""
        X = self._check_X(X, reset=True, values=(0, 1), dtype=np.dtype(self._params()["dtype"]))
        if y is not None:
            y = self._check_y(y, X.shape[0])
        self.initialize(X.shape[1])
        data = X
        n_layers = len(self.rbms_)
        for i, rbm in enumerate(self.rbms_):
            for fraction, message in rbm.iter_fit(data):
                yield (i + fraction) / n_layers, f"layer {i + 1}: {message}"
            data = rbm.transform(data)
            self.layer_ = i + 1
        if y is not None:
            self.fit_classifier(X, y, features=data)
        return self

    @staticmethod
    def _check_y(y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"y must be 1-D with {n} labels, got shape {y.shape}")
        return y

    def fit_classifier(self, X, y, *, features: np.ndarray | None = None) -> "DBN":
        """Fit a logistic regression (``classifier_``) on the top-layer features of X. Returns self."""
        from sklearn.linear_model import LogisticRegression
        if features is None:
            features = self.transform(X)
        y = self._check_y(y, features.shape[0])
        self.classifier_ = LogisticRegression(C=self.classifier_C, max_iter=300)
        self.classifier_.fit(features, y)
        return self

    def transform_layers(self, X) -> list[np.ndarray]:
        """Each layer's hidden probabilities for X, bottom to top."""
        out, data = [], self.up(X, 0)
        for rbm in self.rbms_:
            data = rbm.transform(data)
            out.append(data)
        return out

    def transform(self, X) -> np.ndarray:
        """Top-layer hidden probabilities for X, (n_samples, layers[-1])."""
        return self.up(X)

    def predict(self, X) -> np.ndarray:
        """Class labels from the classifier on the top features (needs fit with y)."""
        self._check_fitted()
        if not hasattr(self, "classifier_"):
            raise ValueError("this DBN has no classifier: call fit(X, y) or fit_classifier(X, y) first")
        return self.classifier_.predict(self.transform(X))

    def score(self, X, y) -> float:
        """Classification accuracy on (X, y)."""
        pred = self.predict(X)
        return float(np.mean(pred == self._check_y(y, pred.shape[0])))

    def score_samples(self, X, random_state: int | None = None) -> np.ndarray:
        """Pseudo-log-likelihood of each row's top-layer input under the top RBM."""
        self._check_fitted()
        return self.rbms_[-1].score_samples(self.up(X, len(self.rbms_) - 1), random_state)

    def gibbs(self, n_samples: int = 16, n_steps: int = 200, *, random_state: int | None = None) -> np.ndarray:
        """Fantasies: Gibbs-sample the top RBM from noise, then pass down by p(v|h); (n_samples, n_visible)."""
        self._check_fitted()
        n_samples = check_int("n_samples", n_samples, 1)
        n_steps = check_int("n_steps", n_steps, 0)
        rng = np.random.default_rng(check_seed(random_state, "random_state"))
        top = self.rbms_[-1]
        start = (rng.random((n_samples, top.n_visible)) < 0.5).astype(np.float64)
        return self.down(top.gibbs(start, n_steps, random_state=int(rng.integers(2 ** 31))))

    def fields(self, layer: int, n_units: int | None = None) -> np.ndarray:
        """Layer ``layer``'s (1-based) first ``n_units`` units (all when None) as linear combinations of
        the inputs: W₁·…·W_layer, (n_visible, n_units) float64 — computed right to left over those units."""
        self._check_fitted()
        layer = check_int("layer", layer, 1, len(self.rbms_))
        top = self.rbms_[layer - 1]
        n_units = top.n_hidden if n_units is None else check_int("n_units", n_units, 1, top.n_hidden)
        out = top.weights_[:, :n_units].astype(np.float64)
        for rbm in reversed(self.rbms_[:layer - 1]):
            out = rbm.weights_ @ out
        return out
