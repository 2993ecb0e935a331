"""Shared pieces of every view: the frame around a pyqtgraph widget, colours, PNG export."""
from __future__ import annotations

import html
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QFileDialog, QFrame, QGraphicsItem, QHBoxLayout, QInputDialog, QLabel, QMenu,
                               QMessageBox, QSizePolicy, QToolButton, QVBoxLayout, QWidget)
from PySide6.QtSvg import QSvgGenerator
from pyqtgraph.exporters import ImageExporter

from engine.model import Snapshot, ViewSpec
from hebbgui import theme

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#222")

# Okabe–Ito: distinguishable for colour-blind viewers (UX.md); the colours in force: color(i).
PALETTE = list(theme.OKABE_ITO)
SPIN_ON = theme.THEMES["standard"].spin_on     # +1: deep blue (the standard theme's)
SPIN_OFF = theme.THEMES["standard"].spin_off   # −1 / 0: warm paper
PRESENTATION_SCALE = 1.6     # presentation mode: every text and pen of a view this much larger
TITLE_POINT_SIZE = 10.0      # a view's title
TEXT_POINT_SIZE = 9.0        # its readout, axis ticks and axis titles
LEGEND_POINT_SIZE = 8.0      # its legend entries
EXPORT_SCALE = 2.0           # a PNG export is rendered at twice the size on screen
MIN_TITLE_WIDTH = 40         # px a view's title may shrink to (elided)


def spin_lut() -> np.ndarray:
    """The theme's two colours for ±1 (a 2-entry lookup table over levels [−1, 1])."""
    t = theme.theme()
    return np.array([t.spin_off, t.spin_on], dtype=np.uint8)


def diverging_cmap() -> pg.ColorMap:
    """The palette's signed map: blue–white–red (colour-blind safe: blue–white–orange), centred on 0."""
    return theme.diverging_cmap()


def gray_cmap() -> pg.ColorMap:
    return pg.ColorMap(pos=[0.0, 1.0], color=[(255, 255, 255), (0, 0, 0)])


def sequential_cmap() -> pg.ColorMap:
    """The palette's ordered map: viridis (colour-blind safe: cividis)."""
    return theme.sequential_cmap()


def cmap_for(name: str) -> pg.ColorMap:
    if name == "diverging":
        return diverging_cmap()
    return gray_cmap() if name == "gray" else sequential_cmap()


# What each kind of view draws, for its tooltip (the spec adds its title, axes and colours).
KIND_HELP = {
    "lattice": "the state, one square per unit",
    "heatmap": "a matrix, one cell per entry (hover: row, column, value)",
    "curve": "a history: one line per series",
    "image_grid": "one tile per unit or memory, each tile scaled to its own range",
    "som_grid": "the map's units on their grid",
    "bars": "one bar per value",
    "scatter": "data points in 2-D, prototypes as large markers",
    "table": "a table of numbers",
}
COLORMAP_HELP = {
    "spin": "dark = +1 (on), light = −1 (off)",
    "gray": "white = 0 … black = 1",
    "diverging": "blue < 0 < red, symmetric about 0",
    "viridis": "dark = low … yellow = high",
}


