"""What keeps frames cheap: cached axes, x ranges that move in steps, throttled point recolouring,
views without data hidden (and so not drawn) — each checked for the behaviour a user sees."""
import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem

from engine.model import Snapshot, ViewSpec
from hebbgui.views import make_view
from hebbgui.views.base import plot_widget


def test_axes_are_cached_as_pixmaps(qtbot):
    w = plot_widget()
    qtbot.addWidget(w)
    for name in ("left", "bottom"):
        assert w.getAxis(name).cacheMode() == QGraphicsItem.DeviceCoordinateCache


def test_curve_x_range_moves_in_steps_and_always_shows_the_data(qtbot):
    view = make_view(ViewSpec("energy", "curve", "Energy"))
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    changes, last = 0, None
    for n in range(1, 2001, 7):   # a history growing every frame
        view.update_view(Snapshot(n, {"energy": np.linspace(0.0, 1.0, n)}))
        lo, hi = view.plot.getViewBox().viewRange()[0]
        assert lo <= 0 and hi >= n - 1, (n, lo, hi)
        assert hi - lo <= 4 * max(n - 1, 1) + 10     # never absurdly wide either
        if (lo, hi) != last:
            changes += 1
            last = (lo, hi)
    assert changes <= 15, f"the x range changed on {changes} of 286 frames"


def test_curve_x_range_follows_a_sliding_window(qtbot):
    view = make_view(ViewSpec("m", "curve", "M", x_key="t"))
    qtbot.addWidget(view)
    for start in range(0, 100_000, 997):
        t = np.arange(start, start + 1000, dtype=float)
        view.update_view(Snapshot(start, {"m": np.sin(t), "t": t}))
        lo, hi = view.plot.getViewBox().viewRange()[0]
        assert lo <= t[0] and hi >= t[-1]
        assert hi - lo <= 4000


