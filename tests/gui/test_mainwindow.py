"""The main window as a user drives it: play, draw, change parameters, save and reopen, close."""
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QPushButton

from engine import io


def test_play_frames_arrive_and_time_advances(qtbot, window):
    frames = []
    window.frame_drawn.connect(frames.append)
    window.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 10, timeout=10000)
    window.transport.play.click()
    assert frames[-1].t > 0
    assert "steps" in window.transport.t_label.text()


def test_views_are_built_from_model_views(window):
    assert set(window.views) == {"spins", "weights", "magnetization"}
    assert window.views["spins"].spec.main


def test_painting_the_lattice_changes_a_cell(qtbot, window):
    view = window.views["spins"]
    before = window.last_snapshot.data["spins"].copy()
    r, c = 2, 3
    value = -1.0 if before[r, c] > 0 else 1.0
    view._paint_cells([(r, c)], value)      # what a click on that cell does
    qtbot.waitUntil(lambda: window.last_snapshot.data["spins"][r, c] == value, timeout=5000)
    after = window.last_snapshot.data["spins"]
    changed = np.argwhere(after != before)
    assert changed.tolist() == [[r, c]]


def test_mouse_click_on_lattice_paints(qtbot, window):
    view = window.views["spins"]
    item = view.image
    target = (0, 0)
    before = window.last_snapshot.data["spins"][target]
    value = -1 if before > 0 else 1

    class Ev:  # the parts of a pyqtgraph click event PaintableImage reads
        def __init__(self):
            self.accepted = False
        def pos(self):
            return QPointF(0.5, 0.5)
        def button(self):
            return Qt.MouseButton.RightButton if value < 0 else Qt.MouseButton.LeftButton
        def accept(self):
            self.accepted = True

    ev = Ev()
    item.mouseClickEvent(ev)
    assert ev.accepted
    qtbot.waitUntil(lambda: window.last_snapshot.data["spins"][target] == value, timeout=5000)


def test_parameter_change_mid_run_applies_live(qtbot, window):
    window.transport.play.click()
    qtbot.wait(200)
    spin = window.params_form.editors["rate"].spin
    spin.setValue(0.5)
    qtbot.waitUntil(lambda: window.last_snapshot is not None and
                    abs(window.last_snapshot.data["weights"][0, 0] - 0.5) < 1e-12, timeout=5000)
    window.transport.play.click()
    combo = window.params_form.editors["mode"]
    assert isinstance(combo, QComboBox)


def test_failed_action_shows_message_and_keeps_state(qtbot, window):
    before = window.last_snapshot.data["spins"].copy()
    button = window.findChild(QPushButton, "action-fail")
    button.click()
    qtbot.waitUntil(lambda: "toy failure" in window.last_error, timeout=5000)
    assert "toy failure" in window.statusBar().currentMessage()
    qtbot.wait(100)
    np.testing.assert_array_equal(window.last_snapshot.data["spins"], before)


def test_save_and_reopen_session(qtbot, window, tmp_path):
    window.controller.step(7)
    qtbot.waitUntil(lambda: window.last_snapshot.t == 7, timeout=5000)
    saved_spins = window.last_snapshot.data["spins"].copy()
    path = tmp_path / "s.npz"
    window.save_session(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=5000)
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.last_snapshot.t == 12, timeout=5000)
    window.open_session(str(path))
    qtbot.waitUntil(lambda: window.last_snapshot.t == 7, timeout=5000)
    np.testing.assert_array_equal(window.last_snapshot.data["spins"], saved_spins)
    # A broken file is refused with a message; the current state stays.
    bad = tmp_path / "bad.npz"
    bad.write_bytes(path.read_bytes()[:100])
    window.open_session(str(bad))
    qtbot.waitUntil(lambda: "bad.npz" in window.last_error, timeout=5000)
    assert window.last_snapshot.t == 7


def test_experiment_dialog_runs_and_cancels(qtbot, window):
    exp = window.model_cls.experiments()[0]
    dlg = window.open_experiment(exp)
    dlg.editors["n"][0].setValue(5)
    dlg.editors["sleep"][0].setValue(0.001)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=5000)
    assert dlg.progress.value() == 1000
    dlg.editors["n"][0].setValue(2000)
    dlg.editors["sleep"][0].setValue(0.01)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=5000)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=3000)
    assert dlg.message.text() == "cancelled"
    dlg.close()


def test_presentation_mode_hides_panels_and_back(qtbot, window):
    assert window.params_dock.isVisible()
    window.toggle_presentation()
    assert not window.params_dock.isVisible()
    window.toggle_presentation()
    assert window.params_dock.isVisible()


def test_view_exports_png(window, tmp_path):
    out = window.views["spins"].export_png(str(tmp_path / "v.png"))
    data = open(out, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 500


def test_close_while_playing_stops_engine_within_a_second(qtbot, window):
    import time
    window.controller.set_params(slow_ms=40.0)
    window.transport.play.click()
    qtbot.wait(300)
    t0 = time.perf_counter()
    window.close()
    assert window.controller.thread.isFinished()
    assert time.perf_counter() - t0 < 1.0


def test_a_model_stepping_in_python_at_full_speed_does_not_starve_the_window(qtbot, window):
    """A model whose steps are Python work (no GIL-free kernel) played at "max": the engine
    thread must leave the GIL to the GUI while it draws, or every paint crawls (this stalled
    Hopfield at a fixed point, with frames a second apart)."""
    import time
    from hebbgui.worker import SPEED_STEPS_PER_S
    window.controller.set_params(busy_us=30.0)
    window.controller.set_speed(len(SPEED_STEPS_PER_S) - 1)
    times = []
    window.frame_drawn.connect(lambda s: times.append(time.perf_counter()))
    window.controller.play()
    qtbot.wait(2500)
    window.controller.pause()
    times = [t for t in times if t > times[0] + 0.5] if times else []   # after settling
    gaps = np.diff(times)
    assert len(times) > 30, f"only {len(times)} frames in 2 s"
    assert gaps.max() < 0.25, f"a frame took {gaps.max():.2f} s"
