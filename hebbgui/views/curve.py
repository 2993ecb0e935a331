"""Curve view: histories (energy, overlap, loss…) with a dashed theory line when there is one."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from engine.model import Snapshot
from hebbgui import theme
from hebbgui.views.base import View, color, plot_widget, range_still_fits


RESULT_MARGIN = 0.05   # of the data's span, on each side, for a finished result


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
        self._xrange = None
        self._width = 1.0  # wider pens make Qt stroke every segment: far too slow for long histories
        return self.plot

    def _series(self, snapshot: Snapshot):
        """[(label, x, y)] for every line this view draws."""
        out = []
        keys = (self.spec.key,) + tuple(self.spec.series)
        labels = list(self.spec.labels)
        labels_key = self.spec.extra.get("labels_key")   # legend names that depend on the data (sizes…)
        if labels_key and labels_key in snapshot.data:
            labels = [str(x) for x in np.asarray(snapshot.data[labels_key]).ravel()]
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
        ys, xs = [], []
        for i, (item, (_, x, y)) in enumerate(zip(self.items, series)):
            keep = np.isfinite(x)
            x, y = x[keep], y[keep]
            finite = np.isfinite(y)
            # a line needs two points: a lone first record (one epoch so far) is drawn as a dot
            lone = int(finite.sum()) == 1
            if item.opts["symbol"] != ("o" if lone else None):
                item.setSymbol("o" if lone else None)
                item.setSymbolBrush(color(i))
                item.setSymbolPen(None)
                item.setSymbolSize(6)
            # A NaN in a history starts a new segment (a change that redefined the energy, say):
            # the line breaks there instead of joining two different quantities.
            item.setData(x, y, connect="finite")
            if finite.any():
                ys.append((y[finite].min(), y[finite].max()))
                xs.append((x[finite][0], x[finite][-1]))
        if self.spec.theory and self.spec.theory in snapshot.data:
            th = np.asarray(snapshot.data[self.spec.theory], dtype=np.float64)
            if th.ndim == 2 and th.shape[0] == 2:
                if self.theory_item is None:
                    self.theory_item = self.plot.plot(pen=self._theory_pen(), name="theory")
                ok = np.isfinite(th[0]) & np.isfinite(th[1])
                # NaN separates marks (two vertical capacity lines): a gap, not a line joining them
                self.theory_item.setData(th[0], th[1], connect="finite")
                if self.result_mode and ok.any() and xs:
                    # the theory counts towards the y range where it lies beside the data
                    lo, hi = min(a for a, _ in xs), max(b for _, b in xs)
                    inside = ok & (th[0] >= lo) & (th[0] <= hi)
                    if inside.any():
                        ys.append((th[1][inside].min(), th[1][inside].max()))
        if self.result_mode:
            self._fit_to_data(xs, ys)
        else:
            self._stable_y(ys)
            self._stable_x(xs)
        if series:
            last = series[0][2]
            last = last[np.isfinite(last)]
            self.info_label.setText(f"{series[0][0]} = {last[-1]:.5g}" if len(last) else "")

    def _fit_to_data(self, xs, ys) -> None:
        """A finished result: both ranges fit the data with a small margin, so a curve at its
        extreme (a rate of 1.0) stays clear of the border; no room is kept for data to come."""
        for (spans, set_range) in ((xs, self.plot.setXRange), (ys, self.plot.setYRange)):
            if not spans:
                continue
            lo = min(a for a, _ in spans)
            hi = max(b for _, b in spans)
            pad = RESULT_MARGIN * (hi - lo) if hi - lo > 1e-12 else 0.5
            set_range(lo - pad, hi + pad, padding=0)

    def _stable_y(self, ys) -> None:
        """Grow the y range to fit; shrink only when the data fill less than a third of it (no jitter)."""
        if not ys:
            return
        lo = min(a for a, _ in ys)
        hi = max(b for _, b in ys)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        if not range_still_fits(self._yrange, lo, hi, 1 / 3):
            pad = 0.05 * (hi - lo)
            self._yrange = (lo - pad, hi + pad)
            self.plot.setYRange(*self._yrange, padding=0)

    def _stable_x(self, xs) -> None:
        """Move the x range in steps of a round width, not every frame."""
        if not xs:
            return
        lo = min(a for a, _ in xs)
        hi = max(b for _, b in xs)
        if range_still_fits(self._xrange, lo, hi, 1 / 4):
            return
        width = _nice_ceil(max(hi - lo, 1.0) * 1.25)
        start = np.floor(lo / (width / 10)) * (width / 10)
        if hi > start + width:   # the rounding down cost the last point: one step wider
            width = _nice_ceil(width * 1.01)
        self._xrange = (float(start), float(start + width))
        self.plot.setXRange(*self._xrange, padding=0)

    def _theory_pen(self):
        return pg.mkPen(theme.theme().muted, width=self._width, style=Qt.DashLine)

    def set_presentation(self, on: bool) -> None:
        """Text and pens larger when presenting, thicker again in a high-contrast theme; the pens in
        the palette's colours (so a new theme or palette recolours the curves here too)."""
        super().set_presentation(on)
        self._width = (2.0 if on else 1.0) * theme.theme().line_scale
        for i, item in enumerate(self.items):
            item.setPen(pg.mkPen(color(i), width=self._width))
            item.setSymbolBrush(color(i))
        if self.theory_item is not None:
            self.theory_item.setPen(self._theory_pen())


def _nice_ceil(x: float) -> float:
    """The smallest 1, 2 or 5 × 10^k that is ≥ x."""
    k = 10.0 ** np.floor(np.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * k >= x * (1 - 1e-12):
            return m * k
    return 10.0 * k
