"""Bad API calls (180 cases): every public estimator's constructor arguments given NaN, a word or
−1 (then fit); sizes that would allocate gigabytes; fit/transform/store/recall/step with data of the
wrong shape, NaN, the wrong values or before fitting; the GUI models' parameters out of range and
step counts that are not counts. A bad call must raise a ValueError naming the argument — never
another exception, a hang or a huge allocation. A −1 that a parameter accepts may run (then it must
run through)."""
from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from tools.reliability.core import MB, Case

ESTIMATORS = ("HebbClassifier", "HebbianPCA", "CompetingHebbian", "RBM", "DBN", "SOM", "CHL", "CompetitiveLayer",
              "DAMClassifier")
SMALL = {"n_epochs": 1, "n_hidden": 8, "hidden": (8,), "layers": (8,), "n_memories": 4, "batch_size": 10, "rows": 3,
         "cols": 3, "ramp_epochs": 1, "n_components": 2, "n_units": 3}
BAD = (float("nan"), "x", -1)
MEMORY = 300 * MB   # "a huge allocation": more than this over the start of the call


def _data():
    rng = np.random.default_rng(0)
    X = (rng.random((20, 16)) < 0.5).astype(np.float64)
    y = np.arange(20) % 2
    return X, y


def _estimator(cls_name: str, **kw):
    import engine
    cls = getattr(engine, cls_name)
    accepted = inspect.signature(cls.__init__).parameters
    small = {k: v for k, v in SMALL.items() if k in accepted and k not in kw}
    return cls(**small, **kw)


def _fit(cls_name: str, **kw):
    def run(tmp: Path):
        X, y = _data()
        est = _estimator(cls_name, **kw)
        est.fit(X, y)
    return run


def _numeric_params(cls_name: str) -> list[str]:
    import engine
    sig = inspect.signature(getattr(engine, cls_name).__init__).parameters.values()
    return [p.name for p in sig if isinstance(p.default, (int, float)) and not isinstance(p.default, bool)
            and p.name not in ("random_state", "n_jobs")]


def _constructor_cases() -> list[Case]:
    out = []
    k = 0
    for cls_name in ESTIMATORS:
        for name in _numeric_params(cls_name):
            for bad in (BAD[k % 3],) + ((BAD[(k + 1) % 3],) if k % 4 == 0 else ()):
                expect = "either" if bad == -1 else "refuse"
                out.append(Case(f"{cls_name}({name}={bad!r}).fit", _fit(cls_name, **{name: bad}), expect, (name,),
                                mem_slack=MEMORY, timeout=120))
            k += 1
    return out


def _call(what: str, fn, expect="refuse", names=()) -> Case:
    def run(tmp: Path):
        fn(*_data())
    return Case(what, run, expect, names, mem_slack=MEMORY, timeout=120)


def _fitted(cls_name: str):
    X, y = _data()
    return _estimator(cls_name).fit(X, y)


def _data_cases() -> list[Case]:
    out = []
    for c in ESTIMATORS:
        out += [
            _call(f"{c}.fit(X with NaN)", lambda X, y, c=c: _estimator(c).fit(np.where(X > 0, np.nan, X), y),
                  names=("X", "NaN")),
            _call(f"{c}.fit(1-D X)", lambda X, y, c=c: _estimator(c).fit(X[0], y), names=("X", "2D", "2-D")),
            _call(f"{c}.fit(X of words)", lambda X, y, c=c: _estimator(c).fit(np.full(X.shape, "a"), y),
                  names=("X",)),
            _call(f"{c} used before fit", lambda X, y, c=c: _use(_estimator(c), X), names=(c, "fit")),
            _call(f"{c} given 15 features after fitting 16", lambda X, y, c=c: _use(_fitted(c), X[:, :15]),
                  names=("features", "X")),
        ]
    return out


def _use(est, X):
    """The estimator's main use after fit: transform, predict or score_samples."""
    for method in ("transform", "predict", "score_samples"):
        if hasattr(est, method):
            return getattr(est, method)(X)
    raise AssertionError(f"harness: {type(est).__name__} has no transform/predict")


