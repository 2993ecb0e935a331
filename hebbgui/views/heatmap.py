"""Heatmap view: a matrix (weights) on a diverging colormap centred on 0, with a colorbar.

Experiments' tables and maps ask for more through ``spec.extra``: "x_values_key"/"y_values_key"
(snapshot keys of the column/row values: labelled axes), "numbers" (each cell's value written in
it, "digits" decimals), "levels" (fixed colour range), "invert_y" (row 0 on top) and
"overlay_key" (a (2, m) [x; y] curve in the axes' values, drawn dashed: a theory line).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from engine.model import Snapshot
from hebbgui.views.base import View, cmap_for, image_body

MAX_NUMBERS = 600   # cells; above, numbers would not be readable anyway
MAX_TICKS = 12


class HeatmapView(View):
    def make_body(self):
        ex = self.spec.extra
        self.with_axes = any(k in ex for k in ("x_values_key", "y_values_key", "numbers"))
        if self.with_axes:
            glw = pg.GraphicsLayoutWidget()
            self.plot = glw.addPlot()
            self.plot.setMenuEnabled(False)
            self.plot.setMouseEnabled(False, False)
            self.plot.hideButtons()
            self.plot.invertY(bool(ex.get("invert_y", "numbers" in ex)))
            if self.spec.x_label:
                self.plot.setLabel("bottom", self.spec.x_label)
            if self.spec.y_label:
                self.plot.setLabel("left", self.spec.y_label)
            vb = self.plot.getViewBox()
        else:
            glw, vb = image_body()
        self.viewbox = vb
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.hoverEvent = self._hover
        vb.addItem(self.image)
        self.cmap = cmap_for(self.spec.colormap or "diverging")
        self.colorbar = pg.ColorBarItem(colorMap=self.cmap, interactive=False, width=14)
        self.colorbar.setImageItem(self.image)
        glw.addItem(self.colorbar)
        self.texts: list[pg.TextItem] = []
        self.overlay = None
        self._last = None
        self._shape = None
        self._bar_levels = None
        return glw

    def apply_theme(self) -> None:
        """The matrix and its colour bar in the palette's colormap."""
        super().apply_theme()
        if hasattr(self, "colorbar"):
            self.cmap = cmap_for(self.spec.colormap or "diverging")
            self.colorbar.setColorMap(self.cmap)

    def _levels(self, arr: np.ndarray) -> tuple[float, float]:
        if "levels" in self.spec.extra:
            lo, hi = self.spec.extra["levels"]
            return float(lo), float(hi)
        finite = arr[np.isfinite(arr)]
        if not finite.size:
            return (0.0, 1.0)
        if (self.spec.colormap or "diverging") == "diverging":
            m = float(np.max(np.abs(finite))) or 1.0
            return (-m, m)
        lo, hi = float(finite.min()), float(finite.max())
        return (lo, hi if hi > lo else lo + 1.0)

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None or arr is self._last:  # models may hand the same frozen copy while unchanged
            return
        self._last = arr
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim != 2 or arr.size == 0:
            return
        levels = self._levels(arr)
        self.image.setImage(arr, autoLevels=False, levels=levels)
        if levels != self._bar_levels:   # setting them, even unchanged, redraws the colour bar's axis
            self._bar_levels = levels
            self.colorbar.setLevels(levels)
        if arr.shape != self._shape:
            self._shape = arr.shape
            self.viewbox.setRange(xRange=(0, arr.shape[1]), yRange=(0, arr.shape[0]), padding=0.02)
        if not self.with_axes:
            self.info_label.setText(f"{arr.shape[0]}×{arr.shape[1]}, |w| ≤ {max(abs(levels[0]), abs(levels[1])):.3g}")
            return
        xs = self._values(snapshot, "x_values_key", arr.shape[1])
        ys = self._values(snapshot, "y_values_key", arr.shape[0])
        self.plot.getAxis("bottom").setTicks([_ticks(xs)])
        self.plot.getAxis("left").setTicks([_ticks(ys)])
        if self.spec.extra.get("numbers") and arr.size <= MAX_NUMBERS:
            self._write_numbers(arr, levels)
        self._draw_overlay(snapshot, xs, ys)
        done = int(np.isfinite(arr).sum())
        self.info_label.setText(f"{done}/{arr.size} cells" if done < arr.size else f"{arr.shape[0]}×{arr.shape[1]}")

    def _values(self, snapshot: Snapshot, key: str, n: int) -> np.ndarray:
        k = self.spec.extra.get(key)
        vals = np.asarray(snapshot.data[k], dtype=np.float64) if k and k in snapshot.data else np.arange(n)
        return vals if vals.shape == (n,) else np.arange(n, dtype=np.float64)

    def _write_numbers(self, arr: np.ndarray, levels: tuple[float, float]) -> None:
        digits = int(self.spec.extra.get("digits", 1))
        while len(self.texts) < arr.size:
            item = pg.TextItem(anchor=(0.5, 0.5))
            self.viewbox.addItem(item)
            self.texts.append(item)
        for item in self.texts[arr.size:]:
            item.setText("")
        span = (levels[1] - levels[0]) or 1.0
        dark_cells = self.spec.colormap == "gray"   # the gray ramp is dark at the top of the range
        for k, v in enumerate(arr.ravel()):
            i, j = divmod(k, arr.shape[1])
            item = self.texts[k]
            item.setPos(j + 0.5, i + 0.5)
            if not np.isfinite(v):
                item.setText("")
                continue
            light = (v - levels[0]) / span > 0.5 if dark_cells else False
            item.setColor("w" if light else "k")
            item.setText(f"{v:.{digits}f}")

    def _draw_overlay(self, snapshot: Snapshot, xs: np.ndarray, ys: np.ndarray) -> None:
        key = self.spec.extra.get("overlay_key")
        if not key or key not in snapshot.data or len(xs) < 2 or len(ys) < 2:
            return
        if np.any(np.diff(xs) <= 0) or np.any(np.diff(ys) <= 0):
            return  # cells are placed by index: only increasing values map onto them
        curve = np.asarray(snapshot.data[key], dtype=np.float64)
        # value → cell coordinate: linear between cell centres, extended at the ends
        px = np.interp(curve[0], xs, np.arange(len(xs)) + 0.5, left=np.nan, right=np.nan)
        py = np.interp(curve[1], ys, np.arange(len(ys)) + 0.5, left=np.nan, right=np.nan)
        if self.overlay is None:
            self.overlay = pg.PlotDataItem(pen=pg.mkPen("#D55E00", width=2, style=Qt.DashLine))
            self.viewbox.addItem(self.overlay)
        self.overlay.setData(px, py, connect="finite")

    def _hover(self, ev):
        img = self.image.image
        if ev.isExit() or img is None:
            return
        p = ev.pos()
        i, j = int(p.y()), int(p.x())
        if 0 <= i < img.shape[0] and 0 <= j < img.shape[1]:
            self.info_label.setText(f"i={i}, j={j}, w={img[i, j]:.4g}")


def _ticks(values: np.ndarray) -> list[tuple[float, str]]:
    """Tick labels at cell centres: every value, or every k-th when there are many."""
    step = max(1, int(np.ceil(len(values) / MAX_TICKS)))
    return [(k + 0.5, f"{v:g}") for k, v in enumerate(values) if k % step == 0]
