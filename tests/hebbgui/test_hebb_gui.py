"""Hebb in the window, as the lab course starts: step through T vs U and watch the weight image become
the seed's [0, 2, 0, −2, 2, −2, −2, 0, −2]; draw a crooked T and see the bars pick T."""
import numpy as np
import pytest
from PySide6.QtWidgets import QPushButton

from tests.hebbgui.conftest import play_then_pause, wait_for_snapshot


@pytest.fixture
def hebb(qtbot, open_window):
    win = open_window("hebb")
    qtbot.waitUntil(lambda: win.pattern_editor is not None, timeout=60000)
    return win


def test_step_through_t_vs_u_then_draw_a_crooked_t(qtbot, hebb):
    assert hebb.pattern_editor.shape == (3, 3)
    hebb.transport.step.click()
    data = wait_for_snapshot(qtbot, hebb, lambda d: d["weights"].any())
    np.testing.assert_array_equal(data["weights"].reshape(-1), [1, 1, 1, -1, 1, -1, -1, 1, -1])
    shown_first = np.array(hebb.views["weights"].image.image, copy=True)
    hebb.transport.step.click()
    data = wait_for_snapshot(qtbot, hebb, lambda d: d["weights"].reshape(-1)[0] == 0)
    np.testing.assert_array_equal(data["weights"].reshape(-1), [0, 2, 0, -2, 2, -2, -2, 0, -2])
    qtbot.waitUntil(lambda: not np.array_equal(hebb.views["weights"].image.image, shown_first), timeout=5000)
    before = data["probe_output"].copy()
    # a crooked T, drawn in the editor and made the probe: the bar jumps to T (+1)
    ed = hebb.pattern_editor
    ed.clear_grid()
    crooked_t = np.array([[1, 1, 1], [-1, 1, -1], [1, 1, -1]], dtype=np.int8)
    ed._paint([tuple(rc) for rc in np.argwhere(crooked_t > 0)], 1.0)
    hebb.findChild(QPushButton, "make-probe").click()
    data = wait_for_snapshot(qtbot, hebb, lambda d: not np.array_equal(d["probe_output"], before))
    assert data["probe_output"][0] > 0.9
    np.testing.assert_array_equal(data["state"], crooked_t)


def test_competing_units_train_live_and_stop_mid_epoch(qtbot, open_window):
    win = open_window("competing")
    fields0 = np.array(win.last_snapshot.data["fields"], copy=True)
    assert fields0.shape == (100, 28, 28)
    snap = play_then_pause(qtbot, win, frames=5)   # stopped mid-epoch
    assert 0 < snap.t < 100             # a pass over the 10,000 images is 100 minibatches
    assert not np.allclose(snap.data["fields"], fields0)
    assert win.last_error == ""


def test_hebbian_pca_weights_turn_live(qtbot, open_window):
    win = open_window("hebbian-pca")
    start = win.last_snapshot.data["angle"][:, -1].copy()
    win.controller.step(200)
    qtbot.waitUntil(lambda: win.last_snapshot.data["angle"][:, -1].max() < start.max() / 2, timeout=20000)


def test_switching_to_the_mnist_example_rebuilds_the_views(qtbot, open_window):
    """Views come from the model instance: the letters' table goes, MNIST's accuracy and confusion come."""
    win = open_window("hebb")
    assert "weights_table" in win.views and "confusion" not in win.views
    win.controller.set_params(preset="mnist")
    qtbot.waitUntil(lambda: "confusion" in win.views, timeout=60000)
    assert "accuracy" in win.views and "weights_table" not in win.views
