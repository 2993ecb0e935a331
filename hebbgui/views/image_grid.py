"""Image grid: many small images (receptive fields, memories, prototypes) as tiles with thin gaps."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from engine.model import Snapshot
from hebbgui.views.base import View, cmap_for, image_body


def tile(images: np.ndarray, columns: int | None = None, gap: int = 1, diverging: bool = True) -> np.ndarray:
    """(n, h, w) → one mosaic; each tile scaled to its own range (symmetric when diverging)."""
    imgs = np.asarray(images, dtype=np.float64)
    n, h, w = imgs.shape
    flat = imgs.reshape(n, -1)
    known = np.where(np.isfinite(flat), flat, 0.0)   # NaN: not computed yet (an experiment running)
    if diverging:
        m = np.max(np.abs(known), axis=1)
        m[m == 0] = 1.0
        norm = flat / m[:, None]              # −1..1, gaps at 0 = white
        bg = 0.0
    else:
        lo, hi = known.min(axis=1), known.max(axis=1)
        span = np.where(hi > lo, hi - lo, 1.0)
        norm = (flat - lo[:, None]) / span[:, None]
        bg = 0.0
    cols = columns or max(1, int(math.ceil(math.sqrt(n * h / max(w, 1)))))
    rows = int(math.ceil(n / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), bg)
    norm = norm.reshape(n, h, w)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = norm[k]
    return out


class ImageGridView(View):
    def make_body(self):
        glw, vb = image_body()
        self.viewbox = vb
        self.image = pg.ImageItem(axisOrder="row-major")
        vb.addItem(self.image)
        self.diverging = (self.spec.colormap or "diverging") == "diverging"
        self._shape = None
        return glw

    def apply_theme(self) -> None:
        """The tiles in the palette's signed map (or grey)."""
        super().apply_theme()
        cmap = cmap_for("diverging" if self.diverging else "gray")
        self.image.setLookupTable(cmap.getLookupTable(0.0, 1.0, 256))

    def update_view(self, snapshot: Snapshot) -> None:
        arr = self.data(snapshot)
        if arr is None:
            return
        arr = np.asarray(arr)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[0] == 0:
            self.image.clear()
            self.info_label.setText("empty")
            return
        mosaic = tile(arr, self.spec.extra.get("columns"), diverging=self.diverging)
        levels = (-1.0, 1.0) if self.diverging else (0.0, 1.0)
        self.image.setImage(mosaic, levels=levels, autoLevels=False)
        if mosaic.shape != self._shape:
            self._shape = mosaic.shape
            self.viewbox.setRange(xRange=(0, mosaic.shape[1]), yRange=(0, mosaic.shape[0]), padding=0.01)
        self.info_label.setText(f"{arr.shape[0]} × {arr.shape[1]}×{arr.shape[2]}")
