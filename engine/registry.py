"""Model name -> class, for the GUI's model list, the CLI and engine.io.

Entries are "module:Class" strings imported on first use, so listing the models
(start-up) never compiles or imports a kernel.
"""
from __future__ import annotations

import importlib

# Order is the order of the GUI's model list (the lineage, oldest first).
_ENTRIES: dict[str, str] = {
    "hopfield": "engine.models.hopfield:HopfieldModel",
    "ising": "engine.models.ising:IsingModel",
    "boltzmann": "engine.models.boltzmann:BoltzmannModel",
    "rbm": "engine.models.rbm:RBMModel",
    "dbn": "engine.models.rbm:DBNModel",
    "competitive": "engine.models.competitive:CompetitiveModel",
    "som": "engine.models.som:SOMModel",
}
_TITLES: dict[str, str] = {
    "hopfield": "Hopfield",
    "ising": "Ising",
    "boltzmann": "Boltzmann",
    "rbm": "RBM",
    "dbn": "DBN",
    "competitive": "Competitive",
    "som": "SOM",
}
_loaded: dict[str, type] = {}


def _module_exists(target: str) -> bool:
    import importlib.util
    mod = target.split(":")[0]
    try:
        return importlib.util.find_spec(mod) is not None
    except ModuleNotFoundError:
        return False


def names() -> list[str]:
    """Registered model names whose module is present, in list order."""
    return [n for n, t in _ENTRIES.items() if _module_exists(t)]


def title(name: str) -> str:
    return _TITLES.get(name, name)


def get(name: str) -> type:
    """The model class registered under ``name`` (imports it on first use)."""
    if name not in _ENTRIES:
        raise ValueError(f"unknown model {name!r}; accepts {names()}")
    if name not in _loaded:
        module, cls = _ENTRIES[name].split(":")
        _loaded[name] = getattr(importlib.import_module(module), cls)
    return _loaded[name]


def create(name: str, params=None, *, seed: int | None = None):
    """Instantiate a registered model."""
    return get(name)(params, seed=seed)
