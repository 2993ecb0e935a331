"""Closing the window: interrupt the engine's step (engine/interrupt.py: built-in models stop within
~100 ms), let the saves queued behind it write their files, wait for the engine thread to end (Qt
aborts on a QThread destroyed running), keep painting meanwhile. Work that does not stop when asked
(a library's first import, a numba compile, a plug-in model's step) ends the app's process within a
second when nothing is queued to write; with a save queued it is waited for, and, as a last resort,
the window offers to quit without it.
A mixin of MainWindow, as RecordingControls is."""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QMessageBox

from hebbgui import settings

FINISH_QUIETLY_MS = 150   # closing waits this long for the engine before it says "finishing…" (a long save)
FINISH_PATIENCE_S = 10.0  # and this long before it offers to quit without a step that does not stop
# With nothing queued to write, the app (not a script or a test, which set nothing) ends its process
# when the engine has not stopped this long after the close: what it is inside does not look at stop
# requests (a library's first import, a numba compile, a plug-in's step) and nothing would be lost.
END_WHEN_STUCK_S = 0.9
end_when_stuck = False    # hebbgui.app.main sets it


def _ask_quit_now(parent, text: str) -> bool:
    """Quit without the running step? (a function, so a test can answer it)"""
    box = QMessageBox(QMessageBox.Warning, "Still finishing a step", text, parent=parent)
    quit_now = box.addButton("Quit now", QMessageBox.DestructiveRole)
    box.addButton("Keep waiting", QMessageBox.RejectRole)
    box.exec()
    return box.clickedButton() is quit_now


class EngineClosing:
    """closeEvent and the wait for the engine thread."""

    def closeEvent(self, ev) -> None:
        if not self._closing:
            self._closing = True
            normal = getattr(self, "_normal_geometry", None) if self.presentation else None
            # in presentation mode, the layout it came from (the next launch restores presentation itself)
            settings.save_window(*(normal[:2] if normal else (self.saveGeometry(), self.saveState())))
            if self._experiment_dialog is not None:
                self.controller.cancel_experiment()
                self._experiment_dialog.close()
            if self.recorder is not None and self.recorder.busy:
                self.recorder.close(5000)   # finishes the file (or discards it past 5 s); no thread left
            self._finish_engine()
        elif not self.controller.is_finished():
            ev.ignore()   # closed again while _finish_engine waits: that close goes on when it may
            return
        super().closeEvent(ev)

    def _finish_engine(self) -> None:
        """Stop the engine thread and wait until it has finished (a QThread destroyed while running
        aborts the process): the running step is interrupted at its next chunk, and saves queued
        before the close are written first (worker/engine.py). A long wait (a big save) says so in the status
        line and keeps the event loop running, the rest of the window disabled, so it still paints."""
        c = self.controller
        if c.stop(FINISH_QUIETLY_MS):
            return
        if end_when_stuck and not c.writes_pending():
            if c.stop(int(END_WHEN_STUCK_S * 1000) - FINISH_QUIETLY_MS):
                return
            if not c.writes_pending():   # a save queued meanwhile is waited for below
                _end_process()
        self.statusBar().showMessage("finishing the current step…")
        for part in (self.menuBar(), self.centralWidget(), self.transport.parentWidget(),
                     self.models_dock, self.lessons_dock, self.params_dock, self.patterns_dock):
            part.setEnabled(False)
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: c.is_finished() and loop.quit())
        poll.start(20)
        patience = QTimer()
        patience.setSingleShot(True)
        patience.timeout.connect(self._offer_quit_now)
        patience.start(int(FINISH_PATIENCE_S * 1000))
        if not c.is_finished():
            loop.exec()
        poll.stop()
        patience.stop()
        c.stop()   # finished: returns at once

    def _offer_quit_now(self) -> None:
        """The engine still busy FINISH_PATIENCE_S after the close: only a step that never looks at the
        stop request (engine/interrupt.py; every built-in model does, within ~100 ms) or a save that
        will not end. Offer to quit without it: the thread cannot be stopped and Qt aborts on a
        running QThread at exit, so quitting now ends the process at once; what is queued behind
        the step (a save) is lost."""
        if self.controller.is_finished():
            return
        title = self.model_cls.title if self.model_cls is not None else "The"
        if _ask_quit_now(self, f"{title} is still inside one step, {FINISH_PATIENCE_S:.0f} s after the window "
                               "was closed; it does not stop when asked.\n\nQuit now: the step, and a save "
                               "queued behind it, are lost.\nKeep waiting: the window closes when the step ends."):
            _end_process()


def _end_process() -> None:
    """End the process at once, status 0: the engine thread is inside work that does not stop when
    asked, it cannot be ended from outside, and Qt aborts on a QThread destroyed running at exit.
    The window's settings were saved when the close began."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
