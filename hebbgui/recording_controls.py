"""The window's recording controls (File → Start/Stop recording, the ● REC label), a mixin of MainWindow.

The recording itself — capture, encoding, files — is hebbgui/recorder.py; this is what the window
shows and refuses around it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog

from hebbgui import settings
from hebbgui.recorder import DEFAULT_FPS, DEFAULT_MAX_SECONDS, Recorder, find_ffmpeg


class RecordingControls:
    """Needs from the window: ``central``, ``recorder``, ``rec_label``, ``record_action``,
    ``stop_record_action``, ``recording_saved``, ``on_failed`` and the status bar."""

    @property
    def is_recording(self) -> bool:
        return self.recorder is not None and self.recorder.recording

    def start_recording(self, path, fps: float = DEFAULT_FPS, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> bool:
        """Record the central area (the views) to path (.gif, or .mp4 with ffmpeg) at fps until
        stop_recording() or max_seconds. Bad input or a busy recorder: a status message, False."""
        if self._refuse_busy_recorder():
            return False
        try:
            rec = Recorder(self.central, path, fps, max_seconds=max_seconds, parent=self)
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
        self.rec_label.setToolTip(f"recording to {rec.path} at {rec.fps:g} frames/s; File → Stop recording (Ctrl+R)")
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
        if self._refuse_busy_recorder():
            return
        mp4 = "MP4 video (*.mp4)" if find_ffmpeg() else "MP4 video, needs ffmpeg (*.mp4)"
        folder = settings.recording_folder()
        suggested = str(folder / "hebbgui-demo.gif") if folder else "hebbgui-demo.gif"
        path, chosen = QFileDialog.getSaveFileName(self, "Record the views", suggested,
                                                   f"GIF animation (*.gif);;{mp4}")
        if path:
            if Path(path).suffix.lower() not in (".gif", ".mp4"):
                path += ".mp4" if "mp4" in chosen else ".gif"
            self.start_recording(path)

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
