"""Run an experiment: drive its generator, report progress, cancel by closing it.

An experiment's ``run(settings)`` yields ``(fraction, message)`` and returns its result
(engine/model.py, ``Experiment``). ``drive`` is the one loop every caller uses — the CLI with
a progress bar, the GUI's engine thread with a cancel flag, a script with nothing at all.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from engine.model import Cancelled, Experiment
from engine.validation import check_fraction


def drive(experiment: Experiment, settings: Mapping[str, Any] | None = None,
          progress: Callable[[float, str], bool | None] | None = None) -> dict:
    """Run ``experiment`` to the end and return its result.

    ``progress(fraction, message)`` is called at every yield; when it returns False the
    generator is closed (its ``finally`` blocks run) and ``Cancelled`` is raised.
    """
    if not isinstance(experiment, Experiment):
        raise ValueError(f"experiment must be an engine.model.Experiment, got {type(experiment).__name__}")
    gen = experiment.run(dict(settings or {}))
    try:
        while True:
            try:
                fraction, message = next(gen)
            except StopIteration as stop:
                result = stop.value
                break
            fraction = check_fraction(f"{experiment.name} progress", fraction)
            if progress is not None and progress(fraction, str(message)) is False:
                raise Cancelled(f"{experiment.name} cancelled")
    finally:
        gen.close()
    if not isinstance(result, dict):
        raise ValueError(f"{experiment.name} returned {type(result).__name__}, not a dict of results")
    if progress is not None:
        progress(1.0, "done")
    return result


def run(name: str, settings: Mapping[str, Any] | None = None,
        progress: Callable[[float, str], bool | None] | None = None) -> dict:
    """Run the registered experiment ``name`` (see ``drive``)."""
    from engine import registry  # experiments sit above the registry's model entries
    return drive(registry.experiment(name), settings, progress)
