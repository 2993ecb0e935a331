"""Curve view: histories (energy, overlap, loss…) with a dashed theory line when there is one."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from engine.model import Snapshot
from hebbgui.views.base import View, color, plot_widget


class CurveView(View):
    MAX_SERIES = 12

    def make_body(self):
        self.plot = plot_widget()
        self.plot.setLabel("bottom", self.spec.x_label or "t")
        if self.spec.y_label:
            self.plot.setLabel("left", self.spec.y_label)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.items: list[pg.PlotDataItem] = []
        self.theory_item = None
        self._yrange = None
        self._width = 1.0  # wider pens make Qt stroke every segment: far too slow for long histories
        return self.plot

    def _series(self, snapshot: Snapshot):
        """[(label, x, y)] for every line this view draws."""
        out = []
        keys = (self.spec.key,) + tuple(self.spec.series)
        labels = list(self.spec.labels)
        x_all = None
        if self.spec.x_key and self.spec.x_key in snapshot.data:
            x_all = np.asarray(snapshot.data[self.spec.x_key], dtype=np.float64)
        li = 0
        for key in keys:
            if key not in snapshot.data:
                continue
            y = np.asarray(snapshot.data[key], dtype=np.float64)
            rows = [y] if y.ndim <= 1 else list(y)
            for r in rows[: self.MAX_SERIES]:
                r = np.atleast_1d(r)
                x = x_all if x_all is not None and len(x_all) == len(r) else np.arange(len(r), dtype=np.float64)
                name = labels[li] if li < len(labels) else (key if len(rows) == 1 else f"{key} {li + 1}")
                out.append((name, x, r))
                li += 1
        return out

    def update_view(self, snapshot: Snapshot) -> None:
        series = self._series(snapshot)
        while len(self.items) < len(series):
            i = len(self.items)
            item = self.plot.plot(pen=pg.mkPen(color(i), width=self._width), name=series[i][0])
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
            self.items.append(item)
        while len(self.items) > len(series):
            item = self.items.pop()
            self.plot.removeItem(item)
            self.legend.removeItem(item)
        # A legend only where there is something to tell apart.
        want_legend = len(series) > 1 or bool(self.spec.theory)
        if self.legend.isVisible() != want_legend:
            self.legend.setVisible(want_legend)
        ys = []
        for item, (_, x, y) in zip(self.items, series):
            finite = np.isfinite(y)
            item.setData(x[finite], y[finite])
            if finite.any():
                ys.append((y[finite].min(), y[finite].max()))
        if self.spec.theory and self.spec.theory in snapshot.data:
            th = np.asarray(snapshot.data[self.spec.theory], dtype=np.float64)
            if th.ndim == 2 and th.shape[0] == 2:
                if self.theory_item is None:
                    self.theory_item = self.plot.plot(pen=pg.mkPen("#444", width=self._width, style=Qt.DashLine),
                                                      name="theory")
                ok = np.isfinite(th[1])
                self.theory_item.setData(th[0][ok], th[1][ok])
        self._stable_y(ys)
        if series:
            last = series[0][2]
            self.info_label.setText(f"{series[0][0]} = {last[-1]:.5g}" if len(last) else "")

    def _stable_y(self, ys) -> None:
        """Grow the y range to fit; shrink only when the data fill less than a third of it (no jitter)."""
        if not ys:
            return
        lo = min(a for a, _ in ys)
        hi = max(b for _, b in ys)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        pad = 0.05 * (hi - lo)
        cur = self._yrange
        if cur is None or lo < cur[0] or hi > cur[1] or (hi - lo) < (cur[1] - cur[0]) / 3:
            self._yrange = (lo - pad, hi + pad)
            self.plot.setYRange(*self._yrange, padding=0)
        self.plot.enableAutoRange(axis="x")

    def set_presentation(self, on: bool) -> None:
        super().set_presentation(on)
        self._width = 2.0 if on else 1.0
        for i, item in enumerate(self.items):
            item.setPen(pg.mkPen(color(i), width=self._width))
