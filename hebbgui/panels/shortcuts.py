"""Help → Keyboard shortcuts: every key the window answers to, read from its actions and shortcuts.

Nothing here is a hand-kept list: the table is collected from the window's QActions (with the menu
they sit in) and QShortcuts (described by their ``whatsThis``), so a new shortcut appears by itself.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QMenu, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)
from shiboken6 import isValid


def _plain(text: str) -> str:
    """A menu text without its mnemonic '&' and trailing '…'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _menu_path(action: QAction) -> str:
    """"File → Save session" for an action in the File menu (the first menu that holds it)."""
    for obj in action.associatedObjects():
        if isinstance(obj, QMenu):
            parts = [_plain(action.text())]
            menu = obj
            while isinstance(menu, QMenu):
                parts.insert(0, _plain(menu.title()))
                parent = menu.menuAction().associatedObjects()
                menu = next((m for m in parent if isinstance(m, QMenu)), None)
            return " → ".join(p for p in parts if p)
    return _plain(action.text())


def collect_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every shortcut of ``window``: menu actions with their menu path, then
    the window's own shortcuts (Space, arrows…); one row per key, the menu's name preferred."""
    rows: dict[str, str] = {}
    for action in window.findChildren(QAction):
        # a menu rebuilt for the new model (Lessons) has just deleted its old actions
        if not isValid(action) or not action.text() or action.isSeparator():
            continue
        for seq in action.shortcuts():
            keys = seq.toString(QKeySequence.NativeText)
            if keys:
                rows.setdefault(keys, _menu_path(action))
    for sc in window.findChildren(QShortcut):
        keys = sc.key().toString(QKeySequence.NativeText)
        if keys and keys not in rows and sc.isEnabled():
            rows[keys] = sc.whatsThis() or "(no description)"
    return sorted(rows.items(), key=lambda kv: (len(kv[0]) > 3 or "+" in kv[0], kv[0]))


def shortcuts_dialog(window: QWidget) -> QDialog:
    """A window listing ``collect_shortcuts(window)`` as a two-column table (left open beside the app)."""
    dlg = QDialog(window)
    dlg.setWindowTitle("Keyboard shortcuts")
    dlg.setObjectName("shortcuts-dialog")
    lay = QVBoxLayout(dlg)
    rows = collect_shortcuts(window)
    table = QTableWidget(len(rows), 2)
    table.setObjectName("shortcuts-table")
    table.setHorizontalHeaderLabels(["Keys", "Does"])
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    table.setSelectionMode(QTableWidget.NoSelection)
    for i, (keys, what) in enumerate(rows):
        key_item = QTableWidgetItem(keys)
        key_item.setTextAlignment(Qt.AlignCenter)
        f = key_item.font()
        f.setBold(True)
        key_item.setFont(f)
        table.setItem(i, 0, key_item)
        table.setItem(i, 1, QTableWidgetItem(what))
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
    lay.addWidget(table)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dlg.close)
    lay.addWidget(buttons)
    dlg.resize(480, min(640, 80 + 30 * len(rows)))
    dlg.show()
    return dlg
