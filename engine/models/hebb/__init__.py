"""Hebb's rule and its descendants (seed 000 §1; Oja, Sanger; Krotov & Hopfield 2019).

``HebbClassifier`` (hebb / instar / outstar, prototypes per class), ``HebbianPCA`` (Oja, Sanger),
``CompetingHebbian`` (competing hidden units) and their GUI models.
"""
from engine.models.hebb.classifier import CODINGS, RULES, HebbClassifier
from engine.models.hebb.model import PRESETS, HebbModel, HebbParams
from engine.models.hebb.pca import PCA_RULES, HebbianPCA, angles_degrees
from engine.models.hebb.pca_model import HebbianPCAModel
from engine.models.hebb.competing import CompetingHebbian
from engine.models.hebb.competing_model import CompetingModel

__all__ = ["HebbClassifier", "RULES", "CODINGS", "HebbModel", "HebbParams", "PRESETS",
           "HebbianPCA", "PCA_RULES", "angles_degrees", "HebbianPCAModel",
           "CompetingHebbian", "CompetingModel"]
