"""The Hopfield family: ``Hopfield``, the scientific network (network.py) with its storage rules
(learning.py), and ``HopfieldModel``, the Model the GUI and the CLI run (model.py)."""
from engine.models.hopfield.learning import TIES, LearningOptions, LearningReport
from engine.models.hopfield.model import DEMO_NOISE, HopfieldModel, demo_letters
from engine.models.hopfield.network import (CODINGS, MODES, RULES, SCALES, Hopfield, RecallResult, Sweeps,
                                            check_weight_memory)

__all__ = ["CODINGS", "DEMO_NOISE", "MODES", "RULES", "SCALES", "TIES", "Hopfield", "HopfieldModel",
           "LearningOptions", "LearningReport", "RecallResult", "Sweeps", "check_weight_memory", "demo_letters"]
