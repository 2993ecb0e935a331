"""Recording a widget (the window's central area) to an animated GIF or an MP4 at a steady frame rate.

The GUI thread grabs the widget on a timer at the chosen frame rate and hands the RGB array to an
encoder that runs in a ``BackgroundJob`` (hebbgui/worker/, the only place threads live). The encoder
writes the file while the recording runs: a GIF through Pillow, an MP4 through the ffmpeg that
ships inside the ``imageio-ffmpeg`` wheel (so MP4 works on a student's laptop and in the bundle
with no system ffmpeg). A recording is either the window's own size (capped) or a fixed 720p /
1080p frame, so a projector recording looks the same from every screen; scaling to the fixed
size and the letterbox bars are done outside the GUI thread (by ffmpeg for an MP4, by Pillow in
the encoder thread for a GIF), because a smooth 1080p scale costs the GUI ~10 ms a frame. The frames are
read from the window's backing store (the pixels it last drew: 0.2 ms a frame) where the platform
gives them and they match the widget, else the widget is rendered again (``widget.grab()``: every
view repainted, 14 ms a frame for the Hopfield window, 40 % of the GUI thread at 30 fps — the cost
the engine felt through the GIL). So stopping only
finishes the file and never freezes the window, and memory stays bounded: at most a couple of
seconds of frames wait for the encoder (a frame that finds the queue full is dropped and the
one before it shown longer, so the time in the file stays true), and a recording stops by
itself at ``max_seconds``. The file appears atomically (a temporary file, then ``os.replace``).
"""
from __future__ import annotations

import functools
import math
import numbers
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from engine.io import temporary_beside
from engine.validation import check_choice
from hebbgui.worker import BackgroundJob

FORMATS = {".gif": "a GIF", ".mp4": "an MP4"}
DEFAULT_FPS = 20              # 50 ms a frame: a whole number of the GIF's 10 ms ticks
MIN_FPS = 1.0
MAX_FPS = {".gif": 50.0,      # browsers show GIF frames shorter than 20 ms for 100 ms
           ".mp4": 60.0}
MAX_WIDTH, MAX_HEIGHT = 960, 1080   # larger areas are scaled down ("window" size)
SIZES = {"window": None, "720p": (1280, 720), "1080p": (1920, 1080)}   # output frame sizes
DEFAULT_MAX_SECONDS = 60.0
LIMIT_MAX_SECONDS = 600.0
QUEUE_SECONDS = 2.0           # frames waiting for the encoder, at most this much recording…
MAX_QUEUED_BYTES = 256 * 2**20   # …and at most this many bytes of them
GRABS = ("auto", "screen", "widget")   # where frames come from, see Recorder
# platforms whose window grab reads the window's own pixels (Wayland gives none; macOS asks for a
# screen-recording permission and may give the desktop behind): elsewhere "auto" renders the widget
SCREEN_GRAB_PLATFORMS = ("offscreen", "xcb", "windows")
SCREEN_GRAB_AGREEMENT = 0.9   # share of pixels a screen grab must share with the widget's own at the start
FFMPEG_MISSING = ("MP4 recording needs ffmpeg, which comes with the imageio-ffmpeg package and was not "
                  "found; reinstall hebbgui (pip install imageio-ffmpeg) or record a .gif instead")


def find_ffmpeg() -> str | None:
    """The ffmpeg executable: imageio-ffmpeg's own (or $IMAGEIO_FFMPEG_EXE), else one on PATH; None if none."""
    try:
        import imageio_ffmpeg   # only an MP4 needs it
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):   # a trimmed install without the wheel's binary
        return shutil.which("ffmpeg")


def _check_number(name: str, value, low: float, high: float, what: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}{what}, got {value!r}")
    return float(value)


