"""Themes and palettes for projecting and for colour-blind viewers (View → Theme, View → Colours).

A *theme* sets the views' background, lines and text: "standard", or high contrast for a projector —
black thick lines and larger text on white, or white on black (the whole window follows). A
*palette* sets the colours: "standard", or "colour-blind safe": Okabe–Ito for curves and bars,
cividis for ordered maps and blue–white–orange (no red–green) for signed ones.

The choice is one app-wide setting: every open view is redrawn at once (``apply``), new views
read it when they are built (hebbgui/views/base.py), and the window remembers it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from hebbgui import settings

# Okabe & Ito (2008), "Color Universal Design": told apart under every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Theme:
    """How the views are drawn: colours of the background and of the lines and text, and how much
    thicker and larger than standard the lines and text of a view are."""

    title: str
    background: str
    foreground: str
    muted: str            # a view's readout, the cell borders
    line_scale: float     # curve pens
    text_scale: float     # a view's title, readout, axes and legend
    spin_on: tuple        # +1 units of a lattice or pattern
    spin_off: tuple       # −1 / 0 units
    dark: bool = False


THEMES = {
    "standard": Theme("Standard", "w", "#222", "#555", 1.0, 1.0, (30, 60, 110), (238, 232, 213)),
    # off units one step from the background, so an empty grid still shows where it is
    "contrast-light": Theme("High contrast, white background", "w", "#000", "#000", 2.0, 1.35,
                            (0, 0, 0), (228, 228, 228)),
    "contrast-dark": Theme("High contrast, black background", "k", "#fff", "#fff", 2.0, 1.35,
                           (255, 255, 255), (48, 48, 48), dark=True),
}


@dataclass(frozen=True)
class Palette:
    """Colours of the data: series (curves, bars, classes), ordered maps, signed maps."""

    title: str
    series: tuple
    sequential: str                 # a pyqtgraph colormap name
    diverging: tuple                # (negative, zero, positive) RGB


PALETTES = {
    "standard": Palette("Standard", tuple(OKABE_ITO), "viridis", ((33, 102, 172), (247, 247, 247), (178, 24, 43))),
    "colour-blind": Palette("Colour-blind safe (Okabe–Ito, cividis)", tuple(OKABE_ITO), "cividis",
                            ((0, 114, 178), (247, 247, 247), (230, 159, 0))),
}

_current = {"theme": "standard", "palette": "standard"}
_app_palette: QPalette | None = None    # the app's own palette, put back by the standard theme
SETTINGS_KEYS = {"theme": "view/theme", "palette": "view/palette"}


def theme() -> Theme:
    """The theme in force."""
    return THEMES[_current["theme"]]


def palette() -> Palette:
    """The palette in force."""
    return PALETTES[_current["palette"]]


def names() -> dict[str, str]:
    """{"theme": name, "palette": name} of the current choice."""
    return dict(_current)


def series_colors() -> list[str]:
    """The colours of curves, bars and classes, in order; black gives way to white on a dark theme."""
    colors = list(palette().series)
    if theme().dark:
        colors = ["#FFFFFF" if c == "#000000" else c for c in colors]
    return colors


def sequential_cmap() -> pg.ColorMap:
    return pg.colormap.get(palette().sequential)


def diverging_cmap() -> pg.ColorMap:
    return pg.ColorMap(pos=[0.0, 0.5, 1.0], color=list(palette().diverging))


def apply(theme_name: str | None = None, palette_name: str | None = None) -> None:
    """Make a theme and/or palette the app's: the window's colours, then every open view redrawn."""
    if theme_name is not None:
        if theme_name not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, got {theme_name!r}")
        _current["theme"] = theme_name
    if palette_name is not None:
        if palette_name not in PALETTES:
            raise ValueError(f"palette must be one of {sorted(PALETTES)}, got {palette_name!r}")
        _current["palette"] = palette_name
    t = theme()
    pg.setConfigOptions(background=t.background, foreground=t.foreground)
    app = QApplication.instance()
    if app is not None:
        _set_app_palette(app, t)
        from hebbgui.panels.pattern_editor import PatternEditor   # both import this module
        from hebbgui.views.base import View
        for w in app.allWidgets():
            if isinstance(w, (View, PatternEditor)):
                w.apply_theme()


def _set_app_palette(app, t: Theme) -> None:
    """The whole window in the theme's colours (panels, menus, tables); standard: the app's own."""
    global _app_palette
    if _app_palette is None:
        _app_palette = QPalette(app.palette())
    if _current["theme"] == "standard":
        app.setPalette(_app_palette)
        return
    bg, fg = (QColor("#000"), QColor("#fff")) if t.dark else (QColor("#fff"), QColor("#000"))
    pal = QPalette(_app_palette)
    for role in (QPalette.Window, QPalette.Base, QPalette.AlternateBase, QPalette.ToolTipBase):
        pal.setColor(role, bg)
    # buttons, slider grooves and check boxes are drawn in these: one step off the background, edges
    # in grey, or they vanish into it
    shades = ("#262626", "#d0d0d0", "#a0a0a0", "#808080", "#5a5a5a", "#333333") if t.dark else \
             ("#eeeeee", "#ffffff", "#e0e0e0", "#a0a0a0", "#707070", "#000000")
    for role, c in zip((QPalette.Button, QPalette.Light, QPalette.Midlight, QPalette.Mid, QPalette.Dark,
                        QPalette.Shadow), shades):
        pal.setColor(role, QColor(c))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText, QPalette.ToolTipText,
                 QPalette.BrightText):
        pal.setColor(role, fg)
    pal.setColor(QPalette.Highlight, QColor("#0072B2"))
    pal.setColor(QPalette.HighlightedText, QColor("#fff"))
    pal.setColor(QPalette.PlaceholderText, QColor("#888"))
    app.setPalette(pal)


# --------------------------------------------------------------------------- the menu and the setting
def _store() -> QSettings:
    return settings.store()   # the one settings store (tests point it at a temporary file)


def restore_saved() -> None:
    """The theme and palette chosen at the last launch (unknown or missing names: standard)."""
    s = _store()
    t, p = s.value(SETTINGS_KEYS["theme"], "standard"), s.value(SETTINGS_KEYS["palette"], "standard")
    apply(t if t in THEMES else "standard", p if p in PALETTES else "standard")


def choose(theme_name: str | None = None, palette_name: str | None = None) -> None:
    """``apply`` and remember it for the next launch (the menu's actions)."""
    apply(theme_name, palette_name)
    s = _store()
    for what, key in SETTINGS_KEYS.items():
        s.setValue(key, _current[what])
    s.sync()


def add_menus(menu: QMenu, parent: QWidget) -> dict[str, dict[str, QAction]]:
    """View → Theme and View → Colours: one checkable action per choice, kept in step with ``apply``."""
    actions: dict[str, dict[str, QAction]] = {}
    for what, title, table in (("theme", "&Theme", THEMES), ("palette", "&Colours", PALETTES)):
        sub = menu.addMenu(title)
        sub.setObjectName(f"menu-{what}")
        group = QActionGroup(parent)
        actions[what] = {}
        for name, entry in table.items():
            a = QAction(entry.title, parent, checkable=True)
            a.setObjectName(f"{what}-{name}")
            a.triggered.connect(lambda _=False, w=what, n=name: choose(**{f"{w}_name": n}))
            group.addAction(a)
            sub.addAction(a)
            actions[what][name] = a
        sub.aboutToShow.connect(lambda w=what: actions[w][_current[w]].setChecked(True))
        actions[what][_current[what]].setChecked(True)
    return actions
