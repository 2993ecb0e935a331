"""Data sets and pattern sources: letters, scikit-learn toys, MNIST and user files.

No Qt here. Every loader validates what it reads and raises ``ValueError`` naming the
argument or the file and what is wrong with it.
"""
from __future__ import annotations

import functools
import importlib
import io
import os
import pickle
from pathlib import Path

import numpy as np

from engine import archive
from engine.validation import (check_array, check_choice, check_float, check_grid_shape, check_int,
                               check_seed)

# --------------------------------------------------------------------------- letters
_MAX_LETTER_SIZE = 63


@functools.cache
def _glyphs() -> dict[int, dict[str, np.ndarray]]:
    """The glyphs of resources/letters.txt by size (3, 7), each (size, size) uint8 0/1, read once."""
    from engine.resources import resource_path
    path = resource_path("letters.txt")
    glyphs: dict[int, dict[str, np.ndarray]] = {}
    # the comment lines before the first "= SIZE CHARACTER" header are not part of any block
    for block in path.read_text(encoding="utf-8").split("\n= ")[1:]:
        head, *rows = block.strip("\n").split("\n")
        size_text, name = head.split(" ")
        size = int(size_text)
        if len(rows) != size or any(len(r) != size or set(r) - {"#", "."} for r in rows):
            # a damaged resource file, not user input
            raise RuntimeError(f"{path}: glyph {name!r} is not {size}x{size} '#'/'.' art")
        glyph = np.array([[c == "#" for c in r] for r in rows], dtype=np.uint8)
        glyph.flags.writeable = False  # shared by every call
        glyphs.setdefault(size, {})[name] = glyph
    return glyphs


def _check_letter_size(size) -> int:
    ok = f"3 or a multiple of 7 from 7 to {_MAX_LETTER_SIZE}"
    size = check_int("size", size)
    if size != 3 and not (size % 7 == 0 and 7 <= size <= _MAX_LETTER_SIZE):
        raise ValueError(f"size {size} is not available; sizes are {ok}")
    return size


def letter_names(size: int = 7) -> list[str]:
    """The characters ``letters`` can draw at ``size`` (3: the seeds' T U C L H; 7k: A–Z, 0–9)."""
    size = _check_letter_size(size)
    return list(_glyphs()[3 if size == 3 else 7])


