"""Malformed data files (62 cases): what File → Import and ``datasets.load_file`` are pointed at —
CSV tables, IDX (plain and .gz), .npz, .npy, the seeds' pickles, image folders, and paths that are
not files at all. Each is made small in the case's temporary folder; a loader must refuse it with a
ValueError naming the file (or the argument), or load it and give finite, well-shaped data."""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np

from tools.reliability.core import Case

MB = 1 << 20


def _idx(arr: np.ndarray, code: int = 0x08) -> bytes:
    return bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape) + arr.tobytes()


def _npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], zeros: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    """An .npz-style zip of ``members``, plus ``zeros``: name → (head, n) members of head and n zero
    bytes, streamed in (a large zero member costs the harness little memory to make)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, (head, n) in (zeros or {}).items():
            with zf.open(name, "w", force_zip64=True) as f:
                f.write(head)
                for _ in range(n // MB):
                    f.write(bytes(MB))
                f.write(bytes(n % MB))
    return buf.getvalue()


def zero_npy(n_bytes: int, dtype: str = "<f8") -> tuple[bytes, int]:
    """(head, n) of an .npy of n_bytes zeros, for zip_bytes' ``zeros``."""
    return npy_header((n_bytes // np.dtype(dtype).itemsize,), dtype), n_bytes


def npy_header(shape, dtype="<f8") -> bytes:
    """An .npy header that declares ``shape`` with (almost) nothing after it."""
    head = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}".encode()
    pad = 64 - (10 + len(head) + 1) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head) + pad + 1) + head + b" " * pad + b"\n"


