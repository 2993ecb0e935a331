"""Recording the views to GIF/MP4: a steady frame rate, bounded size, bad input refused, clean shutdown."""
import os
import shutil

import numpy as np
import pytest
from PIL import Image, ImageSequence
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel

from hebbgui import recorder
from hebbgui.recorder import GifWriter, Recorder, check_recording, recording_size
from hebbgui.recording_controls import RecordDialog
from hebbgui.worker import BackgroundJob


@pytest.fixture(autouse=True)
def no_dangling_jobs():
    """Every test must leave no BackgroundJob thread running."""
    yield
    running = BackgroundJob.running_jobs()
    for job in running:
        job.wait(5000)
    assert not running, f"{len(running)} background job(s) left running"


def record(qtbot, win, path, seconds=1.0, **kw):
    """Record the playing window for about `seconds`; returns the saved result."""
    assert win.start_recording(path, **kw), win.last_error
    assert win.is_recording
    qtbot.wait(int(seconds * 1000))
    with qtbot.waitSignal(win.recording_saved, timeout=30000) as saved:
        win.stop_recording()
    return saved.args[0]


def gif_frames(path):
    with Image.open(path) as im:
        return [(np.asarray(f.convert("RGB")).copy(), f.info.get("duration")) for f in ImageSequence.Iterator(im)]


def play(qtbot, win):
    win.transport.play.click()
    n0 = win.last_snapshot.t
    qtbot.waitUntil(lambda: win.last_snapshot.t > n0, timeout=10000)


def test_gif_of_a_playing_window(qtbot, window, tmp_path):
    play(qtbot, window)
    path = tmp_path / "demo.gif"
    result = record(qtbot, window, path, 1.0, fps=20)
    assert not window.is_recording and not window.rec_label.isVisible()
    assert "saved recording" in window.statusBar().currentMessage()
    assert path.exists() and result["path"] == str(path) and result["bytes"] == path.stat().st_size
    assert not list(tmp_path.glob(".*part*")), "temporary file left behind"
    if os.name == "posix":   # the usual permissions, not a temporary file's private ones
        umask = os.umask(0)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    frames = gif_frames(path)
    slots = result["slots"]
    assert 10 <= slots <= 60                       # ≈ 20 frames/s × ~1 s, loosely
    assert 3 <= len(frames) <= slots              # identical frames merge into longer ones
    durations = [d for _, d in frames]
    assert all(d % 50 == 0 and d > 0 for d in durations)   # 1000 / fps; longer where nothing moved
    assert sum(durations) == slots * 50             # playback time = recorded time
    h, w = frames[0][0].shape[:2]
    assert (w, h) == result["size"] and w <= recorder.MAX_WIDTH and w % 2 == 0 and h % 2 == 0
    first, last = frames[0][0], frames[-1][0]
    assert not np.array_equal(first, last), "the animation did not move"
    assert first.mean() > 40 and first.std() > 10, "blank frame"


def test_steady_rate_and_size_cap(tmp_path):
    assert recording_size(808, 722) == (808, 722)
    assert recording_size(809, 723) == (808, 722)          # even for yuv420p
    w, h = recording_size(1921, 1080)
    assert w == 960 and h % 2 == 0 and abs(w / h - 1921 / 1080) < 0.01
    assert max(recording_size(500, 3000)) <= recorder.MAX_HEIGHT
    # 30 frames/s is not a whole number of 10 ms ticks: durations alternate, the total stays true
    g = GifWriter(tmp_path / "x.gif", 30)
    rng = np.random.default_rng(0)
    for i in range(30):
        g.write((rng.random((8, 10, 3)) * 255).astype(np.uint8), i, i + 1)
    g.close()
    durations = [d for _, d in gif_frames(tmp_path / "x.gif")]
    assert len(durations) == 30 and sum(durations) == 1000 and set(durations) <= {30, 40}