def check_recording(path, fps=DEFAULT_FPS, max_seconds=DEFAULT_MAX_SECONDS,
                    size: str = "window") -> tuple[Path, float, float]:
    """Validate a recording's path, frame rate, length and size (a key of SIZES); raises ValueError
    naming the argument."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"path must be a file name ending in .gif or .mp4, got {path!r}")
    p = Path(path).expanduser()
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"path must end in .gif or .mp4, got {p.name!r}")
    fps = _check_number("fps", fps, MIN_FPS, MAX_FPS[suffix], f" for {FORMATS[suffix]} (frames per second)")
    max_seconds = _check_number("max_seconds", max_seconds, 1.0, LIMIT_MAX_SECONDS)
    check_choice("size", size, SIZES)
    if p.is_dir():
        raise ValueError(f"path {str(p)!r} is a folder; give a file name ending in {suffix}")
    if not p.parent.is_dir():
        raise ValueError(f"path: the folder {str(p.parent)!r} does not exist")
    if suffix == ".mp4" and find_ffmpeg() is None:
        raise ValueError(FFMPEG_MISSING)
    return p, fps, max_seconds


def recording_size(width: int, height: int, max_width: int = MAX_WIDTH, max_height: int = MAX_HEIGHT) -> tuple[int, int]:
    """The recording's frame size for an area of width × height: scaled to fit, both even (yuv420p)."""
    scale = min(1.0, max_width / max(width, 1), max_height / max(height, 1))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def letterbox(frame: np.ndarray, size: tuple[int, int], fill=(0, 0, 0)) -> np.ndarray:
    """An (H, W, 3) uint8 frame scaled to fit size = (width, height), centred on bars of colour fill."""
    from PIL import Image
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) == (w, h):
        return frame
    scale = min(w / fw, h / fh)
    sw, sh = max(1, round(fw * scale)), max(1, round(fh * scale))
    out = np.empty((h, w, 3), np.uint8)
    out[:] = fill
    x, y = (w - sw) // 2, (h - sh) // 2
    out[y:y + sh, x:x + sw] = np.asarray(Image.fromarray(frame, "RGB").resize((sw, sh), Image.Resampling.BICUBIC))
    return out


# ------------------------------------------------------------------------------------ writers (no Qt)
class GifWriter:
    """Writes an animated GIF frame by frame (Pillow), keeping only the last frame in memory.

    Each frame after the first stores only the rectangle that changed, with its own adaptive
    palette (exact when the rectangle has at most 256 colours, median cut otherwise), so colours
    stay right when the picture changes. Durations come from frame slots at ``fps`` and are
    rounded to the GIF's 10 ms ticks without drift.
    """

    def __init__(self, path, fps: float, out_size: tuple[int, int] | None = None, fill=(0, 0, 0)):
        from PIL import GifImagePlugin, Image   # only a recording needs Pillow
        self._Image, self._Gif = Image, GifImagePlugin
        self.fps = float(fps)
        self.out_size, self.fill = out_size, fill   # frames are letterboxed to out_size when given
        self.path = Path(path)
        self._fh = open(self.path, "wb")
        self._prev: np.ndarray | None = None
        self.frames = 0

    def _ms(self, slot: int) -> int:
        return int(round(slot * 100.0 / self.fps)) * 10

    def write(self, frame: np.ndarray, start_slot: int, end_slot: int) -> None:
        """Add an (H, W, 3) uint8 frame shown from start_slot to end_slot."""
        Image = self._Image
        if self.out_size is not None:
            frame = letterbox(frame, self.out_size, self.fill)
        duration = max(10, self._ms(end_slot) - self._ms(start_slot))
        h, w = frame.shape[:2]
        if self._prev is None:
            x0, y0, x1, y1 = 0, 0, w, h
        else:
            changed = np.any(frame != self._prev, axis=2)
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if rows.size == 0:   # unchanged: the time still needs a frame, a 1-pixel one
                x0, y0, x1, y1 = 0, 0, 1, 1
            else:
                x0, y0, x1, y1 = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
        part = Image.fromarray(np.ascontiguousarray(frame[y0:y1, x0:x1]), "RGB")
        method = Image.Quantize.FASTOCTREE if part.getcolors(256) is not None else Image.Quantize.MEDIANCUT
        indexed = part.quantize(256, method=method, dither=Image.Dither.NONE)
        if self._prev is None:
            header, _ = self._Gif.getheader(indexed, None, {"loop": 0, "duration": duration})
            for chunk in header:
                self._fh.write(chunk)
            params = {"duration": duration, "disposal": 1}
        else:
            params = {"duration": duration, "disposal": 1, "include_color_table": True}
        for chunk in self._Gif.getdata(indexed, (x0, y0), **params):
            self._fh.write(chunk)
        self._prev = frame
        self.frames += 1

    def close(self) -> None:
        """Finish the file."""
        self._fh.write(b";")
        self._fh.close()

    def kill(self) -> None:
        """Give up (the file is left incomplete for the caller to remove)."""
        try:
            self._fh.close()
        except Exception:
            pass


