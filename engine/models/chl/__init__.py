"""Contrastive Hebbian learning and Equilibrium Propagation (seed 000 §5).

``CHL`` (estimator.py) is the scientific estimator: fit / partial_fit / predict / predict_proba /
layer_activities / trajectory, trained by CHL (hard clamp, symmetric or random feedback) or EqProp
(weak nudge). ``CHLModel`` (model.py) is what the GUI and the CLI run.
"""
from engine.models.chl.estimator import ACTIVATIONS, CHL, DTYPES, FEEDBACKS, METHODS, euler_steps
from engine.models.chl.model import CHLModel

__all__ = ["CHL", "CHLModel", "ACTIVATIONS", "FEEDBACKS", "METHODS", "DTYPES", "euler_steps"]
