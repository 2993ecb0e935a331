"""Names -> models and experiments, for the GUI's model list and Lessons menu, the CLI and engine.io.

Entries are "module:Attribute" strings imported on first use, so listing the models at
start-up never imports a model module or compiles a kernel. A model entry names a
``Model`` subclass; an experiment entry names an ``Experiment`` (engine/model.py) and the
model whose Lessons menu offers it. ``register`` adds an entry (plug-ins, tests).
"""
from __future__ import annotations

import importlib
import importlib.util
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from engine.validation import check_choice, check_text


@dataclass(frozen=True)
class Entry:
    target: str        # "package.module:Attribute"
    title: str         # shown in the model list / Lessons menu
    kind: str          # "model" | "experiment"
    model: str = ""    # experiments: the model name whose Lessons menu lists it
    help: str = ""     # one line: what it is (model list tooltip)


# Order is the order of the GUI's model list (the lineage, oldest first).
_ENTRIES: dict[str, Entry] = {}
_loaded: dict[str, object] = {}


def register(name: str, target: str, *, title: str = "", kind: str = "model", model: str = "",
             help: str = "", replace: bool = False) -> None:
    """Add a model or an experiment under ``name``; ``target`` is "module:Attribute"."""
    check_text("name", name, allow_empty=False)
    check_text("target", target, allow_empty=False)
    check_choice("kind", kind, ("model", "experiment"))
    if target.count(":") != 1:
        raise ValueError(f"target must be 'module:Attribute', got {target!r}")
    if name in _ENTRIES and not replace:
        raise ValueError(f"{name!r} is already registered (as {_ENTRIES[name].target}); pass replace=True")
    if kind == "experiment" and model and model not in _ENTRIES:
        raise ValueError(f"experiment {name!r} names model {model!r}, which is not registered")
    _ENTRIES[name] = Entry(target, title or name, kind, model, help)
    _loaded.pop(name, None)


def unregister(name: str) -> None:
    """Remove an entry (and its experiments, when it is a model)."""
    if name not in _ENTRIES:
        raise ValueError(f"{name!r} is not registered; registered: {sorted(_ENTRIES)}")
    for other in [n for n, e in _ENTRIES.items() if e.model == name]:
        unregister(other)
    del _ENTRIES[name]
    _loaded.pop(name, None)


@contextmanager
def registered(name: str, target: str, **options) -> Iterator[None]:
    """``register`` for the length of a ``with`` block (tests)."""
    register(name, target, **options)
    try:
        yield
    finally:
        if name in _ENTRIES:
            unregister(name)


def _module_exists(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.split(":")[0]) is not None
    except ModuleNotFoundError:
        return False


def names() -> list[str]:
    """Registered model names whose module is present, in list order."""
    return [n for n, e in _ENTRIES.items() if e.kind == "model" and _module_exists(e.target)]


def experiment_names(model: str | None = None) -> list[str]:
    """Registered experiment names (those a model offers, when ``model`` is given)."""
    return [n for n, e in _ENTRIES.items() if e.kind == "experiment" and (model is None or e.model == model)
            and _module_exists(e.target)]


def title(name: str) -> str:
    """The display title of a model or experiment."""
    e = _ENTRIES.get(name)
    return e.title if e else name


def help_text(name: str) -> str:
    """The one-line description of a model or experiment ("" when none)."""
    e = _ENTRIES.get(name)
    return e.help if e else ""


def _load(name: str, kind: str):
    e = _ENTRIES.get(name)
    if e is None or e.kind != kind:
        accepts = names() if kind == "model" else experiment_names()
        raise ValueError(f"unknown {kind} {name!r}; accepts {accepts}")
    if name not in _loaded:
        module, attr = e.target.split(":")
        _loaded[name] = getattr(importlib.import_module(module), attr)
    return _loaded[name]


def get(name: str) -> type:
    """The model class registered under ``name`` (imports it on first use)."""
    return _load(name, "model")


def create(name: str, params=None, *, seed: int | None = None):
    """Instantiate a registered model."""
    return get(name)(params, seed=seed)


def experiment(name: str):
    """The Experiment registered under ``name`` (imports it on first use)."""
    exp = _load(name, "experiment")
    return exp


def experiments_for(model: str) -> list:
    """The Experiments a model's Lessons menu offers, in registration order."""
    return [experiment(n) for n in experiment_names(model)]


