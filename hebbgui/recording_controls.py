"""The window's recording controls (File → Start/Stop recording and its dialog, the ● REC label),
a mixin of MainWindow.

The recording itself — capture, encoding, files — is hebbgui/recorder.py; this is what the window
shows and refuses around it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLineEdit, QPushButton, QWidget)

from engine import user_dirs
from hebbgui import settings
from hebbgui.recorder import DEFAULT_FPS, DEFAULT_MAX_SECONDS, MAX_FPS, SIZES, Recorder, find_ffmpeg

FPS_CHOICES = (10, 15, 20, 25, 30, 50, 60)
FORMAT_NAMES = {".mp4": "MP4 video (H.264)", ".gif": "GIF animation"}
SIZE_NAMES = {"window": "as the window (up to 960 px wide)", "720p": "720p (1280 × 720)",
              "1080p": "1080p (1920 × 1080)"}


def unused_name(path: Path) -> Path:
    """path, or path with -2, -3, … before its suffix: the next recording never overwrites the last."""
    stem = path.stem.rsplit("-", 1)[0] if path.stem.rsplit("-", 1)[-1].isdigit() else path.stem
    n = 1
    while path.exists():
        n += 1
        path = path.with_name(f"{stem}-{n}{path.suffix}")
    return path


class RecordDialog(QDialog):
    """File → Start recording: the file, its format, frame rate and size. ``choice()`` gives
    (path, fps, size) once accepted."""

    def __init__(self, parent: QWidget | None = None, *, path: Path, fps: float = DEFAULT_FPS,
                 size: str = "window"):
        super().__init__(parent)
        self.setWindowTitle("Record the views")
        form = QFormLayout(self)
        self.format = QComboBox()
        for suffix, name in FORMAT_NAMES.items():
            mp4_missing = suffix == ".mp4" and find_ffmpeg() is None
            self.format.addItem(name + (" — needs ffmpeg" if mp4_missing else ""), suffix)
        self.format.setCurrentIndex(max(0, self.format.findData(path.suffix.lower())))
        self.path = QLineEdit(str(path))
        self.path.setMinimumWidth(420)   # a whole path visible, not its last letters
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.fps = QComboBox()
        self.size = QComboBox()
        for key in SIZES:
            self.size.addItem(SIZE_NAMES[key], key)
        self.size.setCurrentIndex(max(0, self.size.findData(size)))
        self.size.setToolTip("A fixed size looks the same whatever screen it was recorded on "
                             "(the views are scaled to fit, with bars beside them)")
        form.addRow("Format", self.format)
        form.addRow("File", row)
        form.addRow("Frames per second", self.fps)
        form.addRow("Size", self.size)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Record")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed(keep_fps=fps)

    def _suffix(self) -> str:
        return self.format.currentData()

    def _format_changed(self, *_, keep_fps: float | None = None) -> None:
        """The file name follows the format, and the frame rates offered are those it can play."""
        suffix = self._suffix()
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(suffix)))
        want = keep_fps if keep_fps is not None else self.fps.currentData() or DEFAULT_FPS
        self.fps.clear()
        for f in FPS_CHOICES:
            if f <= MAX_FPS[suffix]:
                self.fps.addItem(f"{f}", f)
        best = min(range(self.fps.count()), key=lambda i: abs(self.fps.itemData(i) - want))
        self.fps.setCurrentIndex(best)

    def _browse(self) -> None:
        suffix = self._suffix()
        got, _ = QFileDialog.getSaveFileName(self, "Record to", self.path.text(),
                                             f"{FORMAT_NAMES[suffix]} (*{suffix})")
        if got:
            self.path.setText(got if Path(got).suffix.lower() == suffix else got + suffix)

    def choice(self) -> tuple[Path, float, str]:
        """(path with the format's suffix, frames per second, size key)."""
        path = Path(self.path.text().strip()).expanduser()
        if path.suffix.lower() != self._suffix():
            path = path.with_name(path.name + self._suffix())
        return path, float(self.fps.currentData()), self.size.currentData()


class RecordingControls:
    """Needs from the window: ``central``, ``recorder``, ``rec_label``, ``record_action``,
    ``stop_record_action``, ``recording_saved``, ``on_failed`` and the status bar."""

    @property
    def is_recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    def start_recording(self, path, fps: float = DEFAULT_FPS, *, max_seconds: float = DEFAULT_MAX_SECONDS,
                        size: str = "window", grab: str = "auto") -> bool:
        """Record the central area (the views) to path (.gif or .mp4) at fps and size ("window",
        "720p", "1080p") until stop_recording() or max_seconds; ``grab`` as in Recorder. Bad input or
        a busy recorder: a status message, False."""
        if self._refuse_busy_recorder():
            return False
        try:
            rec = Recorder(self.central, path, fps, max_seconds=max_seconds, size=size, grab=grab, parent=self)
            rec.start()
        except ValueError as exc:
            self.on_failed(f"cannot record: {exc}")
            return False
        self.recorder = rec
        settings.set_recording_folder(rec.path.parent)   # the next recording dialog opens there
        rec.progress.connect(self._on_recording_progress)
        rec.stopped.connect(self._on_recording_stopped)
        rec.saved.connect(self._on_recording_saved)
        rec.failed.connect(self._on_recording_failed)
        self.rec_label.setText("● REC 00:00")
        self.rec_label.setToolTip(f"recording to {rec.path} at {rec.fps:g} frames/s, {rec.size[0]}×{rec.size[1]}; "
                                  "File → Stop recording (Ctrl+R)")
        self.rec_label.show()
        self.statusBar().showMessage(f"recording to {rec.path.name}…", 3000)
        self._update_record_actions()
        return True

    def stop_recording(self) -> None:
        """Stop the recording; its file is written in the background ("saved recording …" follows)."""
        if not self.is_recording:
            self.statusBar().showMessage("not recording", 3000)
            return
        self.recorder.stop()

    def _refuse_busy_recorder(self) -> bool:
        rec = self.recorder
        if rec is None or not rec.busy:
            return False
        if rec.recording:
            self.on_failed(f"already recording to {rec.path.name}; stop that first (File → Stop recording)")
        else:
            self.on_failed(f"still saving {rec.path.name}; try again in a moment")
        return True

    def start_recording_dialog(self) -> None:
        """File → Start recording: ask for the file, format, frame rate and size (the last choice
        is offered again), then record."""
        if self._refuse_busy_recorder():
            return
        last = getattr(self, "_last_record_choice", None)
        if last is None:
            folder = settings.recording_folder() or user_dirs.default_folder("recordings")
            last = (folder / "hebbgui-demo.mp4", DEFAULT_FPS, "window")
        path, fps, size = last
        dialog = RecordDialog(self, path=unused_name(path), fps=fps, size=size)
        if dialog.exec() != QDialog.Accepted:
            return
        self._last_record_choice = dialog.choice()
        path, fps, size = self._last_record_choice
        self.start_recording(path, fps, size=size)

    def _update_record_actions(self) -> None:
        busy = self.recorder is not None and self.recorder.busy
        recording = self.is_recording
        self.record_action.setEnabled(not busy)
        self.stop_record_action.setEnabled(recording)
        # One shortcut starts and stops: it belongs to whichever action is enabled.
        self.record_action.setShortcut(QKeySequence() if recording else QKeySequence("Ctrl+R"))
        self.stop_record_action.setShortcut(QKeySequence("Ctrl+R") if recording else QKeySequence())

    def _on_recording_progress(self, seconds: float) -> None:
        s = int(seconds)
        text = f"● REC {s // 60:02d}:{s % 60:02d}"
        if self.rec_label.text() != text:
            self.rec_label.setText(text)

    def _on_recording_stopped(self, reason: str) -> None:
        self.rec_label.setText("saving…")
        self.statusBar().showMessage(f"{reason}; saving the recording…" if reason else "saving the recording…")
        self._update_record_actions()

    def _on_recording_saved(self, result: dict) -> None:
        self.rec_label.hide()
        self.last_recording = result
        dropped = f", {result['dropped']} frames dropped" if result.get("dropped") else ""
        self.statusBar().showMessage(f"saved recording {result['path']} ({result['seconds']:.1f} s, "
                                     f"{result['bytes'] / 1e6:.1f} MB{dropped})", 10000)
        self._update_record_actions()
        self.recording_saved.emit(result)

    def _on_recording_failed(self, message: str) -> None:
        self.rec_label.hide()
        self.on_failed(f"recording not saved: {message}")
        self._update_record_actions()


def selftest_mp4(win, wait) -> str:
    """Record one second of the window as MP4 (the bundle's own ffmpeg) and decode it back with
    imageio-ffmpeg: "ok", or what failed. ``wait(predicate, seconds)`` spins the event loop."""
    import tempfile

    import imageio_ffmpeg
    saved = []
    win.recording_saved.connect(saved.append)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "selftest.mp4"
            if not win.start_recording(path, 20, max_seconds=1.0, size="720p"):
                return win.last_error or "did not start"
            wait(lambda: saved or not win.recorder.busy, 60)
            if not saved:
                return win.recorder.error or "not saved within 60 s"
            frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
            if frames != saved[0]["slots"] or frames < 10:
                return f"{frames} frames decoded, {saved[0]['slots']} recorded"
            return "ok"
    finally:
        win.recording_saved.disconnect(saved.append)
