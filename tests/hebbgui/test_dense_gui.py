"""Dense memory in the window: train on MNIST live and stop mid-epoch; the recall mode with n changed live."""
import numpy as np

from engine.datasets import load_mnist
from tests.hebbgui.conftest import play_then_pause, wait_for_snapshot


def test_dam_trains_live_and_stops_mid_epoch(qtbot, open_window):
    win = open_window("dam")
    win.controller.set_params(n_train=20000, batch_size=500)   # a reset: a smaller epoch, the same code
    data = wait_for_snapshot(qtbot, win, lambda d: "memories" in d and d["epoch"] == 0.0)
    memories0 = np.array(data["memories"], copy=True)
    assert {"memories", "errors", "batch_error", "status"} <= set(win.views)   # ε and T in the "status" table
    assert win.pattern_editor.shape == (28, 28)   # draw a digit, make it the probe: its outputs c_α show
    snap = play_then_pause(qtbot, win, frames=3)
    assert not np.allclose(snap.data["memories"], memories0)
    qtbot.wait(1500)   # the minibatch running as pause was pressed still ends and is drawn
    snap = win.last_snapshot
    assert 0 < snap.t < 40   # stopped mid-epoch: an epoch is 40 minibatches here (a quiet machine ran 10)
    assert snap.data["batch_error"].size == snap.t and 0 < snap.data["epoch"] < 1
    assert snap.data["learning_rate"] > 0 and snap.data["temperature"] == 540.0
    qtbot.wait(500)
    assert win.last_snapshot.t == snap.t and win.last_error == ""
    digit = np.where(load_mnist("test", 1)[0][0] > 50, 1, -1)   # the editor's "Make it the probe"
    win.controller.call("set_probe", digit)
    data = wait_for_snapshot(qtbot, win, lambda d: d["probe"].max() == 1.0)
    assert data["probe_output"].shape == (10,) and np.all(np.abs(data["probe_output"]) <= 1)


def test_dam_recall_mode_changes_n_live(qtbot, open_window):
    win = open_window("dam")
    win.controller.set_params(mode="recall")
    data = wait_for_snapshot(qtbot, win, lambda d: "capacity" in d)
    assert win.pattern_editor is not None and data["patterns"].shape[1:] == (10, 10)
    before = dict(zip(data["capacity_labels"], data["capacity"][:, 0]))
    win.controller.set_params(recall_power=2)
    data = wait_for_snapshot(qtbot, win, lambda d: "capacity" in d and d["power"] == 2.0)
    after = dict(zip(data["capacity_labels"], data["capacity"][:, 0]))
    key = "stored patterns that are fixed points"
    assert before[key] == 40 and after[key] < 10   # n = 3 holds the 40 patterns, Hopfield (n = 2) does not
    snap = play_then_pause(qtbot, win, frames=2)
    assert snap.unit == "sweep" and np.all(np.isfinite(snap.data["energy"][-2:]))
    assert win.last_error == ""
