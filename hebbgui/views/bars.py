"""Bars view: e.g. p(s) of the data against p(s) of the model for a tiny Boltzmann machine."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from engine.model import Snapshot
from hebbgui.views.base import View, color, plot_widget, range_still_fits


MAX_LABELLED_BARS = 16   # beyond this, a label per bar would overlap its neighbours
MAX_DRAWN_BARS = 128     # beyond this, bars are thinner than a pixel or two and vanish: a filled step curve


class BarsView(View):
    def make_body(self):
        self.plot = plot_widget()
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        if self.spec.y_label:
            self.plot.setLabel("left", self.spec.y_label)
        if self.spec.x_label:
            self.plot.setLabel("bottom", self.spec.x_label)
        self.bars: list[pg.BarGraphItem] = []
        self.steps: list[pg.PlotDataItem] = []   # the same values as filled step curves, for many bars
        self._ticks = None
        self._yrange = None
        self._k = None
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
            for item in self.steps:
                item.setData([], [])
            self.info_label.setText("no data for these settings")
            return
        self.info_label.setText("")
        if k > MAX_DRAWN_BARS:
            self._draw_steps(vals)
        else:
            self._draw_bars(vals)
        ticks = self.spec.extra.get("ticks")
        tick_key = self.spec.extra.get("ticks_key")
        if tick_key and tick_key in snapshot.data:
            ticks = [str(t) for t in np.asarray(snapshot.data[tick_key]).tolist()]
        if k > MAX_LABELLED_BARS:
            ticks = None                         # too many to label: the axis picks round numbers
        elif not ticks or len(ticks) != k:
            ticks = [str(i) for i in range(k)]   # bars are numbered things: no "0.5"
        if ticks != self._ticks:
            self._ticks = list(ticks) if ticks else None
            self.plot.getAxis("bottom").setTicks([list(enumerate(ticks))] if ticks else None)
        if self.legend.isVisible() != (groups > 1):
            self.legend.setVisible(groups > 1)
        lo = min(0.0, float(np.nanmin(vals)))
        hi = float(np.nanmax(vals))
        hi = hi * 1.1 if hi > 0 else 1.0
        if not range_still_fits(self._yrange, lo, hi, 1 / 2):
            self._yrange = (lo, hi)
            self.plot.setYRange(lo, hi, padding=0)
        if self._k != k:
            self._k = k
            self.plot.setXRange(-0.6, k - 0.4, padding=0)

    def apply_theme(self) -> None:
        """Bars and step curves in the palette's colours."""
        super().apply_theme()
        for g, item in enumerate(getattr(self, "bars", ())):
            item.setOpts(brush=color(g))
        for g, item in enumerate(getattr(self, "steps", ())):
            fill = QColor(color(g))
            fill.setAlpha(110)
            item.setPen(pg.mkPen(color(g), width=1))
            item.setBrush(fill)

    def _draw_bars(self, vals: np.ndarray) -> None:
        groups, k = vals.shape
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
        for item in self.steps:
            item.setData([], [])

    def _draw_steps(self, vals: np.ndarray) -> None:
        """Each group as a filled step curve over 0..k−1: a 512-state p(v) drew as 1-px bars that vanished."""
        groups, k = vals.shape
        edges = np.arange(k + 1, dtype=np.float64) - 0.5
        for g in range(groups):
            if g >= len(self.steps):
                c = color(g)
                fill = QColor(c)
                fill.setAlpha(110)   # translucent: two groups stay readable where they overlap
                name = self.spec.labels[g] if g < len(self.spec.labels) and not self.bars else None
                item = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=fill, pen=pg.mkPen(c, width=1),
                                       name=name)
                self.plot.addItem(item)
                self.steps.append(item)
            self.steps[g].setData(edges, np.nan_to_num(vals[g]))
        for item in self.bars:
            item.setOpts(x=[], height=[], width=0.8)
