"""Fixtures shared by the engine tests."""
from __future__ import annotations

import pytest

from engine import registry
from tests.engine.counter_model import CounterModel


@pytest.fixture()
def registered():
    """The counter model registered (as a plug-in would be) for the length of a test."""
    with registry.registered(CounterModel.name, "tests.engine.counter_model:CounterModel", title=CounterModel.title):
        yield CounterModel
