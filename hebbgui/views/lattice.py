"""Lattice view: a state drawn as crisp square pixels; optionally painted with the mouse."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from engine.model import Snapshot
from hebbgui.views.base import View, gray_cmap, image_body, spin_lut


class PaintableImage(pg.ImageItem):
    """An ImageItem that reports clicks and drags as cells: left paints +1, right −1."""

    def __init__(self, on_paint, **kw):
        super().__init__(**kw)
        self.on_paint = on_paint
        self.paint_enabled = False
        self._value = 1.0
        self._last = None

    def _cell(self, pos):
        img = self.image
        if img is None:
            return None
        r, c = int(np.floor(pos.y())), int(np.floor(pos.x()))
        if 0 <= r < img.shape[0] and 0 <= c < img.shape[1]:
            return r, c
        return None

    def _value_for(self, button) -> float:
        return -1.0 if button == Qt.MouseButton.RightButton else 1.0

    def mouseClickEvent(self, ev):
        if not self.paint_enabled:
            return
        cell = self._cell(ev.pos())
        if cell is not None:
            ev.accept()
            self.on_paint([cell], self._value_for(ev.button()))

    def mouseDragEvent(self, ev):
        if not self.paint_enabled:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self._value = self._value_for(ev.button())
            self._last = self._cell(ev.buttonDownPos())
            if self._last is not None:
                self.on_paint([self._last], self._value)
        cell = self._cell(ev.pos())
        if cell is None:
            return
        cells = _line(self._last, cell) if self._last is not None else [cell]
        self._last = cell
        self.on_paint(cells, self._value)
        if ev.isFinish():
            self._last = None


def _line(a, b) -> list[tuple[int, int]]:
    """Cells on the segment a→b, so a fast stroke leaves no gaps."""
    n = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    rs = np.rint(np.linspace(a[0], b[0], n + 1)).astype(int)
    cs = np.rint(np.linspace(a[1], b[1], n + 1)).astype(int)
    return list(dict.fromkeys(zip(rs.tolist(), cs.tolist())))


MAX_GRID_CELLS = 32   # a side with more cells than this gets only an outline


def cell_grid_segments(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """x, y of line segments (pairs of points): every cell border for small lattices, else the outline."""
    if max(rows, cols) <= MAX_GRID_CELLS:
        ys, xs = np.arange(rows + 1, dtype=float), np.arange(cols + 1, dtype=float)
    else:
        ys, xs = np.array([0.0, rows]), np.array([0.0, cols])
    x = np.concatenate([np.repeat([[0.0, cols]], len(ys), 0).ravel(), np.repeat(xs, 2)])
    y = np.concatenate([np.repeat(ys, 2), np.repeat([[0.0, rows]], len(xs), 0).ravel()])
    return x, y


class LatticeView(View):
    """Spins / binary states in two calm colours, or probabilities on a grey ramp."""

    def make_body(self):
        glw, vb = image_body()
        self.viewbox = vb
        self.image = PaintableImage(self._paint_cells, axisOrder="row-major")
        self.image.paint_enabled = self.spec.paintable
        vb.addItem(self.image)
        self._gray_lut = gray_cmap().getLookupTable(0.0, 1.0, 256)
        self._shape = None
        # Cell borders for small lattices: a unit that is off (white) must not vanish into the
        # background, and a student counting the seeds' 3×3 letters wants to see the cells.
        self.cell_grid = pg.PlotCurveItem(pen=pg.mkPen(150, 150, 150, 160, width=1), connect="pairs")
        self.cell_grid.setZValue(5)
        vb.addItem(self.cell_grid)
        if self.spec.paintable:
            glw.setToolTip("Left button paints +1 (on), right button −1 (off); drag to paint a stroke")
        return glw

    def apply_theme(self) -> None:
        """The units in the theme's two colours: redrawn at once from the image shown."""
        super().apply_theme()
        img = self.image.image
        if img is not None:
            levels, lut = self._levels_and_lut(img)
            self.image.setImage(img, levels=levels, lut=lut, autoLevels=False)

    def _levels_and_lut(self, arr):
        if self.spec.colormap == "gray":
            return (0.0, 1.0), self._gray_lut
        lo = 0.0 if arr.size and arr.min() >= 0 else -1.0
        return (lo, 1.0), spin_lut()

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None:
            return
        arr = np.asarray(arr)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.size == 0:
            self.image.clear()
            self.info_label.setText("no units")
            return
        levels, lut = self._levels_and_lut(arr)
        self.image.setImage(arr, levels=levels, lut=lut, autoLevels=False)
        if arr.shape != self._shape:
            self._shape = arr.shape
            self.viewbox.setRange(xRange=(0, arr.shape[1]), yRange=(0, arr.shape[0]), padding=0.02)
            self.cell_grid.setData(*cell_grid_segments(*arr.shape))
        self.info_label.setText(f"{arr.shape[0]}×{arr.shape[1]}")

    def _paint_cells(self, cells, value: float) -> None:
        img = self.image.image
        if img is None:
            return
        cols = img.shape[1]
        flat = np.array([r * cols + c for r, c in cells], dtype=np.int64)
        # Show the stroke at once; the engine's next frame confirms it.
        shown = np.array(img, copy=True)
        fill = value if value > 0 or shown.min() < 0 else 0.0
        shown.reshape(-1)[flat] = fill
        levels, lut = self._levels_and_lut(shown)
        self.image.setImage(shown, levels=levels, lut=lut, autoLevels=False)
        self.painted.emit(self.spec.key, flat, float(value))
