"""How far purely local, Hebbian learning goes on MNIST — the lineage in one study.

Four learners on the same split (the first ``n_train`` of the 60 000 training images, the first
``n_test`` of the 10 000 test images, pixels scaled to 0..1):
  decay       the seeds' classifier (seed 000 §1-6): instar α = 0.01, one-hot targets, data in file order,
              ``decay_passes`` passes, softmax of the plain dot product (the seeds report 0.64);
  single      the same instar prototypes (α = ``single_rate``) compared at unit length;
  prototypes  ``n_prototypes`` instar prototypes per class, the nearest of the true class learns, shuffled;
  competing   Krotov & Hopfield's competing hidden units (unsupervised, ``competing_epochs`` passes), then
              a logistic-regression readout on the standardised hidden activities max(W·x, 0)^power.

Measured with the defaults (60 000 / 10 000, seed 0; one BLAS thread on a shared 2-core machine):
decay 0.635 (the seeds: 0.64), single 0.818, 10 prototypes 0.920 (one pass, 1.5 s), competing units
0.971 after 60 passes (7 min of learning + 1.5 min readout; 30 passes give 0.968).
"""
from __future__ import annotations

import time
import warnings
from typing import Any, Generator, Mapping

import numpy as np

from engine import datasets
from engine.model import Experiment, ViewSpec
from engine.models.hebb import CompetingHebbian, HebbClassifier
from engine.validation import check_float, check_int, check_keys, check_seed

DEFAULTS = {
    "n_train": 60000,
    "n_test": 10000,
    "decay_passes": 50,         # the seeds' n_iters
    "single_rate": 0.001,
    "n_prototypes": 10,
    "prototype_rate": 0.01,
    "prototype_passes": 1,
    "n_hidden": 2000,
    "competing_epochs": 60,     # 30 passes reach 0.968, 60 reach 0.971 (see the module docstring)
    "competing_rate": 0.04,
    "p": 3.0,
    "k": 7,
    "delta": 0.4,
    "power": 4.5,
    "batch_size": 100,
    "readout_rounds": 30,       # logistic regression: rounds of 10 L-BFGS iterations (cancel between rounds)
    "seed": 0,
}
LEARNERS = ("decay", "single", "prototypes", "competing")
_CHUNK = 2000                   # samples per yield while the competing units learn


def check_settings(settings: Mapping[str, Any]) -> dict:
    """The settings filled from DEFAULTS and checked; ValueError names the setting."""
    check_keys("hebb-mnist settings", settings, DEFAULTS)
    s = {**DEFAULTS, **settings}
    out = {"n_train": check_int("n_train", s["n_train"], 100, 60000),
           "n_test": check_int("n_test", s["n_test"], 100, 10000)}
    for name in ("decay_passes", "prototype_passes", "competing_epochs", "readout_rounds"):
        out[name] = check_int(name, s[name], 0 if name == "competing_epochs" else 1, 10000)
    for name in ("single_rate", "prototype_rate", "competing_rate"):
        out[name] = check_float(name, s[name], 0.0, 1.0, lo_open=True)
    out["n_prototypes"] = check_int("n_prototypes", s["n_prototypes"], 1, 1000)
    out["n_hidden"] = check_int("n_hidden", s["n_hidden"], 10, 20000)
    out["p"] = check_float("p", s["p"], 2.0, 10.0)
    out["k"] = check_int("k", s["k"], 2, out["n_hidden"])
    out["delta"] = check_float("delta", s["delta"], 0.0, 10.0)
    out["power"] = check_float("power", s["power"], 1.0, 10.0)
    out["batch_size"] = check_int("batch_size", s["batch_size"], 1, 10000)
    out["seed"] = check_seed(s["seed"]) or 0
    return out


