"""Bars view: e.g. p(s) of the data against p(s) of the model for a tiny Boltzmann machine."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.model import Snapshot
from hebbgui.views.base import View, color, plot_widget


class BarsView(View):
    def make_body(self):
        self.plot = plot_widget()
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        if self.spec.y_label:
            self.plot.setLabel("left", self.spec.y_label)
        if self.spec.x_label:
            self.plot.setLabel("bottom", self.spec.x_label)
        self.bars: list[pg.BarGraphItem] = []
        self._ticks = None
        return self.plot

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None:
            return
        vals = np.atleast_2d(np.asarray(arr, dtype=np.float64))
        groups, k = vals.shape
        if vals.size == 0 or not np.isfinite(vals).any():
            for item in self.bars:
                item.setOpts(x=[], height=[], width=0.8)
            self.info_label.setText("no data for these settings")
            return
        self.info_label.setText("")
        width = 0.8 / groups
        x0 = np.arange(k, dtype=np.float64)
        for g in range(groups):
            x = x0 - 0.4 + width * (g + 0.5)
            if g < len(self.bars):
                self.bars[g].setOpts(x=x, height=vals[g], width=width)
            else:
                name = self.spec.labels[g] if g < len(self.spec.labels) else None
                item = pg.BarGraphItem(x=x, height=vals[g], width=width, brush=color(g), pen=None, name=name)
                self.plot.addItem(item)  # PlotItem puts named items in the legend itself
                self.bars.append(item)
        ticks = self.spec.extra.get("ticks")
        tick_key = self.spec.extra.get("ticks_key")
        if tick_key and tick_key in snapshot.data:
            ticks = [str(t) for t in np.asarray(snapshot.data[tick_key]).tolist()]
        if ticks and ticks != self._ticks and len(ticks) == k:
            self._ticks = list(ticks)
            self.plot.getAxis("bottom").setTicks([list(enumerate(ticks))])
        self.legend.setVisible(groups > 1)
        top = float(np.nanmax(vals)) if vals.size else 1.0
        self.plot.setYRange(min(0.0, float(np.nanmin(vals))), top * 1.1 if top > 0 else 1.0, padding=0)
        self.plot.setXRange(-0.6, k - 0.4, padding=0)
