"""The transport bar: play/pause, step, reset, speed, seed, and the live t and fps readouts."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QStyle, QWidget

from hebbgui.worker import DEFAULT_SPEED, SPEED_STEPS_PER_S


class TransportBar(QWidget):
    play_toggled = Signal(bool)
    step_clicked = Signal()
    reset_clicked = Signal(int)
    speed_changed = Signal(int)
    playing_shown = Signal(bool)   # the bar shows playing / paused (a click, a key or the engine's word)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setToolTip("Play / pause (Space)")
        self.play.setObjectName("transport-play")
        self.play.toggled.connect(self._on_play)
        self.step = QPushButton("Step")
        self.step.setToolTip("One step (→)")
        self.step.clicked.connect(self.step_clicked)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Reset with the seed (R)")
        self.reset.clicked.connect(lambda: self.reset_clicked.emit(self.seed.value()))
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setRange(0, len(SPEED_STEPS_PER_S) - 1)
        self.speed.setValue(DEFAULT_SPEED)
        self.speed.setFixedWidth(160)
        self.speed.valueChanged.connect(self._on_speed)
        self.speed_label = QLabel()
        self.t_label = QLabel("t = 0")
        self.t_label.setMinimumWidth(170)
        self.fps_label = QLabel("paused")
        self.fps_label.setToolTip("Frames drawn per second while playing")
        self.fps_label.setMinimumWidth(70)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.setToolTip("Random seed used by Reset: the same seed gives the same run")
        style = self.style()
        self._icons = {True: style.standardIcon(QStyle.SP_MediaPause), False: style.standardIcon(QStyle.SP_MediaPlay)}
        self.play.setIcon(self._icons[False])
        self.step.setIcon(style.standardIcon(QStyle.SP_MediaSkipForward))
        self.reset.setIcon(style.standardIcon(QStyle.SP_BrowserReload))
        for w in (self.play, self.step, self.reset):
            lay.addWidget(w)
        lay.addSpacing(12)
        lay.addWidget(QLabel("speed"))
        lay.addWidget(self.speed)
        lay.addWidget(self.speed_label)
        lay.addStretch(1)
        lay.addWidget(self.t_label)
        lay.addWidget(self.fps_label)
        lay.addWidget(self.seed)
        self._on_speed(self.speed.value())

    def _on_play(self, on: bool) -> None:
        self._show_playing(on)
        self.play_toggled.emit(on)

    def _on_speed(self, level: int) -> None:
        rate = SPEED_STEPS_PER_S[level]
        self.speed_label.setText("max" if rate is None else f"{rate:g}/s")
        self.speed_changed.emit(level)

    def set_rate(self, rate: float | None) -> None:
        """Move the speed slider to the level closest to ``rate`` steps/s (None = max)."""
        if rate is None:
            level = len(SPEED_STEPS_PER_S) - 1
        else:
            finite = [(abs(r - rate), i) for i, r in enumerate(SPEED_STEPS_PER_S) if r is not None]
            level = min(finite)[1]
        self.speed.setValue(level)
        self._on_speed(level)

    def set_playing(self, on: bool) -> None:
        self.play.blockSignals(True)
        self.play.setChecked(on)
        self.play.blockSignals(False)
        self._show_playing(on)

    def _show_playing(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        self.play.setIcon(self._icons[on])
        if not on:
            self.show_paused()
        elif self.fps_label.text() == "paused":
            self.fps_label.setText("– fps")   # until frames come
        self.playing_shown.emit(on)

    def show_time(self, t: int, unit: str) -> None:
        from engine.cli import plural
        self.t_label.setText(f"t = {t:,} {plural(unit)}".replace(",", " "))

    def show_fps(self, fps: float) -> None:
        self.fps_label.setText(f"{fps:4.0f} fps")

    def show_paused(self) -> None:
        self.fps_label.setText("paused")
