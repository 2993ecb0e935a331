"""Shared pieces of every view: the frame around a pyqtgraph widget, colours, PNG export."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (QFileDialog, QFrame, QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget)

from engine.model import Snapshot, ViewSpec

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#222")

# Okabe–Ito: distinguishable for colour-blind viewers (UX.md).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
SPIN_ON = (30, 60, 110)      # +1: deep blue
SPIN_OFF = (238, 232, 213)   # −1 / 0: warm paper
MIN_TITLE_WIDTH = 40         # px a view's title may shrink to (elided)


def spin_lut() -> np.ndarray:
    """Two calm colours for ±1 (a 2-entry lookup table over levels [−1, 1])."""
    return np.array([SPIN_OFF, SPIN_ON], dtype=np.uint8)


def diverging_cmap() -> pg.ColorMap:
    """Blue–white–red, centred on 0."""
    return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=[(33, 102, 172), (247, 247, 247), (178, 24, 43)])


def gray_cmap() -> pg.ColorMap:
    return pg.ColorMap(pos=[0.0, 1.0], color=[(255, 255, 255), (0, 0, 0)])


def sequential_cmap() -> pg.ColorMap:
    return pg.colormap.get("viridis")


def cmap_for(name: str) -> pg.ColorMap:
    return {"diverging": diverging_cmap(), "gray": gray_cmap()}.get(name, sequential_cmap())


class ElidedLabel(QLabel):
    """A one-line label that, short of room, drops part of its text: by default the start
    ("…= 0.517": the number at the end is what the reader wants), with ``Qt.ElideRight`` the end."""

    def __init__(self, text: str = "", parent: QWidget | None = None, elide=Qt.ElideLeft):
        super().__init__(text, parent)
        self.elide = elide

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        text = self.fontMetrics().elidedText(self.text(), self.elide, self.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.rect(), int(self.alignment()), text)


class View(QFrame):
    """A titled frame holding one pyqtgraph widget, fed from snapshots."""

    painted = Signal(str, object, float)   # view key, flat indices, value (+1 / −1)
    scale = 1.0                           # presentation mode multiplies fonts and pens
    # True for a finished result (an experiment's): ranges fit the data with a margin, instead of
    # the steady, growing ranges that suit a live history.
    result_mode = False

    def __init__(self, spec: ViewSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.setFrameShape(QFrame.StyledPanel)
        self.setObjectName(f"view-{spec.key}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 4)
        lay.setSpacing(2)
        head = QHBoxLayout()
        # The title shrinks (elided, whole in its tooltip) rather than widen the view: a row of
        # views with long titles made the window wider than a 1280-pixel screen.
        self.title_label = ElidedLabel(spec.title, elide=Qt.ElideRight)
        self.title_label.setStyleSheet("font-weight: 600;")
        self.title_label.setToolTip(spec.title)
        self.title_label.setMinimumWidth(MIN_TITLE_WIDTH)
        self.info_label = ElidedLabel("")
        self.info_label.setStyleSheet("color: #555;")
        self.info_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        # Its text changes every frame; were its width a size hint, the grid of views would be
        # re-laid out and every plot resized (and its axes redrawn) many times a second.
        self.info_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        export = QToolButton()
        export.setText("PNG")
        export.setToolTip("Export this view as a PNG image")
        export.clicked.connect(self._export_dialog)
        head.addWidget(self.title_label)
        head.addWidget(self.info_label, 1)
        head.addWidget(export)
        lay.addLayout(head)
        self.body = self.make_body()
        lay.addWidget(self.body, 1)
        self._has_data = False

    # -- to override
    def make_body(self) -> QWidget:
        raise NotImplementedError

    def update_view(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def set_presentation(self, on: bool) -> None:
        f = QFont(self.title_label.font())
        f.setPointSizeF(10 * (1.6 if on else 1.0))
        self.title_label.setFont(f)

    # -- shared
    def data(self, snapshot: Snapshot, key: str | None = None):
        key = key or self.spec.key
        if key not in snapshot.data:
            return None
        return snapshot.data[key]

    def export_png(self, path: str) -> str:
        """Save what the view shows (title included) as a PNG."""
        if not self.grab().save(str(path), "PNG"):
            raise ValueError(f"could not write a PNG to {path!r}")
        return str(path)

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.spec.title}", f"{self.spec.key}.png",
                                              "PNG image (*.png)")
        if path:
            if not path.lower().endswith(".png"):
                path += ".png"
            self.export_png(path)


def plot_widget() -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setMenuEnabled(False)
    w.showGrid(x=True, y=True, alpha=0.15)
    for axis in ("left", "bottom", "right", "top"):
        item = w.getAxis(axis)
        item.enableAutoSIPrefix(False)  # "(x0.001)" confuses more than it helps
        # An axis with grid lines spans the whole plot, so every curve update repainted its tick
        # labels (QPicture text replay: most of a frame). Cached as a pixmap it is only redrawn
        # when its range changes; CurveView changes ranges in steps for that reason.
        item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
    return w


def range_still_fits(current: tuple[float, float] | None, lo: float, hi: float, least_fill: float) -> bool:
    """True while [lo, hi] lies inside ``current`` and fills at least ``least_fill`` of it.

    Views change a plot's range only when this fails (grow at once, shrink late), because every
    range change redraws the axis tick labels, the dearest thing in a frame.
    """
    return (current is not None and current[0] <= lo and hi <= current[1]
            and (hi - lo) >= (current[1] - current[0]) * least_fill)


def color(i: int) -> QColor:
    return QColor(PALETTE[i % len(PALETTE)])


def image_body(aspect: bool = True) -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox]:
    glw = pg.GraphicsLayoutWidget()
    vb = glw.addViewBox(lockAspect=aspect, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    return glw, vb


__all__ = ["View", "PALETTE", "spin_lut", "diverging_cmap", "gray_cmap", "cmap_for", "plot_widget",
           "color", "image_body", "range_still_fits", "Qt"]
