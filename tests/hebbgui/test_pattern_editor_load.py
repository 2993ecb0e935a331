"""Reloading a stored pattern is discoverable (issue 14 item 9): a single click selects it and the
"Load into grid" button beside the stored set puts it on the grid; before, only a double-click that a
tooltip mentioned did."""
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from hebbgui.panels.pattern_editor import PatternEditor


def test_click_a_stored_pattern_then_load_into_grid(qtbot):
    ed = PatternEditor((5, 5))
    qtbot.addWidget(ed)
    ed.show()
    stored = np.stack([np.where(np.arange(25) % (k + 2) == 0, 1, -1) for k in range(3)]).astype(np.int8)
    ed.sync_stored(stored)
    ed.clear_grid()
    button = ed.findChild(QPushButton, "stored-load")
    assert button is not None and button.isVisible() and "grid" in button.text().lower()
    assert not button.isEnabled()                       # nothing selected yet: greyed, not silent
    item = ed.list.item(1)
    qtbot.mouseClick(ed.list.viewport(), Qt.LeftButton, pos=ed.list.visualItemRect(item).center())
    assert ed.list.selectedItems() == [item] and button.isEnabled()
    messages = []
    ed.message.connect(messages.append)
    qtbot.mouseClick(button, Qt.LeftButton)
    assert np.array_equal(ed.grid.reshape(-1), stored[1])
    assert messages and "2" in messages[-1]
