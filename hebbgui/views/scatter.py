"""Scatter view: 2-D data coloured by class, with prototypes drawn as large markers on top."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from engine.model import Snapshot
from hebbgui.views.base import View, color, plot_widget


class PointCloudItem(pg.GraphicsObject):
    """Thousands of round dots, one colour per class, redrawn cheaply when the classes change.

    pg.ScatterPlotItem keeps Python state per spot: giving it new classes costs a few ms, and its
    first paint after that 10-20 ms, many times a second while competitive learning reassigns
    points. Here the points of a class are one QPolygonF filled from numpy, drawn with a round
    pen in one drawPoints call (about 2 ms for 1500 points, the same every frame).
    """

    def __init__(self, size: float = 6.0, alpha: int = 176):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.xy = np.zeros((0, 2))
        self.classes = np.zeros(0, dtype=np.int64)
        self._groups: list[tuple[QPen, np.ndarray]] = []   # (pen, the class's points)
        self._bounds = QRectF()

    def set_points(self, xy: np.ndarray, classes: np.ndarray) -> None:
        xy = np.asarray(xy, dtype=np.float64)
        classes = np.asarray(classes, dtype=np.int64)
        moved = xy.shape != self.xy.shape or not np.array_equal(xy, self.xy)
        self.xy, self.classes = xy.copy(), classes.copy()
        self._groups = []
        for k in np.unique(classes):
            c = QColor(color(int(k)))
            c.setAlpha(self.alpha)
            pen = QPen(c)
            pen.setWidthF(self.size)
            pen.setCapStyle(Qt.RoundCap)
            self._groups.append((pen, xy[classes == k]))
        if moved:
            self.prepareGeometryChange()
            if len(xy):
                lo, hi = xy.min(axis=0), xy.max(axis=0)
                self._bounds = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
            else:
                self._bounds = QRectF()
            self.informViewBoundsChanged()
        self.update()

    def points_of_class(self, k: int) -> np.ndarray:
        return self.xy[self.classes == k]

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        if not len(self.xy):
            return None, None
        return float(self.xy[:, ax].min()), float(self.xy[:, ax].max())

    def pixelPadding(self) -> float:
        return self.size

    def boundingRect(self) -> QRectF:
        # the dots reach half a pen width past the outermost points
        px = self.pixelLength(pg.Point(1, 0)) or 0.0
        py = self.pixelLength(pg.Point(0, 1)) or 0.0
        pad = self.size / 2 + 1
        return self._bounds.adjusted(-pad * px, -pad * py, pad * px, pad * py)

    def paint(self, p: QPainter, *args) -> None:
        # Points are mapped to pixels here and drawn untransformed: a round cap drawn through the
        # view's data→pixel transform comes out as an ellipse.
        t = p.transform()
        p.resetTransform()
        p.setRenderHint(QPainter.Antialiasing, True)
        for pen, xy in self._groups:
            poly = fn.create_qpolygonf(len(xy))
            dev = fn.ndarray_from_qpolygonf(poly)
            dev[:, 0] = t.m11() * xy[:, 0] + t.m21() * xy[:, 1] + t.dx()
            dev[:, 1] = t.m12() * xy[:, 0] + t.m22() * xy[:, 1] + t.dy()
            p.setPen(pen)
            p.drawPoints(poly)
        p.setTransform(t)


class ScatterView(View):
    def make_body(self):
        self.plot = plot_widget()
        self.plot.setAspectLocked(True)
        self.points = PointCloudItem()
        self.plot.addItem(self.points)
        self.protos = pg.ScatterPlotItem(symbol="star", size=22, pen=pg.mkPen("k", width=1.5),
                                         brush=pg.mkBrush(255, 255, 255, 230))
        self.plot.addItem(self.protos)
        self.protos.setZValue(10)
        self._ranged = False
        self._proto_brushes: list = []
        return self.plot

    def apply_theme(self) -> None:
        """Classes and prototypes in the palette's colours."""
        super().apply_theme()
        if hasattr(self, "points"):
            self.points.set_points(self.points.xy, self.points.classes)
            self._proto_brushes = [pg.mkBrush(color(i)) for i in range(len(self._proto_brushes))]
            if self._proto_brushes and len(self.protos.data) == len(self._proto_brushes):
                self.protos.setBrush(self._proto_brushes)

    def update_view(self, snapshot: Snapshot) -> None:
        pts = self.data(snapshot)
        if pts is None:
            return
        pts = np.asarray(pts, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] < 2:
            return
        pts = pts[:, :2]
        ck = self.spec.extra.get("classes_key")
        classes = np.asarray(snapshot.data[ck]).astype(int) if ck and ck in snapshot.data else np.zeros(len(pts), int)
        if not (np.array_equal(classes, self.points.classes) and np.array_equal(pts, self.points.xy)):
            self.points.set_points(pts, classes)
        protos = [np.asarray(snapshot.data[k], dtype=np.float64) for k in self.spec.series if k in snapshot.data]
        if protos and protos[0].ndim == 2 and protos[0].shape[1] >= 2:
            p = protos[0]
            if len(self._proto_brushes) != len(p):
                self._proto_brushes = [pg.mkBrush(color(i)) for i in range(len(p))]
            self.protos.setData(p[:, 0], p[:, 1], brush=self._proto_brushes)
        if not self._ranged and len(pts):
            self._ranged = True
            self.plot.autoRange()
