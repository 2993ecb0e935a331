"""The main window: wires model ↔ engine thread ↔ views and panels, all built from the model's contract."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDialog, QDockWidget, QFileDialog, QGridLayout,
                               QGroupBox, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QPushButton, QScrollArea, QSplitter, QToolBar, QVBoxLayout, QWidget)

from engine import __version__, lessons, registry
from hebbgui import settings
from engine.model import Snapshot
from hebbgui import theme
from hebbgui.panels.experiment import ExperimentDialog
from hebbgui.panels.import_data import open_import_dialog
from hebbgui.panels.params_form import ParamsForm
from hebbgui.panels.pattern_editor import PatternEditor
from hebbgui.panels.shortcuts import shortcuts_dialog
from hebbgui.panels.transport import TransportBar
from hebbgui.panels.help import getting_started_dialog
from hebbgui.panels.lessons import LessonControls, LessonPanel
from hebbgui.closing import EngineClosing
from hebbgui.recording_controls import RecordingControls
from hebbgui.views import make_view
from hebbgui.views.base import PRESENTATION_SCALE
from hebbgui.worker import EngineController, error_detail

DEFAULT_MODEL = "hopfield"
FPS_STALE_MS = 1000       # playing with no frame for this long: the fps readout shows 0
class MainWindow(RecordingControls, LessonControls, EngineClosing, QMainWindow):
    """Model list | views | parameters, with the transport bar always at the bottom."""

    frame_drawn = Signal(object)   # emitted after a frame is drawn (tests and benchmarks count these)
    recording_saved = Signal(object)   # the Recorder's result dict, once a recording's file is written

    def __init__(self, model_name: str | None = DEFAULT_MODEL, *, seed: int = 0, restore_layout: bool = True):
        super().__init__()
        self.setWindowTitle(f"hebbgui {__version__}")
        self.resize(1280, 800)
        self.controller = EngineController(self)
        self.model_cls = None
        self.views: dict[str, object] = {}
        self._side_keys: list[str] = []      # side views in the model's order
        self._shown_side: set[str] = set()   # those the last frame had data for
        self.params_form: ParamsForm | None = None
        self.pattern_editor: PatternEditor | None = None
        self._editor_model: str | None = None   # the model the pattern editor draws for
        self.presentation = False
        self.last_snapshot: Snapshot | None = None
        self.last_error = ""
        self._frame_times: list[float] = []
        self._experiment_dialog = None
        self._closing = False
        self.recorder = None   # the current or last Recorder (hebbgui/recording_controls.py)
        self.last_recording: dict | None = None
        # the pattern editor's drawn grid of each model left for another (the model itself, with its
        # stored set, is kept by the engine thread): switching back finds the drawing as it was
        self._kept_grids: dict[str, np.ndarray] = {}
        self.lesson: str | None = None        # the lesson whose model runs now (None: a model opened by hand)
        self._view_filter: tuple[str, ...] = ()   # that lesson's views (empty: all the model's views)

        self._build_central()
        self._build_docks()
        self._build_transport()
        self._build_menus()
        self._connect_worker()
        self.rec_label = QLabel()
        self.rec_label.setObjectName("rec-indicator")
        self.rec_label.setStyleSheet("QLabel { color: #d62728; font-weight: bold; padding: 0 6px; }")
        self.rec_label.hide()
        self.statusBar().addPermanentWidget(self.rec_label)
        self.statusBar().showMessage("starting…")
        self._default_layout()
        self._default_state = self.saveState()   # View → Reset layout goes back to it
        if restore_layout:
            geometry, state = settings.window_geometry(), settings.window_state()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state)
            theme.restore_saved()
        if model_name:
            self.open_model(model_name, seed=seed)

    # ---------------------------------------------------------------- layout
    def _default_layout(self) -> None:
        """The models list and the lesson pane on the left, narrow; the views get the rest."""
        for d in (self.models_dock, self.lessons_dock, self.params_dock):
            d.show()
        self.resizeDocks([self.models_dock, self.params_dock], [300, 320], Qt.Horizontal)
        self.resizeDocks([self.models_dock, self.lessons_dock], [150, 650], Qt.Vertical)

    def reset_layout(self) -> None:
        """View → Reset layout: the docks and window size as on a first launch (and at the next launch)."""
        if self.presentation:
            self.toggle_presentation()
        settings.forget_window()
        self.restoreState(self._default_state)
        self.resize(1280, 800)
        self._default_layout()
        if self.model_cls is not None:
            self.patterns_dock.setVisible(self.model_cls.pattern_editor)

    def _build_central(self) -> None:
        self.central = QWidget()
        self.central.setObjectName("central")
        lay = QVBoxLayout(self.central)
        lay.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Vertical)
        self.main_area = QWidget()
        self.main_layout = QVBoxLayout(self.main_area)
        self.main_layout.setContentsMargins(0, 0, 0, 0)
        self.side_area = QWidget()
        self.side_layout = QGridLayout(self.side_area)
        self.side_layout.setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(self.main_area)
        self.splitter.addWidget(self.side_area)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        lay.addWidget(self.splitter)
        self.setCentralWidget(self.central)

    def _build_docks(self) -> None:
        self.model_list = QListWidget()
        self.model_list.setObjectName("model-list")
        for name in registry.names():
            item = QListWidgetItem(registry.title(name))
            item.setData(Qt.UserRole, name)
            item.setToolTip(registry.help_text(name))
            self.model_list.addItem(item)
        self.model_list.itemClicked.connect(lambda it: self.open_model(it.data(Qt.UserRole)))
        self.models_dock = self._dock("Models", self.model_list, Qt.LeftDockWidgetArea)
        self.models_dock.setMinimumWidth(130)

        self.side_panel = QWidget()
        self.side_panel_layout = QVBoxLayout(self.side_panel)
        self.side_panel_layout.setContentsMargins(4, 4, 4, 4)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.side_panel)
        self.params_dock = self._dock("Parameters", scroll, Qt.RightDockWidgetArea)
        self.params_dock.setMinimumWidth(300)

        self.patterns_holder = QWidget()
        QVBoxLayout(self.patterns_holder).setContentsMargins(0, 0, 0, 0)
        self.patterns_dock = self._dock("Patterns", self.patterns_holder, Qt.RightDockWidgetArea)

        self.lesson_panel = LessonPanel()
        self.lesson_panel.start_requested.connect(self.open_lesson)
        self.lesson_panel.step_requested.connect(self.run_lesson_step)
        self.lesson_panel.message.connect(self.on_failed)
        self.lessons_dock = self._dock("Lesson", self.lesson_panel, Qt.LeftDockWidgetArea)
        self.lessons_dock.setMinimumWidth(260)
        self.splitDockWidget(self.models_dock, self.lessons_dock, Qt.Vertical)
        course, last = lessons.names(), settings.last_lesson()
        if course:   # the pane is never empty: the last lesson started, else the first of the course
            self.lesson_panel.select(last if last in course else course[0])

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_transport(self) -> None:
        self.transport = TransportBar()
        bar = QToolBar("Transport")
        bar.setObjectName("transport")
        bar.setMovable(False)
        bar.addWidget(self.transport)
        self.addToolBar(Qt.BottomToolBarArea, bar)
        t = self.transport
        t.play_toggled.connect(lambda on: self.controller.play() if on else self.controller.pause())
        t.step_clicked.connect(lambda: self.controller.step(1))
        t.reset_clicked.connect(lambda seed: self.controller.reset(seed))
        t.speed_changed.connect(self.controller.set_speed)
        t.playing_shown.connect(self._on_playing)
        # playing but no frame for a while (a slow step, a low speed): the rate falls, never stays stale
        self._fps_timer = QTimer(self)
        self._fps_timer.setInterval(FPS_STALE_MS // 2)
        self._fps_timer.timeout.connect(self._check_fps_stale)
        self._fps_timer.start()
        for key, fn, what in ((Qt.Key_Space, lambda: t.play.toggle(), "Play / pause"),
                              (Qt.Key_Right, lambda: self.controller.step(1), "One step"),
                              (Qt.Key_R, lambda: t.reset.click(), "Reset (with the seed shown)"),
                              (Qt.Key_F11, self.toggle_presentation, "Presentation mode (full screen)")):
            sc = QShortcut(QKeySequence(key), self)
            sc.setWhatsThis(what)   # Help → Keyboard shortcuts reads it
            sc.setContext(Qt.ApplicationShortcut)
            sc.activated.connect(fn)

    def _build_menus(self) -> None:
        m = self.menuBar()
        file = m.addMenu("&File")
        file.addAction("&Open session…", self.open_session_dialog, QKeySequence.Open)
        file.addAction("&Save session…", self.save_session_dialog, QKeySequence.Save)
        file.addAction("&Import data…", lambda: open_import_dialog(self), QKeySequence("Ctrl+I"))
        file.addSeparator()
        file.addAction("Export main view as PNG…", self.export_main_dialog)
        file.addAction("Export window as PNG…", self.export_window_dialog)
        file.addSeparator()
        self.record_action = file.addAction("Start &recording…", self.start_recording_dialog)
        self.record_action.setToolTip("Record the views (GIF, or MP4 with ffmpeg) until Stop recording")
        self.stop_record_action = file.addAction("Stop recording", self.stop_recording)
        self._update_record_actions()
        file.addSeparator()
        file.addAction("Save r&un…", self.save_run_dialog).setToolTip(
            "Save this run (seed, start and every command with its step, no frames) to replay it exactly")
        file.addAction("Re&play run…", self.replay_run_dialog)
        file.addSeparator()
        file.addAction("&Quit", self.close, QKeySequence.Quit)
        view = m.addMenu("&View")
        self.presentation_action = QAction("Presentation mode", self, checkable=True)
        self.presentation_action.setShortcut(QKeySequence(Qt.Key_F11))
        self.presentation_action.setShortcutContext(Qt.WidgetShortcut)  # the window-wide F11 shortcut handles it
        self.presentation_action.triggered.connect(lambda: self.toggle_presentation())
        view.addAction(self.presentation_action)
        self.theme_actions = theme.add_menus(view, self)
        for dock in (self.models_dock, self.lessons_dock, self.params_dock, self.patterns_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction("Reset layout", self.reset_layout)
        self.model_menu = m.addMenu("&Model")
        self.model_menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        self.model_actions = {}
        for name in registry.names():
            a = QAction(registry.title(name), self, checkable=True)
            a.setToolTip(registry.help_text(name))
            a.triggered.connect(lambda _=False, n=name: self.open_model(n))
            group.addAction(a)
            self.model_menu.addAction(a)
            self.model_actions[name] = a
        self.lessons_menu = m.addMenu("&Lessons")
        self.lessons_menu.setToolTipsVisible(True)
        help_menu = m.addMenu("&Help")
        self.getting_started_action = help_menu.addAction("&Getting started", self.show_getting_started,
                                                          QKeySequence(Qt.Key_F1))
        self.getting_started_action.setObjectName("getting-started")
        self.help_lessons_menu = help_menu.addMenu("&Lessons")
        self.help_lessons_menu.setObjectName("help-lessons")
        self.help_lessons_menu.aboutToShow.connect(self._fill_help_lessons)
        help_menu.addAction("&Keyboard shortcuts", lambda: shortcuts_dialog(self))
        help_menu.addAction("About hebbgui", self.about)
        self._getting_started = None

    def _connect_worker(self) -> None:
        w = self.controller.worker
        w.frame.connect(self.on_frame)
        w.failed.connect(self.on_failed)
        # Bound methods only: a lambda has no receiver, so PySide would call it in the engine thread.
        w.status.connect(self.on_status)
        w.model_ready.connect(self.on_model_ready)
        w.views_changed.connect(self.on_views_changed)
        w.params_applied.connect(self.on_params)
        w.model_loaded.connect(self.on_params)
        w.params_resolved.connect(self.on_params_resolved)
        w.playing_changed.connect(self.transport.set_playing)
        w.saved.connect(self.on_saved)

    # ---------------------------------------------------------------- model switching
    def open_model(self, name: str, seed: int | None = None) -> None:
        """Ask the engine thread to build a registered model; on_model_ready, on_views_changed follow."""
        if name not in registry.names():
            self.on_failed(f"unknown model {name!r}")
            return
        self.transport.set_playing(False)
        if seed is not None:
            self.transport.seed.setValue(int(seed))
        self.controller.create_model(name, self.transport.seed.value())

    def on_model_ready(self, model_cls, session: dict) -> None:
        """A new model runs in the engine: its form, actions, pattern editor and lessons (its views
        come with on_views_changed, from the instance)."""
        self.model_cls = model_cls
        self.lesson = session.get("lesson")
        try:
            self._view_filter = lessons.info(self.lesson).views if self.lesson else ()
        except ValueError:   # the file went away since the lesson started: show every view
            self._view_filter = ()
        settings.set_last_model(model_cls.name)
        self.setWindowTitle(f"hebbgui {__version__} — {model_cls.title}")
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            if item.data(Qt.UserRole) == model_cls.name:
                self.model_list.setCurrentItem(item)
        if model_cls.name in self.model_actions:
            self.model_actions[model_cls.name].setChecked(True)
        self._build_side_panel(model_cls)
        self._build_lessons(model_cls.name)
        shown = self.lesson_panel.lesson
        if not self.lesson and (shown is None or shown.model != model_cls.name):
            # a model opened by hand: its first lesson in the pane, not another model's step buttons
            own = lessons.for_model(model_cls.name)
            if own:
                self.lesson_panel.select(own[0])
        if "speed" in session:
            self.transport.speed.setValue(int(session["speed"]))
        else:
            self.transport.set_rate(model_cls.default_rate)
        self.last_snapshot = None
        if session.get("presentation") and not self.presentation:
            self.toggle_presentation()

    def _clear_layout(self, layout) -> None:
        while layout.count():
            w = layout.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()

    def on_views_changed(self, specs: list) -> None:
        """(Re)build the views from the list the running model instance sent."""
        self._clear_layout(self.main_layout)
        self._clear_layout(self.side_layout)
        # Every old view goes, not only those in a layout: a view the last frame had no data for
        # was taken out of the grid (_arrange_side_views) and would stay, hidden, for ever.
        for v in self.views.values():
            v.setParent(None)
            v.deleteLater()
        self.views = {}
        shown = [s for s in specs if s.key in self._view_filter]
        specs = shown or specs    # a lesson shows the views it names (all when none of them is there)
        main = next((s for s in specs if s.main), specs[0] if specs else None)
        others = [s for s in specs if s is not main]
        if main is not None:
            v = make_view(main)
            v.painted.connect(self.on_painted)
            self.main_layout.addWidget(v)
            self.views[main.key] = v
        for spec in others:
            v = make_view(spec)
            v.painted.connect(self.on_painted)
            self.views[spec.key] = v
        self._side_keys = [s.key for s in others]
        self._arrange_side_views(set(self._side_keys))
        for v in self.views.values():
            v.set_presentation(self.presentation)

    def _arrange_side_views(self, keys: set) -> None:
        """Lay out the side views whose data the model sends, in the model's order; views the
        current settings give no data (image grids for 2-D points, say) leave no empty frame."""
        self._shown_side = set(keys)
        while self.side_layout.count():
            self.side_layout.takeAt(0)
        shown = [k for k in self._side_keys if k in keys]
        cols = 3 if len(shown) in (3, 5, 6) or len(shown) > 6 else min(2, max(1, len(shown)))
        for i, key in enumerate(shown):
            self.side_layout.addWidget(self.views[key], i // cols, i % cols)
        # after addWidget: re-parenting a widget hides it, so a view shown before it had its place
        # in the grid would stay hidden (a fresh view whose data came with the first frame)
        for key in self._side_keys:
            self.views[key].setVisible(key in keys)
        # equal shares, whatever the views' contents ask for, so the grid never shifts while playing
        for c in range(self.side_layout.columnCount()):
            self.side_layout.setColumnStretch(c, 1 if c < cols else 0)
        rows = -(-len(shown) // cols) if shown else 0
        for r in range(self.side_layout.rowCount()):
            self.side_layout.setRowStretch(r, 1 if r < rows else 0)
        self.side_area.setVisible(bool(shown))

    @staticmethod
    def _has_data(spec, snapshot: Snapshot) -> bool:
        return spec.key in snapshot.data or any(k in snapshot.data for k in spec.series)

    def _build_side_panel(self, model_cls) -> None:
        self._clear_layout(self.side_panel_layout)
        self.params_form = ParamsForm(model_cls.Params)
        self._keys_stay_with_transport(self.params_form)
        self.params_form.changed.connect(self.on_param_edited)
        self.params_form.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.side_panel_layout.addWidget(self.params_form)
        actions = model_cls.actions()
        if actions:
            box = QGroupBox("Actions")
            lay = QVBoxLayout(box)
            for method, label, tip in actions:
                b = QPushButton(label)
                b.setToolTip(tip)
                b.setObjectName(f"action-{method}")
                b.clicked.connect(lambda _=False, m=method: self.controller.call(m))
                lay.addWidget(b)
            self.side_panel_layout.addWidget(box)
        self.side_panel_layout.addStretch(1)
        # The pattern editor appears for models that declare they work with it (engine/model.py).
        holder_layout = self.patterns_holder.layout()
        if self.pattern_editor is not None and self._editor_model is not None:
            self._kept_grids[self._editor_model] = self.pattern_editor.grid.copy()
        self._clear_layout(holder_layout)
        self.pattern_editor = None
        self._editor_model = None
        if model_cls.pattern_editor:
            self.pattern_editor = PatternEditor()
            self._editor_model = model_cls.name
            self.pattern_editor.kept_grid = self._kept_grids.pop(model_cls.name, None)
            self._keys_stay_with_transport(self.pattern_editor)
            self.pattern_editor.store.connect(lambda P: self.controller.call("set_patterns", P))
            self.pattern_editor.probe.connect(lambda x: self.controller.call("set_probe", x))
            self.pattern_editor.message.connect(lambda s: self.statusBar().showMessage(s, 5000))
            holder_layout.addWidget(self.pattern_editor)
            self.patterns_dock.show()
            self.resizeDocks([self.params_dock, self.patterns_dock], [320, 480], Qt.Vertical)
        else:
            self.patterns_dock.hide()

    def _build_lessons(self, model_name: str) -> None:
        """The experiments the registry lists for this model; each is imported when it is opened."""
        self.lessons_menu.clear()
        names = registry.experiment_names(model_name)
        for name in names:
            a = self.lessons_menu.addAction(registry.title(name), lambda n=name: self.open_experiment(n))
            a.setObjectName(f"lesson-{name}")
            a.setToolTip(registry.help_text(name))
        if not names:
            a = self.lessons_menu.addAction("(no experiments for this model)")
            a.setEnabled(False)

    def open_experiment(self, name: str) -> ExperimentDialog | None:
        """Show the dialog of the registered experiment ``name`` (settings, run with progress and
        cancel, result views); None, with a status message, when it cannot be loaded."""
        try:
            exp = registry.experiment(name)
        except Exception as exc:   # a plug-in's broken module must not take the window down
            self.on_failed(f"could not open {registry.title(name)}: {error_detail(exc)}")
            return None
        if self._experiment_dialog is not None:
            self._experiment_dialog.close()
            self._experiment_dialog.deleteLater()   # one dialog at a time: the old one is not kept
        dlg = ExperimentDialog(exp, self.controller, self, name=name)
        self._experiment_dialog = dlg
        dlg.show()
        return dlg

    # ---------------------------------------------------------------- engine → GUI
    def on_frame(self, snapshot: Snapshot) -> None:
        try:
            present = {k for k in self._side_keys if self._has_data(self.views[k].spec, snapshot)}
            if present != self._shown_side:
                self._arrange_side_views(present)
            for key, v in self.views.items():
                if key in self._side_keys and key not in self._shown_side:
                    continue
                try:
                    v.update_view(snapshot)
                except Exception as exc:  # one view that cannot draw this frame must not stop the others
                    v.info_label.setText(f"cannot draw: {exc}")
                    if not getattr(v, "_reported", False):
                        v._reported = True
                        import traceback
                        traceback.print_exc()
            self.transport.show_time(snapshot.t, snapshot.unit)
            if self.pattern_editor is not None:
                stored = snapshot.data.get(self.model_cls.patterns_key)   # (k, rows, cols)
                if stored is not None and np.ndim(stored) == 3:
                    if (tuple(np.shape(stored)[1:]) != self.pattern_editor.shape
                            or self.pattern_editor.kept_grid is not None):
                        self.pattern_editor.set_shape(np.shape(stored)[1:])
                    self.pattern_editor.sync_stored(stored)
            # the rate counts frames while playing only: a step or the frame a pause sends must not
            # bring back a number while nothing runs (the transport says "paused" then)
            if self.transport.play.isChecked():
                now = time.perf_counter()
                self._frame_times.append(now)
                while self._frame_times and now - self._frame_times[0] > 1.0:
                    self._frame_times.pop(0)
                if len(self._frame_times) > 1:
                    self.transport.show_fps((len(self._frame_times) - 1)
                                            / (self._frame_times[-1] - self._frame_times[0] + 1e-9))
            self.last_snapshot = snapshot
            self.frame_drawn.emit(snapshot)
        finally:
            self.controller.frame_taken()

    def _on_playing(self, on: bool) -> None:
        """The fps readout: "paused" while nothing plays (a stale rate looked like a running model)."""
        self._frame_times.clear()

    def _check_fps_stale(self) -> None:
        if (self.transport.play.isChecked() and self._frame_times
                and time.perf_counter() - self._frame_times[-1] > FPS_STALE_MS / 1000):
            self._frame_times.clear()
            self.transport.show_fps(0.0)

    def on_failed(self, message: str) -> None:
        self.last_error = message
        self.statusBar().showMessage(message, 10000)

    def on_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 4000)

    def on_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"saved {path}", 5000)

    def on_params(self, params) -> None:
        if self.params_form is not None and type(params) is self.params_form.params_cls:
            self.params_form.set_values(params)

    def on_params_resolved(self, values: dict) -> None:
        if self.params_form is not None:
            self.params_form.show_resolved(values)

    def on_param_edited(self, name: str, value) -> None:
        self.controller.set_params(**{name: value})

    def on_painted(self, key: str, flat, value: float) -> None:
        self.controller.call("paint", key, np.asarray(flat), float(value))

    # ---------------------------------------------------------------- files
    def session_dict(self) -> dict:
        return {"presentation": self.presentation, "speed": self.transport.speed.value()}

    def save_session(self, path: str) -> None:
        self.controller.save_session(path, self.session_dict())

    def open_session(self, path: str) -> None:
        self.transport.set_playing(False)
        self.controller.open_session(path)

    def save_session_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session", "session.npz", "hebbgui session (*.npz)")
        if path:
            self.save_session(path)

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", "", "hebbgui session (*.npz)")
        if path:
            self.open_session(path)

    def save_run_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save run", "run.json", "hebbgui run (*.json)")
        if path:
            self.controller.save_run(path)

    def replay_run_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Replay run", "", "hebbgui run (*.json)")
        if path:
            self.transport.set_playing(False)
            self.controller.replay_run(path)

    def export_main_dialog(self) -> None:
        main = next(iter(self.views.values()), None)
        if main is not None:
            main._export_dialog()

    def export_window_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export window", "hebbgui.png", "PNG image (*.png)")
        if path:
            self.grab().save(path if path.lower().endswith(".png") else path + ".png", "PNG")

    # ---------------------------------------------------------------- presentation
    def toggle_presentation(self) -> None:
        """Full screen, panels hidden, every text (menus, readouts, the views' axes, legends and
        titles) and line about 1.6× — for projecting and recording; back to the window as it was."""
        self.presentation = not self.presentation
        self.presentation_action.setChecked(self.presentation)
        settings.set_presentation(self.presentation)
        app = QApplication.instance()
        if self.presentation:
            self._normal_geometry = (self.saveGeometry(), self.saveState(), self.splitter.sizes())
            self._docks_visible = {d: d.isVisible() for d in (self.models_dock, self.lessons_dock, self.params_dock,
                                                                self.patterns_dock)}
            for d in self._docks_visible:
                d.hide()
            self._base_font = QFont(app.font())
            f = QFont(self._base_font)
            f.setPointSizeF(self._base_font.pointSizeF() * PRESENTATION_SCALE)
            app.setFont(f)
            # the side views (weights, curves: two rows of them) get 60 % of the height: projected,
            # the 3:2 split for the main view left the weight heatmap a small square
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total * 2 // 5, total - total * 2 // 5])
            # without a window manager (a kiosk, a recording under Xvfb) nothing acts on the full-screen
            # state: cover the screen first (after showFullScreen, a new geometry would leave that state)
            self.setGeometry(self.screen().geometry())
            self.showFullScreen()
        else:
            for d, vis in getattr(self, "_docks_visible", {}).items():
                d.setVisible(vis)
            if hasattr(self, "_base_font"):
                app.setFont(self._base_font)
            self.showNormal()
            if getattr(self, "_normal_geometry", None) is not None:
                geometry, state, split = self._normal_geometry
                self._normal_geometry = None
                self.restoreGeometry(geometry)
                # The docks' widths and the views' split as they were, once the normal fonts have
                # reached the widgets (posted events): restored at once, the panels took the room of
                # their 1.6× sizes and the side views (weights, curves) collapsed to nothing.
                QTimer.singleShot(0, lambda: self._restore_normal_layout(state, split))
        for v in self.views.values():
            v.set_presentation(self.presentation)

    def _restore_normal_layout(self, state, split) -> None:
        if self.presentation:       # toggled again before this ran
            return
        self.restoreState(state)
        self.splitter.setSizes(split)

    def show_getting_started(self) -> QDialog:
        """Help → Getting started: the panels, the keys and where the lessons are, in one short page
        (a window of its own, left open beside the app)."""
        if self._getting_started is None:
            self._getting_started = getting_started_dialog(self)
        self._getting_started.show()
        self._getting_started.raise_()
        return self._getting_started

    def about(self) -> None:
        QMessageBox.about(self, "About hebbgui",
                          f"hebbgui {__version__}\nA laboratory for Hebbian learning and associative memory.\n"
                          "MNIST © Yann LeCun, Corinna Cortes, Christopher J. C. Burges (CC BY-SA 3.0).")

    # ---------------------------------------------------------------- closing
    # -- keys while a number field has focus ------------------------------------------------------
    # A focused number field takes Space as text (it blanked the field and the run went on) before any
    # shortcut sees it. Space and F11 mean nothing in a number, so there they stay the transport's keys;
    # Enter ends the edit and hands every key back (focus leaves the field).
    TRANSPORT_KEYS_IN_FIELDS = (Qt.Key_Space, Qt.Key_F11)

    def _keys_stay_with_transport(self, panel: QWidget) -> None:
        for box in panel.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)
            box.lineEdit().installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:
        kind = ev.type()
        if kind == QEvent.ShortcutOverride and ev.key() in self.TRANSPORT_KEYS_IN_FIELDS:
            ev.ignore()          # not the field's: the window's shortcut runs
            return True
        if kind == QEvent.KeyPress and ev.key() in (Qt.Key_Return, Qt.Key_Enter):
            QTimer.singleShot(0, self._leave_field)   # after the field has taken its value
        return super().eventFilter(obj, ev)

    def _leave_field(self) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()
            self.setFocus(Qt.OtherFocusReason)
