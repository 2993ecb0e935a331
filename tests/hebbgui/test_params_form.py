"""The parameter form: a value it cannot take as typed is set to the nearest bound, and it says so
(issue 14 item 10: "1e9" for T became 1.0, "99999999" became 999, "-5" became 5, silently)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from engine.model import param
from hebbgui.panels.params_form import ParamsForm


@dataclass(frozen=True)
class FormParams:
    T: float = param(1.0, label="T", min=0.0, max=10.0)
    n: int = param(5, label="Patterns", min=1, max=999)


@pytest.fixture
def form(qtbot):
    f = ParamsForm(FormParams)
    qtbot.addWidget(f)
    f.set_values(FormParams())
    f.show()
    return f


def _type(qtbot, box, text):
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)


@pytest.mark.parametrize("field,typed,value,said", [
    ("T", "1e9", 10.0, "T ≤ 10: 1e9 set to 10"),
    ("T", "-5", 0.0, "T ≥ 0: -5 set to 0"),
    ("T", "2.5e-1", 0.25, None),
    ("n", "99999999", 999, "Patterns ≤ 999: 99999999 set to 999"),
    ("n", "-5", 1, "Patterns ≥ 1: -5 set to 1"),
    ("n", "42", 42, None),
])
def test_out_of_range_values_are_clamped_and_the_form_says_so(qtbot, form, field, typed, value, said):
    messages, changes = [], []
    form.message.connect(messages.append)
    form.changed.connect(lambda name, v: changes.append((name, v)))
    box = form.editors[field].spin if field == "T" else form.editors[field]
    _type(qtbot, box, typed)
    assert box.value() == value
    assert changes and changes[-1] == (field, value)
    assert messages == ([said] if said else [])


def test_text_that_is_no_number_is_refused_while_typing(qtbot, form):
    box = form.editors["n"]
    _type(qtbot, box, "abc")
    assert box.value() == 5
