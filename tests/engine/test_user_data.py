"""A user's own data (engine/user_data.py): CSV with and without labels, a folder of PNGs, IDX and
.npz, binary patterns from them, and every malformed case a clear ValueError naming the file."""
import numpy as np
import pytest
from PIL import Image

from engine import user_data


def _png(path, array):
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


def _idx(path, arr, magic=None):
    arr = np.asarray(arr, dtype=np.uint8)
    head = magic if magic is not None else bytes([0, 0, 0x08, arr.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    path.write_bytes(head + dims + arr.tobytes())


# ---------------------------------------------------------------- CSV
def test_csv_without_header_or_labels(tmp_path):
    f = tmp_path / "plain.csv"
    f.write_text("1,0,1\n0,1,0\n")
    d = user_data.load(f)
    assert d.kind == "csv" and d.y is None
    assert np.array_equal(d.x, [[1, 0, 1], [0, 1, 0]])


def test_csv_header_detected_and_label_by_name_or_index(tmp_path):
    f = tmp_path / "labelled.csv"
    f.write_text("a,b,species\n0.5,1,setosa\n2,3,virginica\n4,5,setosa\n")
    d = user_data.read_csv(f, label_column="species")
    assert np.array_equal(d.x, [[0.5, 1], [2, 3], [4, 5]])
    assert d.class_names == ["setosa", "virginica"] and np.array_equal(d.y, [0, 1, 0])
    assert d.names == ["setosa", "virginica", "setosa"]
    by_index = user_data.read_csv(f, label_column=-1)
    assert np.array_equal(by_index.y, d.y) and np.array_equal(by_index.x, d.x)


def test_csv_numeric_labels_in_first_column_semicolons(tmp_path):
    f = tmp_path / "digits.csv"
    f.write_text("7;0;1;1;0\n3;1;1;0;0\n")
    d = user_data.read_csv(f, label_column=0)
    assert np.array_equal(d.y, [7, 3]) and d.x.shape == (2, 4) and d.class_names == []


@pytest.mark.parametrize("text, column, words", [
    ("1,2,3\n4,5\n", None, ["'ragged.csv'", "ragged", "row 2 has 2 fields"]),
    ("1,2\n3,nan\n", None, ["'ragged.csv'", "row 2, column 2", "'nan'"]),
    ("1,2\n3,\n", None, ["'ragged.csv'", "row 2, column 2 is empty"]),
    ("x,y\n1,2\n", "label", ["'ragged.csv'", "no column 'label'", "['x', 'y']"]),
    ("1,2\n3,4\n", "label", ["'ragged.csv'", "no header row"]),
    ("1,2\n3,4\n", 5, ["label column", "5"]),
    ("", None, ["'ragged.csv'", "no rows"]),
])
def test_malformed_csv_names_file_and_problem(tmp_path, text, column, words):
    f = tmp_path / "ragged.csv"
    f.write_text(text)
    with pytest.raises(ValueError) as err:
        user_data.load(f, label_column=column)
    for w in words:
        assert w in str(err.value)


# ---------------------------------------------------------------- image folders
def test_image_folder_resized_and_binarised(tmp_path):
    # black strokes on white paper, as a student's drawing: the strokes become the "on" units
    cross = np.full((20, 20), 255)
    cross[8:12, :] = 0
    cross[:, 8:12] = 0
    bar = np.full((10, 10), 255)
    bar[:, 4:6] = 0
    _png(tmp_path / "a_cross.png", cross)
    Image.fromarray(bar.astype(np.uint8)).convert("RGB").save(tmp_path / "b_bar.jpg", quality=95)
    d = user_data.load(tmp_path, size=(10, 10))
    assert d.kind == "images" and d.names == ["a_cross.png", "b_bar.jpg"] and d.x.shape == (2, 10, 10)
    P = user_data.to_patterns(d, (10, 10), threshold=0.5)
    assert P.dtype == np.uint8 and P.shape == (2, 10, 10)
    assert P[0, 4:6, :].all() and P[0, :, 4:6].all() and P[0].sum() == 36   # the cross, inverted to "on"
    assert P[1, :, 4:6].all() and P[1].sum() == 20
    # bright-is-on gives the paper instead of the ink
    assert user_data.to_patterns(d, (10, 10), invert=False)[0].sum() == 100 - 36
    # a smaller grid: area averaging, the cross still a cross
    small = user_data.to_patterns(d, (5, 5), threshold=0.4)
    assert small[0, 2].all() and small[0, :, 2].all()


def test_transparent_png_counts_as_paper(tmp_path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)       # transparent everywhere…
    rgba[2:6, 2:6] = (0, 0, 0, 255)                  # …but a black square
    Image.fromarray(rgba, "RGBA").save(tmp_path / "sq.png")
    P = user_data.to_patterns(user_data.load(tmp_path, size=(8, 8)), (8, 8))
    assert P.sum() == 16 and P[0, 2:6, 2:6].all()


def test_folder_with_other_files_or_damaged_image(tmp_path):
    _png(tmp_path / "ok.png", np.zeros((4, 4)))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"folder '.*' holds 1 file\(s\) that are not PNG or JPEG.*notes.txt"):
        user_data.load(tmp_path)
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match=r"image 'broken.png' cannot be read"):
        user_data.load(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"folder 'empty' holds no PNG or JPEG images"):
        user_data.load(empty)


