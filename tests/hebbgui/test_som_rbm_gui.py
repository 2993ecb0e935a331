"""Issues 4 and 5 in the window: train the seeds' Iris map live and switch it to hexagons mid-run,
export its U-matrix; train an RBM on MNIST live, watch the fields change, occlude and complete, stop."""
import numpy as np
import pytest
from PySide6.QtWidgets import QPushButton

from tests.hebbgui.conftest import play_then_pause


def _choose(win, name, value):
    combo = win.params_form.editors[name]
    combo.setCurrentIndex(combo.findData(value))


def test_som_iris_live_hex_switch_neighbourhood_mid_run_export(qtbot, open_window, tmp_path):
    win = open_window("som")
    frames = []
    win.frame_drawn.connect(frames.append)
    win.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 5, timeout=20000)
    assert win.last_snapshot.data["umatrix"].shape == (50, 50)
    _choose(win, "topology", "hexagonal")
    qtbot.waitUntil(lambda: float(win.last_snapshot.data["hexagonal"]) == 1.0, timeout=10000)
    t_hex = win.last_snapshot.t
    _choose(win, "neighborhood", "bubble")
    n = len(frames)
    qtbot.waitUntil(lambda: len(frames) >= n + 5, timeout=20000)
    assert win.last_snapshot.t > t_hex          # still training: changed live, no reset
    win.transport.play.click()
    qtbot.waitUntil(lambda: not win.transport.play.isChecked(), timeout=5000)
    assert "hex" in win.views["umatrix"].info_label.text()
    out = win.views["umatrix"].export_png(str(tmp_path / "umatrix.png"))
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert win.last_error == ""


def test_som_bad_rate_is_refused_and_state_kept(qtbot, open_window):
    win = open_window("som")
    before = win.last_snapshot.data["umatrix"].copy()
    win.controller.set_params(learning_rate=-1.0)
    qtbot.waitUntil(lambda: "learning_rate" in win.last_error, timeout=10000)
    np.testing.assert_array_equal(win.last_snapshot.data["umatrix"], before)


def test_som_form_shows_the_preset_values_in_force(qtbot, open_window):
    """Fields left at 'preset' show the value the preset gives them (issue 14: the form said only
    "preset"), and follow a change of preset."""
    win = open_window("som")
    form = win.params_form
    qtbot.waitUntil(lambda: form.editors["rows"].specialValueText() == "preset (50)", timeout=10000)
    sigma = getattr(form.editors["sigma"], "spin", form.editors["sigma"])
    assert sigma.specialValueText() == "preset (20)" and sigma.text() == "preset (20)"
    topology = form.editors["topology"]
    assert topology.itemText(topology.findData("preset")) == "preset (rectangular)"
    _choose(win, "preset", "mnist_100x100")
    qtbot.waitUntil(lambda: form.editors["rows"].specialValueText() == "preset (100)", timeout=30000)


def test_competitive_prototypes_move_live(qtbot, open_window):
    win = open_window("competitive")
    start = win.last_snapshot.data["prototypes"].copy()
    win.controller.step(50)
    qtbot.waitUntil(lambda: not np.allclose(win.last_snapshot.data["prototypes"], start), timeout=10000)
    assert win.views["data"].protos.data.size == len(start)


def test_rbm_trains_live_fields_change_occlude_complete_stop(qtbot, open_window):
    win = open_window("rbm")
    fields0 = np.array(win.last_snapshot.data["fields"], copy=True)
    snap = play_then_pause(qtbot, win, frames=5)   # stopped mid-epoch
    assert 0 < snap.t < 600             # an epoch of 60,000 images is 600 minibatches
    assert not np.allclose(snap.data["fields"], fields0)
    win.findChild(QPushButton, "action-occlude_and_reconstruct").click()
    qtbot.waitUntil(lambda: win.last_snapshot is not snap, timeout=10000)
    recon = win.last_snapshot.data["reconstructions"]
    assert recon.ndim == 3 and recon.shape[1:] == (28, 28)
    assert win.last_error == ""
