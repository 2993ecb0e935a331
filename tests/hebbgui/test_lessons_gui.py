"""The lesson pane, Help → Lessons, --lesson and the first launch, Save run / Replay through the window,
and the settings that persist (in a temporary folder: see conftest.private_settings)."""
import json

import numpy as np
import pytest

from engine import lessons, replay
from hebbgui import app, settings
from tests.hebbgui.conftest import wait_for_snapshot


@pytest.fixture
def bare_window(qtbot):
    """A window with no model yet (as --lesson makes it), closed and its engine stopped afterwards."""
    from hebbgui.mainwindow import MainWindow
    made = []

    def _make(**kwargs):
        win = app.open_window(MainWindow, **kwargs) if kwargs else MainWindow(model_name=None, restore_layout=False)
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        return win
    yield _make
    for win in made:
        win.close()
        assert win.controller.thread.wait(5000)


def _wait_lesson(qtbot, win, name):
    model = lessons.info(name).model
    qtbot.waitUntil(lambda: win.lesson == name and win.model_cls is not None and win.model_cls.name == model
                    and win.last_snapshot is not None, timeout=60000)


def test_settings_round_trip():
    assert settings.first_launch() and settings.last_model() == "" and not settings.presentation()
    settings.set_last_model("som")
    settings.set_last_lesson("som-iris")
    settings.set_presentation(True)
    settings.launched()
    assert (settings.last_model(), settings.last_lesson(), settings.presentation()) == ("som", "som-iris", True)
    assert not settings.first_launch()
    assert settings.what_to_open(None, None, ["hopfield", "som"]) == ("model", "som")
    assert settings.what_to_open(None, None, ["hopfield"]) == ("model", "hopfield")   # som gone: the default
    assert settings.what_to_open("ising", None, ["ising"]) == ("model", "ising")
    assert settings.what_to_open("ising", "dbn", ["ising"]) == ("lesson", "dbn")


def test_recording_folder_round_trip(tmp_path):
    assert settings.recording_folder() is None
    settings.set_recording_folder(tmp_path)
    assert settings.recording_folder() == tmp_path


def test_first_launch_opens_the_welcome_lesson_then_the_last_model(qtbot, bare_window):
    win = bare_window(model=None, lesson=None)
    _wait_lesson(qtbot, win, "welcome")
    assert win.lesson_panel.title.text() == "Welcome to hebbgui"
    assert "Hopfield network" in win.lesson_panel.text.toPlainText()
    assert win.lessons_dock.isVisible()
    win.open_model("ising")
    qtbot.waitUntil(lambda: win.model_cls.name == "ising" and win.lesson is None, timeout=30000)
    win.close()
    assert settings.window_state() is not None and settings.last_model() == "ising"
    again = bare_window(model=None, lesson=None)
    qtbot.waitUntil(lambda: again.model_cls is not None and again.model_cls.name == "ising", timeout=30000)
    assert again.lesson is None


def test_the_lesson_option_opens_it(qtbot, bare_window):
    assert app._parse(["--lesson", "hopfield-tu-recall"]).lesson == "hopfield-tu-recall"
    win = bare_window(model=None, lesson="hopfield-tu-recall")
    _wait_lesson(qtbot, win, "hopfield-tu-recall")
    assert win.model_cls.name == "hopfield" and settings.last_lesson() == "hopfield-tu-recall"
    data = win.last_snapshot.data
    assert data["state"].shape == (14, 14) and data["patterns"].shape == (2, 14, 14)
    assert np.mean(data["state"] != data["patterns"][0]) == pytest.approx(0.2, abs=0.01)