# ---------------------------------------------------------------- IDX and npz
def test_idx_images_with_labels_beside(tmp_path):
    imgs = np.zeros((3, 4, 4), dtype=np.uint8)
    imgs[:, 1:3, 1:3] = 200
    _idx(tmp_path / "train-images-idx3-ubyte", imgs)
    _idx(tmp_path / "train-labels-idx1-ubyte", np.array([4, 1, 9]))
    d = user_data.load(tmp_path / "train-images-idx3-ubyte")
    assert d.x.shape == (3, 4, 4) and np.array_equal(d.y, [4, 1, 9])
    P = user_data.to_patterns(d, (4, 4))
    assert np.array_equal(P[0], (imgs[0] > 0).astype(np.uint8))   # bright is on (not a drawing)


def test_idx_wrong_magic(tmp_path):
    f = tmp_path / "bad-idx3-ubyte"
    _idx(f, np.zeros((2, 3, 3)), magic=bytes([0, 1, 8, 3]))
    with pytest.raises(ValueError, match=r"file 'bad-idx3-ubyte' has a wrong IDX magic number"):
        user_data.load(f)


def test_npz_flat_rows_and_nan(tmp_path):
    f = tmp_path / "mine.npz"
    x = np.zeros((2, 9))
    x[0, 4] = 1.0
    np.savez(f, x=x, y=np.array([0, 1]))
    d = user_data.load(f)
    assert d.kind == "file" and np.array_equal(d.y, [0, 1])
    P = user_data.to_patterns(d, (3, 3))   # 9 values: one 3×3 pattern each
    assert P[0, 1, 1] == 1 and P.sum() == 1
    with pytest.raises(ValueError, match=r"'mine.npz': each example has 10 values; a 4×4 pattern needs 16"):
        user_data.to_patterns(user_data.UserData(x=np.zeros((1, 10)), y=None, source="mine.npz", kind="file"),
                              (4, 4))
    x[1, 0] = np.nan
    np.savez(f, x=x)
    with pytest.raises(ValueError, match=r"file 'mine.npz': x contains NaN"):
        user_data.load(f)


def test_arguments_checked(tmp_path):
    with pytest.raises(ValueError, match="no such file or folder"):
        user_data.load(tmp_path / "nope.csv")
    _png(tmp_path / "one.png", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="one image; import the folder"):
        user_data.load(tmp_path / "one.png")
    d = user_data.load(tmp_path, size=(3, 3))
    with pytest.raises(ValueError, match="threshold"):
        user_data.to_patterns(d, (3, 3), threshold=2)