def test_scatter_recolours_every_frame_cheaply_and_shows_the_last_classes(qtbot):
    view = make_view(ViewSpec("data", "scatter", "Points", series=("protos",),
                              extra={"classes_key": "cls"}))
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(1500, 2))
    protos = np.zeros((3, 2))
    cls = None
    for i in range(30):   # classes change every frame
        cls = rng.integers(0, 3, len(pts))
        view.update_view(Snapshot(i, {"data": pts, "cls": cls, "protos": protos + i}))
    np.testing.assert_allclose(view.protos.data["x"], protos[:, 0] + 29)   # prototypes follow
    for k in range(3):
        np.testing.assert_array_equal(view.points.points_of_class(k), pts[cls == k])
    # the dots are really drawn, in the class colours (blue #0072B2, orange #D55E00)
    img = view.grab().toImage().convertToFormat(QImage.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    r, b = rgb[..., 0], rgb[..., 2]
    assert (b - r > 60).sum() > 200 and (r - b > 60).sum() > 200


def test_views_the_model_does_not_fill_are_absent_and_come_back(qtbot, open_window):
    win = open_window("competitive")        # 2-D blobs: no prototype pictures, so no such views
    assert "prototype_images" not in win.views and "nearest" not in win.views
    assert win.views["error"].isVisible() and win.views["win_frequency"].isVisible()
    win.controller.set_params(dataset="digits")   # the model now fills picture views: they come
    qtbot.waitUntil(lambda: "nearest" in win.views and win.views["nearest"].isVisible(), timeout=20000)
    assert win.views["prototype_images"].isVisible()
    shown = [win.side_layout.itemAt(i).widget() for i in range(win.side_layout.count())]
    assert shown == [win.views[k] for k in ("error", "prototype_images", "nearest", "win_frequency")]


def test_zero_meaning_preset_reads_as_a_word(qtbot):
    from engine.models.competitive import CompetitiveModel
    from hebbgui.panels.params_form import ParamsForm
    form = ParamsForm(CompetitiveModel.Params)
    qtbot.addWidget(form)
    assert form.editors["n_units"].text() == "one per class"
    assert form.editors["n_data"].text() == "default"
    form.editors["n_units"].setValue(5)
    assert form.editors["n_units"].text() == "5"


def test_bars_are_numbered_with_whole_numbers_and_keep_their_y_range(qtbot):
    view = make_view(ViewSpec("win", "bars", "Win frequency"))
    qtbot.addWidget(view)
    view.update_view(Snapshot(0, {"win": np.array([0.3, 0.3, 0.4])}))
    ticks = view.plot.getAxis("bottom")._tickLevels[0]
    assert [t for _, t in ticks] == ["0", "1", "2"]
    first = view.plot.getViewBox().viewRange()[1]
    view.update_view(Snapshot(1, {"win": np.array([0.31, 0.29, 0.4])}))   # small changes: same range
    assert view.plot.getViewBox().viewRange()[1] == first
    view.update_view(Snapshot(2, {"win": np.array([0.1, 0.1, 0.8])}))     # taller: grows at once
    assert view.plot.getViewBox().viewRange()[1][1] >= 0.8


def test_many_bars_get_round_automatic_ticks_not_a_label_each(qtbot):
    view = make_view(ViewSpec("p", "bars", "p(s)"))
    qtbot.addWidget(view)
    view.update_view(Snapshot(0, {"p": np.full(512, 1 / 512)}))
    assert view.plot.getAxis("bottom")._tickLevels is None


def test_small_lattices_show_their_cells_so_off_units_do_not_vanish(qtbot):
    from hebbgui.views.lattice import cell_grid_segments
    x, y = cell_grid_segments(1, 2)             # two hidden units, both off (white)
    segs = {((x[i], y[i]), (x[i + 1], y[i + 1])) for i in range(0, len(x), 2)}
    assert ((0, 0), (2, 0)) in segs and ((0, 1), (2, 1)) in segs          # top and bottom
    assert ((1, 0), (1, 1)) in segs                                       # the border between them
    x, y = cell_grid_segments(256, 256)          # big lattices: the outline only
    assert len(x) == 8
    view = make_view(ViewSpec("hidden", "lattice", "Hidden units", colormap="gray"))
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.update_view(Snapshot(0, {"hidden": np.zeros((1, 2))}))
    img = view.body.grab().toImage()
    greys = {img.pixelColor(x, img.height() // 2).red() for x in range(img.width())}
    assert min(greys) < 230     # some border pixels are visibly darker than white


def _blue_pixels(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    return np.argwhere(rgb[..., 2] - rgb[..., 0] > 60)


def test_scatter_points_are_round_dots(qtbot):
    view = make_view(ViewSpec("data", "scatter", "Points", extra={"classes_key": "cls"}))
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    # data a few units across, so one unit is hundreds of pixels (a round cap drawn through that
    # transform came out as an 11×6 pill)
    view.update_view(Snapshot(0, {"data": np.array([[0.0, 0.0], [2.0, 1.0]]), "cls": np.array([0, 1])}))
    qtbot.wait(50)
    blue = _blue_pixels(view.plot)                # class 0 is blue, class 1 orange
    height = np.ptp(blue[:, 0]) + 1
    width = np.ptp(blue[:, 1]) + 1
    assert 4 <= width <= 9 and abs(width - height) <= 1, (width, height)


def test_a_curve_with_one_record_shows_a_dot(qtbot):
    view = make_view(ViewSpec("error", "curve", "Error"))
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    view.update_view(Snapshot(1, {"error": np.array([0.3])}))
    qtbot.wait(50)
    assert len(_blue_pixels(view.plot)) > 10
    view.update_view(Snapshot(2, {"error": np.array([0.3, 0.2])}))
    assert view.items[0].opts["symbol"] is None     # from two records on, a plain line


def test_a_heatmap_redraws_its_colour_bar_only_when_its_levels_change(qtbot):
    """Setting the colour bar's levels, even unchanged, redraws its axis (1.5 ms of a DAM frame's ~11)."""
    rng = np.random.default_rng(0)
    fixed = make_view(ViewSpec("w", "heatmap", "W", colormap="diverging", extra={"levels": (-1.0, 1.0)}))
    auto = make_view(ViewSpec("w", "heatmap", "W", colormap="diverging"))
    for view in (fixed, auto):
        qtbot.addWidget(view)
        calls = []
        set_levels = view.colorbar.setLevels
        view.colorbar.setLevels = lambda levels, _f=set_levels, _c=calls: (_c.append(levels), _f(levels))
        view.calls = calls
    for i in range(5):
        w = rng.uniform(-0.5 - i / 10, 0.5 + i / 10, (20, 10))
        fixed.update_view(Snapshot(i, {"w": w}))
        auto.update_view(Snapshot(i, {"w": w}))
        m = float(np.abs(w).max())
        assert auto.colorbar.levels() == pytest.approx((-m, m))   # auto levels follow the data
    assert fixed.calls == [(-1.0, 1.0)] and fixed.colorbar.levels() == (-1.0, 1.0)
    assert len(auto.calls) == 5
