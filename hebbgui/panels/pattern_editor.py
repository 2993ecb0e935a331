"""The pattern editor: draw on a grid, load presets, keep the stored set, corrupt, make the probe.

It edits a local grid; the engine sees the result only through the controller's
``set_patterns`` and ``set_probe`` commands, so a bad pattern is refused by the model
(ValueError → status line) and nothing in the engine changes.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engine import patterns as pat
from hebbgui.views.base import image_body, spin_lut
from hebbgui.views.lattice import PaintableImage

PRESETS = ("letters", "digits", "mnist")


def thumbnail(img: np.ndarray, size: int = 44) -> QIcon:
    """A crisp icon of a ±1 image (nearest-neighbour), in the theme's colours."""
    on = np.asarray(img) > 0
    off_color, on_color = spin_lut()
    rgb = np.where(on[..., None], on_color, off_color).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb)
    h, w = on.shape
    qimg = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
    return QIcon(QPixmap.fromImage(qimg).scaled(size, size, Qt.KeepAspectRatio, Qt.FastTransformation))


class PatternEditor(QWidget):
    """Signals carry ±1 int8 arrays: ``store(P, N)`` and ``probe(N,)``; ``message`` for the status line."""

    store = Signal(object)
    probe = Signal(object)
    message = Signal(str)

    def __init__(self, shape: tuple[int, int] = (7, 7), parent=None):
        super().__init__(parent)
        self.rng = np.random.default_rng(0)
        self.shape = tuple(shape)
        self.grid = -np.ones(self.shape, dtype=np.int8)
        self.stored = np.zeros((0, self.shape[0] * self.shape[1]), dtype=np.int8)
        # a drawing to put back (switching back to its model): taken by set_shape once the model's
        # pattern shape is known, and only if it fits
        self.kept_grid: np.ndarray | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

        draw = QGroupBox("Draw (left: on, right: off)")
        dl = QVBoxLayout(draw)
        self.canvas, vb = image_body()
        self.canvas.setMinimumSize(120, 120)
        self.canvas.setObjectName("pattern-canvas")
        self.viewbox = vb
        self.image = PaintableImage(self._paint, axisOrder="row-major")
        self.image.paint_enabled = True
        vb.addItem(self.image)
        dl.addWidget(self.canvas, 1)
        row = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.preset_index = QSpinBox()
        self.preset_index.setRange(0, 9999)
        self.preset_index.setToolTip("Which preset item (letter A=0…, digit sample, MNIST sample)")
        load = QPushButton("Load")
        load.setToolTip("Put this preset on the grid")
        load.clicked.connect(self.load_preset)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear_grid)
        for w in (self.preset, self.preset_index, load, clear):
            row.addWidget(w)
        dl.addLayout(row)
        lay.addWidget(draw, 3)

        stored = QGroupBox("Stored patterns")
        sl = QVBoxLayout(stored)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.IconMode)
        self.list.setIconSize(QSize(44, 44))
        self.list.setMaximumHeight(96)
        self.list.setObjectName("stored-list")
        self.list.itemDoubleClicked.connect(self._take_stored)
        self.list.setToolTip("Click a pattern, then Load into grid (or double-click it) to draw on it again")
        self.list.itemSelectionChanged.connect(self._selection_changed)
        sl.addWidget(self.list)
        row = QHBoxLayout()
        self.load_stored_button = QPushButton("Load into grid")
        self.load_stored_button.setObjectName("stored-load")
        self.load_stored_button.setToolTip("Put the selected stored pattern on the grid, to corrupt it or edit it")
        self.load_stored_button.clicked.connect(self.load_selected)
        row.addWidget(self.load_stored_button)
        add = QPushButton("Add grid")
        add.setObjectName("store-add")
        add.setToolTip("Store the drawn pattern (re-stores with the current rule)")
        add.clicked.connect(self.add_grid)
        rem = QPushButton("Remove")
        rem.clicked.connect(self.remove_selected)
        clr = QPushButton("Clear all")
        clr.clicked.connect(self.clear_stored)
        for w in (add, rem, clr):
            row.addWidget(w)
        sl.addLayout(row)
        lay.addWidget(stored)

        corrupt = QGroupBox("Corrupt the grid, then make it the probe")
        cl = QGridLayout(corrupt)
        self.flip_pct = QSpinBox()
        self.flip_pct.setRange(0, 100)
        self.flip_pct.setValue(20)
        self.flip_pct.setSuffix(" %")
        flip = QPushButton("Flip")
        flip.setToolTip("Flip this percentage of units at random")
        flip.clicked.connect(self.flip)
        self.occlude_from = QSpinBox()
        self.occlude_from.setRange(0, 64)
        self.occlude_from.setPrefix("rows ≥ ")
        occ = QPushButton("Occlude")
        occ.setToolTip("Blank the rows from this one down (the seeds blank MNIST rows 18–27)")
        occ.clicked.connect(self.occlude)
        self.mask_pct = QSpinBox()
        self.mask_pct.setRange(0, 100)
        self.mask_pct.setValue(30)
        self.mask_pct.setSuffix(" %")
        mask = QPushButton("Mask")
        mask.setToolTip("Set this percentage of units to off at random")
        mask.clicked.connect(self.mask)
        # Two compact rows, so the parameters above keep room on a 800-pixel-high screen.
        cl.addWidget(self.flip_pct, 0, 0)
        cl.addWidget(flip, 0, 1)
        cl.addWidget(self.mask_pct, 0, 2)
        cl.addWidget(mask, 0, 3)
        cl.addWidget(self.occlude_from, 1, 0)
        cl.addWidget(occ, 1, 1)
        use = QPushButton("Make it the probe")
        use.setObjectName("make-probe")
        use.setStyleSheet("font-weight: 600;")
        use.clicked.connect(self.send_probe)
        cl.addWidget(use, 1, 2, 1, 2)
        lay.addWidget(corrupt)
        self.set_shape(self.shape)

    # ---------------------------------------------------------------- grid
    def set_shape(self, shape: tuple[int, int]) -> None:
        shape = (int(shape[0]), int(shape[1]))
        if shape != self.shape or self.grid.shape != shape:
            self.shape = shape
            self.grid = -np.ones(shape, dtype=np.int8)
            self.stored = np.zeros((0, shape[0] * shape[1]), dtype=np.int8)
            self._refresh_list()
        if self.kept_grid is not None and self.kept_grid.shape == shape:
            self.grid = self.kept_grid.astype(np.int8)
            self.kept_grid = None
        self.occlude_from.setRange(0, shape[0])
        self.occlude_from.setValue(int(round(shape[0] * 18 / 28)))
        self._show()
        self.viewbox.setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.02)

    def apply_theme(self) -> None:
        """The grid and the stored thumbnails in the theme's colours (hebbgui/theme.py)."""
        from hebbgui import theme
        self.canvas.setBackground(theme.theme().background)
        self._show()
        self._refresh_list()

    def _show(self) -> None:
        self.image.setImage(self.grid.astype(np.float32), levels=(-1.0, 1.0), lut=spin_lut(), autoLevels=False)

    def _paint(self, cells, value: float) -> None:
        for r, c in cells:
            self.grid[r, c] = 1 if value > 0 else -1
        self._show()

    def set_grid(self, img) -> None:
        img = np.asarray(img)
        if img.size != self.grid.size:
            self.message.emit(f"Pattern has {img.size} values; the grid has {self.grid.size}")
            return
        self.grid = pat.to_bipolar(img.reshape(self.shape))
        self._show()

    def clear_grid(self) -> None:
        self.grid[:] = -1
        self._show()

    def load_preset(self) -> None:
        from engine import datasets
        try:
            imgs, names = datasets.preset_patterns(self.preset.currentText(), self.shape)
        except ValueError as exc:
            self.message.emit(str(exc))
            return
        k = self.preset_index.value() % len(imgs)
        self.set_grid(imgs[k])
        self.message.emit(f"Loaded {self.preset.currentText()} {names[k]}")

    # ---------------------------------------------------------------- corruption
    def flip(self) -> None:
        # The whole grid is one pattern: flip round(f·N) of all its units, not per row.
        self.grid = pat.flip_noise(self.grid.reshape(-1), self.flip_pct.value() / 100.0, seed=self.rng).reshape(self.shape)
        self._show()

    def occlude(self) -> None:
        self.grid = pat.occlude_rows(self.grid.reshape(-1), self.shape, self.occlude_from.value(),
                                     value=-1).reshape(self.shape)
        self._show()

    def mask(self) -> None:
        self.grid = pat.random_mask(self.grid.reshape(-1), self.mask_pct.value() / 100.0, seed=self.rng,
                                   value=-1).reshape(self.shape)
        self._show()

    def send_probe(self) -> None:
        self.probe.emit(self.grid.reshape(-1).copy())

    # ---------------------------------------------------------------- stored set
    def add_grid(self) -> None:
        self.stored = np.vstack([self.stored, self.grid.reshape(1, -1)])
        self._refresh_list()
        self.store.emit(self.stored.copy())

    def remove_selected(self) -> None:
        rows = sorted({self.list.row(i) for i in self.list.selectedItems()})
        if not rows:
            self.message.emit("Select a stored pattern to remove")
            return
        self.stored = np.delete(self.stored, rows, axis=0)
        self._refresh_list()
        self.store.emit(self.stored.copy())

    def clear_stored(self) -> None:
        self.stored = self.stored[:0]
        self._refresh_list()
        self.store.emit(self.stored.copy())

    def _take_stored(self, item: QListWidgetItem) -> None:
        k = self.list.row(item)
        self.set_grid(self.stored[k])
        self.message.emit(f"Stored pattern {k + 1} is on the grid")

    def load_selected(self) -> None:
        """Put the selected stored pattern on the grid (the button beside the stored set)."""
        items = self.list.selectedItems()
        if not items:
            self.message.emit("Click a stored pattern first, then Load into grid")
            return
        self._take_stored(items[0])

    def _selection_changed(self) -> None:
        self.load_stored_button.setEnabled(bool(self.list.selectedItems()))

    def sync_stored(self, stored) -> None:
        """Show the model's stored set (after load, reset or a rule change)."""
        stored = np.asarray(stored)
        if stored.ndim == 3:
            stored = stored.reshape(stored.shape[0], stored.shape[1] * stored.shape[2])
        if stored.ndim != 2 or (stored.size and stored.shape[1] != self.grid.size):
            return
        stored = np.where(stored > 0, 1, -1).astype(np.int8)
        if stored.shape == self.stored.shape and np.array_equal(stored, self.stored):
            return
        self.stored = stored
        self._refresh_list()

    def _refresh_list(self) -> None:
        self.list.clear()
        for k, p in enumerate(self.stored):
            self.list.addItem(QListWidgetItem(thumbnail(p.reshape(self.shape)), str(k + 1)))
        self._selection_changed()