def test_dock_start_and_a_step_button_drive_the_app(qtbot, bare_window):
    win = bare_window()
    panel = win.lesson_panel
    panel.select("hopfield-tu-recall")
    assert [b.text() for b in panel.step_buttons][:2] == ["Corrupt 30 %", "Corrupt 45 %"]
    panel.step_buttons[0].click()                       # not started: says so, changes nothing
    assert "press Start first" in win.last_error
    panel.start.click()
    _wait_lesson(qtbot, win, "hopfield-tu-recall")
    panel.step_buttons[0].click()                       # Corrupt 30 %
    wait_for_snapshot(qtbot, win, lambda d: abs(np.mean(d["state"] != d["patterns"][0]) - 0.3) < 0.01)
    panel.step_buttons[3].click()                       # Recall
    data = wait_for_snapshot(qtbot, win, lambda d: d["fixed_point"] == 1.0)
    assert np.array_equal(data["state"], data["patterns"][0])


def test_the_five_neuron_lesson_on_a_one_row_grid(qtbot, bare_window, tmp_path):
    """Seed 000's 5-neuron recall in the window: a 1×5 state and pattern editor, and the unit buttons
    in the seed's order turn [0,1,0,1,0] into s1 = [0,1,0,1,1]."""
    win = bare_window(model=None, lesson="hopfield-5-neuron")
    _wait_lesson(qtbot, win, "hopfield-5-neuron")
    assert win.last_snapshot.data["state"].shape == (1, 5) and tuple(win.pattern_editor.shape) == (1, 5)
    buttons = {b.text(): b for b in win.lesson_panel.step_buttons}
    for unit in (1, 3, 5, 2, 4):
        buttons[f"Unit {unit}"].click()
    data = wait_for_snapshot(qtbot, win, lambda d: d["state"].tolist() == [[0, 1, 0, 1, 1]])
    assert data["fixed_point"] == 1.0
    win.grab().save(str(tmp_path / "five-neuron.png"))


def test_a_lesson_shows_only_the_views_it_names(qtbot, bare_window):
    win = bare_window()
    win.open_lesson("hopfield-storkey-mnist")
    _wait_lesson(qtbot, win, "hopfield-storkey-mnist")
    qtbot.waitUntil(lambda: set(win.views) == {"state", "energy", "overlap", "patterns"}, timeout=10000)
    win.open_model("ising")             # a model opened by hand: all its views
    qtbot.waitUntil(lambda: win.model_cls.name == "ising" and set(win.views) == {"spins", "energy", "magnetization"},
                    timeout=30000)


def test_help_lessons_lists_the_course(qtbot, bare_window):
    win = bare_window()
    win._fill_help_lessons()
    actions = [a for a in win.help_lessons_menu.actions()]
    assert len(actions) == len(lessons.names())
    assert actions[0].text() == "0. Welcome to hebbgui"
    ising = next(a for a in actions if a.objectName() == "help-lesson-ising-critical")
    ising.trigger()
    _wait_lesson(qtbot, win, "ising-critical")
    assert win.last_snapshot.data["spins"].shape == (128, 128)


def test_save_run_and_replay_through_the_window(qtbot, bare_window, tmp_path):
    win = bare_window()
    win.open_lesson("hopfield-tu-recall")
    _wait_lesson(qtbot, win, "hopfield-tu-recall")
    win.controller.step(2)
    win.run_lesson_step("hopfield-tu-recall", 2)        # U with 30 %
    win.controller.set_params(rule="storkey")
    win.controller.step(3)
    wait_for_snapshot(qtbot, win, lambda d: win.last_snapshot.t == 5)   # 2 + 3 sweeps (a new probe keeps t)
    path = tmp_path / "run.json"
    win.controller.save_run(str(path))
    qtbot.waitUntil(path.exists, timeout=10000)
    run = json.loads(path.read_text())
    # the lesson's set-up (store T and U, the noisy T) is logged as commands: no state arrays in the file
    assert [(e["op"], (e.get("args") or [None])[0]) for e in run["log"]] == [
        ("call", "set_patterns"), ("call", "set_probe"), ("step", None), ("call", "set_probe"),
        ("set_params", None), ("step", None)]
    assert "state" not in run["initial"] and path.stat().st_size < 30_000
    final = replay.replay(path)                          # raises if it diverged
    assert replay.state_digest(final.state()) == run["final"]["digest"]
    win.open_model("ising")
    qtbot.waitUntil(lambda: win.model_cls.name == "ising", timeout=30000)
    win.controller.replay_run(str(path))
    qtbot.waitUntil(lambda: win.model_cls.name == "hopfield" and win.last_snapshot.t == final.t, timeout=30000)
    np.testing.assert_array_equal(win.last_snapshot.data["state"], final.snapshot().data["state"])
    win.controller.replay_run(str(tmp_path / "missing.json"))
    qtbot.waitUntil(lambda: "could not replay" in win.last_error, timeout=10000)
    assert win.model_cls.name == "hopfield"


