"""Scatter view: 2-D data coloured by class, with prototypes drawn as large markers on top."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.model import Snapshot
from hebbgui.views.base import PALETTE, View, plot_widget


class ScatterView(View):
    def make_body(self):
        self.plot = plot_widget()
        self.plot.setAspectLocked(True)
        self.points: list[pg.ScatterPlotItem] = []
        self.protos = pg.ScatterPlotItem(symbol="star", size=22, pen=pg.mkPen("k", width=1.5),
                                         brush=pg.mkBrush(255, 255, 255, 230))
        self.plot.addItem(self.protos)
        self.protos.setZValue(10)
        self._ranged = False
        return self.plot

    def update_view(self, snapshot: Snapshot) -> None:
        pts = self.data(snapshot)
        if pts is None:
            return
        pts = np.asarray(pts, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] < 2:
            return
        ck = self.spec.extra.get("classes_key")
        classes = np.asarray(snapshot.data[ck]).astype(int) if ck and ck in snapshot.data else np.zeros(len(pts), int)
        ids = sorted(set(classes.tolist()))
        while len(self.points) < len(ids):
            i = len(self.points)
            item = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(PALETTE[i % len(PALETTE)] + "b0"))
            self.plot.addItem(item)
            self.points.append(item)
        for i, item in enumerate(self.points):
            if i < len(ids):
                sel = classes == ids[i]
                item.setData(pts[sel, 0], pts[sel, 1])
            else:
                item.setData([], [])
        protos = [np.asarray(snapshot.data[k], dtype=np.float64) for k in self.spec.series if k in snapshot.data]
        if protos and protos[0].ndim == 2 and protos[0].shape[1] >= 2:
            p = protos[0]
            self.protos.setData(p[:, 0], p[:, 1],
                                brush=[pg.mkBrush(PALETTE[i % len(PALETTE)]) for i in range(len(p))])
        if not self._ranged and len(pts):
            self._ranged = True
            self.plot.autoRange()
