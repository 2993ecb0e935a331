"""Heatmap view: a matrix (weights) on a diverging colormap centred on 0, with a colorbar."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.model import Snapshot
from hebbgui.views.base import View, cmap_for, image_body


class HeatmapView(View):
    def make_body(self):
        glw, vb = image_body()
        self.viewbox = vb
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.hoverEvent = self._hover
        vb.addItem(self.image)
        self.cmap = cmap_for(self.spec.colormap or "diverging")
        self.colorbar = pg.ColorBarItem(colorMap=self.cmap, interactive=False, width=14)
        self.colorbar.setImageItem(self.image)
        glw.addItem(self.colorbar)
        self._last = None
        self._shape = None
        return glw

    def apply_theme(self) -> None:
        """The matrix and its colour bar in the palette's colormap."""
        super().apply_theme()
        if hasattr(self, "colorbar"):
            self.cmap = cmap_for(self.spec.colormap or "diverging")
            self.colorbar.setColorMap(self.cmap)

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None or arr is self._last:  # models may hand the same frozen copy while unchanged
            return
        self._last = arr
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim != 2 or arr.size == 0:
            return
        if (self.spec.colormap or "diverging") == "diverging":
            m = float(np.max(np.abs(arr))) or 1.0
            levels = (-m, m)
        else:
            lo, hi = float(arr.min()), float(arr.max())
            levels = (lo, hi if hi > lo else lo + 1.0)
        self.image.setImage(arr, autoLevels=False, levels=levels)
        self.colorbar.setLevels(levels)
        if arr.shape != self._shape:
            self._shape = arr.shape
            self.viewbox.setRange(xRange=(0, arr.shape[1]), yRange=(0, arr.shape[0]), padding=0.02)
        self.info_label.setText(f"{arr.shape[0]}×{arr.shape[1]}, |w| ≤ {max(abs(levels[0]), abs(levels[1])):.3g}")

    def _hover(self, ev):
        img = self.image.image
        if ev.isExit() or img is None:
            return
        p = ev.pos()
        i, j = int(p.y()), int(p.x())
        if 0 <= i < img.shape[0] and 0 <= j < img.shape[1]:
            self.info_label.setText(f"i={i}, j={j}, w={img[i, j]:.4g}")
