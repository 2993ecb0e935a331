"""Views on their own, fed synthetic snapshots: NaN gaps, result ranges, presentation fonts, export."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
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


def test_an_experiment_result_fits_its_data_in_a_dialog_large_enough_to_read(qtbot, window):
    from engine.experiments.capacity import RULES, theory
    dlg = window.open_experiment("hopfield-capacity")
    qtbot.waitExposed(dlg)
    avail = dlg.screen().availableGeometry()    # offscreen: 800×600; a real screen gets 1200×820
    assert dlg.width() >= min(900, 0.85 * avail.width()) and dlg.height() >= min(600, 0.85 * avail.height())
    assert dlg.width() <= avail.width() and dlg.height() <= avail.height()
    load = np.linspace(0.04, 0.2, 9)
    rate = np.clip(1.6 - 6 * load, 0, 1)[None, :]   # 1.0 at the small loads: on the top edge; one size
    result = {"load": load, "size_labels": np.array(["N = 200"])}
    for rule in RULES:
        result[f"theory_{rule}"] = theory(rule, [200])
        for key in ("retrieval", "stable"):
            result[f"{key}_{rule}"] = rate
    dlg.on_finished("hopfield-capacity", result, "finished")
    qtbot.wait(50)
    assert len(dlg.views) == len(RULES) + 1
    for v in dlg.views:
        (x0, x1), (y0, y1) = v.plot.getViewBox().viewRange()
        span = 0.2 - 0.04
        if v.spec.key.endswith("hebbian"):        # the others' theory marks lie far right: the range takes them in
            assert 0.04 - 0.1 * span <= x0 <= 0.04 and 0.2 <= x1 <= 0.2 + 0.1 * span, (x0, x1)
            theory_x = v.theory_item.getData()[0]
            assert np.isnan(theory_x).sum() == 1        # the two capacity marks are not joined
            assert y0 < 0.0                           # the marks' foot (0) stays off the border
        assert y1 > 1.0                               # a curve at 1.0 stays off the border
        assert v.plot.height() >= 200, v.plot.height()
        assert v.items[0].name() == "N = 200"         # the legend names the size
    dlg.close()


@pytest.mark.parametrize("key", ["magnetization", "spins"])
def test_a_view_exports_its_plot_at_twice_its_size_without_the_header(qtbot, window, tmp_path, key):
    from PySide6.QtGui import QImage
    v = window.views[key]
    qtbot.waitUntil(lambda: v.body.width() > 50 and v.body.height() > 50)
    out = v.export_png(str(tmp_path / f"{key}.png"))
    img = QImage(out)
    body = v.body.size()
    # the plot alone: no title, readout or Export button (the whole view is taller than its body)
    assert abs(img.width() - 2 * body.width()) <= 2 and abs(img.height() - 2 * body.height()) <= 2, \
        (img.size(), body, v.size())
    assert v.height() > body.height() + 10
    wide = QImage(v.export_png(str(tmp_path / f"{key}-wide.png"), width=1000))
    assert wide.width() == 1000 and abs(wide.height() / 1000 - body.height() / body.width()) < 0.01


def test_a_curve_view_exports_svg_that_parses(qtbot, window, tmp_path):
    import xml.etree.ElementTree as ET
    v = window.views["magnetization"]
    window.transport.play.click()
    qtbot.waitUntil(lambda: bool(v.items) and v.items[0].getData()[0] is not None
                    and len(v.items[0].getData()[0]) > 3, timeout=10000)
    window.transport.play.click()
    out = v.export_svg(str(tmp_path / "m.svg"))
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert any(el.tag.endswith("path") or el.tag.endswith("polyline") for el in root.iter())
    assert v._svg_action.isVisible() and not window.views["spins"]._svg_action.isVisible()
    with pytest.raises(ValueError):
        window.views["spins"].export_svg(str(tmp_path / "s.svg"))    # an image is no vector plot


def _html_pt(html):
    import re
    return float(re.findall(r"font-size:\s*([\d.]+)pt", html)[-1])   # the span, not the body


def _pt(font):
    return font.pointSizeF()


def test_presentation_scales_every_text_and_goes_full_screen(qtbot, window):
    curve = window.views["magnetization"]
    axis = curve.plot.getAxis("left")
    bottom = curve.plot.getAxis("bottom")

    def sizes():
        tick = axis.style["tickFont"]
        return {"tick": _pt(tick) if tick is not None else _pt(axis.font()),
                "axis label": float(bottom.labelStyle.get("font-size", f"{_pt(bottom.font())}pt")[:-2]),
                "title": _pt(curve.title_label.font()), "readout": _pt(curve.info_label.font()),
                "legend": float(curve.legend.opts["labelTextSize"][:-2]),
                "legend entry": min((_html_pt(label.item.toHtml()) for _, label in curve.legend.items), default=0),
                "transport t": _pt(window.transport.t_label.font()),
                "heatmap axis": _pt(window.views["weights"].colorbar.axis.style["tickFont"]
                                    or window.views["weights"].colorbar.axis.font())}
    normal = sizes()
    split = window.splitter.sizes()
    assert not window.isFullScreen() and min(split) > 0
    window.toggle_presentation()
    qtbot.waitUntil(window.isFullScreen)
    qtbot.wait(50)     # the application font reaches the widgets through posted events
    big = sizes()
    for what, size in normal.items():
        assert big[what] >= 1.5 * size, (what, size, big[what])
    window.toggle_presentation()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    qtbot.wait(50)
    assert sizes() == normal
    # back to a normal window (its old geometry: checked under Xvfb; the offscreen screen is
    # narrower than the window's minimum width, so Qt refits any geometry to it)
    assert window.windowState() == Qt.WindowNoState and window.params_dock.isVisible()
    # the side views did not collapse (seen on a screenshot): the split is the one before (its
    # proportion: offscreen, the window's height may differ)
    side = split[1] / sum(split)
    qtbot.waitUntil(lambda: abs(window.splitter.sizes()[1] / sum(window.splitter.sizes()) - side) < 0.05)


def test_many_bars_draw_as_a_filled_step_curve(qtbot):
    """Issue 14 item 7: the Boltzmann p(v) chart of 512 states drew 1-px bars that vanished."""
    import numpy as np
    from engine.model import Snapshot, ViewSpec
    from hebbgui.views import make_view
    view = make_view(ViewSpec("p", "bars", "p(v)", labels=("data", "model")))
    qtbot.addWidget(view)
    many = np.random.default_rng(0).random((2, 512))
    view.update_view(Snapshot(0, {"p": many}))
    assert len(view.steps) == 2 and all(len(s.getData()[1]) == 512 for s in view.steps)
    assert all(len(b.opts["height"]) == 0 for b in view.bars)
    view.update_view(Snapshot(1, {"p": many[:, :8]}))     # few again: bars, and the curves are cleared
    assert all(len(b.opts["height"]) == 8 for b in view.bars)
    assert all(s.getData()[1] is None or len(s.getData()[1]) == 0 for s in view.steps)


def test_a_2x_png_scales_the_legend_and_the_lines_with_the_plot(qtbot, tmp_path, monkeypatch):
    """The exporter scales what it paints, but a pyqtgraph legend ignores transformations and a
    cosmetic pen stays one pixel: during an export both follow the 2×, afterwards they are as before."""
    from PySide6.QtWidgets import QGraphicsItem
    from pyqtgraph.exporters import ImageExporter
    v = make_view(ViewSpec("m", "curve", "Overlap", labels=("pattern 1", "pattern 2")))
    qtbot.addWidget(v)
    v.resize(300, 240)
    v.show()
    v.update_view(Snapshot(t=3, data={"m": np.array([[0.1, 0.5, 1.0], [0.0, 0.2, 0.1]])}))
    fixed = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    widths = [item.curve.opts["pen"].widthF() for item in v.items]
    seen = {}
    real_export = ImageExporter.export

    def spying_export(self, path):
        seen["legend_fixed"] = bool(v.legend.flags() & fixed)
        seen["widths"] = [item.curve.opts["pen"].widthF() for item in v.items]
        return real_export(self, path)
    monkeypatch.setattr(ImageExporter, "export", spying_export)
    v.export_png(str(tmp_path / "m.png"))
    assert seen["legend_fixed"] is False                                     # scaled with the plot
    assert all(abs(w2 - 2 * max(w, 1.0)) < 0.05 for w, w2 in zip(widths, seen["widths"]))
    assert bool(v.legend.flags() & fixed)                                    # the screen as before
    assert [item.curve.opts["pen"].widthF() for item in v.items] == widths
