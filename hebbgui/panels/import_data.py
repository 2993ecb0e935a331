"""File → Import data: a CSV table, a folder of images, an IDX or .npz file as the current model's
stored patterns (with a threshold slider and a live preview of the binarised patterns), or as the
training set of a model with a data choice (SOM, competitive learning, RBM, DBN, CHL, the dense memory
in train mode, Hebb's MNIST example: "imported").

The file is read and checked here (engine.user_data) before anything reaches the engine: a bad file
shows its message in the dialog and the model keeps what it had. Patterns go through the same
``set_patterns`` command as the pattern editor's stored set; a training set through
``set_training_data`` (engine/model.py), which refuses a set the model cannot use and keeps the model.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from engine import user_data
from hebbgui.panels.pattern_editor import thumbnail

PREVIEW_MAX = 48          # patterns shown in the preview (all are imported)
TRAINING_SIZE = (28, 28)  # images of a training set are read at this size unless changed (MNIST's)
TRAINING_SIZE_LIMITS = (2, 128)
POLARITIES = (("auto (drawings: dark ink is on)", None), ("bright is on", False), ("dark is on", True))


def _size_limits(params_cls) -> tuple[int, int] | None:
    """(min, max) of the model's rows/cols parameters when it has both (its pattern size can change)."""
    names = {f.name: f.metadata for f in dataclasses.fields(params_cls)}
    if "rows" not in names or "cols" not in names:
        return None
    lo = int(max(names["rows"].get("min") or 1, names["cols"].get("min") or 1))
    hi = int(min(names["rows"].get("max") or 64, names["cols"].get("max") or 64))
    return lo, hi


def grey_thumbnail(img: np.ndarray, size: int = 56) -> QIcon:
    """An icon of a grey-level image scaled to its own range (a training example, not binarised)."""
    img = np.asarray(img, dtype=np.float64)
    lo, hi = float(img.min()), float(img.max())
    grey = np.ascontiguousarray(((img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)) * 255).astype(np.uint8)
    h, w = grey.shape
    qimg = QImage(grey.data, w, h, w, QImage.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(qimg).scaled(size, size, Qt.KeepAspectRatio, Qt.FastTransformation))


