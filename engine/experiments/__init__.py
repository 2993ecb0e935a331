"""Batch studies run with a progress callback (capacity curves, temperature sweeps…)."""