def view_tooltip(spec: ViewSpec) -> str:
    """What the view draws and in which units, from its spec: the title, the kind, the axes, the
    colours, and a ``help`` text when the spec carries one (a field or ``extra["help"]``)."""
    lines = [f"<b>{spec.title}</b>"]
    extra_help = getattr(spec, "help", "") or (spec.extra or {}).get("help", "")
    if extra_help:
        lines.append(str(extra_help))
    lines.append(KIND_HELP.get(spec.kind, spec.kind))
    if spec.y_label or spec.x_label:
        axes = [f"y: {spec.y_label}" if spec.y_label else "", f"x: {spec.x_label}" if spec.x_label else ""]
        lines.append(", ".join(a for a in axes if a))
    if spec.labels and spec.kind in ("curve", "bars"):
        lines.append("series: " + ", ".join(spec.labels))
    if spec.theory:
        lines.append("dashed: the theory curve")
    if spec.colormap in COLORMAP_HELP and spec.kind != "curve":
        lines.append("colours: " + COLORMAP_HELP[spec.colormap])
    if spec.paintable:
        lines.append("left button paints +1, right button −1")
    # rich text (the title in bold): the rest escaped, or "blue < 0 < red" is read as a tag
    return "<br>".join([f"<b>{html.escape(spec.title)}</b>"] + [html.escape(line) for line in lines[1:]])


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
        self.title_label.setToolTip(view_tooltip(spec))   # the whole title, what is drawn, the units
        self.title_label.setMinimumWidth(MIN_TITLE_WIDTH)
        self.info_label = ElidedLabel("")
        self.info_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        # Its text changes every frame; were its width a size hint, the grid of views would be
        # re-laid out and every plot resized (and its axes redrawn) many times a second.
        self.info_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        # The export button sits in the header, outside what is exported (the plot item itself).
        export = QToolButton()
        export.setText("Export")
        export.setToolTip("Export this view: PNG at twice the screen size or a chosen width; SVG for plots")
        export.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(export)
        menu.addAction("PNG, 2× screen size…", lambda: self._export_dialog("png"))
        menu.addAction("PNG, chosen width…", lambda: self._export_dialog("png-width"))
        self._svg_action = menu.addAction("SVG (vector)…", lambda: self._export_dialog("svg"))
        export.setMenu(menu)
        self.export_button = export
        head.addWidget(self.title_label)
        head.addWidget(self.info_label, 1)
        head.addWidget(export)
        lay.addLayout(head)
        self.body = self.make_body()
        lay.addWidget(self.body, 1)
        self._svg_action.setVisible(isinstance(self.body, pg.PlotWidget))
        self._has_data = False
        self.presenting = False
        self.apply_theme()

    # -- to override
    def make_body(self) -> QWidget:
        raise NotImplementedError

    def update_view(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def set_presentation(self, on: bool) -> None:
        """Every text of the view at ``PRESENTATION_SCALE`` × its size (or back), or the theme's text
        scale if larger: the title, the readout, and inside the plot the axis ticks and labels, the
        legend and the colour bar's axis. A subclass that draws more (thicker pens) calls this first.
        (The larger, not the product: both at once, 2.2× text crowded the axes at 1280×800.)"""
        self.presenting = bool(on)
        self.scale = max(PRESENTATION_SCALE if on else 1.0, theme.theme().text_scale)
        for label, size in ((self.title_label, TITLE_POINT_SIZE), (self.info_label, TEXT_POINT_SIZE),
                            (self.export_button, TEXT_POINT_SIZE)):
            f = QFont(label.font())
            f.setPointSizeF(size * self.scale)
            label.setFont(f)
        scale_plot_text(self.body, self.scale)

    def apply_theme(self) -> None:
        """Draw in the theme and palette in force (hebbgui/theme.py): background, axes, text colours
        and sizes. A subclass whose items carry colours (pens, lookup tables) recolours them after this."""
        t = theme.theme()
        # A label with a style sheet keeps the palette it was polished with: the title needs its
        # colour said outright in a high-contrast theme, or it stays black on black. The standard
        # theme leaves it to the app's palette (a desktop's dark mode).
        text = "" if theme.names()["theme"] == "standard" else f" color: {t.foreground};"
        self.title_label.setStyleSheet(f"font-weight: 600;{text}")
        self.info_label.setStyleSheet(f"color: {t.muted};")
        if isinstance(self.body, pg.GraphicsView):
            self.body.setBackground(t.background)
            for item in self.body.scene().items():
                if isinstance(item, pg.AxisItem):
                    item.setPen(t.foreground)
                    item.setTextPen(t.foreground)
                elif isinstance(item, pg.LegendItem):
                    item.setLabelTextColor(t.foreground)
        self.set_presentation(self.presenting)

    # -- shared
    def data(self, snapshot: Snapshot, key: str | None = None):
        key = key or self.spec.key
        if key not in snapshot.data:
            return None
        return snapshot.data[key]

    def export_target(self):
        """What an export draws: the plot item or the layout of the body, never the header (title,
        readout, the Export button); a body that is no pyqtgraph scene (a table) is None."""
        if isinstance(self.body, pg.PlotWidget):
            return self.body.getPlotItem()
        if isinstance(self.body, pg.GraphicsLayoutWidget):
            return self.body.ci
        return None

    def export_png(self, path: str, width: int | None = None, scale: float = EXPORT_SCALE) -> str:
        """Save the plot as a PNG ``width`` pixels wide (the height keeps the aspect), else at
        ``scale`` × its size on screen; rendered again at that size, not a screenshot scaled up."""
        target = self.export_target()
        if target is None:
            image = self.body.grab().toImage()
            w = int(width or round(image.width() * scale))
            ok = image.scaledToWidth(max(w, 1), Qt.SmoothTransformation).save(str(path), "PNG")
        else:
            exporter = ImageExporter(target)
            size = target.sceneBoundingRect().size()
            w = int(width or round(size.width() * scale))
            # the exporter's height follows its width (aspect kept), set it after
            exporter.parameters()["width"] = max(w, 1)
            try:
                with export_scaled(self.body, max(w, 1) / max(size.width(), 1.0)):
                    exporter.export(str(path))
                ok = True
            except Exception:   # pyqtgraph raises plain Exceptions for a failed write
                ok = False
        if not ok:
            raise ValueError(f"could not write a PNG to {path!r}")
        return str(path)

    def export_svg(self, path: str) -> str:
        """Save a plot as SVG (vector: curves, bars, points; axes and legend as text).

        Drawn by Qt's SVG generator from the plot item's part of the scene: pyqtgraph 0.14's
        SVGExporter fails on every PlotItem ("not enough values to unpack": it cannot parse the
        closed clip path of a ViewBox, pyqtgraph issue #3495)."""
        if not isinstance(self.body, pg.PlotWidget):
            raise ValueError(f"{self.spec.title}: only plots export as SVG")
        target = self.export_target()
        rect = target.sceneBoundingRect()
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(rect.size().toSize())
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle(self.spec.title)
        painter = QPainter()
        if not painter.begin(gen):
            raise ValueError(f"could not write an SVG to {path!r}")
        try:
            target.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()
        return str(path)

    def _export_dialog(self, kind: str = "png") -> None:
        svg = kind == "svg"
        width = None
        if kind == "png-width":
            target = self.export_target()
            now = int(target.sceneBoundingRect().width()) if target is not None else self.body.width()
            width, ok = QInputDialog.getInt(self, "Export width", "Width in pixels:", max(1920, now), 16, 16384)
            if not ok:
                return
        ext, what = ("svg", "SVG image (*.svg)") if svg else ("png", "PNG image (*.png)")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.spec.title}", f"{self.spec.key}.{ext}", what)
        if not path:
            return
        if not path.lower().endswith("." + ext):
            path += "." + ext
        try:
            self.export_svg(path) if svg else self.export_png(path, width=width)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export", f"Could not export {self.spec.title}: {exc}")


