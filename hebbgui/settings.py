"""What the app remembers between launches (QSettings, an INI file in the user's config folder):
the window's geometry and docks, the last model and lesson, presentation mode, the recording folder,
and whether hebbgui was launched before (the first launch opens the welcome lesson).

Every read and write goes through ``store()``, so tests point it at a temporary folder
(``QSettings.setPath``; tests/hebbgui/conftest.py) and never touch the user's settings.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = APPLICATION = "hebbgui"
WELCOME_LESSON = "welcome"
DEFAULT_MODEL = "hopfield"


def store() -> QSettings:
    """The app's settings (INI format in the user scope: one readable file on every platform)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def _text(key: str) -> str:
    value = store().value(key, "")
    return value if isinstance(value, str) else ""


def _bytes(key: str) -> QByteArray | None:
    value = store().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def _set(key: str, value) -> None:
    s = store()
    s.setValue(key, value)
    s.sync()


# --------------------------------------------------------------------------- the window
def window_geometry() -> QByteArray | None:
    """The window's saved size and place (QWidget.saveGeometry), None if never saved."""
    return _bytes("window/geometry")


def window_state() -> QByteArray | None:
    """The docks and toolbars as last left (QMainWindow.saveState), None if never saved."""
    return _bytes("window/state")


def save_window(geometry: QByteArray, state: QByteArray) -> None:
    s = store()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)
    s.sync()


def forget_window() -> None:
    """View → Reset layout: the next launch starts with the default layout too."""
    s = store()
    s.remove("window")
    s.sync()


# --------------------------------------------------------------------------- what was open
def last_model() -> str:
    return _text("session/model")


def set_last_model(name: str) -> None:
    _set("session/model", name)


def last_lesson() -> str:
    return _text("session/lesson")


def set_last_lesson(name: str) -> None:
    _set("session/lesson", name)


def presentation() -> bool:
    return store().value("view/presentation", False) in (True, "true", "1", 1)


def set_presentation(on: bool) -> None:
    _set("view/presentation", bool(on))


def recording_folder() -> Path | None:
    """The folder the last recording went to (None until one was made, or if it is gone)."""
    text = _text("recording/folder")
    return Path(text) if text and Path(text).is_dir() else None


def set_recording_folder(folder) -> None:
    _set("recording/folder", str(Path(folder)))


def first_launch() -> bool:
    """True until ``launched()`` was called once (on any earlier launch)."""
    return store().value("app/launched", False) not in (True, "true", "1", 1)


def launched() -> None:
    _set("app/launched", True)


def what_to_open(model: str | None, lesson: str | None, model_names: list[str]) -> tuple[str, str]:
    """("lesson", name) or ("model", name) for a launch: --lesson, then --model, then the welcome
    lesson on the first launch, then the last model (if it still exists), else Hopfield."""
    if lesson:
        return "lesson", lesson
    if model:
        return "model", model
    if first_launch():
        return "lesson", WELCOME_LESSON
    last = last_model()
    return "model", last if last in model_names else DEFAULT_MODEL
