"""RBM and DBN features on MNIST: train on the first ``n_train`` training digits, then fit a logistic
regression on the learned features and report its accuracy on the 10,000 test digits.

Both are generators (engine.model.Experiment): they yield progress while the layers train, about
20 times per epoch, so a run can be cancelled between minibatches.
"""
from __future__ import annotations

import time
from typing import Any, Generator, Mapping

import numpy as np

from engine.datasets import load_mnist
from engine.model import Experiment, ViewSpec
from engine.models.rbm import DBN, METHODS, RBM
from engine.validation import check_choice, check_float, check_int, check_keys, check_seed

TRAIN_SHARE = 0.9  # of the progress bar; the logistic regression takes the rest
COMMON = dict(method="cd", k=1, learning_rate=0.05, batch_size=100, n_epochs=10, momentum=0.5, n_train=60000, seed=0)
RBM_DEFAULTS = dict(n_hidden=500, **COMMON)
DBN_DEFAULTS = dict(layers=(500, 500), **COMMON)
MAX_LAYERS = 3  # as the GUI's DBN


def _check_common(s: Mapping[str, Any]) -> dict:
    """The training settings, within the GUI models' limits (RBMParams / DBNParams)."""
    return dict(method=check_choice("method", s["method"], METHODS), k=check_int("k", s["k"], 1, 50),
                learning_rate=check_float("learning_rate", s["learning_rate"], 1e-4, 1.0),
                batch_size=check_int("batch_size", s["batch_size"], 1, 1000),
                n_epochs=check_int("n_epochs", s["n_epochs"], 1, 1000),
                momentum=check_float("momentum", s["momentum"], 0.0, 0.99),
                n_train=check_int("n_train", s["n_train"], 100, 60000), seed=check_seed(s["seed"]) or 0)


def check_rbm_settings(settings: Mapping[str, Any]) -> dict:
    """rbm-mnist settings filled from RBM_DEFAULTS and checked; ValueError names the setting."""
    check_keys("rbm-mnist settings", settings, RBM_DEFAULTS)
    s = {**RBM_DEFAULTS, **settings}
    return dict(_check_common(s), n_hidden=check_int("n_hidden", s["n_hidden"], 1, 2000))


def check_dbn_settings(settings: Mapping[str, Any]) -> dict:
    """dbn-mnist settings filled from DBN_DEFAULTS and checked; ValueError names the setting."""
    check_keys("dbn-mnist settings", settings, DBN_DEFAULTS)
    s = {**DBN_DEFAULTS, **settings}
    layers = s["layers"]
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"layers must be a sequence of 1 to {MAX_LAYERS} hidden-layer sizes, got {layers!r}")
    return dict(_check_common(s), layers=tuple(check_int(f"layers[{i}]", n, 1, 2000) for i, n in enumerate(layers)))


def _mnist_float(split: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_mnist(split, n)
    return x.reshape(len(x), -1).astype(np.float32) / np.float32(255), y


def _logistic_accuracy(F_train, y_train, F_test, y_test) -> float:
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1.0, max_iter=300)
    clf.fit(F_train, y_train)
    return float(clf.score(F_test, y_test))


def _features_accuracy(estimator, n_train: int) -> Generator[tuple[float, str], None, tuple[float, float]]:
    """Fit ``estimator`` on the first n_train digits, yielding its progress scaled into the training
    share; returns (test accuracy of logistic regression on its features, training seconds)."""
    X, y = _mnist_float("train", n_train)
    Xt, yt = _mnist_float("test")
    t0 = time.perf_counter()
    for fraction, message in estimator.iter_fit(X):
        yield TRAIN_SHARE * fraction, message
    train_s = time.perf_counter() - t0
    yield TRAIN_SHARE, "logistic regression"
    return _logistic_accuracy(estimator.transform(X), y, estimator.transform(Xt), yt), train_s


def _training(s: Mapping[str, Any]) -> dict:
    """The estimator's keyword arguments among the checked settings."""
    return dict({k: s[k] for k in ("method", "k", "learning_rate", "batch_size", "n_epochs", "momentum")},
                random_state=s["seed"])


def run_rbm(settings: Mapping[str, Any]) -> Generator[tuple[float, str], None, dict]:
    """Test accuracy of logistic regression on RBM features; yields progress, returns the result."""
    s = check_rbm_settings(settings)
    rbm = RBM(s["n_hidden"], **_training(s))
    acc, train_s = yield from _features_accuracy(rbm, s["n_train"])
    seconds_per_epoch = train_s / rbm.n_epochs
    return dict(test_accuracy=acc, seconds_per_epoch=seconds_per_epoch,
                reconstruction_errors=np.array(rbm.reconstruction_errors_),
                summary=np.array([[acc, seconds_per_epoch]]))


def run_dbn(settings: Mapping[str, Any]) -> Generator[tuple[float, str], None, dict]:
    """Test accuracy of logistic regression on a DBN's top features; yields progress, returns the result."""
    s = check_dbn_settings(settings)
    dbn = DBN(s["layers"], **_training(s))
    acc, train_s = yield from _features_accuracy(dbn, s["n_train"])
    return dict(test_accuracy=acc, train_seconds=train_s,
                reconstruction_errors=np.array([r.reconstruction_errors_ for r in dbn.rbms_]),
                summary=np.array([[acc, train_s]]))


RBM_EXPERIMENT = Experiment(
    name="rbm-mnist",
    title="RBM features + logistic regression on MNIST",
    run=run_rbm,
    defaults=dict(RBM_DEFAULTS),
    model="rbm",
    views=(
        ViewSpec("summary", "table", "Logistic regression on the RBM's features",
                 extra={"columns": ["test accuracy", "seconds per epoch"]}),
        ViewSpec("reconstruction_errors", "curve", "Reconstruction error", x_label="epoch",
                 y_label="mean squared"),
    ),
)

DBN_EXPERIMENT = Experiment(
    name="dbn-mnist",
    title="DBN (greedy RBM stack) + logistic regression on MNIST",
    run=run_dbn,
    defaults=dict(DBN_DEFAULTS),
    model="dbn",
    views=(
        ViewSpec("summary", "table", "Logistic regression on the DBN's top features",
                 extra={"columns": ["test accuracy", "training seconds"]}),
        ViewSpec("reconstruction_errors", "curve", "Reconstruction error of each layer",
                 labels=tuple(f"layer {i}" for i in range(1, MAX_LAYERS + 1)), x_label="epoch",
                 y_label="mean squared"),
    ),
)
