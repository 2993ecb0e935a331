"""pyqtgraph views, one per ViewSpec kind; ``make_view`` builds the one a spec asks for."""
from __future__ import annotations

from engine.model import ViewSpec
from hebbgui.views.bars import BarsView
from hebbgui.views.base import View
from hebbgui.views.curve import CurveView
from hebbgui.views.heatmap import HeatmapView
from hebbgui.views.image_grid import ImageGridView
from hebbgui.views.lattice import LatticeView
from hebbgui.views.scatter import ScatterView
from hebbgui.views.som_grid import SomGridView
from hebbgui.views.table import TableView

VIEW_CLASSES: dict[str, type[View]] = {
    "lattice": LatticeView,
    "heatmap": HeatmapView,
    "curve": CurveView,
    "image_grid": ImageGridView,
    "som_grid": SomGridView,
    "bars": BarsView,
    "scatter": ScatterView,
    "table": TableView,
}


def make_view(spec: ViewSpec, parent=None) -> View:
    """The widget for one ViewSpec."""
    return VIEW_CLASSES[spec.kind](spec, parent)
