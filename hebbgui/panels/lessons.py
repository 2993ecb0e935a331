"""The lesson pane: the course's lessons in order, the chosen one's text beside the views, a Start
button that sets everything up and the lesson's step buttons. It only asks (signals); the window
turns each request into engine commands through the worker's normal command path."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget)

from engine import lessons, registry
from hebbgui import settings


class LessonPanel(QWidget):
    """Pick a lesson, read it, Start it, press its steps."""

    start_requested = Signal(str)        # lesson name
    step_requested = Signal(str, int)    # lesson name, step index
    message = Signal(str)                # a lesson file that cannot be read

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson: lessons.Lesson | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.picker = QComboBox()
        self.picker.setObjectName("lesson-picker")
        self.picker.setToolTip("The course's lessons, in order")
        self.picker.activated.connect(lambda i: self.show_lesson(self.picker.itemData(i)))
        lay.addWidget(self.picker)
        self.title = QLabel()
        self.title.setObjectName("lesson-title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("QLabel { font-weight: bold; font-size: 120%; }")
        lay.addWidget(self.title)
        self.section = QLabel()
        self.section.setObjectName("lesson-section")
        self.section.setWordWrap(True)
        self.section.setStyleSheet("QLabel { color: #555; font-style: italic; }")
        lay.addWidget(self.section)
        self.start = QPushButton("Start")
        self.start.setObjectName("lesson-start")
        self.start.setToolTip("Open the lesson's model exactly as the lesson sets it up (again: from the start)")
        self.start.clicked.connect(lambda: self.lesson and self.start_requested.emit(self.lesson.name))
        lay.addWidget(self.start)
        self.text = QTextBrowser()
        self.text.setObjectName("lesson-text")
        self.text.setOpenExternalLinks(True)
        lay.addWidget(self.text, 1)
        self.steps_box = QWidget()
        self.steps_layout = QGridLayout(self.steps_box)
        self.steps_layout.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.steps_box)
        self.step_buttons: list[QPushButton] = []
        self.refresh()

    def refresh(self) -> None:
        """List the lessons again (a file added since is picked up); keeps the one shown."""
        current = self.lesson.name if self.lesson else None
        self.picker.clear()
        for k, name in enumerate(lessons.names()):
            try:   # the title only: a file is checked when it is shown (and says there what is wrong)
                self.picker.addItem(f"{k}. {lessons.title(name)}", name)
            except ValueError as exc:
                self.picker.addItem(f"{k}. {name} (cannot be read)", name)
                self.picker.setItemData(k, str(exc), Qt.ToolTipRole)
        if current:
            self.select(current)

    def select(self, name: str) -> None:
        """Show lesson ``name`` (its text and steps) without starting it."""
        i = self.picker.findData(name)
        if i >= 0:
            self.picker.setCurrentIndex(i)
        self.show_lesson(name)

    def show_lesson(self, name: str) -> bool:
        try:
            lesson = lessons.info(name)
        except ValueError as exc:
            self.message.emit(str(exc))
            return False
        self.lesson = lesson
        self.title.setText(lesson.title)
        self.section.setText(f"From {lesson.section}")
        self.text.setMarkdown(lesson.text)
        for b in self.step_buttons:
            b.setParent(None)
            b.deleteLater()
        self.step_buttons = []
        for k, step in enumerate(lesson.steps):
            b = QPushButton(step.label)
            b.setObjectName(f"lesson-step-{k}")
            b.setToolTip(step.tooltip or step.label)
            b.clicked.connect(lambda _=False, k=k: self.step_requested.emit(lesson.name, k))
            self.steps_layout.addWidget(b, k // 2, k % 2)
            self.step_buttons.append(b)
        return True


class LessonControls:
    """The window's part of the lessons (a mixin of MainWindow, as RecordingControls is): start one,
    run its step buttons through the worker's command path, list the course in Help → Lessons."""

    def open_lesson(self, name: str) -> None:
        """Show the lesson's text and start it: its model, set up exactly, in the engine thread."""
        if not self.lesson_panel.show_lesson(name):
            return
        self.lesson_panel.select(name)
        self.lessons_dock.show()
        self.transport.set_playing(False)
        settings.set_last_lesson(name)
        self.controller.start_lesson(name)

    def run_lesson_step(self, name: str, index: int) -> None:
        """A lesson's step button: its commands go to the engine as the form's and buttons' do."""
        lesson = lessons.info(name)
        step = lesson.steps[index]
        if step.experiment:   # a study of the lesson's model: its dialog, whatever runs now
            self.open_experiment(step.experiment)
            return
        if self.model_cls is None or self.model_cls.name != lesson.model:
            self.on_failed(f"press Start first: this step is for the lesson's {registry.title(lesson.model)}")
            return
        for op, args, kwargs in lesson.steps[index].commands:
            getattr(self.controller, op)(*args, **kwargs)   # step, set_params, call, reset: worker commands

    def _fill_help_lessons(self) -> None:
        """Help → Lessons: every lesson in course order (read when the menu opens: a new file shows up)."""
        menu = self.help_lessons_menu
        menu.clear()
        for k, name in enumerate(lessons.names()):
            try:
                title = lessons.title(name)
            except ValueError as exc:
                menu.addAction(f"{k}. {name} (cannot be read)").setToolTip(str(exc))
                continue
            a = menu.addAction(f"{k}. {title}", lambda n=name: self.open_lesson(n))
            a.setObjectName(f"help-lesson-{name}")