# --------------------------------------------------------------------------- the built-in entries
for _name, _target, _title, _help in (
    ("hebb", "engine.models.hebb:HebbModel", "Hebb",
     "Hebb's rule: weights grow where input and output fire together (T vs U, T/U/C, decay, MNIST)"),
    ("hebbian-pca", "engine.models.hebb:HebbianPCAModel", "Hebbian PCA",
     "Oja's and Sanger's rules: Hebbian weight vectors turn onto the principal components"),
    ("competing", "engine.models.hebb:CompetingModel", "Competing units",
     "Krotov & Hopfield's competing hidden units: local learning grows strokes a linear readout classifies"),
    ("hopfield", "engine.models.hopfield:HopfieldModel", "Hopfield",
     "Hopfield network: stores patterns in symmetric weights and recalls them by descending an energy"),
    ("ising", "engine.models.ising:IsingModel", "Ising",
     "2-D Ising model: spins on a lattice, ordered below the critical temperature T_c ≈ 2.269"),
    ("boltzmann", "engine.models.boltzmann:BoltzmannModel", "Boltzmann",
     "Boltzmann machine: stochastic binary units that learn a probability distribution"),
    ("rbm", "engine.models.rbm:RBMModel", "RBM",
     "Restricted Boltzmann machine: visible and hidden layers trained by contrastive divergence"),
    ("rbm-table", "engine.models.rbm:RBMTableModel", "RBM 3×2 (seed)",
     "The seeds' 3×2 RBM: its exact p(v,h) table beside what Gibbs chains sample"),
    ("dbn", "engine.models.rbm:DBNModel", "DBN",
     "Deep belief net: RBMs stacked and trained greedily, layer by layer"),
    ("chl", "engine.models.chl:CHLModel", "CHL",
     "Contrastive Hebbian learning: a free and a clamped phase settle, weights follow their difference (or EqProp)"),
    ("bam", "engine.models.bam:BAMModel", "BAM",
     "Bidirectional associative memory: pattern pairs bounce between two layers until they settle"),
    ("dam", "engine.models.dense:DAMModel", "Dense memory",
     "Dense Associative Memory (Krotov & Hopfield): F(x) = xⁿ energies store far more patterns; trained on MNIST"),
    ("modern-hopfield", "engine.models.modern:ModernHopfieldModel", "Modern Hopfield",
     "Modern Hopfield network: softmax attention over stored digits; β walks from average to mixtures to recall"),
    ("competitive", "engine.models.competitive:CompetitiveModel", "Competitive",
     "Competitive learning: the winning unit moves towards each input (instar rule)"),
    ("som", "engine.models.som:SOMModel", "SOM",
     "Kohonen self-organizing map: a grid of units that unfolds over the data, neighbours alike"),
):
    register(_name, _target, title=_title, help=_help)

for _name, _target, _title, _model in (
    ("hebb-mnist", "engine.experiments.hebb_mnist:EXPERIMENT",
     "Hebbian learning on MNIST: decay, prototypes, competing units", "hebb"),
    # its first name, kept for scripts and the command line; the Lessons menu lists it once, as "capacity"
    ("hopfield-capacity", "engine.experiments.capacity:EXPERIMENT", "Hopfield capacity: retrieval vs load P/N", ""),
    ("capacity", "engine.experiments.capacity:EXPERIMENT", "Capacity of every storage rule at several N",
     "hopfield"),
    ("basins", "engine.experiments.basins:EXPERIMENT", "Basins of attraction (seed 001's tables)", "hopfield"),
    ("basin-map", "engine.experiments.basins:MAP_EXPERIMENT", "Basin of attraction: 2-D Hamming map",
     "hopfield"),
    ("spurious", "engine.experiments.spurious:EXPERIMENT", "Spurious states: census of fixed points",
     "hopfield"),
    ("phase-diagram", "engine.experiments.phase_diagram:EXPERIMENT", "Phase diagram: retrieval in the (α, T) plane",
     "hopfield"),
    ("unlearning", "engine.experiments.unlearning:EXPERIMENT", "Unlearning: dream sleep against spurious states",
     "hopfield"),
    ("ising-sweep", "engine.experiments.ising_sweep:EXPERIMENT", "Ising temperature sweep", "ising"),
    ("rbm-mnist", "engine.experiments.rbm_mnist:RBM_EXPERIMENT", "RBM features on MNIST: logistic accuracy",
     "rbm"),
    ("dbn-mnist", "engine.experiments.rbm_mnist:DBN_EXPERIMENT", "DBN features on MNIST: logistic accuracy",
     "dbn"),
):
    register(_name, _target, title=_title, kind="experiment", model=_model)
