"""A user's own data: CSV tables, folders of images, IDX and .npz files, and binary patterns from them.

No Qt here: File → Import data (hebbgui/panels/import_data.py) and scripts use the same calls::

    from engine import user_data
    d = user_data.load("drawings/", size=(16, 16))     # a folder of PNG/JPEG
    P = user_data.to_patterns(d, (16, 16), threshold=0.5)   # (n, 16, 16) uint8 0/1

IDX, .npz and the seeds' pickles are read by ``engine.datasets.load_file`` (bounded reading through
engine/archive.py). Every bad file is a ``ValueError`` naming the file and what is wrong with it.
"""
from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import archive, datasets
from engine.validation import check_fraction, check_grid_shape, check_int

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_IMAGES = 10_000            # a folder of more is not a set of patterns to draw and recall
MAX_IMAGE_PIXELS = 25_000_000  # per image, checked from its header before it is decoded
MAX_SIDE = 512                 # of a pattern made from images (the pattern editor's grids are ≤ 64)
# hidden files and the thumbnails a desktop leaves beside pictures are not the user's images
_IGNORED_FILES = {"thumbs.db", "desktop.ini"}


@dataclass
class UserData:
    """What a file or folder held: x (n, features) or (n, rows, cols) float64, labels y (n,) or None."""

    x: np.ndarray
    y: np.ndarray | None
    source: str                      # the file or folder name, for messages and titles
    kind: str                        # "csv", "images" or "file" (IDX, .npz, pickle)
    names: list[str] = field(default_factory=list)   # one per example: image file names, CSV class names
    class_names: list[str] = field(default_factory=list)   # label index → the text a CSV gave

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def _label(path) -> str:
    return repr(Path(path).name)


