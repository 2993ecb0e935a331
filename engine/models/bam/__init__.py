"""Linear associator, eigenvector automaton and Kosko's BAM: network.py (the science), model.py (BAMModel)."""
from engine.models.bam.model import BAMModel
from engine.models.bam.network import (RULES, BAM, BAMRecall, LinearAssociator, LinearRecall, Trajectory,
                                      eigenvector_automaton, sign_keep)

__all__ = ["RULES", "BAM", "BAMModel", "BAMRecall", "LinearAssociator", "LinearRecall", "Trajectory", "eigenvector_automaton",
           "sign_keep"]
