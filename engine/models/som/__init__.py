"""Kohonen self-organizing maps: the estimator ``SOM`` (estimator.py) and the GUI model ``SOMModel`` (model.py)."""
from engine.models.som.estimator import (INITS, MODES, NEIGHBORHOODS, SOM, TOPOLOGIES, find_neighbors,
                                         grid_adjacent, majority_labels, unit_positions)
from engine.models.som.model import PRESETS, SOMModel, SOMParams

__all__ = ["SOM", "SOMModel", "SOMParams", "PRESETS", "find_neighbors", "grid_adjacent", "unit_positions",
           "majority_labels", "TOPOLOGIES", "NEIGHBORHOODS", "INITS", "MODES"]