class ImportDialog(QDialog):
    """Pick a file or folder, a size and a threshold; ``patterns()`` is the (n, rows, cols) 0/1 result.
    ``training``: the data are a training set, used as read (no threshold); ``training_set()``."""

    def __init__(self, shape: tuple[int, int], size_limits: tuple[int, int] | None = None, parent=None, *,
                 training: bool = False):
        super().__init__(parent)
        self.training = training
        self.setWindowTitle("Import a training set" if training else "Import data")
        self.setObjectName("import-dialog")
        self.data: user_data.UserData | None = None
        self._read_key = None      # (path, label column, size for images) the data were read with
        self._patterns: np.ndarray | None = None
        self.error = ""
        lay = QVBoxLayout(self)
        pick = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("a CSV, IDX, .npz or .npy file, or a folder of PNG/JPEG images")
        self.path_edit.editingFinished.connect(self.reload)
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._choose_file)
        folder_button = QPushButton("Folder…")
        folder_button.setToolTip("A folder of PNG/JPEG images: each becomes one pattern")
        folder_button.clicked.connect(self._choose_folder)
        for w in (self.path_edit, file_button, folder_button):
            pick.addWidget(w)
        lay.addLayout(pick)

        form = QFormLayout()
        size_row = QWidget()
        sl = QHBoxLayout(size_row)
        sl.setContentsMargins(0, 0, 0, 0)
        self.rows, self.cols = QSpinBox(), QSpinBox()
        for box, value in ((self.rows, shape[0]), (self.cols, shape[1])):
            box.setRange(*(size_limits or (value, value)))
            box.setValue(value)
            box.setEnabled(size_limits is not None)
            box.valueChanged.connect(self._size_changed)
        sl.addWidget(self.rows)
        sl.addWidget(QLabel("×"))
        sl.addWidget(self.cols)
        sl.addStretch(1)
        size_row.setToolTip("Pattern size (rows × columns); images are resized by area averaging"
                            if size_limits else "This model's pattern size (it cannot change here)")
        form.addRow("Size", size_row)
        self.label_column = QLineEdit()
        self.label_column.setPlaceholderText("none (CSV only: a column name or index, −1 the last)")
        self.label_column.editingFinished.connect(self.reload)
        form.addRow("Label column", self.label_column)
        thr = QWidget()
        tl = QHBoxLayout(thr)
        tl.setContentsMargins(0, 0, 0, 0)
        self.threshold = QSlider(Qt.Horizontal)
        self.threshold.setObjectName("import-threshold")
        self.threshold.setRange(1, 99)
        self.threshold.setValue(50)
        self.threshold.setToolTip("A unit is on where the value (scaled to 0…1 by the data's range) is ≥ this")
        self.threshold_label = QLabel("0.50")
        self.threshold.valueChanged.connect(self._threshold_changed)
        tl.addWidget(self.threshold, 1)
        tl.addWidget(self.threshold_label)
        form.addRow("Threshold", thr)
        self.polarity = QComboBox()
        for text, _ in POLARITIES:
            self.polarity.addItem(text)
        self.polarity.currentIndexChanged.connect(self.update_preview)
        form.addRow("On units", self.polarity)
        lay.addLayout(form)

        self.preview = QListWidget()
        self.preview.setObjectName("import-preview")
        self.preview.setViewMode(QListWidget.IconMode)
        self.preview.setIconSize(QSize(56, 56))
        self.preview.setResizeMode(QListWidget.Adjust)
        self.preview.setMinimumSize(420, 200)
        lay.addWidget(self.preview, 1)
        self.status = QLabel("Choose a file or a folder.")
        self.status.setObjectName("import-status")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Use as training set" if training else "Import as patterns")
        for w in (self.threshold, self.polarity):   # a training set is used as read: grey levels, not 0/1
            w.setEnabled(not training)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        # dragging the size spinboxes re-reads an image folder: once they rest, not at every value
        self._reread = QTimer(self, singleShot=True, interval=200)
        self._reread.timeout.connect(self.reload)
        self._set_ok(False)

    # ---------------------------------------------------------------- choosing
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data file", "",
                                              "Data (*.csv *.tsv *.txt *.npz *.npy *ubyte *ubyte.gz *.idx *.gz *.pkl);;"
                                              "All files (*)")
        if path:
            self.set_path(path)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder of images")
        if path:
            self.set_path(path)

    def set_path(self, path: str) -> None:
        """Read ``path`` (a file or a folder) and show its patterns, or what is wrong with it."""
        self.path_edit.setText(str(path))
        self.reload()

    def shape(self) -> tuple[int, int]:
        return self.rows.value(), self.cols.value()

    def threshold_value(self) -> float:
        return self.threshold.value() / 100.0

    def _label_column(self):
        text = self.label_column.text().strip()
        return None if not text else int(text) if text.lstrip("-+").isdigit() else text

    def reload(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            return
        # images are read at the pattern size; tables and arrays are resized from what was read
        key = (path, self.label_column.text().strip(), self.shape() if Path(path).is_dir() else None)
        if key == self._read_key and self.data is not None:
            return
        self._read_key = key
        try:
            self.data = user_data.load(path, size=self.shape(), label_column=self._label_column())
        except ValueError as exc:
            self.data = None
            self._show_error(str(exc))
            return
        self.update_preview()

    def _size_changed(self) -> None:
        if self.data is not None and self.data.kind != "images":
            self.update_preview()     # tables and arrays are resized from what was read
        else:
            self._reread.start()      # images are read at the pattern size

    def _threshold_changed(self, value: int) -> None:
        self.threshold_label.setText(f"{value / 100:.2f}")
        self.update_preview()

    # ---------------------------------------------------------------- preview
    def update_preview(self) -> None:
        """Binarise the data read at the current threshold and polarity and show the patterns (a
        training set: show its examples as they are)."""
        if self.data is None:
            return
        if self.training:
            self._preview_training()
            return
        try:
            self._patterns = user_data.to_patterns(self.data, self.shape(), self.threshold_value(),
                                                   POLARITIES[self.polarity.currentIndex()][1])
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self.error = ""
        self.preview.clear()
        names = self.data.names
        for k, p in enumerate(self._patterns[:PREVIEW_MAX]):
            name = names[k] if k < len(names) else str(k + 1)
            if self.data.y is not None and not self.data.class_names:
                name = f"{k + 1}: {int(self.data.y[k])}"
            self.preview.addItem(QListWidgetItem(thumbnail(2 * p.astype(np.int8) - 1, 56), name))
        n = len(self._patterns)
        more = f" (the first {PREVIEW_MAX} shown)" if n > PREVIEW_MAX else ""
        on = float(self._patterns.mean())
        self.status.setStyleSheet("")
        self.status.setText(f"{self.data.source}: {n} pattern(s) of {self.shape()[0]}×{self.shape()[1]}{more}; "
                            f"{on:.0%} of the units on")
        self._set_ok(True)

    def _preview_training(self) -> None:
        x, y = self.data.x, self.data.y
        self.error = ""
        self.preview.clear()
        side = int(np.sqrt(x.shape[1])) if x.ndim == 2 else 0
        images = x if x.ndim == 3 else x.reshape(-1, side, side) if side * side == x.shape[1] and side >= 8 else None
        if images is not None:
            for k, img in enumerate(images[:PREVIEW_MAX]):
                name = self.data.names[k] if k < len(self.data.names) else str(k + 1)
                label = name if y is None else f"{name}: {int(y[k])}"
                self.preview.addItem(QListWidgetItem(grey_thumbnail(img), label))
        what = "×".join(str(d) for d in x.shape[1:])
        labels = "no labels" if y is None else f"labels of {len(np.unique(y))} class(es)"
        more = f" (the first {PREVIEW_MAX} shown)" if images is not None and len(x) > PREVIEW_MAX else ""
        self.status.setStyleSheet("")
        self.status.setText(f"{self.data.source}: {len(x)} example(s) of {what} values, {labels}{more}")
        self._set_ok(True)

    def training_set(self) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The data read, (x, y or None), as the model's training set; None when nothing good was read."""
        if not self.training or self.data is None or self.error:
            return None
        return self.data.x.copy(), None if self.data.y is None else self.data.y.copy()

    def _show_error(self, message: str) -> None:
        self.error = message
        self._patterns = None
        self.preview.clear()
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText(message)
        self._set_ok(False)

    def _set_ok(self, ok: bool) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)

    def patterns(self) -> np.ndarray | None:
        """The binarised patterns (n, rows, cols) uint8 0/1 the dialog shows, or None."""
        return None if self._patterns is None else self._patterns.copy()


