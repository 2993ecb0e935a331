"""engine.registry: models and experiments by name, registered and imported on first use."""
from __future__ import annotations

import numpy as np
import pytest

from engine import registry
from tests.engine.counter_model import CounterModel


def test_registry_lists_gets_and_creates(registered):
    assert CounterModel.name in registry.names()
    assert registry.get(CounterModel.name) is CounterModel
    m = registry.create(CounterModel.name, {"increment": 2}, seed=4)
    assert isinstance(m, CounterModel) and m.params.increment == 2 and m.seed == 4
    assert registry.title("nonexistent") == "nonexistent"
    with pytest.raises(ValueError, match=r"unknown model 'nope'; accepts \["):
        registry.get("nope")


def test_registry_hides_entries_whose_module_is_missing():
    with registry.registered("ghost", "engine.models.no_such_module:Ghost"):
        assert "ghost" not in registry.names()
    assert "ghost" not in registry.names()


def test_builtin_models_and_their_experiments():
    assert registry.names()[:6] == ["hebb", "hebbian-pca", "competing", "hopfield", "ising", "boltzmann"]
    # the lineage after RBM/DBN: CHL, BAM, dense memory, modern Hopfield, then competitive learning and SOM
    lineage = ["rbm", "rbm-table", "dbn", "chl", "bam", "dam", "modern-hopfield", "competitive", "som"]
    assert [n for n in registry.names() if n in lineage] == lineage
    assert {"hopfield-capacity", "ising-sweep", "rbm-mnist", "dbn-mnist"} <= set(registry.experiment_names())
    assert registry.experiment_names("ising") == ["ising-sweep"]
    exp = registry.experiment("ising-sweep")
    assert exp.name == "ising-sweep" and exp.model == "ising" and exp.views
    assert registry.experiment_names("hopfield") == ["capacity", "basins", "basin-map", "spurious", "phase-diagram",
                                                     "unlearning"]   # "hopfield-capacity": the same, by its old name
    assert registry.experiment("hopfield-capacity") is registry.experiment("capacity")
    assert registry.help_text("som").startswith("Kohonen")
    with pytest.raises(ValueError, match=r"unknown experiment 'hopfield'; accepts \["):
        registry.experiment("hopfield")  # a model is not an experiment
    with pytest.raises(ValueError, match=r"unknown model 'ising-sweep'"):
        registry.get("ising-sweep")


def test_register_checks_its_arguments_and_refuses_duplicates():
    with pytest.raises(ValueError, match=r"target must be 'module:Attribute', got 'nomodule'"):
        registry.register("x", "nomodule")
    with pytest.raises(ValueError, match=r"kind must be one of \['model', 'experiment'\], got 'view'"):
        registry.register("x", "a:b", kind="view")
    with pytest.raises(ValueError, match=r"'hopfield' is already registered"):
        registry.register("hopfield", "a:b")
    with pytest.raises(ValueError, match=r"names model 'nothing', which is not registered"):
        registry.register("exp", "a:b", kind="experiment", model="nothing")
    with pytest.raises(ValueError, match=r"'nothing' is not registered"):
        registry.unregister("nothing")
    assert "x" not in registry.names() and "exp" not in registry.experiment_names()


def test_a_plugin_model_with_an_experiment_comes_and_goes(registered):
    with registry.registered("counter-demo", "tests.engine.experiments.test_runner:DEMO",
                             kind="experiment", model=CounterModel.name):
        assert registry.experiment_names(CounterModel.name) == ["counter-demo"]
        assert registry.experiments_for(CounterModel.name)[0].title == "Demo"
    assert registry.experiment_names(CounterModel.name) == []
    # unregistering a model takes its experiments with it
    registry.register("counter-demo", "tests.engine.experiments.test_runner:DEMO", kind="experiment",
                      model=CounterModel.name)
    registry.unregister(CounterModel.name)
    assert "counter-demo" not in registry.experiment_names()
    registry.register(CounterModel.name, "tests.engine.counter_model:CounterModel")  # the fixture removes it
