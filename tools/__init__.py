"""Developer tools run from a source checkout (not installed with the wheel)."""