class Mp4Writer:
    """Pipes raw RGB frames of ``size`` to an ffmpeg process that encodes H.264 (yuv420p) into an MP4,
    scaled and letterboxed by ffmpeg to ``out_size`` (on fill-coloured bars) when that is given.

    Kept rather than imageio_ffmpeg.write_frames (issue 18, weighed): that generator lets ffmpeg
    print its errors to the console (so the status bar could not say why a recording failed),
    cannot be stopped from the GUI thread while a write blocks in the encoder thread (closing the
    window must not hang) and runs ffmpeg at normal priority; the part we need, the ffmpeg
    executable, we take from imageio_ffmpeg (find_ffmpeg)."""

    def __init__(self, path, fps: float, size: tuple[int, int], ffmpeg: str | None = None,
                 out_size: tuple[int, int] | None = None, fill=(0, 0, 0)):
        ffmpeg = ffmpeg or find_ffmpeg()
        if ffmpeg is None:
            raise ValueError(FFMPEG_MISSING)
        w, h = size
        if w % 2 or h % 2:
            raise ValueError(f"size must be even for an MP4 (yuv420p), got {w}×{h}")
        self.path = Path(path)
        self.size = (w, h)
        self.frames = 0
        self._stderr = tempfile.TemporaryFile()
        fit = []
        if out_size is not None and tuple(out_size) != (w, h):
            ow, oh = out_size
            colour = "0x{:02x}{:02x}{:02x}".format(*fill)
            fit = ["-vf", f"scale={ow}:{oh}:force_original_aspect_ratio=decrease:flags=bicubic,"
                          f"pad={ow}:{oh}:(ow-iw)/2:(oh-ih)/2:color={colour},setsar=1"]
        cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-framerate", f"{fps:g}", "-i", "-",
               "-an", *fit, *self._codec(ffmpeg), "-pix_fmt", "yuv420p", "-movflags", "+faststart",
               "-f", "mp4", str(self.path)]
        try:
            # Below normal priority (Windows: a creation flag; elsewhere: nice 10, set just after):
            # when cores are short the engine and the GUI go first, and frames the encoder cannot
            # take are dropped with the time in the file kept true.
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr,
                                          creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0)
                                          | getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0))
        except OSError as exc:
            self._stderr.close()
            raise ValueError(f"cannot start ffmpeg ({ffmpeg}): {exc.strerror or exc}") from None
        if hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, self._proc.pid, 10)
            except OSError:   # it may already have exited; close() reports why
                pass

    @staticmethod
    @functools.lru_cache(maxsize=4)
    def _codec(ffmpeg: str) -> tuple[str, ...]:
        try:
            encoders = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-encoders"], capture_output=True,
                                      text=True, timeout=10,
                                      creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0)).stdout
        except (OSError, subprocess.SubprocessError):
            encoders = ""
        if "libx264" in encoders or not encoders:
            # ultrafast: 8.5 ms of CPU a 1080p frame where veryfast took 24 ms (0.26 of a core at 30 fps,
            # not 0.73 — on a 2-core laptop the engine's core), for files about 4× larger (~6 Mbit/s)
            return ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18")
        return ("-c:v", "mpeg4", "-q:v", "2")   # an ffmpeg built without x264

    def _error(self, what: str) -> OSError:
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return OSError(f"ffmpeg {what} (exit code {self._proc.returncode})" + (f": {text[-1]}" if text else ""))

    def write(self, frame: np.ndarray, start_slot: int, end_slot: int) -> None:
        """Add an (H, W, 3) uint8 frame, repeated for each slot from start_slot to end_slot."""
        data = np.ascontiguousarray(frame, dtype=np.uint8).data
        try:
            for _ in range(max(1, end_slot - start_slot)):
                self._proc.stdin.write(data)
                self.frames += 1
        except (BrokenPipeError, OSError):
            raise self._error("stopped") from None

    def close(self) -> None:
        """Finish the file; raises OSError with ffmpeg's message when it failed."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self._proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            rc = None
        if rc != 0:
            raise self._error("failed")
        self._stderr.close()

    def kill(self) -> None:
        """Stop ffmpeg now (a write blocked on it returns with an error)."""
        try:
            self._proc.kill()
            self._proc.wait(timeout=5)
        except Exception:
            pass
        try:
            self._stderr.close()
        except Exception:
            pass


class _Discarded(ValueError):
    """The recording was given up (the window closed and saving took too long)."""


def encode_frames(frames: "queue.Queue", writer, tmp_path: Path, path: Path, fps: float,
                  cancel: threading.Event) -> dict:
    """The encoder (runs in a BackgroundJob): takes ("frame", slot, rgb) items until ("end", slot, None),
    writes each distinct frame for the slots it was on screen, then moves the file into place."""
    pending: tuple[int, np.ndarray] | None = None
    end_slot = 0
    try:
        while True:
            try:
                kind, slot, frame = frames.get(timeout=0.25)
            except queue.Empty:   # nothing yet; a recorder that vanished without stopping cancels
                kind = None
            if cancel.is_set():
                raise _Discarded("recording discarded")
            if kind is None:
                continue
            if kind == "end":
                end_slot = slot
                break
            if pending is not None:
                if np.array_equal(pending[1], frame):
                    continue      # nothing moved: the frame on screen just stays longer
                writer.write(pending[1], pending[0], slot)
            pending = (slot, frame)
        if pending is None:
            raise ValueError("the recording has no frames")
        end_slot = max(end_slot, pending[0] + 1)
        writer.write(pending[1], pending[0], end_slot)
        writer.close()
        os.replace(tmp_path, path)
    except BaseException:
        writer.kill()
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise
    return {"path": str(path), "seconds": end_slot / fps, "slots": end_slot, "frames": writer.frames,
            "bytes": path.stat().st_size, "size": None}


def _create_temporary(path: Path) -> Path:
    """engine.io.temporary_beside, with a ValueError naming the argument when the folder is not writable."""
    try:
        return temporary_beside(path)
    except OSError as exc:
        raise ValueError(f"path: cannot write in {str(path.parent)!r}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------------------------ the recorder (GUI thread)
def _rgb(img: QImage) -> np.ndarray:
    """A QImage as an (H, W, 3) uint8 RGB array (a copy)."""
    img = img.convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    rows = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return rows[:, :w * 3].reshape(h, w, 3).copy()


class Recorder(QObject):
    """Records a widget to path (.gif or .mp4) at fps until stop() or max_seconds, at size ("window":
    the widget's own, capped at max_size; "720p"/"1080p": that frame, letterboxed); see the module docstring.

    ``grab``: "screen" reads the window's backing store (what it last drew; no repaint), "widget"
    renders the widget again (exact even when another window covers it), "auto" the screen where
    the platform gives it and it agrees with the widget's own rendering at the start, else the widget.
    ``check_recording`` runs in the constructor: bad arguments raise ValueError and nothing starts.
    """

    progress = Signal(float)   # seconds recorded so far, after each captured frame
    stopped = Signal(str)      # capture ended, saving begins; the reason when it was not asked for
    saved = Signal(object)     # dict: path, seconds, frames, bytes, size, dropped
    failed = Signal(str)       # nothing was written (or the partial file removed); the reason

    def __init__(self, widget: QWidget, path, fps: float = DEFAULT_FPS, *,
                 max_seconds: float = DEFAULT_MAX_SECONDS, max_size: tuple[int, int] = (MAX_WIDTH, MAX_HEIGHT),
                 size: str = "window", grab: str = "auto", parent: QObject | None = None):
        super().__init__(parent)
        self.path, self.fps, self.max_seconds = check_recording(path, fps, max_seconds, size)
        self.grab = check_choice("grab", grab, GRABS)
        self.grab_source = ""          # "screen" or "widget", decided at start
        self.widget = widget
        self.fixed_size = SIZES[size]
        self.max_size = self.fixed_size or max_size   # never grab more pixels than the file has
        self.capture_size: tuple[int, int] | None = None   # what is grabbed (GUI thread)
        self.size: tuple[int, int] | None = None            # the file's frames
        self.state = "idle"            # idle → recording → saving → done
        self.dropped = 0               # frames dropped because the encoder was behind
        self.elapsed = 0.0
        self.result: dict | None = None
        self.error: str | None = None
        self._timer: QTimer | None = None
        self._job: BackgroundJob | None = None
        self._writer = None
        self._tmp: Path | None = None
        self._frames: queue.Queue = queue.Queue()
        self._cancel = threading.Event()
        self._t0 = 0.0
        self._last_slot = -1
        self._max_queued = 1

    @property
    def recording(self) -> bool:
        return self.state == "recording"

    @property
    def busy(self) -> bool:
        """Recording or still saving."""
        return self.state in ("recording", "saving")

    def start(self) -> None:
        """Open the file and begin capturing; raises ValueError when the file cannot be written."""
        if self.state != "idle":
            raise RuntimeError("a Recorder records once")
        self.capture_size = recording_size(self.widget.width(), self.widget.height(), *self.max_size)
        self.grab_source = self._choose_grab()
        self.size = self.fixed_size or self.capture_size
        w, h = self.capture_size
        self._max_queued = max(2, min(int(QUEUE_SECONDS * self.fps), MAX_QUEUED_BYTES // (w * h * 3)))
        fill = self.widget.palette().color(QPalette.Window).getRgb()[:3]
        self._tmp = _create_temporary(self.path)
        try:
            if self.path.suffix.lower() == ".gif":
                self._writer = GifWriter(self._tmp, self.fps, self.fixed_size, fill)
            else:
                self._writer = Mp4Writer(self._tmp, self.fps, self.capture_size, out_size=self.fixed_size, fill=fill)
        except OSError as exc:
            self._tmp.unlink(missing_ok=True)
            raise ValueError(f"path: cannot write {str(self.path)!r}: {exc.strerror or exc}") from None
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        self._job = BackgroundJob(encode_frames, self._frames, self._writer, self._tmp, self.path, self.fps,
                                  self._cancel, name="hebbgui-recording")
        self._job.finished.connect(self._on_saved)
        self._job.failed.connect(self._on_failed)
        # A recorder deleted while it runs, or an application quitting without closing the window,
        # must not leave the encoder waiting for frames forever.
        self.destroyed.connect(self._cancel.set)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)
        self._job.start()
        self.state = "recording"
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(max(1, int(1000.0 / self.fps)))
        self._timer.timeout.connect(self._capture)
        self._t0 = time.perf_counter()
        self._capture()
        self._timer.start()

    def stop(self, reason: str = "") -> None:
        """Stop capturing; the file is finished in the background (saved or failed follows)."""
        if self.state != "recording":
            return
        self._timer.stop()
        self.state = "saving"
        self.elapsed = min(time.perf_counter() - self._t0, self.max_seconds)
        end_slot = max(self._last_slot + 1, int(round(self.elapsed * self.fps)))
        self._frames.put(("end", end_slot, None))
        self.stopped.emit(reason)

    def close(self, timeout_ms: int = 5000) -> bool:
        """Stop and wait (blocking) for the file to be finished; past the timeout, discard it.
        For closing the window: no timer and no thread is left behind. True if the file was saved."""
        if self.state == "idle":
            return False
        self.stop()
        if self._job is not None and not self._job.wait(timeout_ms):
            self._cancel.set()
            self._frames.put(("end", 0, None))
            self._writer.kill()   # a write blocked on ffmpeg returns
            self._job.wait(max(timeout_ms, 2000))
        return self.result is not None

    # ---------------------------------------------------------------- capture (GUI thread)
    def _capture(self) -> None:
        if self.state != "recording":
            return
        elapsed = time.perf_counter() - self._t0
        if elapsed >= self.max_seconds:
            self.stop(f"the recording reached its {self.max_seconds:g} s limit")
            return
        slot = int(round(elapsed * self.fps))
        if slot <= self._last_slot:
            return
        if self._frames.qsize() >= self._max_queued:
            self.dropped += 1   # the encoder is behind; the last frame stays on longer
            return
        try:
            frame = self.grab_frame()
        except Exception as exc:   # the widget is gone, say: keep what was recorded
            self.stop(f"capture failed: {exc}")
            return
        if frame is None:
            return
        self._frames.put(("frame", slot, frame))
        self._last_slot = slot
        self.elapsed = elapsed
        self.progress.emit(elapsed)

    def _screen_grab(self):
        """The widget's pixels as its window last drew them (a QPixmap; null when the platform has none)."""
        top = self.widget.window()
        pos = self.widget.mapTo(top, QPoint(0, 0)) if top is not self.widget else QPoint(0, 0)
        screen = top.screen() or QGuiApplication.primaryScreen()
        return screen.grabWindow(top.winId(), pos.x(), pos.y(), self.widget.width(), self.widget.height())

    def _choose_grab(self) -> str:
        if self.grab == "widget" or (self.grab == "auto"
                                     and QGuiApplication.platformName() not in SCREEN_GRAB_PLATFORMS):
            return "widget"
        if not self.widget.isVisible():
            return "widget"
        screen = self._screen_grab().toImage()
        own = self.widget.grab().toImage()
        if screen.isNull() or screen.size() != own.size():
            return "widget"
        a, b = _rgb(screen), _rgb(own)
        return "screen" if self.grab == "screen" or np.mean(np.all(a == b, axis=2)) >= SCREEN_GRAB_AGREEMENT \
            else "widget"

    def grab_frame(self) -> np.ndarray | None:
        """The widget as an (H, W, 3) uint8 RGB array of the capture size (letterboxed if the
        widget's shape changed since the start); None if it has nothing to show."""
        w, h = self.capture_size
        img = (self._screen_grab() if self.grab_source == "screen" else self.widget.grab()).toImage()
        if img.isNull() or img.width() < 1 or img.height() < 1:
            return None
        img.setDevicePixelRatio(1.0)
        iw, ih = img.width(), img.height()
        if (iw, ih) != (w, h):
            if 0 <= iw - w <= 1 and 0 <= ih - h <= 1:   # only the rounding to even sizes
                img = img.copy(0, 0, w, h)
            else:
                img = img.scaled(w, h, Qt.KeepAspectRatio, Qt.SmoothTransformation)
                if (img.width(), img.height()) != (w, h):
                    canvas = QImage(w, h, QImage.Format_RGB888)
                    canvas.fill(self.widget.palette().color(QPalette.Window))
                    painter = QPainter(canvas)
                    painter.drawImage((w - img.width()) // 2, (h - img.height()) // 2, img)
                    painter.end()
                    img = canvas
        return _rgb(img)

    # ---------------------------------------------------------------- results (GUI thread)
    def _finish_capture(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.state = "done"

    def _on_saved(self, result: dict) -> None:
        self._finish_capture()
        self.result = dict(result, size=self.size, dropped=self.dropped)
        self.saved.emit(self.result)

    def _on_failed(self, message: str) -> None:
        self._finish_capture()   # the encoder failed while recording (disk full, ffmpeg died)
        self.error = message
        self.failed.emit(self.error)