def letters(text: str, size: int = 7) -> np.ndarray:
    """Letters of ``text`` as binary images, shape (len(text), size, size), uint8 0/1.

    size 3 gives the seeds' 3x3 letters; size 7 the hand-drawn alphabet; multiples of 7
    up to 63 upscale it by nearest neighbour. Lower-case letters are drawn as upper-case.
    """
    size = _check_letter_size(size)
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty; give at least one character")
    table = _glyphs()[3 if size == 3 else 7]
    missing = sorted({c for c in text.upper() if c not in table})
    if missing:
        raise ValueError(f"text has characters {''.join(missing)!r} not available at size {size}; "
                         f"available: {''.join(table)}")
    out = np.stack([table[c] for c in text.upper()])
    if size > 7:
        out = np.repeat(np.repeat(out, size // 7, axis=1), size // 7, axis=2)
    return np.ascontiguousarray(out, dtype=np.uint8)


# --------------------------------------------------------------------------- MNIST
_MNIST_SPLITS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
# (resolved path, size, mtime, split) -> (x, y) read-only arrays: the file is read once per process
_MNIST_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _mnist_file(path) -> Path:
    if path is None:
        from engine.resources import resource_path
        return resource_path("mnist.npz")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path or None, got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path: no such file {str(p)!r}")
    return p


def _read_mnist_split(p: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    xkey, ykey = _MNIST_SPLITS[split]
    files: list[str] = []

    def wanted(name: str) -> int | None:   # the split's two members, inflated in pieces with stop checks
        files.append(name)
        return archive.max_data_bytes() if name in (xkey, ykey) else None
    try:
        arrays = archive.read_npz(p, wanted, p.name)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{p.name} is not a readable MNIST npz (truncated, corrupt or not an npz: {exc})") from None
    missing = [k for k in (xkey, ykey) if k not in arrays]
    if missing:
        raise ValueError(f"{p.name} is not an MNIST npz: missing {missing}; it holds {files} "
                         f"(expects x_train, y_train, x_test, y_test)")
    x, y = arrays[xkey], arrays[ykey]
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or x.shape[0] == 0:
        raise ValueError(f"{p.name}: {xkey} must be uint8 of shape (n, 28, 28), got {x.dtype} {x.shape}")
    if y.ndim != 1 or y.shape[0] != x.shape[0] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{p.name}: {ykey} must be integer of shape ({x.shape[0]},), got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"{p.name}: {ykey} must hold labels 0..9, got values in [{y.min()}, {y.max()}]")
    x = np.ascontiguousarray(x)
    y = np.ascontiguousarray(y, dtype=np.uint8)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def load_mnist(split: str = "train", n: int | None = None, *, path=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images (n, 28, 28) uint8 0..255 and labels (n,) uint8, in the file's order.

    Reads resources/mnist.npz (or ``path``, an npz with x_train/y_train/x_test/y_test) once
    per process; the arrays returned are read-only (``.copy()`` them to modify). ``n`` takes
    the first n examples, as the seeds do.
    """
    check_choice("split", split, _MNIST_SPLITS)
    p = _mnist_file(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns, split)
    if key not in _MNIST_CACHE:
        _MNIST_CACHE[key] = _read_mnist_split(p, split)
    x, y = _MNIST_CACHE[key]
    if n is not None:
        n = check_int("n", n, 1, len(x))
        x, y = x[:n], y[:n]
    return x, y


def mnist_attribution() -> str:
    """The source and licence text (CC BY-SA 3.0) that must accompany MNIST."""
    from engine.resources import resource_path
    return resource_path("MNIST_LICENSE.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- scikit-learn toys
def load_digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits: images (1797, 8, 8) float64 in 0..16 and labels (1797,) int64."""
    from sklearn.datasets import load_digits  # deferred: importing scikit-learn takes a second
    d = load_digits()
    return np.asarray(d.images, dtype=np.float64).copy(), np.asarray(d.target, dtype=np.int64).copy()


def load_iris() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Fisher's Iris: features (150, 4) float64 (cm), labels (150,) int64, the 3 species names."""
    from sklearn.datasets import load_iris as _sk_load_iris
    d = _sk_load_iris()
    return (np.asarray(d.data, dtype=np.float64).copy(), np.asarray(d.target, dtype=np.int64).copy(),
            [str(s) for s in d.target_names])


# The seed's competitive-learning data (seed 000, "13.Competitive_clust(blobs).py").
SEED_BLOB_CENTERS = np.array([(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)])
SEED_BLOB_STD = 0.15


def blobs(n_samples: int = 300, centers=3, cluster_std: float = SEED_BLOB_STD,
          seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters in 2-D: points (n_samples, 2) float64 and cluster labels (n_samples,) int64.

    ``centers=3`` gives the seed's clusters at (0,0), (0.5,0.5), (1,0) with std 0.15; another
    integer k puts k centres evenly on a circle of radius 0.5 around (0.5, 0.25); a (k, 2)
    array gives them explicitly. Same seed → same points.
    """
    n_samples = check_int("n_samples", n_samples, 1, 10_000_000)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, (bool, np.bool_)):
        centers = check_int("centers", centers, 1, 1000)
        if centers == 3:
            centre_xy = SEED_BLOB_CENTERS.copy()
        else:
            angle = 2 * np.pi * np.arange(centers) / centers
            centre_xy = np.column_stack([0.5 + 0.5 * np.cos(angle), 0.25 + 0.5 * np.sin(angle)])
    else:
        centre_xy = check_array("centers", centers, shape=(None, 2), non_empty=True)
    cluster_std = check_float("cluster_std", cluster_std, 0.0)
    seed = check_seed(seed)
    from sklearn.datasets import make_blobs  # the seed's generator, so the clouds look the same
    x, y = make_blobs(n_samples=n_samples, n_features=2, centers=centre_xy,
                      cluster_std=cluster_std, random_state=seed)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)


# --------------------------------------------------------------------------- user files
# IDX type codes (LeCun's MNIST page): all multi-byte values are big-endian.
_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _file_label(path) -> str:
    return repr(Path(path).name)


def _idx_declared_bytes(label: str, head: bytes) -> int | None:
    """Total size (header + payload) an IDX header declares, from its first bytes; None if not IDX."""
    if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _IDX_DTYPES:
        return None
    ndim = head[3]
    if len(head) < 4 + 4 * ndim:
        return None
    dims = [int.from_bytes(head[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim)]
    return 4 + 4 * ndim + int(np.prod(dims, dtype=object)) * _IDX_DTYPES[head[2]].itemsize


def _check_declared(label: str, n_bytes: int) -> None:
    limit = archive.max_data_bytes()
    if n_bytes > limit:
        raise ValueError(f"file {label} declares {n_bytes:,} bytes of data; hebbgui reads data files of at "
                         f"most {limit:,} bytes (refused before reading it)")


def _read_bytes(path) -> tuple[Path, bytes]:
    """The file's bytes, gunzipped when they are gzip; ValueError for missing/empty/corrupt files.

    Sizes are checked before they are spent: an IDX header's declared size against the limit for
    data files, a gzip stream inflated in chunks against what its contents can need."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path, got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path: no such file {str(p)!r}")
    label = _file_label(p)
    size = p.stat().st_size
    if size > archive.max_data_bytes():
        raise ValueError(f"file {label} is {size:,} bytes; hebbgui reads data files of at most "
                         f"{archive.max_data_bytes():,} bytes")
    data = p.read_bytes()
    if not data:
        raise ValueError(f"file {label} is empty")
    if data[:2] == b"\x1f\x8b":
        def limit(head: bytes) -> int:
            declared = _idx_declared_bytes(label, head)
            if declared is not None:
                _check_declared(label, declared)
                return declared  # one byte more and the file is longer than its header says and the file is longer than its header says
            if head[:2] == b"PK" or head[:1] == b"\x80":  # .npz or pickle inside: bounded by the file's size
                return min(archive.max_data_bytes(), (64 << 20) + 32 * len(data))
            if not head:
                return 0
            raise ValueError(f"file {label} is a gzip file, but what it holds is not a recognised data "
                             f"file (IDX, .npz or the seeds' pickle)")
        data = archive.gunzip(data, f"file {label}", limit)
        if not data:
            raise ValueError(f"file {label} is empty (after gunzip)")
    elif (declared := _idx_declared_bytes(label, data[:64])) is not None:
        _check_declared(label, declared)
    return p, data


def _parse_idx(label: str, data: bytes) -> np.ndarray:
    if len(data) < 4:
        raise ValueError(f"file {label} is too short for an IDX header ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"file {label} has a wrong IDX magic number {data[:4].hex()} "
                         f"(an IDX file starts with 00 00, a type code and the number of dimensions)")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"file {label} has an unknown IDX type code 0x{code:02X}; "
                         f"accepts {', '.join(f'0x{c:02X}' for c in _IDX_DTYPES)}")
    if ndim < 1:
        raise ValueError(f"file {label} declares {ndim} dimensions; an IDX file needs at least 1")
    head = 4 + 4 * ndim
    if len(data) < head:
        raise ValueError(f"file {label} is truncated inside its IDX header ({len(data)} of {head} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    if 0 in dims:
        raise ValueError(f"file {label} is empty (IDX dimensions {dims})")
    dtype = _IDX_DTYPES[code]
    want = int(np.prod(dims, dtype=object)) * dtype.itemsize
    got = len(data) - head
    if got != want:
        what = "truncated" if got < want else "longer than its header says"
        raise ValueError(f"file {label} is {what}: dimensions {dims} of {dtype.name} need {want} "
                         f"payload bytes, found {got}")
    arr = np.frombuffer(data, dtype=dtype, offset=head).reshape(dims)
    arr = arr.astype(dtype.newbyteorder("="))  # native order, and a writable copy
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"file {label} contains NaN or infinite values")
    return arr


def read_idx(path) -> np.ndarray:
    """One IDX file (``*-idx1-ubyte``, ``*-idx3-ubyte``…, optionally gzipped) as a native array."""
    p, data = _read_bytes(path)
    return _parse_idx(_file_label(p), data)


def _idx_labels_beside(p: Path) -> Path | None:
    """The labels file that sits beside an IDX images file (MNIST naming), if there is one."""
    name = p.name
    if "images" not in name and "idx3" not in name:
        return None
    stem = name.replace("images", "labels").replace("idx3", "idx1")
    candidates = [stem]
    candidates.append(stem[:-3] if stem.endswith(".gz") else stem + ".gz")
    for c in candidates:
        q = p.with_name(c)
        if q != p and q.is_file():
            return q
    return None


def _coerce_numeric(label: str, what: str, arr: np.ndarray, kind: type) -> np.ndarray:
    if arr.dtype == object or arr.dtype.kind in "US":  # e.g. fetch_openml's string labels '5'
        try:
            arr = arr.astype(kind)
        except (TypeError, ValueError):
            raise ValueError(f"file {label}: {what} must be numeric, got {arr.dtype} values") from None
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"file {label}: {what} must be real numbers, got dtype {arr.dtype}")
    return arr


def _check_xy(label: str, x, y) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"file {label}: x must be an array, got {type(x).__name__}")
    x = _coerce_numeric(label, "x", x, np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"file {label}: x must be 2-D (n, features) or 3-D (n, rows, cols), got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"file {label}: x is empty (shape {x.shape})")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ValueError(f"file {label}: x contains NaN or infinite values")
    if y is None:
        return np.ascontiguousarray(x), None
    if not isinstance(y, np.ndarray):
        raise ValueError(f"file {label}: y must be an array or None, got {type(y).__name__}")
    y = _coerce_numeric(label, "y", y, np.int64)
    if y.ndim == 2 and y.shape[1] == 1:  # the seeds' labels are (n, 1)
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"file {label}: y must be 1-D (n,) or (n, 1), got shape {y.shape}")
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"file {label}: x has {x.shape[0]} examples but y has {y.shape[0]} labels")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"file {label}: y contains NaN or infinite values")
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def _load_npz(label: str, data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """x (and y) of an .npz; only the entries used are inflated, each bounded by the data-file limit."""
    shapes = archive.npz_shapes(io.BytesIO(data), f"file {label}")
    chosen = next(((xk, yk) for xk, yk in (("x", "y"), ("x_train", "y_train"), ("X", "y"), ("data", "target"))
                   if xk in shapes), None)
    if chosen is None:
        chosen = next(((k, None) for k, (shape, _) in shapes.items() if len(shape) in (2, 3)), None)
    if chosen is None:
        raise ValueError(f"file {label} holds no data array: expected keys x/y or x_train/y_train or a 2-D/3-D "
                         f"array, found {[f'{k} {shape}' for k, (shape, _) in shapes.items()]}")
    limit = archive.max_data_bytes()
    arrays = archive.read_npz(io.BytesIO(data), lambda name: limit if name in chosen else None, f"file {label}")
    return _check_xy(label, arrays[chosen[0]], arrays.get(chosen[1]) if chosen[1] else None)


def _load_npy(label: str, data: bytes) -> tuple[np.ndarray, None]:
    """x of an .npy file: its header's shape checked against the bytes really there, never unpickled."""
    try:
        shape, fortran, dtype, head = archive.npy_layout(io.BytesIO(data))
    except ValueError as exc:
        raise ValueError(f"file {label} is not a readable .npy array ({exc})") from None
    if dtype.hasobject:
        raise ValueError(f"file {label} holds Python objects; refused (never unpickled)")
    n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if head + n_bytes != len(data):
        raise ValueError(f"file {label} declares shape {shape} ({n_bytes:,} bytes) but holds {len(data) - head:,} "
                         f"bytes (truncated or edited)")
    x = np.frombuffer(data, dtype=dtype, offset=head).reshape(shape, order="F" if fortran else "C")
    return _check_xy(label, x, None)


def _numpy_attr(modules: tuple[str, ...], name: str):
    for m in modules:
        try:
            return getattr(importlib.import_module(m), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(name)  # pragma: no cover - every supported numpy has one of them


_MULTIARRAY = ("numpy._core.multiarray", "numpy.core.multiarray")
_NUMERIC = ("numpy._core.numeric", "numpy.core.numeric")
# The only globals an (x, y) pickle of numpy arrays needs, for every pickle protocol 0..5
# and numpy 1.x or 2.x writers. Nothing here can run arbitrary code.
_PICKLE_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): (_MULTIARRAY, "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): (_MULTIARRAY, "_reconstruct"),
    ("numpy.core.multiarray", "scalar"): (_MULTIARRAY, "scalar"),
    ("numpy._core.multiarray", "scalar"): (_MULTIARRAY, "scalar"),
    ("numpy.core.numeric", "_frombuffer"): (_NUMERIC, "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): (_NUMERIC, "_frombuffer"),
    ("numpy", "ndarray"): (("numpy",), "ndarray"),
    ("numpy", "dtype"): (("numpy",), "dtype"),
    ("_codecs", "encode"): (("_codecs",), "encode"),  # protocols 0-2 store bytes as encode(str, 'latin1')
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and plain containers; refuses every other global (no code runs)."""

    def __init__(self, file, label: str):
        super().__init__(file)
        self._label = label

    def find_class(self, module: str, name: str):
        allowed = _PICKLE_ALLOWED.get((module, name))
        if allowed is None:
            raise ValueError(f"refusing to load file {self._label}: the pickle asks for {module}.{name}; "
                             f"only numpy arrays are allowed")
        return _numpy_attr(*allowed)

    def persistent_load(self, pid):
        raise ValueError(f"refusing to load file {self._label}: it uses persistent ids")


def _load_pickle(label: str, data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        obj = _ArrayOnlyUnpickler(io.BytesIO(data), label).load()
    except ValueError:
        raise
    except Exception as exc:  # truncated streams raise EOFError, UnpicklingError, TypeError…
        raise ValueError(f"file {label} is not a readable pickle (truncated or corrupt: "
                         f"{type(exc).__name__}: {exc})") from None
    if isinstance(obj, np.ndarray):
        return _check_xy(label, obj, None)
    if isinstance(obj, (tuple, list)) and len(obj) in (1, 2):
        return _check_xy(label, obj[0], obj[1] if len(obj) == 2 else None)
    if isinstance(obj, dict) and "x" in obj:
        return _check_xy(label, obj["x"], obj.get("y"))
    raise ValueError(f"file {label} holds a {type(obj).__name__}; expected an (x, y) tuple of arrays "
                     f"(as the seeds' mnist.pkl), an array or a dict with 'x' and 'y'")


def load_file(path, *, labels=None) -> tuple[np.ndarray, np.ndarray | None]:
    """A user data file as (x, y or None): IDX (optionally .gz), .npz, .npy or the seeds' (x, y) pickle.

    x is (n, features) or (n, rows, cols), numeric and finite; y is (n,) or None. For an IDX
    images file, the labels come from ``labels`` (an IDX labels file) or the MNIST-named file
    beside it (``train-images-idx3-ubyte`` → ``train-labels-idx1-ubyte``) when it exists.
    Pickles are read with an unpickler that only rebuilds numpy arrays.
    """
    if labels is not None and not isinstance(labels, (str, os.PathLike)):
        raise ValueError(f"labels must be a file path or None, got {type(labels).__name__}")
    p, data = _read_bytes(path)
    label = _file_label(p)
    if labels is not None and data[:2] != b"\x00\x00":
        raise ValueError(f"labels= is only for IDX image files, and {label} is not one")
    if data[:2] == b"PK":
        return _load_npz(label, data)
    if data[:6] == b"\x93NUMPY":
        return _load_npy(label, data)
    if data[:1] == b"\x80" or p.suffix.lower() in (".pkl", ".pickle"):
        return _load_pickle(label, data)
    if data[:2] == b"\x00\x00":
        x = _parse_idx(label, data)
        if x.ndim == 1:
            raise ValueError(f"file {label} holds 1-D IDX labels only; load the images file "
                             f"(with labels={str(p)!r}) or read it with read_idx")
        labels_path = labels if labels is not None else _idx_labels_beside(p)
        y = None
        if labels_path is not None:
            y = read_idx(labels_path)
            if y.ndim != 1:
                raise ValueError(f"labels file {_file_label(labels_path)} must be 1-D, got shape {y.shape}")
            if y.shape[0] != x.shape[0]:
                raise ValueError(f"file {label} has {x.shape[0]} examples but labels file "
                                 f"{_file_label(labels_path)} has {y.shape[0]}")
        return _check_xy(label, x, y)
    raise ValueError(f"file {label} is not a recognised data file; accepts IDX (*-ubyte, optionally .gz), "
                     f".npz, .npy and the seeds' (x, y) .pkl")


# --------------------------------------------------------------------------- presets for the pattern editor
PRESET_NAMES = ("letters", "digits", "mnist")


def resample_area(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Resize (k, h, w) float images to (k, rows, cols) by area averaging: each target cell is
    the mean of the source area it covers, so shrinking keeps thin strokes' weight and an
    integer enlargement is exactly nearest-neighbour."""
    def coverage(n_src: int, n_dst: int) -> np.ndarray:
        # overlap of target cell i = [i, i+1)·n_src/n_dst with source cell j = [j, j+1)
        edges = np.arange(n_dst + 1) * (n_src / n_dst)
        lo = np.maximum(edges[:-1, None], np.arange(n_src)[None, :])
        hi = np.minimum(edges[1:, None], np.arange(1, n_src + 1)[None, :])
        return np.clip(hi - lo, 0.0, None) * (n_dst / n_src)
    r = coverage(images.shape[1], rows)
    c = coverage(images.shape[2], cols)
    return np.einsum("ih,khw,jw->kij", r, images.astype(np.float64), c)


def _fit_binary(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Place 0/1 images (k, h, w) in the grid: the largest integer enlargement that fits, centred;
    images larger than the grid are first shrunk (area average ≥ ½) keeping their aspect."""
    k, h, w = images.shape
    factor = min(rows // h, cols // w)
    if factor >= 1:
        fitted = np.repeat(np.repeat(images, factor, axis=1), factor, axis=2)
    else:
        scale = min(rows / h, cols / w)
        th, tw = max(1, int(h * scale)), max(1, int(w * scale))
        fitted = (resample_area(images, th, tw) >= 0.5).astype(np.uint8)
    out = np.zeros((k, rows, cols), dtype=np.uint8)
    top, left = (rows - fitted.shape[1]) // 2, (cols - fitted.shape[2]) // 2
    out[:, top:top + fitted.shape[1], left:left + fitted.shape[2]] = fitted
    return out


def preset_patterns(name: str, shape) -> tuple[np.ndarray, list[str]]:
    """Preset patterns for a (rows, cols) grid: (k, rows, cols) uint8 0/1 and their names.

    "letters": A–Z at the largest letter size that fits (3, 7, 14… — a 3–6 grid gets the seeds'
    T U C L H), centred. "digits": the first scikit-learn 8x8 digit of each class 0–9,
    binarised at half intensity (≥ 8 of 16), enlarged by an integer factor (or shrunk) and
    centred. "mnist": the first MNIST training image of each class 0–9 binarised x > 0 as the
    seeds do, resized to fill the grid by area averaging (exact at 28x28 and its multiples).
    """
    check_choice("name", name, PRESET_NAMES)
    rows, cols = check_grid_shape("shape", shape, 4096)
    side = min(rows, cols)
    if name == "letters":
        if side < 3:
            raise ValueError(f"shape {shape!r} is too small for letters; needs at least 3x3")
        size = 3 if side < 7 else 7 * min(side // 7, _MAX_LETTER_SIZE // 7)
        names = letter_names(size)
        if size != 3:
            names = [c for c in names if c.isalpha()]
        return _fit_binary(letters("".join(names), size), rows, cols), names
    if name == "digits":
        images, labels = load_digits_8x8()
        first = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
        binary = (images[first] >= 8).astype(np.uint8)
        return _fit_binary(binary, rows, cols), [str(d) for d in range(10)]
    images, labels = load_mnist("train")
    first = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
    binary = (images[first] > 0).astype(np.float64)
    if (rows, cols) != (28, 28):
        binary = resample_area(binary, rows, cols) >= 0.5
    return binary.astype(np.uint8), [str(d) for d in range(10)]
