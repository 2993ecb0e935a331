"""Table view: the seeds' worked examples as numbers a student can read (state, E, e^−E, p(s)…)."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from engine.model import Snapshot
from hebbgui.views.base import View


class TableView(View):
    def make_body(self):
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self._last = None
        return self.table

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None:
            self.table.setRowCount(0)
            self.info_label.setText(self.spec.extra.get("missing", "no table for these settings"))
            return
        vals = np.atleast_2d(np.asarray(arr, dtype=np.float64))
        rk = self.spec.extra.get("row_labels_key")
        labels = [str(x) for x in np.asarray(snapshot.data[rk]).tolist()] if rk and rk in snapshot.data else None
        key = (vals.tobytes(), tuple(labels or ()))
        if key != self._last:
            self._last = key
            cols = list(self.spec.extra.get("columns", [])) or [str(i) for i in range(vals.shape[1])]
            self.table.setColumnCount(vals.shape[1])
            self.table.setRowCount(vals.shape[0])
            self.table.setHorizontalHeaderLabels(cols[: vals.shape[1]])
            if labels:
                self.table.setVerticalHeaderLabels(labels)
            digits = int(self.spec.extra.get("digits", 4))
            for i in range(vals.shape[0]):
                for j in range(vals.shape[1]):
                    self.table.setItem(i, j, QTableWidgetItem(f"{vals[i, j]:.{digits}g}"))
        fk = self.spec.extra.get("footer_key")
        if fk and fk in snapshot.data:
            self.info_label.setText(f"{self.spec.extra.get('footer_label', fk)} = {float(snapshot.data[fk]):.5g}")
