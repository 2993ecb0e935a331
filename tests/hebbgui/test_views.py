"""Views on their own, fed synthetic snapshots: NaN gaps, result ranges, presentation fonts, export."""
import numpy as np
import pytest
from PySide6.QtGui import QPainterPath

from engine.model import Snapshot, ViewSpec
from hebbgui.views import make_view


def _subpaths(path: QPainterPath) -> int:
    return sum(path.elementAt(i).type == QPainterPath.MoveToElement for i in range(path.elementCount()))


def _curve(qtbot, spec, size=(400, 300)):
    v = make_view(spec)
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    return v


def test_a_nan_in_a_history_breaks_the_curve_and_is_left_out_of_the_range(qtbot):
    v = _curve(qtbot, ViewSpec("energy", "curve", "Energy", y_label="E"))
    y = np.concatenate([np.linspace(-1, -5, 50), [np.nan], np.linspace(-2, -3, 49)])
    v.update_view(Snapshot(t=100, data={"energy": y}))
    item = v.items[0]
    xd, yd = item.getData()
    assert np.isnan(yd).sum() == 1                      # the break is drawn, not dropped
    assert _subpaths(item.curve.getPath()) == 2          # two segments: no line across the change
    (x0, x1), (y0, y1) = v.plot.getViewBox().viewRange()
    assert np.isfinite([x0, x1, y0, y1]).all()
    assert y0 <= -5 and -1 <= y1 and y1 - y0 < 10        # fits -5…-1, not thrown off by the NaN
    assert v.info_label.text() == "energy = -3"         # the last finite value, not "nan"
