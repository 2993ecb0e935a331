"""The engine worker's commands for lessons, recorded runs and experiments (a mixin of EngineWorker,
kept apart so worker/engine.py stays about the thread and the play loop). They run in the engine thread
like every ``@command``; the worker's signals, ``set_model``, ``_built`` and ``_report`` are EngineWorker's."""
from __future__ import annotations

import time

from engine import replay
from engine.model import Cancelled
from hebbgui.commands import command

PROGRESS_INTERVAL_S = 0.05   # an experiment's progress reaches the GUI at most this often
PARTIAL_INTERVAL_S = 0.25    # and its results so far (every plot redrawn) at most this often


class LessonAndStudyCommands:
    """start_lesson, save_run, replay_run, run_experiment."""

    @command
    def start_lesson(self, name: str) -> None:
        """Build the lesson's model exactly as the lesson says (engine.lessons) and run it."""
        from engine import lessons
        run = self._built(f"could not start lesson {name!r}", lambda: lessons.start_recorded(name))
        if run is None:
            return
        self.set_model(run.model, {"lesson": name}, run)
        self.status.emit(f"lesson: {lessons.info(name).title}")

    @command(run_while_stopping=True)
    def save_run(self, path: str) -> None:
        """Write the run recorded since the model was opened (engine/replay.py) to ``path``."""
        if self.run is None:
            self.failed.emit("could not save the run: nothing is recorded")
            return
        try:
            written = self.run.save(path)
        except Exception as exc:
            self._report("could not save the run", exc)
            return
        self.saved.emit(str(written))

    @command
    def replay_run(self, path: str) -> None:
        """Replay a saved run exactly and go on recording it; a bad file leaves the current model running."""
        run = self._built(f"could not replay {path}", lambda: replay.resume(path))
        if run is None:
            return
        self.set_model(run.model, None, run)
        self.status.emit(f"replayed {run.model.title} to t = {run.model.t} ({len(run.log)} commands)")

    @command
    def run_experiment(self, name: str, settings: dict | None = None, n_jobs: int = 1) -> None:
        """Run the registered experiment ``name`` here, with progress and cancel; a study's tasks go to
        ``n_jobs`` local processes, and its rows so far reach the GUI as they finish."""
        from engine import registry
        from engine.experiments.runner import run
        self.pause()
        self._cancel_experiment.clear()
        title = registry.title(name)
        last = [0.0, 0.0]

        def progress(fraction: float, message: str) -> bool:
            now = time.perf_counter()
            if now - last[0] > PROGRESS_INTERVAL_S or fraction >= 1.0:  # do not flood the GUI
                last[0] = now
                self.experiment_progress.emit(float(fraction), str(message))
            return not self._cancel_experiment.is_set()

        def partial(result) -> None:
            now = time.perf_counter()
            if now - last[1] > PARTIAL_INTERVAL_S:  # a redraw of every plot: a few a second at most
                last[1] = now
                self.experiment_partial.emit(name, result)

        self.status.emit(f"running {title}…")
        try:
            result = run(name, dict(settings or {}), n_jobs=n_jobs, progress=progress, on_partial=partial)
        except Cancelled:
            self.status.emit(f"{title} cancelled")
            self.experiment_finished.emit(name, None, "cancelled")
            return
        except Exception as exc:
            detail = self._report(f"{title} failed", exc)
            self.experiment_finished.emit(name, None, f"failed: {detail}")
            return
        self.status.emit(f"{title} finished")
        self.experiment_partial.emit(name, result)
        self.experiment_finished.emit(name, result.data, "finished")
