"""Presentation (issue 15, issue 14 item 5): a high-contrast theme and colour-blind-safe palettes reach
every view kind at once, and back; Help → Keyboard shortcuts lists the window's real shortcuts."""
import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from engine.model import Snapshot, ViewSpec
from hebbgui import theme
from hebbgui.views import VIEW_CLASSES, make_view
from tests.hebbgui.conftest import play_then_pause

SPECS = {
    "lattice": (ViewSpec("s", "lattice", "State"), np.where(np.eye(5) > 0, 1, -1)),
    "heatmap": (ViewSpec("s", "heatmap", "Weights"), np.linspace(-1, 1, 16).reshape(4, 4)),
    "curve": (ViewSpec("s", "curve", "Energy", series=("e2",), labels=("a", "b")), np.arange(10.0)),
    "image_grid": (ViewSpec("s", "image_grid", "Fields"), np.random.default_rng(0).normal(size=(4, 5, 5))),
    "som_grid": (ViewSpec("s", "som_grid", "U-matrix", colormap="viridis"), np.arange(12.0).reshape(3, 4)),
    "bars": (ViewSpec("s", "bars", "p", labels=("data", "model")), np.array([[0.2, 0.8], [0.5, 0.5]])),
    "scatter": (ViewSpec("s", "scatter", "Points", extra={"classes_key": "c"}), np.arange(8.0).reshape(4, 2)),
    "table": (ViewSpec("s", "table", "Table"), np.eye(3)),
}


@pytest.fixture(autouse=True)
def standard_theme_after(tmp_path, monkeypatch):
    """The theme is app-wide: each test starts and ends with the standard one, and the choice is
    remembered in a temporary settings file, never the user's."""
    monkeypatch.setattr(theme, "_store", lambda: QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    theme.apply("standard", "standard")
    yield
    theme.apply("standard", "standard")


def _bg(view):
    return view.body.backgroundBrush().color().name() if hasattr(view.body, "backgroundBrush") else None


def _look(view):
    """What the theme decides in one view: background, pens, lookup tables, text size."""
    out = {"bg": _bg(view), "title_pt": view.title_label.font().pointSizeF()}
    if view.spec.kind == "curve":
        out["pens"] = [(i.opts["pen"].color().name(), i.opts["pen"].widthF()) for i in view.items]
    if view.spec.kind in ("lattice", "image_grid", "som_grid"):
        out["lut"] = np.asarray(view.image.lut if not callable(view.image.lut) else view.image.lut()).tobytes()
    if view.spec.kind == "heatmap":
        out["cmap"] = np.asarray(view.colorbar.colorMap().getLookupTable(0, 1, 8)).tobytes()
        lut = view.image.lut
        out["lut"] = np.asarray(lut(None) if callable(lut) else lut).tobytes()
    if view.spec.kind == "bars":
        out["brush"] = [b.opts["brush"].color().name() if hasattr(b.opts["brush"], "color")
                        else QColor(b.opts["brush"]).name() for b in view.bars]
    if view.spec.kind == "scatter":
        out["pens"] = [pen.color().name() for pen, _ in view.points._groups]
    return out


@pytest.mark.parametrize("kind", sorted(VIEW_CLASSES))
def test_every_view_kind_follows_the_theme_and_palette_and_back(qtbot, kind):
    spec, value = SPECS[kind]
    v = make_view(spec)
    qtbot.addWidget(v)
    v.resize(300, 240)
    v.show()
    data = {"s": value, "e2": np.arange(10.0)[::-1], "c": np.array([0, 1, 2, 3])}
    v.update_view(Snapshot(t=1, data=data))
    before = _look(v)
    theme.apply("contrast-dark", "colour-blind")
    dark = _look(v)
    assert dark["title_pt"] > before["title_pt"]                    # large text for a projector
    if before["bg"] is not None:
        assert before["bg"] == "#ffffff" and dark["bg"] == "#000000"
    if kind == "curve":
        assert all(w >= 2 * w0 for (_, w), (_, w0) in zip(dark["pens"], before["pens"]))
    if kind in ("heatmap", "image_grid", "som_grid", "lattice"):
        key = "cmap" if kind == "heatmap" else "lut"
        assert dark[key] != before[key]                              # cividis / orange–blue / black–white
    theme.apply("standard", "standard")
    assert _look(v) == before
    # a view built while a theme is in force starts in it
    theme.apply("contrast-light")
    v2 = make_view(spec)
    qtbot.addWidget(v2)
    assert v2.title_label.font().pointSizeF() > before["title_pt"]


def test_the_view_menu_restyles_the_open_window_and_remembers_it(qtbot, open_window):
    win = open_window("hopfield")
    play_then_pause(qtbot, win, 3)
    curves = [v for v in win.views.values() if v.spec.kind == "curve"]
    heatmaps = [v for v in win.views.values() if v.spec.kind == "heatmap"]
    assert curves and heatmaps
    before = [_look(v) for v in curves + heatmaps]
    win.theme_actions["theme"]["contrast-light"].trigger()
    win.theme_actions["palette"]["colour-blind"].trigger()
    after = [_look(v) for v in curves + heatmaps]
    for b, a in zip(before, after):
        assert a != b
        if "pens" in a:
            assert all(w >= 2.0 for _, w in a["pens"])
    assert theme._store().value("view/theme") == "contrast-light"
    assert theme._store().value("view/palette") == "colour-blind"
    # presentation multiplies on top of the theme, and leaving it keeps the theme
    win.toggle_presentation()
    assert all(w >= 4.0 for _, w in _look(curves[0])["pens"])
    win.toggle_presentation()
    assert _look(curves[0]) == after[0]
    win.theme_actions["theme"]["standard"].trigger()
    win.theme_actions["palette"]["standard"].trigger()
    assert [_look(v) for v in curves + heatmaps] == before


def test_keyboard_shortcuts_lists_the_windows_keys(qtbot, window):
    from hebbgui.panels.shortcuts import collect_shortcuts, shortcuts_dialog
    rows = dict(collect_shortcuts(window))
    assert rows["Space"] == "Play / pause"
    assert "F11" in rows and "Presentation" in rows["F11"]
    assert rows["F1"] == "Help → Getting started"
    assert rows["Ctrl+I"] == "File → Import data"
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if "Keyboard" in a.text())
    action.trigger()
    dlg = next(w for w in window.findChildren(type(window.findChild(object, "shortcuts-dialog")))
               if w.objectName() == "shortcuts-dialog")
    table = dlg.findChild(object, "shortcuts-table")
    shown = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert shown == rows
    dlg.close()
