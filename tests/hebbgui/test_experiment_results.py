"""Issue 14 item 1: the RBM and DBN MNIST experiments finished with an empty dialog (no result views).
Run each from its Lessons entry on a small subset and read the accuracy in the dialog's table."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("model,settings", [
    ("rbm", {"n_train": 300, "n_hidden": 16, "n_epochs": 1}),
    ("dbn", {"n_train": 300, "n_epochs": 1}),
])
def test_the_mnist_experiments_show_their_accuracy(qtbot, open_window, model, settings):
    win = open_window(model)
    action = next(a for a in win.lessons_menu.actions() if "MNIST" in a.text())
    action.trigger()
    dlg = win._experiment_dialog
    for key, value in settings.items():
        dlg.editors[key][0].setValue(value)
    if model == "dbn":
        dlg.editors["layers"][0].setText("(16, 8)")
    dlg.run_button.click()
    qtbot.waitUntil(lambda: not dlg.running and dlg.result is not None, timeout=120000)
    assert dlg.message.text() == "finished"
    table = next(v for v in dlg.views if v.spec.kind == "table")
    cell = table.table.item(0, 0)
    assert cell is not None and 0.0 < float(cell.text()) <= 1.0, "the test accuracy is shown"
    curve = next(v for v in dlg.views if v.spec.kind == "curve")
    assert curve.spec.key in dlg.result
    dlg.close()
