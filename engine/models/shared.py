"""What several model families share, so families never import each other (the import contract).

Put a helper here only when two families really use the same logic; a family's own helpers stay
in its file.
"""
from __future__ import annotations

import numpy as np

from engine.validation import check_int

EXACT_MAX_UNITS = 20  # 2**20 states: enumeration stays under a second and 160 MB at float64


def all_binary_states(n: int, dtype=np.uint8) -> np.ndarray:
    """Every 0/1 state of n units, (2**n, n), in counting order (the first unit most significant) —
    the row order of the seeds' tables. Exact enumeration (Boltzmann machine, tiny RBMs) is limited
    to ``EXACT_MAX_UNITS`` units."""
    n = check_int("n", n, 0, EXACT_MAX_UNITS)
    codes = np.arange(2 ** n, dtype=np.int64)
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((codes[:, None] >> shifts[None, :]) & 1).astype(dtype)