def _huge_cases() -> list[Case]:
    return [
        _call("RBM(n_hidden=10**9).fit", lambda X, y: _estimator("RBM", n_hidden=10**9).fit(X), names=("n_hidden",)),
        _call("CompetingHebbian(n_hidden=10**9).fit",
              lambda X, y: _estimator("CompetingHebbian", n_hidden=10**9).fit(X), names=("n_hidden",)),
        _call("SOM(rows=10**5, cols=10**5).fit", lambda X, y: _estimator("SOM", rows=10**5, cols=10**5).fit(X),
              names=("rows", "cols", "units")),
        _call("CompetitiveLayer(n_units=10**9).fit", lambda X, y: _estimator("CompetitiveLayer", n_units=10**9).fit(X),
              names=("n_units",)),
        _call("DAMClassifier(n_memories=10**9).fit",
              lambda X, y: _estimator("DAMClassifier", n_memories=10**9).fit(X, y), names=("n_memories",)),
        _call("DBN(layers=(10**9,)).fit", lambda X, y: _estimator("DBN", layers=(10**9,)).fit(X), names=("layers",)),
        _call("Hopfield(10**6)", lambda X, y: _engine().Hopfield(10**6), names=("n_neurons",)),
        _call("Ising(L=10**6)", lambda X, y: _engine().Ising(L=10**6), names=("L",)),
        _call("BoltzmannMachine(60).exact_distribution()",
              lambda X, y: _engine().BoltzmannMachine(60).exact_distribution(), names=("units", "n_visible", "exact")),
        _call("DenseAssociativeMemory(10**6) (allocates nothing until store)",
              lambda X, y: _engine().DenseAssociativeMemory(10**6), "either", names=("n_neurons",)),
    ]


def _engine():
    import engine
    return engine


