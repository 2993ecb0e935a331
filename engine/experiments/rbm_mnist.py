"""RBM and DBN features on MNIST: train on the first ``n_train`` training digits, then fit a logistic
regression on the learned features and report its accuracy on the 10,000 test digits.

Both are Studies of ``n_seeds`` independent trainings (one task each, seeded by the runner's task
seed), so ``n_jobs`` and Dask train several at once; a task's row holds its accuracy, its time and
its reconstruction error per epoch (and layer). A task is a generator: it yields progress while the
layers train, about 20 times per epoch, so a serial run (the window's) can be cancelled between
minibatches.
"""
from __future__ import annotations

import time
from typing import Any, Generator, Mapping

import numpy as np
from threadpoolctl import threadpool_limits

from engine.datasets import load_mnist
from engine.experiments.runner import Study
from engine.model import ViewSpec
from engine.models.rbm import DBN, METHODS, RBM
from engine.validation import check_choice, check_float, check_int, check_keys, check_seed

TRAIN_SHARE = 0.9  # of the progress bar; the logistic regression takes the rest
COMMON = dict(method="cd", k=1, learning_rate=0.05, batch_size=100, n_epochs=10, momentum=0.5, n_train=60000,
              n_seeds=1, seed=0)
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
                n_train=check_int("n_train", s["n_train"], 100, 60000),
                n_seeds=check_int("n_seeds", s["n_seeds"], 1, 1000), seed=check_seed(s["seed"]) or 0)


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
    share; returns (test accuracy of logistic regression on its features, training seconds).

    One BLAS thread throughout: with more, the last digits of the weights, the features and the L-BFGS
    path depend on the thread count (measured: accuracy 0.2154 vs 0.2150 on a small run), and a
    training's numbers must not depend on whether it ran serially, in a joblib process or on a Dask
    worker. Trainings run side by side on the cores instead (``n_seeds`` with ``n_jobs``)."""
    X, y = _mnist_float("train", n_train)
    Xt, yt = _mnist_float("test")
    with threadpool_limits(limits=1, user_api="blas"):
        t0 = time.perf_counter()
        for fraction, message in estimator.iter_fit(X):
            yield TRAIN_SHARE * fraction, message
        train_s = time.perf_counter() - t0
        yield TRAIN_SHARE, "logistic regression"
        return _logistic_accuracy(estimator.transform(X), y, estimator.transform(Xt), yt), train_s


def _training(s: Mapping[str, Any], seed: int) -> dict:
    """The estimator's keyword arguments among the checked settings, seeded by its task."""
    return dict({k: s[k] for k in ("method", "k", "learning_rate", "batch_size", "n_epochs", "momentum")},
                random_state=seed)


def tasks(s: dict) -> list[dict]:
    """One task per training (repetition)."""
    return [{"rep": r} for r in range(s["n_seeds"])]


def run_rbm_task(s: dict, task: dict, seed: int) -> Generator[tuple[float, str], None, dict]:
    """Train one RBM and score logistic regression on its features: a row with the error per epoch."""
    rbm = RBM(s["n_hidden"], **_training(s, seed))
    acc, train_s = yield from _features_accuracy(rbm, s["n_train"])
    return {"rep": task["rep"], "test_accuracy": acc, "seconds_per_epoch": train_s / rbm.n_epochs,
            **{f"error_epoch_{e + 1}": float(v) for e, v in enumerate(rbm.reconstruction_errors_)}}


def run_dbn_task(s: dict, task: dict, seed: int) -> Generator[tuple[float, str], None, dict]:
    """Train one DBN and score logistic regression on its top features: a row with each layer's errors."""
    dbn = DBN(s["layers"], **_training(s, seed))
    acc, train_s = yield from _features_accuracy(dbn, s["n_train"])
    return {"rep": task["rep"], "test_accuracy": acc, "train_seconds": train_s,
            **{f"error_layer_{i + 1}_epoch_{e + 1}": float(v)
               for i, r in enumerate(dbn.rbms_) for e, v in enumerate(r.reconstruction_errors_)}}


def _mean(table: dict, key: str) -> float:
    return float(np.mean(table[key])) if table and key in table else float("nan")


def _errors(table: dict, n_epochs: int, prefix: str = "") -> np.ndarray:
    """(n_epochs,) mean reconstruction error over the trainings done (NaN before any)."""
    return np.array([_mean(table, f"error_{prefix}epoch_{e + 1}") for e in range(n_epochs)])


def finish_rbm(s: dict, table: dict) -> dict:
    """Means over the trainings done: accuracy (and its spread), seconds per epoch, error per epoch."""
    acc, per_epoch = _mean(table, "test_accuracy"), _mean(table, "seconds_per_epoch")
    return dict(test_accuracy=acc, seconds_per_epoch=per_epoch, reconstruction_errors=_errors(table, s["n_epochs"]),
                test_accuracy_std=float(np.std(table["test_accuracy"])) if table else float("nan"),
                summary=np.array([[acc, per_epoch]]))


def finish_dbn(s: dict, table: dict) -> dict:
    """Means over the trainings done: accuracy (and its spread), training time, each layer's error per epoch."""
    acc, train_s = _mean(table, "test_accuracy"), _mean(table, "train_seconds")
    errors = np.array([_errors(table, s["n_epochs"], f"layer_{i + 1}_") for i in range(len(s["layers"]))])
    return dict(test_accuracy=acc, train_seconds=train_s, reconstruction_errors=errors,
                test_accuracy_std=float(np.std(table["test_accuracy"])) if table else float("nan"),
                summary=np.array([[acc, train_s]]))


def _describe(task: dict) -> str:
    return f"training {task['rep'] + 1}"


RBM_EXPERIMENT = Study(
    name="rbm-mnist",
    title="RBM features + logistic regression on MNIST",
    defaults=dict(RBM_DEFAULTS),
    model="rbm",
    check=check_rbm_settings, tasks=tasks, run_task=run_rbm_task, finish=finish_rbm, describe=_describe,
    views=(
        ViewSpec("summary", "table", "Logistic regression on the RBM's features",
                 extra={"columns": ["test accuracy", "seconds per epoch"]}),
        ViewSpec("reconstruction_errors", "curve", "Reconstruction error", x_label="epoch",
                 y_label="mean squared"),
    ),
)

DBN_EXPERIMENT = Study(
    name="dbn-mnist",
    title="DBN (greedy RBM stack) + logistic regression on MNIST",
    defaults=dict(DBN_DEFAULTS),
    model="dbn",
    check=check_dbn_settings, tasks=tasks, run_task=run_dbn_task, finish=finish_dbn, describe=_describe,
    views=(
        ViewSpec("summary", "table", "Logistic regression on the DBN's top features",
                 extra={"columns": ["test accuracy", "training seconds"]}),
        ViewSpec("reconstruction_errors", "curve", "Reconstruction error of each layer",
                 labels=tuple(f"layer {i}" for i in range(1, MAX_LAYERS + 1)), x_label="epoch",
                 y_label="mean squared"),
    ),
)
