"""The modern (continuous) Hopfield family: ``ModernHopfield``, the scientific network (network.py), and
``ModernHopfieldModel``, the Model the GUI and the CLI run (model.py)."""
from engine.models.modern.model import ModernHopfieldModel
from engine.models.modern.network import ModernHopfield

__all__ = ["ModernHopfield", "ModernHopfieldModel"]
