"""File → Import data (issue 15): a folder of a student's drawings becomes the Hopfield model's stored
patterns; the threshold slider changes the live preview; a bad file shows its message and the model
keeps what it had; a model without a pattern set says so."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QDialogButtonBox

from hebbgui.panels.import_data import open_import_dialog
from tests.hebbgui.conftest import wait_for_snapshot


def _drawings(folder, size=7):
    """Three black-on-white drawings: a vertical bar, a horizontal bar, a diagonal (grey, 60 % ink)."""
    folder.mkdir()
    imgs = [np.full((size, size), 255, np.uint8) for _ in range(3)]
    imgs[0][:, 3] = 0
    imgs[1][3, :] = 0
    np.fill_diagonal(imgs[2], 100)
    for k, img in enumerate(imgs):
        Image.fromarray(img).save(folder / f"{k}.png")
    return [(img < 128).astype(np.int8) for img in imgs]


def _stored(win):
    return np.asarray(win.last_snapshot.data["patterns"]).copy()


@pytest.fixture
def hopfield(open_window):
    return open_window("hopfield")


def test_folder_of_drawings_becomes_the_stored_patterns(qtbot, hopfield, tmp_path):
    win = hopfield
    expected = _drawings(tmp_path / "drawings")
    dlg = open_import_dialog(win, str(tmp_path / "drawings"), modal=False)
    qtbot.addWidget(dlg)
    assert dlg.preview.count() == 3 and "3 pattern(s) of 7×7" in dlg.status.text()
    assert dlg.buttons.button(QDialogButtonBox.Ok).isEnabled()
    # live preview: a higher threshold drops the grey diagonal (ink 0.61 of the range) from pattern 3
    dlg.threshold.setValue(70)
    assert dlg.patterns()[2].sum() == 0
    dlg.threshold.setValue(50)
    assert dlg.patterns()[2].sum() == 7
    dlg.buttons.button(QDialogButtonBox.Ok).click()
    # (the demo letters T, U, C are three patterns too: wait for these ones)
    wait_for_snapshot(qtbot, win, lambda d: np.array_equal(np.asarray(d["patterns"]) > 0, np.array(expected) > 0))
    # the pattern editor's stored list shows them too
    qtbot.waitUntil(lambda: win.pattern_editor.list.count() == 3, timeout=5000)


def test_new_size_resizes_the_model(qtbot, hopfield, tmp_path):
    win = hopfield
    _drawings(tmp_path / "drawings", size=20)
    dlg = open_import_dialog(win, str(tmp_path / "drawings"), modal=False)
    qtbot.addWidget(dlg)
    dlg.rows.setValue(10)
    dlg.cols.setValue(10)
    qtbot.waitUntil(lambda: dlg.patterns() is not None and dlg.patterns().shape == (3, 10, 10), timeout=5000)
    dlg.accept()
    data = wait_for_snapshot(qtbot, win, lambda d: np.shape(d["patterns"]) == (3, 10, 10))
    assert win.model_cls.name == "hopfield" and np.asarray(data["patterns"]).shape == (3, 10, 10)


@pytest.mark.parametrize("bad", ["notes", "ragged_csv", "nan_npz"])
def test_bad_file_shows_message_and_keeps_state(qtbot, hopfield, tmp_path, bad):
    win = hopfield
    before = _stored(win)
    assert before.shape[0] > 0           # the demo letters
    if bad == "notes":
        path = tmp_path / "drawings"
        _drawings(path)
        (path / "notes.txt").write_text("not an image")
        words = ["'drawings'", "notes.txt", "not PNG or JPEG"]
    elif bad == "ragged_csv":
        path = tmp_path / "mine.csv"
        path.write_text("1,0,1\n0,1\n")
        words = ["'mine.csv'", "ragged", "row 2"]
    else:
        path = tmp_path / "mine.npz"
        np.savez(path, x=np.array([[0.0, np.nan, 1.0, 0.0]]))
        words = ["'mine.npz'", "NaN"]
    dlg = open_import_dialog(win, str(path), modal=False)
    qtbot.addWidget(dlg)
    for w in words:
        assert w in dlg.status.text()
    assert not dlg.buttons.button(QDialogButtonBox.Ok).isEnabled() and dlg.patterns() is None
    dlg.accept()                          # even forced, nothing is sent
    qtbot.wait(200)
    win.controller.step(1)
    wait_for_snapshot(qtbot, win, lambda d: True)
    assert np.array_equal(_stored(win), before)


def test_model_without_patterns_says_so(window):
    assert open_import_dialog(window) is None
    assert "takes no pattern set and no training set" in window.statusBar().currentMessage()


def _labelled_csv(path, n=40):
    rng = np.random.default_rng(0)
    lines = ["x,y,label"] + [f"{a:.3f},{b:.3f},{int(a > 0.5)}" for a, b in rng.random((n, 2))]
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("name", ["som", "competitive"])
def test_a_csv_becomes_the_training_set_and_a_session_keeps_it(qtbot, open_window, tmp_path, name):
    win = open_window(name)
    dlg = open_import_dialog(win, str(_labelled_csv(tmp_path / "points.csv")), modal=False)
    qtbot.addWidget(dlg)
    assert dlg.training and not dlg.threshold.isEnabled()
    dlg.label_column.setText("label")
    dlg.reload()
    assert "40 example(s) of 2 values, labels of 2 class(es)" in dlg.status.text()
    assert dlg.buttons.button(QDialogButtonBox.Ok).text() == "Use as training set"
    dlg.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: win.params_form.editor_value("dataset") == "imported", timeout=10000)
    win.controller.step(3)
    wait_for_snapshot(qtbot, win, lambda d: win.last_snapshot.t >= 3)
    model = win.controller.worker.model
    assert model.X.shape == (40, 2) and model.params.dataset == "imported"
    # the session keeps the set: saved, replaced by a preset, opened again
    win.save_session(str(tmp_path / "s.npz"))
    qtbot.waitUntil(lambda: (tmp_path / "s.npz").exists(), timeout=10000)
    win.controller.set_params(dataset="blobs" if name == "competitive" else "iris")
    qtbot.waitUntil(lambda: win.params_form.editor_value("dataset") != "imported", timeout=10000)
    win.open_session(str(tmp_path / "s.npz"))
    qtbot.waitUntil(lambda: win.params_form.editor_value("dataset") == "imported", timeout=10000)
    qtbot.waitUntil(lambda: win.controller.worker.model.X.shape == (40, 2), timeout=10000)


def test_a_bad_training_file_shows_its_message_and_keeps_the_model(qtbot, open_window, tmp_path):
    win = open_window("competitive")
    path = tmp_path / "mine.csv"
    path.write_text("1,0,1\n0,1\n")
    dlg = open_import_dialog(win, str(path), modal=False)
    qtbot.addWidget(dlg)
    assert "ragged" in dlg.status.text() and dlg.training_set() is None
    assert not dlg.buttons.button(QDialogButtonBox.Ok).isEnabled()
    dlg.accept()
    qtbot.wait(200)
    assert win.controller.worker.model.params.dataset == "blobs"


def test_hebbs_mnist_example_imports_a_training_set_its_letters_patterns(qtbot, open_window, tmp_path):
    """A model with a pattern editor and a data choice: the import is a training set where its
    settings train on data (Hebb's MNIST example), its patterns otherwise (the letters)."""
    win = open_window("hebb")
    dlg = open_import_dialog(win, modal=False)
    qtbot.addWidget(dlg)
    assert not dlg.training
    win.controller.set_params(preset="mnist", n_data=100)
    qtbot.waitUntil(lambda: win.params_form.editor_value("preset") == "mnist", timeout=30000)
    dlg = open_import_dialog(win, modal=False)
    qtbot.addWidget(dlg)
    assert dlg.training and dlg.shape() == (28, 28)