def test_gif_colours_stay_right(tmp_path):
    """Few colours are kept exactly; a gradient stays close; a changed rectangle keeps its colours."""
    a = np.full((60, 80, 3), 240, np.uint8)
    a[10:50, 10:50] = (31, 119, 180)
    b = a.copy()
    b[20:30, 20:70] = (214, 39, 40)
    c = b.copy()
    c[40:60] = np.linspace(0, 255, 80).astype(np.uint8)[None, :, None]   # 80 greys + 3 colours
    c[45:55, :, 0] = np.arange(80, dtype=np.uint8) * 3                    # > 256 colours
    g = GifWriter(tmp_path / "c.gif", 20)
    for i, f in enumerate((a, b, c)):
        g.write(f, i, i + 1)
    g.close()
    frames = [f for f, _ in gif_frames(tmp_path / "c.gif")]
    np.testing.assert_array_equal(frames[0], a)
    np.testing.assert_array_equal(frames[1], b)
    assert np.abs(frames[2].astype(int) - c).max() <= 12


def test_big_area_is_scaled_and_a_resize_is_letterboxed(qtbot, tmp_path):
    label = QLabel()
    label.setStyleSheet("background: #1f77b4; border: 12px solid #d62728;")
    qtbot.addWidget(label)
    label.resize(400, 200)
    label.show()
    rec = Recorder(label, tmp_path / "s.gif", 10, max_size=(100, 100))
    rec.start()
    try:
        assert rec.size == (100, 50)
        label.resize(200, 200)          # the window changed shape mid-recording
        frame = rec.grab_frame()
        assert frame.shape == (50, 100, 3)
        red = frame[..., 0].astype(int) - frame[..., 2]
        assert red[25, 26] > 100 and red[25, 73] > 100      # the picture's red edges, 50 px apart…
        assert red[25, 50] < 0 and red[25, 2] < 0 and red[25, 97] < 0   # …blue inside and beside it
    finally:
        assert rec.close(10000)
    with Image.open(tmp_path / "s.gif") as im:
        assert im.size == (100, 50)


@pytest.mark.parametrize("path, fps, word", [
    ("demo.avi", 20, "path"), ("demo", 20, "path"), ("nowhere/demo.gif", 20, "does not exist"),
    ("", 20, "path"), ("demo.gif", 0, "fps"), ("demo.gif", -5, "fps"), ("demo.gif", 1000, "fps"),
    ("demo.gif", float("nan"), "fps"), ("demo.gif", "20", "fps"), ("demo.gif", True, "fps"),
    ("demo.gif", 55, "fps"),   # too fast for a GIF
])
def test_bad_input_is_refused(tmp_path, path, fps, word):
    with pytest.raises(ValueError, match=word):
        check_recording(str(tmp_path / path) if path else path, fps)
    with pytest.raises(ValueError, match="size must be one of"):
        check_recording(tmp_path / "demo.mp4", 20, size="4k")


def test_bad_input_in_the_window_keeps_state(qtbot, window, tmp_path):
    (tmp_path / "folder.gif").mkdir()
    for path, fps in ((tmp_path / "demo.avi", 20), (tmp_path / "no" / "demo.gif", 20), (tmp_path / "folder.gif", 20),
                      (tmp_path / "demo.gif", 0), (tmp_path / "demo.gif", 1e6)):
        assert not window.start_recording(path, fps=fps)
        assert "cannot record" in window.statusBar().currentMessage()
        assert window.recorder is None and not window.is_recording and not window.rec_label.isVisible()
        assert window.record_action.isEnabled() and not window.stop_record_action.isEnabled()
    assert list(tmp_path.iterdir()) == [tmp_path / "folder.gif"]
    window.stop_recording()        # not recording: says so, nothing breaks
    assert "not recording" in window.statusBar().currentMessage()
    # and a good one still works afterwards
    record(qtbot, window, tmp_path / "ok.gif", 0.3)
    assert (tmp_path / "ok.gif").exists()


def test_unwritable_folder_is_refused(qtbot, window, tmp_path, monkeypatch):
    class ReadOnlyFolderOs:   # os as the recorder sees it, in a folder it may not write in
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def open(*a, **k):
            raise PermissionError(13, "Permission denied")
    import engine.io
    monkeypatch.setattr(engine.io, "os", ReadOnlyFolderOs())   # the temporary file is made there
    assert not window.start_recording(tmp_path / "demo.gif")
    msg = window.statusBar().currentMessage()
    assert "path" in msg and "Permission denied" in msg and not window.is_recording


