"""Bounded reading of the containers hebbgui opens: .npz archives and gzip streams.

A small file must never cost a large allocation: a 4 MB gzip of zeros inflates to 4 GB, an
.npz can hold an unused member of 3 GB of zeros, an .npy header can declare a (10⁶, 10⁶)
shape over a few bytes. So every size is checked *before* anything is inflated or allocated —
a member's declared size against the caller's limit, an .npy header's shape against the bytes
really there, a gzip stream in chunks against a running bound — and every refusal is a
``ValueError`` naming the file and the member. engine.io (sessions) and engine.datasets (user
data) read through here.
"""
from __future__ import annotations

import zipfile
import zlib
from typing import IO, Callable

import numpy as np

from engine import interrupt
from engine.validation import physical_memory_bytes

CHUNK = 1 << 20
READ_PIECE = 8 << 20   # bytes inflated between stop checks (tens of ms)


def max_data_bytes() -> int:
    """The most decoded bytes one user data file may hold: 2 GB, or a quarter of the RAM if less."""
    ram = physical_memory_bytes() or (8 << 30)
    return min(2 << 30, ram // 4)


def npy_layout(f: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, header length) of an .npy stream, reading its header only."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    return shape, fortran, dtype, f.tell()


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, label: str) -> np.ndarray:
    """One array of an .npz, its declared sizes checked against ``limit`` before anything is inflated."""
    if info.file_size > limit:
        raise ValueError(f"{label}: entry {info.filename!r} would inflate to {info.file_size:,} bytes "
                         f"(more than the {limit:,} this file can need); refused")
    with zf.open(info) as f:
        try:
            shape, fortran, dtype, header_len = npy_layout(f)
        except ValueError as exc:
            raise ValueError(f"{label}: entry {info.filename!r} is not a readable array ({exc})") from None
        if dtype.hasobject:
            raise ValueError(f"{label}: entry {info.filename!r} holds Python objects; refused (never unpickled)")
        n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if header_len + n_bytes != info.file_size:
            raise ValueError(f"{label}: entry {info.filename!r} declares shape {shape} ({n_bytes:,} bytes) but "
                             f"holds {info.file_size - header_len:,} bytes (truncated or edited)")
        if dtype.itemsize == 0:
            raise ValueError(f"{label}: entry {info.filename!r} has a dtype of no size ({dtype}); refused")
        # bounded: n_bytes ≤ limit; the zip layer checks the CRC at the end. Straight into the array,
        # in pieces with a stop check before each (engine/interrupt.py): inflating MNIST's 47 MB of
        # training digits is a third of a second in one call
        data = np.empty(n_bytes, dtype=np.uint8)
        view, got = memoryview(data), 0
        while got < n_bytes:
            interrupt.check()
            read = f.readinto(view[got:got + READ_PIECE])
            if not read:
                break
            got += read
    if got != n_bytes:
        raise ValueError(f"{label}: entry {info.filename!r} is truncated")
    return data.view(dtype).reshape(shape, order="F" if fortran else "C")


def read_npz(source, limit_for: Callable[[str], int | None], label: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz (a path or a binary file object); ``limit_for(name)`` bounds each entry's
    inflated size, or returns None to skip it unread."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                limit = limit_for(name)
                if limit is not None:
                    arrays[name] = read_member(zf, info, limit, label)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{label} is not a readable .npz archive (truncated or corrupt: {exc})") from None
    return arrays


def npz_shapes(source, label: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each entry's (shape, dtype) from its .npy header alone (nothing inflated past the header)."""
    out = {}
    try:
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                with zf.open(info) as f:
                    try:
                        shape, _, dtype, _ = npy_layout(f)
                    except ValueError as exc:
                        raise ValueError(f"{label}: entry {info.filename!r} is not a readable array ({exc})") from None
                out[name] = (shape, dtype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{label} is not a readable .npz archive (truncated or corrupt: {exc})") from None
    return out


def gunzip(data: bytes, label: str, limit: Callable[[bytes], int]) -> bytes:
    """Inflate a gzip stream in chunks. ``limit(first_bytes)`` sees the start of the inflated data (a
    format's header) and returns the most bytes the stream may inflate to; one byte more is refused
    at once, so a bomb costs at most that bound, never its full size."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    bound = None
    pending = data
    try:
        while True:
            piece = d.decompress(pending, CHUNK)
            pending = d.unconsumed_tail
            out += piece
            if bound is None and (len(out) >= 64 or d.eof or not pending):
                bound = limit(bytes(out[:64]))
            if bound is not None and len(out) > bound:
                raise ValueError(f"{label} inflates to more than {bound:,} bytes, more than its contents can "
                                 f"need (a damaged or hostile gzip file); refused")
            if d.eof or (not pending and not piece):
                break
    except zlib.error as exc:
        raise ValueError(f"{label} is a corrupt or truncated gzip file: {exc}") from None
    if not d.eof:
        raise ValueError(f"{label} is a corrupt or truncated gzip file (the stream ends early)")
    if d.unused_data.strip(b"\x00"):
        raise ValueError(f"{label} holds several gzip members; hebbgui reads single-member .gz files")
    return bytes(out)