def _zeros_gz(n: int, prefix: bytes = b"") -> bytes:
    """A gzip stream of ``prefix`` then n zero bytes, written in chunks (a bomb costs little to make)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
        g.write(prefix)
        chunk = bytes(MB)
        for _ in range(n // MB):
            g.write(chunk)
        g.write(bytes(n % MB))
    return buf.getvalue()


def _png(path: Path, size=(8, 8), value=0) -> None:
    from PIL import Image
    Image.new("L", size, value).save(path)


def _check_xy(x, y) -> None:
    x = np.asarray(x)
    assert x.ndim in (2, 3) and x.shape[0] > 0, f"x has shape {x.shape}"
    assert np.all(np.isfinite(x)), "x holds NaN or infinite values"
    if y is not None:
        assert np.asarray(y).shape == (x.shape[0],), f"y shape {np.asarray(y).shape} for x {x.shape}"


def _load_file(name: str, data: bytes, beside: dict[str, bytes] | None = None, **kw):
    """Write ``data`` to ``name`` (and the ``beside`` files next to it); load it with datasets.load_file."""
    def run(tmp: Path):
        from engine import datasets
        p = tmp / name
        p.write_bytes(data)
        for other, raw in (beside or {}).items():
            (tmp / other).write_bytes(raw)
        _check_xy(*datasets.load_file(p, **kw))
    return run


def _user_load(build, **kw):
    """Build something in the folder with ``build(tmp) -> path`` and load it with user_data.load."""
    def run(tmp: Path):
        from engine import user_data
        d = user_data.load(build(tmp), **kw)
        _check_xy(d.x, d.y)
        if d.kind == "images":
            user_data.to_patterns(d, (8, 8))
    return run


def _csv(text: str | bytes, **kw):
    def build(tmp):
        p = tmp / "table.csv"
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        return p
    return _user_load(build, **kw)


def _pickle_runs_code(tmp: Path):
    """A pickle that would run a command: refused, and the command never runs."""
    from engine import datasets
    marker = tmp / "ran"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))
    (tmp / "evil.pkl").write_bytes(pickle.dumps(Evil()))
    try:
        datasets.load_file(tmp / "evil.pkl")
    finally:
        assert not marker.exists(), "the pickle ran code"


def _folder(files: dict[str, object]):
    def build(tmp):
        d = tmp / "drawings"
        d.mkdir()
        for name, what in files.items():
            if what == "png":
                _png(d / name)
            elif what == "dir":
                (d / name).mkdir()
            else:
                (d / name).write_bytes(what)
        return d
    return build


def _png_declaring(w: int, h: int) -> bytes:
    """A PNG whose header declares w×h pixels, with one tiny (wrong) data chunk."""
    import zlib
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def cases(quick: bool = False) -> list[Case]:
    """The 62 malformed-data-file cases (all of them in quick mode too: each takes milliseconds)."""
    img = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    lab = np.array([0, 1, 2], dtype=np.uint8)
    x = np.random.default_rng(0).random((5, 6))
    f = "table.csv"

    def npz(members: dict[str, bytes]):
        return _load_file("d.npz", zip_bytes(members))
    huge_idx = bytes([0, 0, 8, 3]) + struct.pack(">III", 2**31, 2**10, 2**10)   # declares 2⁵¹ bytes
    c = [
        # --- CSV (user_data.load → read_csv)
        Case("csv empty", _csv(""), "refuse", (f,)),
        Case("csv only comments", _csv("# nothing\n# here\n"), "refuse", (f,)),
        Case("csv header only", _csv("a,b,c\n"), "refuse", (f,)),
        Case("csv ragged", _csv("1,2,3\n4,5\n"), "refuse", (f,)),
        Case("csv NaN cell", _csv("1,2\nnan,4\n"), "refuse", (f,)),
        Case("csv inf cell", _csv("1,2\ninf,4\n"), "refuse", (f,)),
        Case("csv text cell", _csv("1,2\n3,four\n5,6\n"), "refuse", (f,)),
        Case("csv not UTF-8", _csv(b"1,2\n\xff\xfe,3\n"), "refuse", (f,)),
        Case("csv binary garbage", _csv(bytes(range(256)) * 4), "refuse", (f,)),
        Case("csv label column out of range", _csv("1,2\n3,4\n", label_column=7), "refuse", ("label column",)),
        Case("csv label column unknown name", _csv("a,b\n1,2\n", label_column="z"), "refuse", (f,)),
        Case("csv label column of a one-column table", _csv("1\n2\n", label_column=0), "refuse", (f,)),
        Case("csv label name without a header", _csv("1,2\n3,4\n", label_column="b"), "refuse", (f,)),
        Case("csv with BOM, semicolons and word labels", _csv("\ufeffa;b;kind\n1;2;cat\n3;4;dog\n", label_column=-1),
             "ok"),
        Case("csv of one huge line", _csv(",".join(["1"] * 200_000) + "\n"), "either", (f,)),
        # --- IDX, plain
        Case("idx wrong magic", _load_file("t-images-idx3-ubyte", b"\x01\x02\x08\x03" + bytes(40)), "refuse",
             ("idx3",)),
        Case("idx unknown type code", _load_file("t-images-idx3-ubyte", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5])),
             "refuse", ("idx3",)),
        Case("idx zero dimensions", _load_file("a.idx", bytes([0, 0, 8, 0]) + bytes(8)), "refuse", ("a.idx",)),
        Case("idx truncated header", _load_file("a.idx", bytes([0, 0, 8, 3, 0, 0])), "refuse", ("a.idx",)),
        Case("idx declares 4e12 bytes", _load_file("a.idx", huge_idx + bytes(100)), "refuse", ("a.idx",)),
        Case("idx truncated payload", _load_file("a.idx", _idx(img)[:-5]), "refuse", ("a.idx",)),
        Case("idx longer than declared", _load_file("a.idx", _idx(img) + b"xyz"), "refuse", ("a.idx",)),
        Case("idx zero-size dimension", _load_file("a.idx", _idx(np.zeros((0, 4, 4), np.uint8))), "refuse", ("a.idx",)),
        Case("idx float NaN", _load_file("a.idx", _idx(np.full((2, 3), np.nan, ">f4"), 0x0D)), "refuse", ("a.idx",)),
        Case("idx labels only (1-D)", _load_file("a.idx", _idx(lab)), "refuse", ("a.idx",)),
        Case("idx labels beside disagree", _load_file("t-images-idx3-ubyte", _idx(img),
                                                      beside={"t-labels-idx1-ubyte": _idx(lab[:2])}),
             "refuse", ("idx",)),
        Case("idx valid with labels beside", _load_file("t-images-idx3-ubyte", _idx(img),
                                                        beside={"t-labels-idx1-ubyte": _idx(lab)}), "ok"),
        # --- IDX, gzipped
        Case("idx.gz bomb (8 MB of zeros past a small header)",
             _load_file("a-idx3-ubyte.gz", _zeros_gz(8 * MB, _idx(img))), "refuse", ("a-idx3-ubyte.gz",)),
        Case("idx.gz declaring 4e12 bytes", _load_file("a-idx3-ubyte.gz", gzip.compress(huge_idx)), "refuse",
             ("a-idx3-ubyte.gz",)),
        Case("idx.gz truncated stream", _load_file("a-idx3-ubyte.gz", gzip.compress(_idx(img))[:-12]),
             "refuse", ("a-idx3-ubyte.gz",)),
        Case("gz of zeros only (no header)", _load_file("a.gz", _zeros_gz(8 * MB)), "refuse", ("a.gz",)),
        Case("gz of text", _load_file("a.gz", gzip.compress(b"hello world" * 100)), "refuse", ("a.gz",)),
        Case("gz of nothing", _load_file("a.gz", gzip.compress(b"")), "refuse", ("a.gz",)),
        Case("gz two members", _load_file("a-idx3-ubyte.gz", gzip.compress(_idx(img)) * 2), "refuse",
             ("a-idx3-ubyte.gz",)),
        Case("gz header only, corrupt body", _load_file("a.gz", b"\x1f\x8b\x08\x00" + bytes(6) + b"\xff" * 50),
             "refuse", ("a.gz",)),
        Case("idx.gz valid", _load_file("a-idx3-ubyte.gz", gzip.compress(_idx(img))), "ok"),
        # --- .npz
        Case("npz not a zip", _load_file("d.npz", b"PK\x03\x04 not really a zip" * 4), "refuse", ("d.npz",)),
        Case("npz truncated", _load_file("d.npz", zip_bytes({"x.npy": _npy(x)})[:-30]), "refuse", ("d.npz",)),
        Case("npz no arrays", _load_file("d.npz", zip_bytes({"readme.txt": b"hi"})), "refuse", ("d.npz",)),
        Case("npz x 1-D", _load_file("d.npz", zip_bytes({"x.npy": _npy(np.arange(5.0))})), "refuse", ("d.npz",)),
        Case("npz x of objects (a pickle)", npz({"x.npy": _npy(np.array([{}, []], object), True)}), "refuse",
             ("d.npz",)),
        Case("npz x with NaN", npz({"x.npy": _npy(np.full((2, 2), np.nan))}), "refuse", ("d.npz",)),
        Case("npz x complex", npz({"x.npy": _npy(np.ones((2, 2), complex))}), "refuse", ("d.npz",)),
        Case("npz x of strings", _load_file("d.npz", zip_bytes({"x.npy": _npy(np.array([["a", "b"]]))})), "refuse",
             ("d.npz",)),
        Case("npz x empty", _load_file("d.npz", zip_bytes({"x.npy": _npy(np.zeros((0, 4)))})), "refuse", ("d.npz",)),
        Case("npz y length differs", _load_file("d.npz", zip_bytes({"x.npy": _npy(x), "y.npy": _npy(np.arange(3))})),
             "refuse", ("d.npz",)),
        Case("npz y 2-D", _load_file("d.npz", zip_bytes({"x.npy": _npy(x), "y.npy": _npy(np.zeros((5, 3)))})), "refuse",
             ("d.npz",)),
        Case("npz x declares (1e6, 1e6)", _load_file("d.npz", zip_bytes({"x.npy": npy_header((10**6, 10**6))})),
             "refuse", ("d.npz",)),
        Case("npz member not an .npy", _load_file("d.npz", zip_bytes({"x.npy": b"just text, no magic"})), "refuse",
             ("d.npz",)),
        Case("npz with an unused 64 MB zero member", _load_file("d.npz", zip_bytes(
            {"x.npy": _npy(x)}, {"junk.npy": zero_npy(64 * MB)})), "ok"),
        Case("npz x_train/y_train valid", _load_file("d.npz", zip_bytes(
            {"x_train.npy": _npy(x), "y_train.npy": _npy(np.arange(5))})), "ok"),
        # --- .npy and pickles
        Case("npy declares (30000, 30000)", _load_file("x.npy", npy_header((30000, 30000))), "refuse", ("x.npy",)),
        Case("npy valid array", _load_file("x.npy", _npy(x)), "ok"),
        Case("pickle that runs code", _pickle_runs_code, "refuse", ("evil.pkl",)),
        Case("pickle truncated", _load_file("m.pkl", pickle.dumps((x, np.arange(5)))[:-20]), "refuse", ("m.pkl",)),
        Case("pickle of a dict without x", _load_file("m.pkl", pickle.dumps({"a": 1})), "refuse", ("m.pkl",)),
        # --- image folders and paths
        Case("folder empty", _user_load(_folder({})), "refuse", ("drawings",)),
        Case("folder with a text file", _user_load(_folder({"a.png": "png", "notes.txt": b"hi"})), "refuse",
             ("drawings",)),
        Case("folder with a corrupt png", _user_load(_folder({"a.png": "png", "b.png": b"\x89PNG garbage"})),
             "refuse", ("b.png",)),
        Case("folder with a png declaring 100000×100000",
             _user_load(_folder({"a.png": _png_declaring(100000, 100000)})), "refuse", ("a.png",)),
        Case("folder of sub-folders only", _user_load(_folder({"sub": "dir"})), "refuse", ("drawings",)),
        Case("path that does not exist", lambda tmp: __import__("engine.datasets").datasets.load_file(tmp / "nope.npz"),
             "refuse", ("nope.npz",)),
    ]
    return c