def test_starting_twice_is_refused(qtbot, window, tmp_path):
    play(qtbot, window)
    assert window.start_recording(tmp_path / "a.gif")
    first = window.recorder
    assert not window.start_recording(tmp_path / "b.gif")
    assert "already recording" in window.statusBar().currentMessage()
    assert window.recorder is first and window.is_recording
    qtbot.wait(300)
    with qtbot.waitSignal(window.recording_saved, timeout=30000):
        window.stop_recording()
    assert (tmp_path / "a.gif").exists() and not (tmp_path / "b.gif").exists()


def test_menu_dialog_and_shortcut(qtbot, window, tmp_path, monkeypatch):
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert "Start &recording…" in texts and "Stop recording" in texts
    assert window.record_action.shortcut() == QKeySequence("Ctrl+R")
    assert not window.stop_record_action.isEnabled()
    # the dialog: no extension typed, the chosen format's is added; the frame rate and size chosen are used
    def fill_in(dialog):
        assert dialog.path.text().endswith("hebbgui-demo.mp4")   # MP4 by default, in the recordings folder
        dialog.format.setCurrentIndex(dialog.format.findData(".gif"))
        assert [dialog.fps.itemData(i) for i in range(dialog.fps.count())] == [10, 15, 20, 25, 30, 50]
        dialog.path.setText(str(tmp_path / "lesson"))
        dialog.fps.setCurrentIndex(dialog.fps.findData(10))
        return QDialog.Accepted
    monkeypatch.setattr(RecordDialog, "exec", fill_in)
    window.record_action.trigger()
    assert window.is_recording and window.recorder.path == tmp_path / "lesson.gif" and window.recorder.fps == 10
    assert window.rec_label.isVisible() and window.rec_label.text().startswith("● REC")
    assert not window.record_action.isEnabled() and window.stop_record_action.isEnabled()
    assert window.stop_record_action.shortcut() == QKeySequence("Ctrl+R")   # the same key stops it
    qtbot.waitUntil(lambda: window.rec_label.text() == "● REC 00:01", timeout=5000)
    with qtbot.waitSignal(window.recording_saved, timeout=30000):
        window.stop_record_action.trigger()
    assert window.record_action.isEnabled() and window.record_action.shortcut() == QKeySequence("Ctrl+R")
    # the next time it offers the last choice under a new name; a cancelled dialog does nothing
    offered = []
    monkeypatch.setattr(RecordDialog, "exec", lambda d: offered.append(d.choice()) or QDialog.Rejected)
    window.record_action.trigger()
    assert not window.is_recording
    assert offered == [(tmp_path / "lesson-2.gif", 10.0, "window")]


def test_dialog_browse_uses_the_native_save_dialog(qtbot, tmp_path, monkeypatch):
    asked = []
    def native(parent, title, start, filters, *rest, **kw):
        asked.append((start, filters, rest, kw))
        return str(tmp_path / "talk"), filters
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(native))
    dialog = RecordDialog(path=tmp_path / "demo.mp4", fps=25, size="1080p")
    qtbot.addWidget(dialog)
    dialog._browse()
    assert asked[0][1] == "MP4 video (H.264) (*.mp4)" and not asked[0][2] and not asked[0][3]  # no Qt-only options
    assert dialog.choice() == (tmp_path / "talk.mp4", 25.0, "1080p")
    dialog.format.setCurrentIndex(dialog.format.findData(".gif"))   # GIF plays at most 50 frames/s
    dialog.fps.setCurrentIndex(dialog.fps.count() - 1)
    assert dialog.choice() == (tmp_path / "talk.gif", 50.0, "1080p")


