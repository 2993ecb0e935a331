"""Help → Getting started, and tooltips that say what a view draws and what a model is (issue 14, Also)."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialog, QTextBrowser

from engine import registry
from engine.model import ViewSpec
from hebbgui.views import make_view


def test_help_menu_opens_getting_started_with_panels_keys_and_lessons(qtbot, window):
    titles = {a.text().replace("&", ""): a for m in window.menuBar().actions() if m.menu()
              for a in m.menu().actions()}
    assert "Getting started" in titles
    titles["Getting started"].trigger()
    dlg = window.findChild(QDialog, "getting-started-dialog")
    assert dlg is not None and dlg.isVisible()
    text = dlg.findChild(QTextBrowser).toPlainText()
    for word in ("Models", "Parameters", "Patterns", "Transport", "Status line", "Space", "→", "R", "F11",
                 "Ctrl+R", "Lessons", "Load into grid"):
        assert word in text, word
    screen = window.screen().availableGeometry()
    assert dlg.width() <= screen.width() and dlg.height() <= screen.height()
    dlg.close()
    qtbot.keyClick(window, Qt.Key_F1)              # F1 brings it back
    assert dlg.isVisible()
    dlg.close()


def test_view_titles_say_what_is_drawn_and_the_units(qtbot):
    spec = ViewSpec("energy", "curve", "Energy", x_label="t (sweeps)", y_label="E", labels=("E",))
    v = make_view(spec)
    qtbot.addWidget(v)
    tip = v.title_label.toolTip()
    assert "Energy" in tip and "y: E" in tip and "x: t (sweeps)" in tip and "history" in tip
    w = make_view(ViewSpec("weights", "heatmap", "Weights", colormap="diverging"))
    qtbot.addWidget(w)
    shown = QTextDocument()
    shown.setHtml(w.title_label.toolTip())          # as the tooltip renders it: "<" must not start a tag
    assert "blue < 0 < red" in shown.toPlainText()


def test_every_view_of_a_window_and_every_model_name_has_a_tooltip(qtbot, window):
    for key, v in window.views.items():
        tip = v.title_label.toolTip()
        assert v.spec.title in tip and len(tip) > len(v.spec.title) + 20, (key, tip)
    items = [window.model_list.item(i) for i in range(window.model_list.count())]
    for item in items:
        name = item.data(Qt.UserRole)
        if name in ("toy", "toy-patterns") or not name.startswith("toy"):
            assert item.toolTip() == registry.help_text(name)
            if not name.startswith("toy"):
                assert item.toolTip(), name       # every built-in model says in one line what it is