def test_reset_layout_brings_the_docks_back(qtbot, bare_window):
    win = bare_window()
    win.lessons_dock.hide()
    win.models_dock.hide()
    settings.save_window(win.saveGeometry(), win.saveState())
    win.reset_layout()
    assert win.lessons_dock.isVisible() and win.models_dock.isVisible()
    assert settings.window_state() is None


@pytest.mark.slow
def test_every_lesson_starts_and_plays_in_the_window(qtbot, bare_window):
    win = bare_window()
    for name in lessons.names():
        win.last_error = ""
        win.lesson_panel.select(name)
        win.lesson_panel.start.click()
        _wait_lesson(qtbot, win, name)
        drawn = []
        win.frame_drawn.connect(drawn.append)
        start = win.last_snapshot.t
        win.transport.play.click()
        qtbot.waitUntil(lambda: len(drawn) >= 3 and win.last_snapshot.t > start, timeout=60000)
        win.transport.play.click()
        qtbot.waitUntil(lambda: not win.transport.play.isChecked(), timeout=10000)
        win.frame_drawn.disconnect(drawn.append)
        assert not win.last_error, f"{name}: {win.last_error}"
        assert set(win.views) >= set(lessons.info(name).views)


def test_the_pane_shows_the_last_lesson_started(qtbot, bare_window):
    assert bare_window().lesson_panel.lesson.name == "welcome"     # nothing started yet: the first
    settings.set_last_lesson("som-iris")
    panel = bare_window().lesson_panel
    assert panel.lesson.name == "som-iris" and panel.title.text() == "Self-organizing map: Iris"
    assert [b.text() for b in panel.step_buttons] == ["Hexagonal grid", "Measure"]


def test_a_model_opened_by_hand_shows_its_own_first_lesson(qtbot, bare_window):
    """Open BAM from the model list: the pane shows the BAM lesson (not the welcome lesson's Hopfield
    buttons, which would only say 'press Start first'); a model with no lesson leaves the pane as it was."""
    win = bare_window()
    assert win.lesson_panel.lesson.name == "welcome"
    win.open_model("bam")
    qtbot.waitUntil(lambda: win.model_cls is not None and win.model_cls.name == "bam", timeout=30000)
    assert win.lesson_panel.lesson.name == lessons.for_model("bam")[0] == "bam"
    assert "Settle" in [b.text() for b in win.lesson_panel.step_buttons]
    assert lessons.for_model("no-such-model") == []


def test_a_lesson_step_opens_its_experiment_dialog(qtbot, bare_window):
    """The basins lesson's "Basins table" button opens seed 001's experiment (no Start needed); opening
    another replaces the dialog rather than keeping both."""
    win = bare_window()
    panel = win.lesson_panel
    panel.select("basins-spurious")
    labels = [b.text() for b in panel.step_buttons]
    panel.step_buttons[labels.index("Basins table")].click()
    first = win._experiment_dialog
    assert first is not None and first.isVisible() and first.experiment.name == "basins"
    panel.step_buttons[labels.index("Spurious census")].click()
    assert win._experiment_dialog is not first and win._experiment_dialog.experiment.name == "spurious"
    assert not first.isVisible()
