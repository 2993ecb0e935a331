"""Restricted Boltzmann machines and deep belief nets (seed 000 §4, seed 001).

``RBM`` (estimator.py) is the scientific estimator: fit / partial_fit / transform / score_samples /
gibbs, trained by CD-k, PCD or parallel tempering; exact.py holds the exact tables of tiny machines;
``DBN`` (dbn.py) stacks RBMs greedily. ``RBMModel``, ``RBMTableModel`` and ``DBNModel`` (models.py)
are what the GUI and the CLI run.
"""
from engine.models.rbm.dbn import DBN
from engine.models.rbm.estimator import DTYPES, LR_SCHEDULES, METHODS, RBM, blas_threads
from engine.models.rbm.exact import SEED_3X2_HIDDEN_BIAS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_WEIGHTS
from engine.models.rbm.models import DBNModel, RBMModel, RBMTableModel

__all__ = ["RBM", "DBN", "RBMModel", "RBMTableModel", "DBNModel", "blas_threads", "METHODS", "LR_SCHEDULES",
           "DTYPES", "SEED_3X2_WEIGHTS", "SEED_3X2_VISIBLE_BIAS", "SEED_3X2_HIDDEN_BIAS"]
