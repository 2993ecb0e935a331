"""The main window as a user drives it: play, draw, change parameters, save and reopen, close."""
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QPushButton



def test_play_frames_arrive_and_time_advances(qtbot, window):
    frames = []
    window.frame_drawn.connect(frames.append)
    window.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 10, timeout=10000)
    window.transport.play.click()
    assert frames[-1].t > 0
    assert "steps" in window.transport.t_label.text()


def test_views_are_built_from_the_model_instance_and_follow_its_parameters(qtbot, window):
    from tests.hebbgui.toy_model import ToyModel
    assert set(window.views) == {"spins", "weights", "magnetization"}
    assert window.views["spins"].spec.main
    window.params_form.editors["weights_view"].setChecked(False)
    qtbot.waitUntil(lambda: "weights" not in window.views, timeout=10000)
    assert set(window.views) == {"spins", "magnetization"}
    window.controller.set_params(weights_view=True)
    qtbot.waitUntil(lambda: "weights" in window.views, timeout=10000)
    qtbot.waitUntil(lambda: window.views["weights"].isVisible(), timeout=10000)
    # Every model instance was built in the engine thread; the window never builds one to ask it.
    assert ToyModel.built_in and "MainThread" not in ToyModel.built_in


def test_model_list_and_menu_show_registry_titles_and_help(window):
    from tests.hebbgui.conftest import TOY_HELP
    items = [window.model_list.item(i) for i in range(window.model_list.count())]
    toy = next(it for it in items if it.data(Qt.UserRole) == "toy")
    assert toy.text() == "Toy" and toy.toolTip() == TOY_HELP
    assert window.model_actions["toy"].toolTip() == TOY_HELP
    assert [a.text() for a in window.lessons_menu.actions()] == ["Toy sweep"]


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
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.t == 7, timeout=5000)
    saved_spins = window.last_snapshot.data["spins"].copy()
    path = tmp_path / "s.npz"
    window.save_session(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=5000)
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.t == 12, timeout=5000)
    window.open_session(str(path))
    qtbot.waitUntil(lambda: window.last_snapshot is not None and window.last_snapshot.t == 7, timeout=5000)
    np.testing.assert_array_equal(window.last_snapshot.data["spins"], saved_spins)
    # A broken file is refused with a message; the current state stays.
    bad = tmp_path / "bad.npz"
    bad.write_bytes(path.read_bytes()[:100])
    window.open_session(str(bad))
    qtbot.waitUntil(lambda: "bad.npz" in window.last_error, timeout=5000)
    assert window.last_snapshot.t == 7


def test_experiment_dialog_from_the_lessons_menu_runs_fails_and_cancels(qtbot, window):
    window.lessons_menu.actions()[0].trigger()
    dlg = window._experiment_dialog
    assert dlg is not None and dlg.experiment.name == "toy-sweep"
    dlg.editors["n"][0].setValue(5)
    dlg.editors["sleep"][0].setValue(0.001)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=10000)
    assert dlg.progress.value() == 1000
    assert dlg.message.text() == "finished"
    dlg.editors["n"][0].setValue(0)        # refused by the experiment: "failed", not "cancelled"
    dlg.run_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=10000)
    assert dlg.message.text().startswith("failed: ") and "n must be" in dlg.message.text()
    assert "Toy sweep failed" in window.last_error
    dlg.editors["n"][0].setValue(2000)
    dlg.editors["sleep"][0].setValue(0.01)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=5000)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=10000)
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


def test_close_while_playing_stops_the_engine_thread(qtbot, window):
    """Closing mid-step ends the engine thread (how fast: tests/bench/bench_gui.py)."""
    window.controller.set_params(slow_ms=40.0)
    frames = []
    window.frame_drawn.connect(frames.append)
    window.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 3, timeout=10000)
    window.close()
    qtbot.waitUntil(window.controller.thread.isFinished, timeout=10000)


def test_a_model_stepping_in_python_at_full_speed_does_not_starve_the_window(qtbot, window):
    """A model whose steps are Python work (no GIL-free kernel) played at "max": the engine
    thread must leave the GIL to the GUI while it draws, or every paint crawls (this stalled
    Hopfield at a fixed point, with frames a second apart)."""
    from hebbgui.worker import SPEED_STEPS_PER_S
    window.controller.set_params(busy_us=30.0)
    window.controller.set_speed(len(SPEED_STEPS_PER_S) - 1)
    frames = []
    window.frame_drawn.connect(frames.append)
    window.controller.play()
    # Frames keep coming and time goes on (a starved window drew about one a second; the timeout is
    # only a guard — the frame rate is tests/bench/bench_gui.py's).
    qtbot.waitUntil(lambda: len(frames) >= 60, timeout=20000)
    window.controller.pause()
    assert frames[-1].t > frames[0].t


def test_pattern_editor_follows_the_models_declaration_and_its_stored_set(qtbot, window):
    assert window.pattern_editor is None and not window.patterns_dock.isVisible()
    window.open_model("toy-patterns")
    qtbot.waitUntil(lambda: window.pattern_editor is not None and window.pattern_editor.stored.shape[0] == 1,
                    timeout=10000)
    ed = window.pattern_editor
    assert ed.shape == (16, 16) and window.patterns_dock.isVisible()
    ed.set_grid(np.where(np.arange(256) % 3 == 0, 1, -1))
    ed.add_grid()                                   # the model stores two patterns…
    qtbot.waitUntil(lambda: window.last_snapshot.data["stored"].shape[0] == 2, timeout=10000)
    window.findChild(QPushButton, "make-probe").click()   # …and takes the grid as its state
    qtbot.waitUntil(lambda: np.array_equal(window.last_snapshot.data["spins"], ed.grid), timeout=10000)
    window.controller.call("set_patterns", -np.ones((3, 256), dtype=np.int8))   # changed elsewhere: shown
    qtbot.waitUntil(lambda: ed.stored.shape[0] == 3, timeout=10000)
    window.open_model("toy")
    qtbot.waitUntil(lambda: window.model_cls.name == "toy", timeout=10000)
    assert window.pattern_editor is None and not window.patterns_dock.isVisible()


def test_an_experiment_runs_by_the_name_it_is_registered_under(qtbot, window):
    from engine import registry
    with registry.registered("toy-sweep-again", "tests.hebbgui.toy_model:TOY_EXPERIMENT", kind="experiment", model="toy"):
        dlg = window.open_experiment("toy-sweep-again")
        dlg.editors["n"][0].setValue(3)
        dlg.editors["sleep"][0].setValue(0.001)
        dlg.run_button.click()
        qtbot.waitUntil(lambda: not dlg.running, timeout=10000)
        assert dlg.message.text() == "finished"
        dlg.close()
    assert window.open_experiment("toy-sweep-again") is None      # gone: refused with a message
    assert "toy-sweep-again" in window.last_error


def test_space_in_a_number_field_plays_and_enter_hands_the_keys_back(qtbot, window):
    """Issue 14 item 3: after editing a parameter, Space blanked the focused field and the run went on."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractSpinBox
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    box = window.params_form.editors["size"]
    assert isinstance(box, QAbstractSpinBox)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=5000)
    text = box.text()
    was_playing = window.transport.play.isChecked()
    qtbot.keyClick(box, Qt.Key_Space)
    assert window.transport.play.isChecked() != was_playing, "Space must play/pause from a number field"
    assert box.text() == text, "Space must not edit the number"
    qtbot.keyClick(box, Qt.Key_Space)
    assert window.transport.play.isChecked() == was_playing
    qtbot.keyClick(box, Qt.Key_Return)
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=5000)