@pytest.fixture
def no_system_ffmpeg(monkeypatch):
    """PATH without any folder holding an ffmpeg: MP4 must come from the imageio-ffmpeg wheel."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not shutil.which("ffmpeg", path=d)]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    assert shutil.which("ffmpeg") is None


def mp4_frames(path):
    """Decode an MP4 with imageio (its ffmpeg plugin runs imageio-ffmpeg's binary): frames, metadata."""
    import imageio.v2 as iio
    with iio.get_reader(path, "ffmpeg") as reader:
        return [np.asarray(f) for f in reader], reader.get_meta_data()


def test_mp4_without_ffmpeg_is_refused_with_a_hint(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(recorder, "find_ffmpeg", lambda: None)
    assert not window.start_recording(tmp_path / "demo.mp4")
    msg = window.statusBar().currentMessage()
    assert "ffmpeg" in msg and ".gif" in msg
    assert not window.is_recording and not list(tmp_path.iterdir())


def test_an_ffmpeg_that_cannot_run_is_reported(qtbot, window, tmp_path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    fake.write_text("not a program")            # not executable
    monkeypatch.setattr(recorder, "find_ffmpeg", lambda: str(fake))
    assert not window.start_recording(tmp_path / "demo.mp4")
    assert "ffmpeg" in window.statusBar().currentMessage() and not window.is_recording
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*part*"))


def test_mp4_with_the_wheels_ffmpeg_decodes(qtbot, window, tmp_path, no_system_ffmpeg):
    play(qtbot, window)
    path = tmp_path / "demo.mp4"
    result = record(qtbot, window, path, 1.0, fps=25)
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and result["frames"] == result["slots"]   # constant frame rate
    frames, meta = mp4_frames(path)
    assert meta["fps"] == 25 and len(frames) == result["slots"] and 10 <= len(frames) <= 60
    assert frames[0].shape == (result["size"][1], result["size"][0], 3)
    assert not np.array_equal(frames[0], frames[-1]), "the animation did not move"
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p")


@pytest.mark.parametrize("suffix, size, fps", [(".mp4", "720p", 30), (".gif", "720p", 10)])
def test_fixed_size_letterboxes_the_views(qtbot, window, tmp_path, no_system_ffmpeg, suffix, size, fps):
    """A fixed size: every frame is 1280×720 whatever the window; the views fill it one way, bars the other."""
    window.resize(900, 700)
    play(qtbot, window)
    path = tmp_path / f"talk{suffix}"
    result = record(qtbot, window, path, 0.5, fps=fps, size=size)
    assert result["size"] == (1280, 720) and window.recorder.capture_size[0] <= 1280
    if suffix == ".mp4":
        frames, meta = mp4_frames(path)
        assert meta["fps"] == fps and len(frames) == result["slots"]
    else:
        frames = [f for f, _ in gif_frames(path)]
    frame = frames[-1]
    assert frame.shape == (720, 1280, 3)
    cw, ch = window.recorder.capture_size
    bar = (1280 - round(cw * 720 / ch)) // 2        # the central area is narrower than 16:9: bars left and right
    assert bar > 20
    bg = np.array(window.central.palette().color(window.central.backgroundRole()).getRgb()[:3])
    assert np.abs(frame[:, :bar - 4].astype(int) - bg).max() <= 6     # plain bars (codec noise aside)
    assert frame[:, bar + 4:-bar - 4].std() > 10                      # the views between them


def test_letterbox_helper():
    frame = np.full((10, 40, 3), 200, np.uint8)
    out = recorder.letterbox(frame, (40, 40), fill=(1, 2, 3))
    assert out.shape == (40, 40, 3) and (out[:15] == (1, 2, 3)).all() and (out[15:25] == 200).all()
    assert recorder.letterbox(frame, (40, 10)) is frame


def test_length_cap_stops_by_itself(qtbot, window, tmp_path):
    play(qtbot, window)
    with qtbot.waitSignal(window.recording_saved, timeout=30000) as saved:
        assert window.start_recording(tmp_path / "cap.gif", fps=10, max_seconds=1)
    assert abs(saved.args[0]["seconds"] - 1.0) <= 0.2
    assert not window.is_recording


def test_encoder_failure_is_reported_and_cleaned_up(qtbot, window, tmp_path, monkeypatch):
    def full(self, *a):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(GifWriter, "write", full)
    play(qtbot, window)
    assert window.start_recording(tmp_path / "full.gif")
    qtbot.waitUntil(lambda: "No space left" in window.last_error, timeout=10000)
    assert "recording not saved" in window.statusBar().currentMessage()
    assert not window.is_recording and not window.rec_label.isVisible() and window.record_action.isEnabled()
    assert not window.recorder._timer.isActive()
    assert not list(tmp_path.iterdir())


def test_close_while_recording_is_clean(qtbot, window, tmp_path):
    play(qtbot, window)
    assert window.start_recording(tmp_path / "closed.gif")
    rec = window.recorder
    qtbot.wait(300)
    window.close()
    assert not rec._timer.isActive() and not rec._job.is_running()
    assert window.controller.thread.wait(2000)
    assert rec.result is not None                      # what was recorded is kept
    assert len(gif_frames(tmp_path / "closed.gif")) >= 1


def test_a_dropped_recorder_does_not_leave_its_encoder_waiting(qtbot, tmp_path):
    label = QLabel("x")
    qtbot.addWidget(label)
    label.show()
    rec = Recorder(label, tmp_path / "gone.gif", 10)
    rec.start()
    job = rec._job
    del rec                          # never stopped, never closed
    assert job.wait(5000) and job.error == "recording discarded"
    assert not list(tmp_path.iterdir())


def test_background_job_reports_result_and_errors(qtbot):
    ok = BackgroundJob(lambda a, b=0: a + b, 2, b=3)
    with qtbot.waitSignal(ok.finished, timeout=5000) as got:
        ok.start()
    assert got.args == [5]

    def bad_input():
        raise ValueError("n must be ≥ 1, got 0")
    bad = BackgroundJob(bad_input)
    with qtbot.waitSignal(bad.failed, timeout=5000) as got:
        bad.start()
    assert got.args == ["n must be ≥ 1, got 0"]

    def bug():
        raise KeyError("x")
    broken = BackgroundJob(bug, name="toy job")
    broken.start()
    assert broken.wait(5000)                 # waiting delivers at once, and only once
    assert broken.error.startswith("toy job failed: KeyError")
    assert not BackgroundJob.running_jobs()


def test_selftest_records_and_decodes_a_second_of_mp4(qtbot, window, no_system_ffmpeg):
    from hebbgui.recording_controls import selftest_mp4
    assert selftest_mp4(window, lambda pred, s: qtbot.waitUntil(lambda: bool(pred()), timeout=int(s * 1000))) == "ok"
    assert window.last_recording["size"] == (1280, 720) and 0.9 <= window.last_recording["seconds"] <= 1.1


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="Windows: a creation flag, not observable here")
def test_the_mp4_encoder_yields_to_the_engine(tmp_path, no_system_ffmpeg):
    writer = recorder.Mp4Writer(tmp_path / "n.mp4", 10, (64, 48))
    try:
        assert os.getpriority(os.PRIO_PROCESS, writer._proc.pid) >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
        writer.write(np.zeros((48, 64, 3), np.uint8), 0, 3)
        writer.close()
    finally:
        writer.kill()
    assert mp4_frames(tmp_path / "n.mp4")[0][0].shape == (48, 64, 3)


def test_frames_come_from_the_backing_store_and_match_the_widget(qtbot, window, tmp_path):
    """The window's own pixels (no repaint of every view, issue 15's recording cost) where the platform
    gives them — the same picture the widget renders; "widget" forces the rendering; a bad choice is refused."""
    qtbot.wait(200)
    auto = Recorder(window.central, tmp_path / "a.gif", 10, grab="auto")
    auto.start()
    widget = Recorder(window.central, tmp_path / "w.gif", 10, grab="widget")
    widget.start()
    try:
        assert auto.grab_source == "screen" and widget.grab_source == "widget"
        np.testing.assert_array_equal(auto.grab_frame(), widget.grab_frame())
    finally:
        assert auto.close(10000) and widget.close(10000)
    with pytest.raises(ValueError, match="grab"):
        Recorder(window.central, tmp_path / "x.gif", 10, grab="camera")


def test_a_screen_grab_that_disagrees_falls_back_to_the_widget(qtbot, window, tmp_path, monkeypatch):
    """Where the platform's window grab is not the window (macOS without the permission gives the
    desktop): "auto" renders the widget instead."""
    from PySide6.QtGui import QPixmap
    qtbot.wait(200)

    def desktop(self):
        pm = QPixmap(self.widget.width(), self.widget.height())
        pm.fill()
        return pm
    monkeypatch.setattr(Recorder, "_screen_grab", desktop)
    rec = Recorder(window.central, tmp_path / "d.gif", 10)
    rec.start()
    try:
        assert rec.grab_source == "widget"
    finally:
        assert rec.close(10000)
