"""GUI test fixtures: a registered toy model and a window whose engine thread is always stopped."""
import pytest

from engine import registry


TOY_HELP = "A toy lattice that tests the GUI shell without a real model's numerics"


@pytest.fixture
def toy_registered():
    """The toy model, its pattern-editor variant and the toy experiment, registered for one test."""
    from tests.hebbgui.toy_model import ToyModel
    ToyModel.built_in.clear()
    with registry.registered("toy", "tests.hebbgui.toy_model:ToyModel", title="Toy", help=TOY_HELP), \
            registry.registered("toy-patterns", "tests.hebbgui.toy_model:ToyPatternModel", title="Toy patterns"), \
            registry.registered("toy-sweep", "tests.hebbgui.toy_model:TOY_EXPERIMENT", title="Toy sweep",
                                kind="experiment", model="toy", help="x² for x = 0…n−1, slowly"):
        yield "toy"


@pytest.fixture
def window(qtbot, toy_registered):
    from hebbgui.mainwindow import MainWindow
    win = MainWindow(model_name="toy", seed=0, restore_layout=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_cls is not None and win.last_snapshot is not None, timeout=10000)
    yield win
    win.close()
    assert win.controller.thread.wait(2000)


@pytest.fixture
def open_window(qtbot):
    """Open real registered models in windows that are closed (engine thread stopped) afterwards."""
    from hebbgui.mainwindow import MainWindow
    made = []

    def _open(name):
        win = MainWindow(model_name=name, seed=0, restore_layout=False)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.model_cls is not None and win.model_cls.name == name
                        and win.last_snapshot is not None, timeout=60000)
        made.append(win)
        return win
    yield _open
    for win in made:
        win.close()
        assert win.controller.thread.wait(2000)


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory):
    """Every GUI test reads and writes the app's settings (hebbgui/settings.py) in a fresh temporary
    folder: never the user's, and never what an earlier test left."""
    from PySide6.QtCore import QSettings
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def no_dangling_engine_threads():
    """Every test must leave no engine QThread running (and so no engine QTimer alive)."""
    yield
    from hebbgui.worker import EngineController
    running = EngineController.running_threads()
    for t in running:  # stop them so one leak does not cascade into other tests
        t.quit()
        t.wait(2000)
    assert not running, f"{len(running)} engine thread(s) left running"


def wait_for_snapshot(qtbot, win, pred, timeout=10000):
    """Wait until the window's last snapshot satisfies ``pred(data)``; return that data."""
    qtbot.waitUntil(lambda: win.last_snapshot is not None and bool(pred(win.last_snapshot.data)), timeout=timeout)
    return win.last_snapshot.data


def play_then_pause(qtbot, win, frames: int = 5):
    """Play until ``frames`` frames were drawn and t ≥ ``frames``, pause, and return the last snapshot."""
    drawn = []
    win.frame_drawn.connect(drawn.append)
    win.transport.play.click()
    qtbot.waitUntil(lambda: len(drawn) >= frames and win.last_snapshot.t >= frames, timeout=60000)
    win.transport.play.click()
    qtbot.waitUntil(lambda: not win.transport.play.isChecked(), timeout=5000)
    qtbot.wait(100)
    return win.last_snapshot