def scale_plot_text(body: QWidget, scale: float) -> None:
    """Set every text in a pyqtgraph body to its size × ``scale``: tick labels (AxisItem tick font),
    axis titles (their label style), legend entries. The app font does not reach these: axes draw
    with their own font and labels carry their own style, so they stayed ~9 px when projected."""
    if isinstance(body, pg.GraphicsView):
        pt = TEXT_POINT_SIZE * scale
        for item in body.scene().items():
            if isinstance(item, pg.AxisItem):
                font = QFont(item.font())
                font.setPointSizeF(pt)
                item.setTickFont(font)
                # the tick labels need room: the axis measures them with its own font
                item.setFont(font)
                style = dict(item.labelStyle)
                style["font-size"] = f"{pt:g}pt"
                item.setLabel(item.labelText or None, item.labelUnits or None, item.labelUnitPrefix or None,
                              **style)
                if not (item.labelText or item.labelUnits):
                    item.showLabel(False)
            elif isinstance(item, pg.LegendItem):
                _set_legend_size(item, f"{LEGEND_POINT_SIZE * scale:g}pt")
    else:
        font = QFont(body.font())
        font.setPointSizeF(TEXT_POINT_SIZE * scale)
        body.setFont(font)


def _set_legend_size(legend: pg.LegendItem, size: str) -> None:
    legend.setLabelTextSize(size)
    # Entries already there keep their old text and row heights: add them again at the new size
    # (relabelled in place, the rows kept the spacing of the larger text).
    entries = [(sample.item, label.text) for sample, label in legend.items]
    legend.clear()
    for plotted, name in entries:
        legend.addItem(plotted, name)


@contextmanager
def export_scaled(body: QWidget, factor: float):
    """Legends and curve widths scaled with the rest for the length of one export. The exporter
    scales what it paints, but pyqtgraph's legends ignore transformations (they keep their pixel size
    when the plot zooms) and a cosmetic pen stays one device pixel wide: a 2× PNG had tiny legends
    and hairlines."""
    if not isinstance(body, pg.GraphicsView) or factor <= 1.0:
        yield
        return
    fixed = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    legends = [it for it in body.scene().items() if isinstance(it, pg.LegendItem) and it.flags() & fixed]
    curves = [(it, QPen(it.opts["pen"])) for it in body.scene().items() if isinstance(it, pg.PlotCurveItem)]
    for legend in legends:
        legend.setFlag(fixed, False)
    for curve, pen in curves:
        wide = QPen(pen)
        wide.setWidthF(max(pen.widthF(), 1.0) * factor)
        curve.setPen(wide)
    try:
        yield
    finally:
        for curve, pen in curves:
            curve.setPen(pen)
        for legend in legends:
            legend.setFlag(fixed, True)


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
    """The i-th series colour of the palette in force."""
    colors = theme.series_colors()
    return QColor(colors[i % len(colors)])


def image_body(aspect: bool = True) -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox]:
    glw = pg.GraphicsLayoutWidget()
    vb = glw.addViewBox(lockAspect=aspect, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    return glw, vb


__all__ = ["View", "PALETTE", "spin_lut", "diverging_cmap", "gray_cmap", "cmap_for", "plot_widget",
           "color", "image_body", "range_still_fits", "Qt"]
