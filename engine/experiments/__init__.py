"""Batch studies (capacity curves, basins of attraction, temperature sweeps, MNIST features…), one file
per study.

Each module defines an ``EXPERIMENT`` (engine.model.Experiment; most are ``runner.Study``, made of
independent tasks). The registry lists them. ``run(name, settings, seed=…, n_jobs=…, scheduler=…)``
runs one on local cores or a Dask cluster and returns a ``Result``; ``runner.drive`` steps a single
experiment's generator with a progress callback and cancel.
"""
from engine.experiments.runner import Result, Study, drive, names, run, task_seed

__all__ = ["Result", "Study", "drive", "names", "run", "task_seed"]