def _data(s: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = datasets.load_mnist("train", s["n_train"])
    xt, yt = datasets.load_mnist("test", s["n_test"])
    return x.reshape(len(x), -1) / 255.0, y.astype(np.int64), xt.reshape(len(xt), -1) / 255.0, yt.astype(np.int64)


def _features(model: CompetingHebbian, X: np.ndarray) -> np.ndarray:
    """Hidden activities in float32, a chunk at a time (60 000 × 2000 in float64 would be 1 GB)."""
    out = np.empty((X.shape[0], model.weights_.shape[0]), dtype=np.float32)
    for start in range(0, X.shape[0], 5000):
        out[start:start + 5000] = model.transform(X[start:start + 5000])
    return out


def run_hebb_mnist(settings: Mapping[str, Any]) -> Generator[tuple[float, str], None, dict]:
    """Test accuracy of the four Hebbian learners (see the module docstring); a generator for ``drive``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    s = check_settings(settings)
    X, y, XT, yT = _data(s)
    n = X.shape[0]
    weights = {"decay": 0.10, "single": 0.02, "prototypes": 0.08, "competing": 0.80}
    done = 0.0
    acc, seconds = {}, {}

    t0 = time.perf_counter()
    decay = HebbClassifier(rule="instar", learning_rate=0.01, bias=False, coding="binary")
    for e in range(s["decay_passes"]):
        yield done + weights["decay"] * e / s["decay_passes"], f"decay classifier: pass {e + 1}/{s['decay_passes']}"
        decay.partial_fit(X, y, classes=np.arange(10))
    acc["decay"], seconds["decay"] = decay.score(XT, yT), time.perf_counter() - t0
    done += weights["decay"]

    yield done, "single prototype, unit length"
    t0 = time.perf_counter()
    single = HebbClassifier(rule="instar", learning_rate=s["single_rate"], bias=False, coding="binary",
                            normalize=True).fit(X, y)
    acc["single"], seconds["single"] = single.score(XT, yT), time.perf_counter() - t0
    done += weights["single"]

    t0 = time.perf_counter()
    protos = HebbClassifier(rule="instar", learning_rate=s["prototype_rate"], bias=False, normalize=True,
                            n_prototypes=s["n_prototypes"], shuffle=True, random_state=s["seed"])
    for e in range(s["prototype_passes"]):
        yield done + weights["prototypes"] * e / s["prototype_passes"], \
            f"{s['n_prototypes']} prototypes per class: pass {e + 1}/{s['prototype_passes']}"
        protos.partial_fit(X, y, classes=np.arange(10))
    acc["prototypes"], seconds["prototypes"] = protos.score(XT, yT), time.perf_counter() - t0
    done += weights["prototypes"]

    t0 = time.perf_counter()
    comp = CompetingHebbian(n_hidden=s["n_hidden"], p=s["p"], k=s["k"], delta=s["delta"], power=s["power"],
                            learning_rate=s["competing_rate"], batch_size=s["batch_size"],
                            n_epochs=max(1, s["competing_epochs"]), random_state=s["seed"]).initialize(X)
    rng = np.random.default_rng(s["seed"])
    learn_share = 0.85 * weights["competing"]
    chunk = max(s["batch_size"], _CHUNK // s["batch_size"] * s["batch_size"])   # whole minibatches per yield
    for e in range(s["competing_epochs"]):
        order = rng.permutation(n)
        rate = comp.epoch_rate(e)
        for start in range(0, n, chunk):
            frac = (e + start / n) / s["competing_epochs"]
            yield done + learn_share * frac, f"competing units: epoch {e + 1}/{s['competing_epochs']}, {start}/{n}"
            comp.present(X[order[start:start + chunk]], rate)
    seconds["competing_learning"] = time.perf_counter() - t0
    done += learn_share
    yield done, "competing units: hidden activities"
    scaler = StandardScaler()
    F = scaler.fit_transform(_features(comp, X))
    FT = scaler.transform(_features(comp, XT))
    readout = LogisticRegression(max_iter=10, warm_start=True, C=1.0)
    for r in range(s["readout_rounds"]):
        yield done + (weights["competing"] - learn_share) * r / s["readout_rounds"], \
            f"logistic readout: round {r + 1}/{s['readout_rounds']}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            readout.fit(F, y)
    acc["competing"], seconds["competing"] = readout.score(FT, yT), time.perf_counter() - t0
    yield 1.0, "done"
    fields = comp.fields(100)
    shown = fields / np.maximum(np.abs(fields).max(axis=1, keepdims=True), 1e-12)
    return {"accuracy": np.array([acc[k] for k in LEARNERS]),
            "seconds": np.array([seconds[k] for k in LEARNERS]),
            "competing_learning_seconds": seconds["competing_learning"],
            "fields": shown.reshape(-1, 28, 28),
            **{f"accuracy_{k}": acc[k] for k in LEARNERS}}


EXPERIMENT = Experiment(
    name="hebb-mnist",
    title="Hebbian learning on MNIST: decay, prototypes, competing units",
    run=run_hebb_mnist,
    defaults=dict(DEFAULTS),
    model="hebb",
    views=(
        ViewSpec("accuracy", "bars", "Test accuracy", extra={"ticks": list(LEARNERS)}),
        ViewSpec("fields", "image_grid", "Receptive fields of 100 competing units", colormap="diverging",
                 extra={"columns": 10}),
    ),
)
