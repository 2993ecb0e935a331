"""Building .npy/.npz bytes by hand, for the tests of damaged and hostile files."""
from __future__ import annotations

import io
import zipfile

import numpy as np


def npy_bytes(arr, allow_pickle: bool = False) -> bytes:
    """The bytes of ``np.save(arr)``."""
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """An .npz-style zip (deflated) of ``name -> bytes`` members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    """``name -> bytes`` of a zip's members."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}
