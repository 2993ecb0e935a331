"""The Hopfield network in the window, as the README's newcomer uses it: draw a letter, store three,
corrupt one and watch it come back with the energy falling; switch the rule and see the weights change;
save, reopen and find it all as it was."""
import numpy as np
import pytest
from PySide6.QtWidgets import QPushButton

from engine import datasets
from tests.hebbgui.conftest import wait_for_snapshot


@pytest.fixture
def hop(qtbot, open_window):
    win = open_window("hopfield")
    qtbot.waitUntil(lambda: win.pattern_editor is not None, timeout=60000)
    return win


def test_draw_store_corrupt_recall_rule_switch_save_reopen(qtbot, hop, tmp_path):
    ed = hop.pattern_editor
    rows, cols = ed.shape
    letters = datasets.letters("HXO", size=rows).astype(np.int8) * 2 - 1 if rows % 7 == 0 else None
    assert letters is not None, "the default grid fits the 7×7 alphabet"
    # Draw the first letter with the mouse path the canvas uses (cells painted on/off).
    ed.clear_grid()
    on = [tuple(rc) for rc in np.argwhere(letters[0] > 0)]
    ed._paint(on, 1.0)
    assert np.array_equal(ed.grid, letters[0])
    # Store three: replace the demo set.
    ed.clear_stored()
    ed.add_grid()
    for k in (1, 2):
        ed.set_grid(letters[k])
        ed.add_grid()
    data = wait_for_snapshot(qtbot, hop, lambda d: d["n_patterns"] == 3 and np.array_equal(
        np.where(d["patterns"] > 0, 1, -1), letters))
    weights_hebb = data["weights"].copy()
    # Corrupt the first letter by 10 % and make it the probe.
    ed.set_grid(letters[0])
    ed.flip_pct.setValue(10)
    ed.flip()
    assert 0 < np.count_nonzero(ed.grid != letters[0]) <= 6
    hop.findChild(QPushButton, "make-probe").click()
    data = wait_for_snapshot(qtbot, hop, lambda d: d["fixed_point"] == 0 or np.any(d["state"] != letters[0]))
    e0 = data["energy"][-1]
    # Step until it recalls the stored letter; the energy falls on the way.
    for _ in range(10):
        hop.transport.step.click()
    data = wait_for_snapshot(qtbot, hop, lambda d: np.array_equal(np.where(d["state"] > 0, 1, -1), letters[0]))
    assert data["energy"][-1] < e0
    assert np.all(np.diff(data["energy"]) <= 1e-9)
    # Switch the rule: the heatmap's weights change at once.
    hop.params_form.editors["rule"].setCurrentIndex(hop.params_form.editors["rule"].findData("pseudoinverse"))
    data = wait_for_snapshot(qtbot, hop, lambda d: not np.allclose(d["weights"], weights_hebb))
    shown = hop.views["weights"].image.image
    np.testing.assert_allclose(shown, data["weights"])
    # Save, change things, reopen: everything as it was.
    path = tmp_path / "session.npz"
    saved = {k: np.array(v, copy=True) for k, v in data.items()}
    hop.save_session(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=10000)
    ed.clear_stored()
    wait_for_snapshot(qtbot, hop, lambda d: d["n_patterns"] == 0)
    hop.open_session(str(path))
    data = wait_for_snapshot(qtbot, hop, lambda d: d["n_patterns"] == 3)
    for key in ("state", "weights", "patterns", "energy", "overlap"):
        np.testing.assert_array_equal(data[key], saved[key])
    assert hop.params_form.editor_value("rule") == "pseudoinverse"
    qtbot.waitUntil(lambda: hop.pattern_editor.stored.shape[0] == 3, timeout=5000)  # a new editor after reopening


def test_bad_probe_is_refused_with_a_message_and_state_kept(qtbot, hop):
    before = hop.last_snapshot.data["state"].copy()
    hop.controller.call("set_probe", np.ones(5))
    qtbot.waitUntil(lambda: "probe" in hop.last_error.lower() or "x" in hop.last_error, timeout=10000)
    assert hop.statusBar().currentMessage()
    qtbot.wait(100)
    np.testing.assert_array_equal(hop.last_snapshot.data["state"], before)


def test_painting_the_state_lattice_changes_that_unit(qtbot, hop):
    view = hop.views["state"]
    before = hop.last_snapshot.data["state"].copy()
    value = -1.0 if before[0, 0] > 0 else 1.0
    view._paint_cells([(0, 0)], value)
    data = wait_for_snapshot(qtbot, hop, lambda d: (d["state"][0, 0] > 0) == (value > 0))
    assert np.count_nonzero((data["state"] > 0) != (before > 0)) == 1


def test_perceptron_rule_forget_and_dream_from_the_window(qtbot, hop):
    """Issue 13 in the window: store more random patterns than Hebbian learning holds, watch the
    memory table count the fixed points; Dream raises the count, the perceptron rule makes them all
    fixed points, Forget pattern drops one from the stored list."""
    form = hop.params_form
    for name in ("margin", "symmetric", "max_epochs", "self_connections", "tie", "storkey_passes",
                 "n_dreams", "dream_rate"):
        assert name in form.editors, name
    rng = np.random.default_rng(5)
    hop.controller.call("set_patterns", np.where(rng.random((12, 49)) < 0.5, 1, -1))
    data = wait_for_snapshot(qtbot, hop, lambda d: d["n_patterns"] == 12)
    hebbian_stable = data["stable_patterns"]
    assert hebbian_stable < 12
    table = hop.views["memory"].table
    qtbot.waitUntil(lambda: table.rowCount() == 12, timeout=5000)
    # Dream: the weights change and more stored patterns become fixed points.
    form.editors["n_dreams"].setValue(200)  # the engine applies edits and actions in order
    form.editors["dream_rate"].spin.setValue(0.02)
    weights_before = data["weights"].copy()
    hop.findChild(QPushButton, "action-dream").click()
    data = wait_for_snapshot(qtbot, hop, lambda d: not np.array_equal(d["weights"], weights_before))
    assert data["stable_patterns"] > hebbian_stable
    # The perceptron rule: every pattern a fixed point, the learning converged.
    rule = form.editors["rule"]
    rule.setCurrentIndex(rule.findData("perceptron"))
    data = wait_for_snapshot(qtbot, hop, lambda d: d["stable_patterns"] == 12 and d["learning_converged"] == 1)
    assert np.all(data["memory"][:, 0] == 1)
    # Forget pattern: the stored list and the table lose one row.
    hop.findChild(QPushButton, "action-forget_pattern").click()
    data = wait_for_snapshot(qtbot, hop, lambda d: d["n_patterns"] == 11)
    assert data["patterns"].shape[0] == 11 and data["stable_patterns"] == 11
    qtbot.waitUntil(lambda: table.rowCount() == 11, timeout=5000)
