"""The threads of hebbgui, and the only place it makes any (DESIGN.md): the engine thread that runs the
model (engine.py: ``EngineWorker``, ``EngineController``) and one-off background jobs (jobs.py:
``BackgroundJob``)."""
from hebbgui.commands import error_detail
from hebbgui.worker.engine import (DEFAULT_SPEED, MAX_KEPT_MODELS, SPEED_STEPS_PER_S, EngineController,
                                   EngineWorker)
from hebbgui.worker.jobs import BackgroundJob

__all__ = ["BackgroundJob", "DEFAULT_SPEED", "EngineController", "EngineWorker", "MAX_KEPT_MODELS",
           "SPEED_STEPS_PER_S", "error_detail"]
