"""hebbgui: the Qt shell around the engine (windows, panels, views, the engine thread)."""
from engine import __version__

__all__ = ["__version__"]
