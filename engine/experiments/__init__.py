"""Batch studies (capacity curves, temperature sweeps, MNIST features…), one file per study.

Each module defines an ``EXPERIMENT`` (engine.model.Experiment) whose ``run(settings)`` is a
generator: it yields ``(fraction, message)`` and returns the result dict. The registry lists
them; ``runner.drive`` runs one with a progress callback and cancel.
"""