def _check_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file or folder path, got {type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise ValueError(f"path: no such file or folder {str(p)!r}")
    return p


# --------------------------------------------------------------------------- CSV
def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _split_rows(label: str, text: str) -> list[list[str]]:
    """The table's rows as lists of stripped cells: comma, semicolon or tab separated, or spaces."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"file {label} holds no rows")
    sample = "\n".join(lines[:20])
    delimiter = next((d for d in (",", ";", "\t") if d in sample), None)
    if delimiter is None:
        return [ln.split() for ln in lines]
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]


def _label_index(label: str, column, header: list[str] | None, width: int) -> int:
    if isinstance(column, str) and _number(column) is None:
        if header is None:
            raise ValueError(f"file {label} has no header row, so label column {column!r} cannot be found "
                             f"by name; give its index (0…{width - 1}, or −1 for the last)")
        if column not in header:
            raise ValueError(f"file {label} has no column {column!r}; its columns are {header}")
        return header.index(column)
    index = check_int("label column", int(float(column)) if isinstance(column, str) else column, -width, width - 1)
    return index % width


def read_csv(path, *, label_column=None) -> UserData:
    """A CSV table: one example per row, one feature per column; the header row is detected (a first
    row with a cell that is not a number). ``label_column`` (a name or an index, −1 the last) is
    taken out as the labels: numbers stay numbers, words become 0, 1, … in sorted order."""
    p = _check_path(path)
    label = _label(p)
    if not p.is_file():
        raise ValueError(f"{label} is a folder, not a CSV file")
    size = p.stat().st_size
    if size > archive.max_data_bytes():
        raise ValueError(f"file {label} is {size:,} bytes; hebbgui reads data files of at most "
                         f"{archive.max_data_bytes():,} bytes")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"file {label} is not a text (UTF-8) CSV file: {exc.reason} at byte {exc.start}") from None
    rows = _split_rows(label, text)
    header = None
    if any(_number(c) is None for c in rows[0]):
        header, rows = rows[0], rows[1:]
        if not rows:
            raise ValueError(f"file {label} has a header row and no data rows")
    width = len(header) if header is not None else len(rows[0])
    first_data_line = 2 if header is not None else 1
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"file {label} is ragged: row {i + first_data_line} has {len(row)} fields, "
                             f"the {'header' if header is not None else 'first row'} has {width}")
    li = None if label_column is None else _label_index(label, label_column, header, width)
    if li is not None and width < 2:
        raise ValueError(f"file {label} has one column; with a label column no features are left")
    y = None
    class_names: list[str] = []
    if li is not None:
        raw = [row[li] for row in rows]
        numbers = [_number(v) for v in raw]
        if all(v is not None and math.isfinite(v) and v == int(v) for v in numbers):
            y = np.array([int(v) for v in numbers], dtype=np.int64)
        else:
            class_names = sorted(set(raw))
            index = {name: k for k, name in enumerate(class_names)}
            y = np.array([index[v] for v in raw], dtype=np.int64)
        rows = [row[:li] + row[li + 1:] for row in rows]
    x = np.empty((len(rows), len(rows[0])), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            v = _number(cell)
            if v is None or not math.isfinite(v):
                col = j if li is None or j < li else j + 1
                what = "is empty" if not cell else f"is {cell!r}, not a finite number"
                raise ValueError(f"file {label}: row {i + first_data_line}, column {col + 1} {what}")
            x[i, j] = v
    names = [class_names[k] for k in y] if class_names else []
    return UserData(x=x, y=y, source=p.name, kind="csv", names=names, class_names=class_names)


# --------------------------------------------------------------------------- image folders
def image_files(folder) -> list[Path]:
    """The images of a folder (PNG/JPEG, by name), sorted; ValueError if anything else is there."""
    p = _check_path(folder)
    if not p.is_dir():
        raise ValueError(f"{_label(p)} is not a folder")
    files, others = [], []
    for f in sorted(p.iterdir()):
        if f.name.startswith(".") or f.name.lower() in _IGNORED_FILES or f.is_dir():
            continue
        (files if f.suffix.lower() in IMAGE_SUFFIXES else others).append(f)
    if others:
        shown = ", ".join(f.name for f in others[:5]) + (", …" if len(others) > 5 else "")
        raise ValueError(f"folder {_label(p)} holds {len(others)} file(s) that are not PNG or JPEG images "
                         f"({shown}); move them out or pick a folder of images only")
    if not files:
        raise ValueError(f"folder {_label(p)} holds no PNG or JPEG images")
    if len(files) > MAX_IMAGES:
        raise ValueError(f"folder {_label(p)} holds {len(files):,} images; hebbgui imports at most {MAX_IMAGES:,}")
    return files


def read_image(path, size) -> np.ndarray:
    """One image as grey levels (rows, cols) float64 in 0 (black) … 1 (white), resized to ``size``
    by area averaging (transparent parts count as white paper)."""
    from PIL import Image, UnidentifiedImageError  # deferred: only image imports need Pillow
    rows, cols = check_grid_shape("size", size, MAX_SIDE)
    label = _label(path)
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h > MAX_IMAGE_PIXELS:
                raise ValueError(f"image {label} is {w}×{h} pixels; hebbgui imports images of at most "
                                 f"{MAX_IMAGE_PIXELS:,} pixels")
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                img = Image.alpha_composite(paper, rgba)
            grey = img.convert("L").resize((cols, rows), Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"image {label} cannot be read (not a PNG/JPEG, or damaged: {exc})") from None
    return np.asarray(grey, dtype=np.float64) / 255.0


def read_image_folder(folder, size) -> UserData:
    """Every PNG/JPEG of a folder as grey levels (n, rows, cols) in 0…1, in file-name order."""
    files = image_files(folder)
    x = np.stack([read_image(f, size) for f in files])
    return UserData(x=x, y=None, source=Path(folder).name, kind="images", names=[f.name for f in files])


# --------------------------------------------------------------------------- any of them
def load(path, *, size=(28, 28), label_column=None) -> UserData:
    """A folder of images (resized to ``size``), a CSV/text table (``label_column`` as in read_csv),
    or an IDX / .npz / pickle file (engine.datasets.load_file)."""
    p = _check_path(path)
    if p.is_dir():
        return read_image_folder(p, size)
    if p.suffix.lower() in (".csv", ".tsv", ".txt"):
        return read_csv(p, label_column=label_column)
    if p.suffix.lower() in IMAGE_SUFFIXES:
        raise ValueError(f"{_label(p)} is one image; import the folder that holds it (every image there "
                         f"becomes a pattern)")
    if label_column is not None:
        raise ValueError(f"label_column is only for CSV files, and {_label(p)} is not one")
    try:
        x, y = datasets.load_file(p)
    except ValueError:
        if _looks_idx(p):
            datasets.read_idx(p)   # an IDX name: say what is wrong with its header (a wrong magic number…)
        raise
    return UserData(x=np.asarray(x, dtype=np.float64), y=y, source=p.name, kind="file")


def _looks_idx(p: Path) -> bool:
    name = p.name.lower().removesuffix(".gz")
    return name.endswith("ubyte") or name.endswith(".idx")


def _as_images(data: UserData, shape: tuple[int, int]) -> np.ndarray:
    """x as (n, h, w) images: 3-D as it is; 2-D rows of rows·cols features, or of a square number."""
    x = data.x
    if x.ndim == 3:
        return x
    rows, cols = shape
    f = x.shape[1]
    if f == rows * cols:
        return x.reshape(-1, rows, cols)
    side = math.isqrt(f)
    if side * side == f:
        return x.reshape(-1, side, side)
    raise ValueError(f"{data.source!r}: each example has {f} values; a {rows}×{cols} pattern needs "
                     f"{rows * cols} (or a square number of values, an image to resize)")


def to_patterns(data: UserData, shape, threshold: float = 0.5, invert: bool | None = None) -> np.ndarray:
    """Binary patterns (n, rows, cols) uint8 0/1 from imported data: each example as an image, resized
    to ``shape`` by area averaging, scaled to 0…1 by the data's range and set on where it is ≥
    ``threshold``. ``invert`` makes dark values the "on" ones; None decides as a drawing is read:
    when most of the data is light (ink on paper), the dark strokes are on."""
    if not isinstance(data, UserData):
        raise ValueError(f"data must be a UserData (from engine.user_data.load), got {type(data).__name__}")
    rows, cols = check_grid_shape("shape", shape, MAX_SIDE)
    threshold = check_fraction("threshold", threshold)
    images = _as_images(data, (rows, cols))
    lo, hi = float(images.min()), float(images.max())
    norm = (images - lo) / (hi - lo) if hi > lo else np.zeros_like(images)
    if images.shape[1:] != (rows, cols):
        norm = datasets.resample_area(norm, rows, cols)
    if invert is None:
        invert = data.kind == "images" and float(np.median(norm)) > 0.5
    if invert:
        norm = 1.0 - norm
    # a threshold of 0 would turn every unit of an all-dark image on: "on" needs a value above 0 then
    on = norm >= threshold if threshold > 0 else norm > 0
    return on.astype(np.uint8)
