"""Issue 13: the experiment dialog of a study fills its plots as tasks finish, says how many tasks are done
and how long is left, and exports the rows (CSV) and the plots (PNG); the basin table shows its numbers."""
from __future__ import annotations

import numpy as np
import pytest

from engine.experiments.basins import SEED_TABLES

SLOW_ENOUGH = {"n_neurons": 400, "alphas": "[0.02, 0.05, 0.08, 0.11, 0.14, 0.17]", "temperatures": "[0.2, 0.9]",
               "n_sweeps": 40}


def _fill(dlg, settings):
    for key, value in settings.items():
        w = dlg.editors[key][0]
        w.setText(value) if isinstance(value, str) else w.setValue(value)


def test_the_phase_diagram_fills_in_live_tells_the_time_left_and_exports(qtbot, window, tmp_path):
    dlg = window.open_experiment("phase-diagram")
    _fill(dlg, SLOW_ENOUGH)
    messages = []
    window.controller.worker.experiment_progress.connect(lambda f, m: messages.append(m))
    dlg.run_button.click()
    qtbot.waitUntil(lambda: dlg.rows is not None, timeout=60000)
    assert dlg.running, "the first rows are drawn while the other tasks still run"
    view = dlg.views[0]
    assert "cells" in view.info_label.text()                     # "2/12 cells": the rest to come
    qtbot.waitUntil(lambda: not dlg.running, timeout=120000)
    assert dlg.message.text() == "finished" and dlg.progress.value() == 1000
    assert any("/6 tasks" in m and " left" in m for m in messages), messages   # tasks done/total, time left
    assert view.info_label.text() == "2×6"
    assert np.isfinite(view.overlay.getData()[0]).any()          # the AGS line is drawn over the map
    dlg.export_csv(str(tmp_path / "phase.csv"))
    lines = (tmp_path / "phase.csv").read_text().splitlines()
    assert lines[0].startswith("alpha,") and len(lines) == 1 + 12
    dlg.export_png(str(tmp_path / "phase.png"))
    assert (tmp_path / "phase.png").stat().st_size > 1000
    dlg.close()


def test_the_seed_tables_are_heatmaps_with_numbers(qtbot, window):
    from engine.model import Snapshot
    dlg = window.open_experiment("basins")
    seed_view = next(v for v in dlg.views if v.spec.key == "seed_hebbian_single")
    seed_view.update_view(Snapshot(t=0, data={"seed_hebbian_single": SEED_TABLES["hebbian_single"],
                                              "stored": np.arange(1, 11)}, unit="run"))
    texts = [t.textItem.toPlainText() for t in seed_view.texts]
    assert texts[:3] == ["100.0"] * 3 and "33.0" in texts and len(texts) == 50
    dlg.close()


@pytest.mark.parametrize("name, settings", [
    ("basins", {"max_stored": 3}),
    ("basin-map", {"n_neurons": 20, "n_stored": "[2, 3]"}),
    ("spurious", {"stored": "[2, 3]", "n_sets": 2, "dreams": 5}),
    ("unlearning", {"n_neurons": 10, "stored": "[2]", "dreams": "[0, 5]", "n_sets": 1}),
    ("capacity", {"n_neurons": "[30, 40]", "n_loads": 2, "n_seeds": 1, "rules": "['hebbian', 'storkey']"}),
])
def test_every_study_runs_from_its_dialog_and_draws(qtbot, window, name, settings):
    dlg = window.open_experiment(name)
    _fill(dlg, settings)
    dlg.run_button.click()
    qtbot.waitUntil(lambda: not dlg.running, timeout=60000)
    assert dlg.message.text() == "finished", dlg.message.text()
    drawn = [v for v in dlg.views if v.spec.key in dlg.result]
    assert drawn, "at least one view has its data"
    assert window.last_error in ("", None) or name not in window.last_error
    dlg.close()
