"""SOM grid: a value per map unit (U-matrix, hits) on square or hexagonal cells, class glyphs on top."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.model import Snapshot
from hebbgui.views.base import View, cmap_for, color, image_body

CELL = 4  # pixels per cell side in the rendered image; hex rows shift by half a cell


def hex_image(values: np.ndarray) -> np.ndarray:
    """Render (rows, cols) values as offset rows (odd rows shifted right by half a cell):
    each cell touches exactly its six hexagonal neighbours."""
    rows, cols = values.shape
    big = np.repeat(np.repeat(values, CELL, axis=0), CELL, axis=1)
    out = np.full((rows * CELL, cols * CELL + CELL // 2), np.nan)
    for r in range(rows):
        shift = CELL // 2 if r % 2 else 0
        out[r * CELL:(r + 1) * CELL, shift:shift + cols * CELL] = big[r * CELL:(r + 1) * CELL]
    return out


class SomGridView(View):
    SYMBOLS = ["o", "s", "t", "d", "+", "x", "star", "h", "p", "t1"]

    def make_body(self):
        glw, vb = image_body()
        self.viewbox = vb
        self.image = pg.ImageItem(axisOrder="row-major")
        vb.addItem(self.image)
        self.cmap = cmap_for(self.spec.colormap or "viridis")
        self.image.setLookupTable(self.cmap.getLookupTable(0.0, 1.0, 256))
        self.glyphs: list[pg.ScatterPlotItem] = []
        self._shape = None
        return glw

    def apply_theme(self) -> None:
        """The map in the palette's colormap, the class glyphs in its colours."""
        super().apply_theme()
        if hasattr(self, "image"):
            self.cmap = cmap_for(self.spec.colormap or "viridis")
            self.image.setLookupTable(self.cmap.getLookupTable(0.0, 1.0, 256))
            for i, g in enumerate(self.glyphs):
                g.setBrush(pg.mkBrush(color(i)))

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None:
            return
        vals = np.asarray(arr, dtype=np.float64)
        if vals.ndim != 2 or vals.size == 0:
            return
        # Topology can change live, so the model may send it as a 0/1 scalar named by topology_key.
        tk = self.spec.extra.get("topology_key")
        if tk and tk in snapshot.data:
            hexagonal = float(snapshot.data[tk]) == 1.0
        else:
            hexagonal = self.spec.extra.get("topology") in ("hexagonal", "hex")
        lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
        norm = (vals - lo) / (hi - lo) if hi > lo else np.zeros_like(vals)
        img = hex_image(norm) if hexagonal else np.repeat(np.repeat(norm, CELL, 0), CELL, 1)
        self.image.setImage(img, levels=(0.0, 1.0), autoLevels=False)
        if img.shape != self._shape:
            self._shape = img.shape
            self.viewbox.setRange(xRange=(0, img.shape[1]), yRange=(0, img.shape[0]), padding=0.01)
        self._draw_labels(snapshot, vals.shape, hexagonal)
        self.info_label.setText(f"{vals.shape[0]}×{vals.shape[1]} {'hex' if hexagonal else 'square'}, "
                                f"{lo:.3g} … {hi:.3g}")

    def _draw_labels(self, snapshot: Snapshot, shape, hexagonal: bool) -> None:
        key = self.spec.extra.get("labels_key")
        labels = snapshot.data.get(key) if key else None
        if labels is None:
            for g in self.glyphs:
                g.setData([], [])
            return
        labels = np.asarray(labels)
        if labels.shape != shape:
            return
        classes = [int(c) for c in np.unique(labels) if c >= 0][: len(self.SYMBOLS)]
        while len(self.glyphs) < len(classes):
            i = len(self.glyphs)
            g = pg.ScatterPlotItem(symbol=self.SYMBOLS[i], size=7, pen=pg.mkPen("k", width=0.6),
                                   brush=pg.mkBrush(color(i)))
            self.viewbox.addItem(g)
            self.glyphs.append(g)
        for i, g in enumerate(self.glyphs):
            if i >= len(classes):
                g.setData([], [])
                continue
            r, c = np.nonzero(labels == classes[i])
            x = c * CELL + CELL / 2 + (np.where(r % 2 == 1, CELL / 2, 0) if hexagonal else 0)
            y = r * CELL + CELL / 2
            g.setData(x.astype(float), y.astype(float))
