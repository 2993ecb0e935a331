"""Issue 3 in the window: cool an Ising lattice live, paint spins, run and cancel the temperature
sweep; open the seeds' 3-unit Boltzmann machine and read its table."""
import numpy as np
import pytest


def test_ising_play_change_T_mid_run_and_paint(qtbot, open_window):
    win = open_window("ising")
    win.controller.set_params(L=32)
    qtbot.waitUntil(lambda: win.last_snapshot.data["spins"].shape == (32, 32), timeout=10000)
    frames = []
    win.frame_drawn.connect(frames.append)
    win.transport.play.click()
    qtbot.waitUntil(lambda: len(frames) >= 5, timeout=10000)
    # Drag T through the form while it plays: the model takes it live, no reset.
    t_before = win.last_snapshot.t
    win.params_form.editors["T"].spin.setValue(1.2)
    qtbot.waitUntil(lambda: abs(win.last_snapshot.data["T"] - 1.2) < 1e-9, timeout=10000)
    assert win.last_snapshot.t >= t_before
    assert win.params_form.editor_value("T") == pytest.approx(1.2)
    win.transport.play.click()
    qtbot.waitUntil(lambda: not win.transport.play.isChecked(), timeout=5000)
    qtbot.wait(200)
    # Paint one spin against its current value.
    spins = win.last_snapshot.data["spins"].copy()
    value = -1.0 if spins[5, 7] > 0 else 1.0
    win.views["spins"]._paint_cells([(5, 7)], value)
    qtbot.waitUntil(lambda: win.last_snapshot.data["spins"][5, 7] == value, timeout=5000)
    after = win.last_snapshot.data["spins"]
    assert np.count_nonzero(after != spins) == 1


def test_ising_bad_temperature_is_refused_and_state_kept(qtbot, open_window):
    win = open_window("ising")
    before = win.last_snapshot.data["spins"].copy()
    win.controller.set_params(T=float("nan"))
    qtbot.waitUntil(lambda: "T" in win.last_error, timeout=10000)
    qtbot.wait(100)
    np.testing.assert_array_equal(win.last_snapshot.data["spins"], before)
    assert win.params_form.editor_value("T") == pytest.approx(2.0)


def test_ising_sweep_runs_then_cancels(qtbot, open_window):
    win = open_window("ising")
    dlg = win.open_experiment("ising-sweep")
    small = {"L": 8, "n_T": 4, "n_equilibrate": 20, "n_measure": 40, "seeds": 1}
    for k, v in small.items():
        w = dlg.editors[k][0]
        w.setValue(v) if hasattr(w, "setValue") else w.setText(repr(v))
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=60000)
    assert dlg.result["T"].shape == (4,)
    assert set(dlg.result) >= {"absM", "E", "C", "chi", "onsager_M"}
    big = {"L": 64, "n_T": 30, "n_equilibrate": 5000, "n_measure": 20000, "seeds": 3}
    for k, v in big.items():
        w = dlg.editors[k][0]
        w.setValue(v) if hasattr(w, "setValue") else w.setText(repr(v))
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=30000)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=10000)
    assert dlg.message.text() == "cancelled"
    # The engine keeps serving afterwards.
    t = win.last_snapshot.t
    win.controller.step(2)
    qtbot.waitUntil(lambda: win.last_snapshot.t == t + 2, timeout=10000)
    dlg.close()


def test_boltzmann_seed_table_on_screen(qtbot, open_window):
    win = open_window("boltzmann")
    combo = win.params_form.editors["preset"]
    combo.setCurrentIndex(combo.findData("seed_3unit"))
    qtbot.waitUntil(lambda: "state_table" in win.last_snapshot.data, timeout=10000)
    table = win.views["state_table"].table
    qtbot.waitUntil(lambda: table.rowCount() == 8, timeout=5000)
    energies = [float(table.item(i, 0).text()) for i in range(8)]
    assert energies == pytest.approx([0, 1, 1, 1.7, 1, 1.9, 1.8, 2.4])
    assert table.verticalHeaderItem(3).text() == "011"
    assert "Z = 2.6919" in win.views["state_table"].info_label.text()
