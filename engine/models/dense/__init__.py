"""Dense Associative Memory (Krotov & Hopfield 2016; seed 004): the classifier trained on MNIST
(classifier.py), the auto-associative memory of eqs. (2)–(4) (memory.py) and the GUI model (model.py)."""
from engine.models.dense.classifier import DAMClassifier
from engine.models.dense.memory import DenseAssociativeMemory, krotov_capacity
from engine.models.dense.model import DAMModel

__all__ = ["DAMClassifier", "DAMModel", "DenseAssociativeMemory", "krotov_capacity"]
