"""The fps readout never shows a stale rate (issue 14 item 10): "paused" while nothing plays (the
last rate stayed on screen, as if the model still ran), and 0 when playing brings no frame."""
from PySide6.QtCore import Qt


def test_fps_says_paused_when_paused_and_stays_so_when_stepping(qtbot, window):
    label = window.transport.fps_label
    window.transport.play.click()
    qtbot.waitUntil(lambda: label.text().strip().endswith("fps") and label.text().split()[0] not in ("0", "–"),
                    timeout=10000)
    window.controller.pause()                       # paused by the engine's word, not a click
    qtbot.waitUntil(lambda: not window.transport.play.isChecked(), timeout=10000)
    assert label.text() == "paused"
    t = window.last_snapshot.t
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key_Right)         # frames while paused bring no rate back
    qtbot.waitUntil(lambda: window.last_snapshot.t >= t + 3, timeout=10000)
    qtbot.wait(100)
    assert label.text() == "paused"
    window.transport.play.click()
    assert label.text() != "paused"                 # playing again: never "paused" while frames are awaited
    qtbot.waitUntil(lambda: label.text().endswith("fps"), timeout=10000)
    window.transport.play.click()                   # paused by a click
    assert label.text() == "paused"


def test_fps_falls_to_zero_when_playing_brings_no_frame(qtbot, window):
    label = window.transport.fps_label
    window.controller.set_params(slow_ms=1300.0)   # one step, and so one frame, per 1.3 s
    window.transport.play.click()
    qtbot.waitUntil(lambda: label.text().strip() == "0 fps", timeout=10000)
    window.transport.play.click()