def open_import_dialog(win, path: str | None = None, *, modal: bool = True) -> ImportDialog | None:
    """File → Import data for the main window ``win``: the result becomes the current model's stored
    patterns, or the training set of a model with a data choice; other models get a message."""
    cls = win.model_cls
    form = win.params_form
    values = {} if form is None else {name: form.editor_value(name) for name in form.editors}
    training = cls is not None and cls.trains_on_data(values)
    if cls is None or (win.pattern_editor is None and not training):
        title = cls.title if cls is not None else "This model"
        win.statusBar().showMessage(f"{title} takes no pattern set and no training set of yours: import works "
                                    f"for models with a Patterns panel (Hopfield, Hebb) or a data choice with "
                                    f"'imported' (SOM, competitive learning, RBM, DBN, CHL)", 10000)
        return None
    if training:
        dlg = ImportDialog(TRAINING_SIZE, TRAINING_SIZE_LIMITS, win, training=True)
        dlg.accepted.connect(lambda: apply_training_import(win, dlg))
    else:
        dlg = ImportDialog(win.pattern_editor.shape, _size_limits(cls.Params), win)
        dlg.accepted.connect(lambda: apply_import(win, dlg))
    if path:
        dlg.set_path(path)
    if modal:
        dlg.exec()
    else:
        dlg.show()
    return dlg


def apply_import(win, dlg: ImportDialog) -> None:
    """Send the dialog's patterns to the model: a new size first (when the model has one), then the set."""
    patterns = dlg.patterns()
    if patterns is None:
        return
    if dlg.shape() != tuple(win.pattern_editor.shape):
        win.controller.set_params(rows=dlg.shape()[0], cols=dlg.shape()[1])
    win.controller.call("set_patterns", patterns)
    win.statusBar().showMessage(f"imported {len(patterns)} pattern(s) from {dlg.data.source}", 8000)


def apply_training_import(win, dlg: ImportDialog) -> None:
    """Send the dialog's data to the model as its training set (``dataset = imported``); the engine
    refuses a set the model cannot use (the window shows why) and the model keeps what it had."""
    data = dlg.training_set()
    if data is None:
        return
    win.controller.call("set_training_data", *data)
    win.statusBar().showMessage(f"training on {len(data[0])} example(s) from {dlg.data.source}", 8000)