def _memory_cases() -> list[Case]:
    def hop(X, y):
        return _engine().Hopfield(16, seed=0)

    def stored(X, y):
        net = hop(X, y)
        net.store(np.where(X[:3] > 0, 1, -1))
        return net
    bip = lambda X: np.where(X > 0, 1, -1)  # noqa: E731
    E = _engine
    return [
        _call("Hopfield(-1)", lambda X, y: E().Hopfield(-1), names=("n_neurons",)),
        _call("Hopfield('x')", lambda X, y: E().Hopfield("x"), names=("n_neurons",)),
        _call("Hopfield(16, rule='x')", lambda X, y: E().Hopfield(16, rule="x"), names=("rule",)),
        _call("Hopfield(16, margin=nan)", lambda X, y: E().Hopfield(16, margin=float("nan")), names=("margin",)),
        _call("Hopfield.store(15 columns)", lambda X, y: hop(X, y).store(bip(X[:, :15])), names=("patterns", "15")),
        _call("Hopfield.store(NaN)", lambda X, y: hop(X, y).store(np.full((2, 16), np.nan)), names=("patterns", "NaN")),
        _call("Hopfield.store(values 2)", lambda X, y: hop(X, y).store(np.full((2, 16), 2)), names=("patterns", "±1")),
        _call("Hopfield.recall(15 values)", lambda X, y: stored(X, y).recall(bip(X[0, :15])), names=("probe", "15")),
        _call("Hopfield.recall(mode='x')", lambda X, y: stored(X, y).recall(bip(X[0]), mode="x"), names=("mode",)),
        _call("Hopfield.recall(max_sweeps=-1)", lambda X, y: stored(X, y).recall(bip(X[0]), max_sweeps=-1),
              names=("max_sweeps",)),
        _call("Hopfield.recall(temperature=nan)",
              lambda X, y: stored(X, y).recall(bip(X[0]), temperature=float("nan")), names=("temperature",)),
        _call("Hopfield.unlearn(n_dreams=-5)", lambda X, y: stored(X, y).unlearn(n_dreams=-5), names=("n_dreams",)),
        _call("Ising(L=-1)", lambda X, y: E().Ising(L=-1), names=("L",)),
        _call("Ising(T=nan)", lambda X, y: E().Ising(L=8, T=float("nan")), names=("T",)),
        _call("Ising(algorithm='x')", lambda X, y: E().Ising(L=8, algorithm="x"), names=("algorithm",)),
        _call("Ising.step(-1)", lambda X, y: E().Ising(L=8, seed=0).step(-1), names=("n_sweeps",)),
        _call("Ising.step('x')", lambda X, y: E().Ising(L=8, seed=0).step("x"), names=("n_sweeps",)),
        _call("Ising.set_spins(wrong shape)", lambda X, y: E().Ising(L=8).set_spins(np.ones((7, 8))),
              names=("array",)),
        _call("BoltzmannMachine(0)", lambda X, y: E().BoltzmannMachine(0), names=("n_visible",)),
        _call("BoltzmannMachine.fit(NaN)", lambda X, y: E().BoltzmannMachine(4).fit(np.full((3, 4), np.nan)),
              names=("data", "NaN")),
        _call("BoltzmannMachine.fit(epochs=-1)", lambda X, y: E().BoltzmannMachine(4).fit(X[:, :4], epochs=-1),
              names=("epochs",)),
        _call("BoltzmannMachine.fit(method='x')", lambda X, y: E().BoltzmannMachine(4).fit(X[:, :4], method="x"),
              names=("method",)),
        _call("ModernHopfield(beta=nan)", lambda X, y: E().ModernHopfield(beta=float("nan")), names=("beta",)),
        _call("ModernHopfield.store(NaN)", lambda X, y: E().ModernHopfield().store(np.full((2, 4), np.nan)),
              names=("NaN", "patterns")),
        _call("ModernHopfield.retrieve(wrong length)",
              lambda X, y: _stored_modern(X).retrieve(X[0, :5]), names=("probe", "5")),
        _call("LinearAssociator(rule='x')", lambda X, y: E().LinearAssociator(rule="x"), names=("rule",)),
        _call("LinearAssociator.store(3 and 4 rows)",
              lambda X, y: E().LinearAssociator().store(bip(X[:3]), bip(X[:4])), names=("rows", "pairs", "3")),
        _call("BAM.store(values 0.5)", lambda X, y: E().BAM().store(np.full((2, 4), 0.5), np.ones((2, 3))),
              names=("±1", "bipolar", "X")),
        _call("DenseAssociativeMemory(16, power=0)", lambda X, y: E().DenseAssociativeMemory(16, power=0),
              names=("power",)),
        _call("DenseAssociativeMemory(16, energy='x')", lambda X, y: E().DenseAssociativeMemory(16, energy="x"),
              names=("energy",)),
    ]


def _stored_modern(X):
    net = _engine().ModernHopfield()
    net.store(X)
    return net


def _model_cases() -> list[Case]:
    """The GUI models as scripts build them: registry.create with a bad value, and step(n) with bad n."""
    def create(name, params):
        return lambda X, y: _engine().registry.create(name, params, seed=0)

    def step(name, n):
        return lambda X, y: _engine().registry.create(name, seed=0).step(n)
    out = []
    for name, param, bad in (("hopfield", "rows", 10**6), ("ising", "L", 10**6), ("rbm", "n_hidden", 10**7),
                             ("som", "rows", 10**5), ("competitive", "n_units", 10**7), ("dam", "n_memories", 10**8),
                             ("chl", "n_hidden", 10**7), ("bam", "noise", float("nan")), ("boltzmann", "T", -1.0),
                             ("modern-hopfield", "n_stored", -5), ("hebb", "n_data", 10**9),
                             ("hebbian-pca", "samples_per_step", 0), ("dbn", "n_hidden_1", 10**7)):
        out.append(_call(f"registry.create({name!r}, {param}={bad!r})", create(name, {param: bad}), names=(param,)))
    for name in ("hopfield", "ising", "bam", "boltzmann", "rbm-table", "som", "competitive"):
        out.append(_call(f"{name}.step(-1)", step(name, -1), "either", names=("n",)))
        out.append(_call(f"{name}.step('x')", step(name, "x"), names=("n",)))
    return out


def cases(quick: bool = False) -> list[Case]:
    """About 180 bad calls (quick: every sixth)."""
    c = _constructor_cases() + _data_cases() + _huge_cases() + _memory_cases() + _model_cases()
    return c[::6] if quick else c
