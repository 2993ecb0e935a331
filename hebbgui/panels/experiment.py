"""The experiment dialog: settings, Run with a progress bar and Cancel, the result's views filled in as
tasks finish, and export of the rows (CSV) and of the plots (PNG)."""
from __future__ import annotations

import ast
import os

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea, QSpinBox, QVBoxLayout,
                               QWidget)

from engine.experiments.runner import Study
from engine.model import Snapshot
from hebbgui.views import make_view

DIALOG_SIZE = (1200, 820)     # wanted; never more than 90 % of the screen
MIN_RESULT_HEIGHT = 240       # px per result plot: the settings never squeeze a plot to a strip
SETTINGS_WIDTH = 280          # the settings form sits left of the results, not above them


class ExperimentDialog(QDialog):
    """Runs one Experiment in the engine thread; the GUI stays live and can cancel it."""

    def __init__(self, experiment, controller, parent=None, *, name: str | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.name = name or experiment.name   # the registry name the engine runs it by
        self.controller = controller
        self.result = None          # the finished result's data (what the views draw)
        self.rows = None            # the engine.experiments.Result so far: its rows export as CSV
        self.running = False
        self.setWindowTitle(experiment.title)
        # Settings on the left, results on the right at the dialog's full height: with the settings
        # form above them, the result plots of a 900×620 dialog were ~60 px strips.
        outer = QHBoxLayout(self)
        left = QWidget()
        left.setFixedWidth(SETTINGS_WIDTH)
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.editors = {}
        for key, value in experiment.defaults.items():
            if isinstance(value, bool):
                w = QLineEdit(str(value))
            elif isinstance(value, int):
                w = QSpinBox()
                w.setRange(-10**9, 10**9)
                w.setValue(value)
            elif isinstance(value, float):
                w = QDoubleSpinBox()
                w.setDecimals(4)
                w.setRange(-1e9, 1e9)
                w.setValue(value)
            else:
                w = QLineEdit(repr(value) if not isinstance(value, str) else value)
            w.setObjectName(f"setting-{key}")
            self.editors[key] = (w, value)
            form.addRow(key.replace("_", " "), w)
        self.jobs = None
        if isinstance(experiment, Study):   # made of tasks: they can run on several processes
            self.jobs = QSpinBox()
            self.jobs.setRange(1, max(1, os.cpu_count() or 1))
            self.jobs.setObjectName("setting-n_jobs")
            self.jobs.setToolTip("Local processes the tasks run on (same numbers whatever the count)")
            form.addRow("processes", self.jobs)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.message = QLabel("")
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        exports = QHBoxLayout()
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setToolTip("The result rows (one per task result) with a header of column names")
        self.csv_button.clicked.connect(lambda: self._ask_path("CSV", "CSV files (*.csv)", self.export_csv))
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setToolTip("Every plot of the result as one picture")
        self.png_button.clicked.connect(lambda: self._ask_path("PNG", "PNG images (*.png)", self.export_png))
        for b in (self.csv_button, self.png_button):
            b.setEnabled(False)
            exports.addWidget(b)
        lay.addLayout(exports)
        lay.addStretch(1)
        outer.addWidget(left)
        self.results = QWidget()
        self.results_layout = QGridLayout(self.results)
        self.results_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()          # a small screen scrolls the results; the dialog never outgrows it
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self.results)
        outer.addWidget(scroll, 1)
        self.views = []
        columns = 1 if len(experiment.views) == 1 else 2
        for i, spec in enumerate(experiment.views):
            v = make_view(spec)
            v.result_mode = True        # a finished result: ranges fit the data with a margin
            v.setMinimumHeight(MIN_RESULT_HEIGHT)
            self.results_layout.addWidget(v, i // columns, i % columns)
            self.views.append(v)
        self._fit_to_screen(parent)
        w = controller.worker
        w.experiment_progress.connect(self.on_progress)
        w.experiment_partial.connect(self.on_partial)
        w.experiment_finished.connect(self.on_finished)

    def _fit_to_screen(self, parent) -> None:
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        w, h = DIALOG_SIZE
        if screen is not None:
            avail = screen.availableGeometry()
            w, h = min(w, int(avail.width() * 0.9)), min(h, int(avail.height() * 0.9))
        self.resize(w, h)

    def settings(self) -> dict:
        out = {}
        for key, (w, default) in self.editors.items():
            if isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[key] = w.value()
            else:
                text = w.text()
                if isinstance(default, str):
                    out[key] = text
                else:
                    try:
                        out[key] = ast.literal_eval(text)
                    except (ValueError, SyntaxError):
                        raise ValueError(f"{key}: cannot read {text!r}") from None
        return out

    def run(self) -> None:
        try:
            settings = self.settings()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.running = True
        self.result = None
        self.rows = None
        self.csv_button.setEnabled(False)
        self.png_button.setEnabled(False)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.message.setText("running…")
        self.controller.run_experiment(self.name, settings, self.jobs.value() if self.jobs else 1)

    def cancel(self) -> None:
        self.controller.cancel_experiment()
        self.message.setText("cancelling…")

    def on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        if message:
            self.message.setText(message)

    def on_partial(self, name: str, result) -> None:
        """Rows so far (or all of them): the plots redraw from them while the run goes on."""
        if name != self.name:
            return
        self.rows = result
        self.csv_button.setEnabled(bool(result.table))
        self._draw(result.data)

    def _draw(self, data) -> None:
        snap = Snapshot(t=0, data=dict(data), unit="run")
        for v in self.views:
            v.update_view(snap)

    def export_csv(self, path: str) -> None:
        """Write the rows so far (all of them once finished) to ``path``."""
        self.rows.to_csv(path)
        self.message.setText(f"wrote {path}")

    def export_png(self, path: str) -> None:
        """Save the result plots, as they are on screen, to ``path``."""
        if not self.results.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        self.message.setText(f"wrote {path}")

    def _ask_path(self, what: str, pattern: str, write) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {what}", f"{self.name}.{what.lower()}", pattern)
        if not path:
            return
        try:
            write(path)
        except OSError as exc:
            self.message.setText(f"could not write {path}: {exc.strerror or exc}")

    def on_finished(self, name: str, result, outcome: str) -> None:
        """The run ended: ``outcome`` is "finished", "cancelled" or "failed: …"; result None unless finished."""
        if name != self.name:
            return
        self.running = False
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.message.setText(outcome)
        if result is None:
            return
        self.result = result
        self.progress.setValue(1000)
        self.png_button.setEnabled(True)
        self._draw(result)

    def closeEvent(self, ev) -> None:
        if self.running:
            self.controller.cancel_experiment()
        w = self.controller.worker
        for sig, slot in ((w.experiment_progress, self.on_progress), (w.experiment_partial, self.on_partial),
                          (w.experiment_finished, self.on_finished)):
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().closeEvent(ev)
