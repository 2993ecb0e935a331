"""Issue 11 in the window: train CHL live and see both phases, watch a digit settle, switch to EqProp
mid-run, stop mid-epoch, close while training."""
import numpy as np
from PySide6.QtWidgets import QPushButton

from tests.hebbgui.conftest import play_then_pause, wait_for_snapshot


def _choose(win, name, value):
    combo = win.params_form.editors[name]
    combo.setCurrentIndex(combo.findData(value))


def test_chl_trains_live_watch_settle_switch_to_eqprop_stop_mid_epoch(qtbot, open_window):
    win = open_window("chl")
    fields0 = np.array(win.last_snapshot.data["fields"], copy=True)
    snap = play_then_pause(qtbot, win, frames=5)      # stopped mid-epoch: 6,000 minibatches make one
    assert 0 < snap.t < 6000 and snap.data["epoch"] == 0.0
    assert not np.allclose(snap.data["fields"], fields0)
    free, clamped = snap.data["free_activity"], snap.data["second_activity"]
    assert set(np.unique(clamped[:, -10:])) == {0.0, 1.0}            # the targets, clamped on the output
    assert np.ptp(snap.data["difference"]) > 0                        # the learning signal is on screen
    assert win.views["phases"].isVisible() and win.views["difference"].isVisible()

    win.findChild(QPushButton, "action-watch_settle").click()
    data = wait_for_snapshot(qtbot, win, lambda d: "watch_steps" in d)
    assert data["watch_step"] == 0.0
    win.findChild(QPushButton, "action-settle_step").click()
    data = wait_for_snapshot(qtbot, win, lambda d: d.get("watch_step") == 1.0)
    assert data["watch_steps"][1].any() and not data["watch_steps"][2:].any()
    qtbot.waitUntil(lambda: win.views["watch_output"].isVisible(), timeout=10000)

    win.transport.play.click()                          # the replay runs on while training plays
    _choose(win, "rule", "eqprop")
    qtbot.waitUntil(lambda: win.last_snapshot.t > snap.t + 20
                    and win.last_snapshot.data.get("watch_step", 0) > 1, timeout=60000)
    win.transport.play.click()
    qtbot.waitUntil(lambda: not win.transport.play.isChecked(), timeout=5000)
    qtbot.wait(100)
    nudged_out = win.last_snapshot.data["second_activity"][:, -10:]
    assert not set(np.unique(nudged_out)) <= {0.0, 1.0}              # EqProp nudges, never clamps
    assert win.last_error == ""


def test_chl_closes_while_training(qtbot, open_window):
    win = open_window("chl")
    frames = []
    win.frame_drawn.connect(frames.append)
    win.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 3, timeout=60000)
    win.close()                                          # while playing
    assert win.controller.thread.wait(5000)
