"""hebbgui's numerical core: models, kernels, data and experiments — no Qt.

The public names load lazily, so ``import engine`` is instant and compiles nothing:
``from engine import Hopfield`` imports only the Hopfield family.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "HebbClassifier": "engine.models.hebb",
    "HebbianPCA": "engine.models.hebb",
    "CompetingHebbian": "engine.models.hebb",
    "Hopfield": "engine.models.hopfield",
    "Ising": "engine.models.ising",
    "BoltzmannMachine": "engine.models.boltzmann",
    "RBM": "engine.models.rbm",
    "DBN": "engine.models.rbm",
    "SOM": "engine.models.som",
    "CHL": "engine.models.chl",
    "CompetitiveLayer": "engine.models.competitive",
    "ModernHopfield": "engine.models.modern",
    "LinearAssociator": "engine.models.bam",
    "BAM": "engine.models.bam",
    "DAMClassifier": "engine.models.dense",
    "DenseAssociativeMemory": "engine.models.dense",
    "patterns": "engine.patterns",
    "datasets": "engine.datasets",
    "io": "engine.io",
    "registry": "engine.registry",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        module = importlib.import_module(_PUBLIC[name])
        value = module if module.__name__.endswith("." + name) else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_PUBLIC))
