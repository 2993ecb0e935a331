"""Save and load any registered model to one versioned file.

The file is an ``.npz`` (a zip of ``.npy`` arrays, read with ``allow_pickle=False``)
whose entry ``__header__`` holds UTF-8 JSON: format version, model name, params,
step count and an optional ``session`` dict for the GUI. Writes are atomic.
"""
from __future__ import annotations

import dataclasses
import io as _io
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__, archive, registry
from engine.model import IMPORTED, Model, params_from_dict, params_to_dict
from engine.validation import physical_memory_bytes

FORMAT = "hebbgui-model"
FORMAT_VERSION = 1
HEADER_KEY = "__header__"


# A write's temporary older than this is a killed process's leftover, not a write in progress (a
# write touches its file as it goes; the longest, a recording, adds frames every few seconds).
STALE_TEMPORARY_SECONDS = 3600.0


def temporary_beside(path: str | os.PathLike) -> Path:
    """Create a new empty file in path's folder to write path atomically (then ``os.replace``).

    Unlike mkstemp's private 0600 file it gets the usual permissions (0666 less the umask), so a
    session or recording saved for a class can be read by others. Raises OSError as os.open does.
    """
    path = Path(path)
    for _ in range(100):
        tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.part{path.suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {str(path.parent)!r}")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write a file so that a crash leaves either the old file or the new one, never half."""
    path = Path(path)
    try:
        tmp = temporary_beside(path)
    except OSError as exc:  # name the file the user asked for, not the hidden temporary beside it
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | getattr(os, "O_BINARY", 0)), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _remove_stale_temporaries(path)


def _remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the hidden temporaries (``temporary_beside``) of earlier writes to path that a process
    killed mid-write left behind — those untouched for ``STALE_TEMPORARY_SECONDS``; a younger one may
    be another process's write in progress. Called after a write to path succeeds; returns what it
    deleted. Never raises: a folder or file it cannot read or delete is left as it is."""
    path = Path(path)
    name = re.compile(rf"\.{re.escape(path.stem)}\.[0-9a-f]{{8}}\.part{re.escape(path.suffix)}")
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if name.fullmatch(entry.name):
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def save(model: Model, path: str | os.PathLike, session: dict | None = None) -> Path:
    """Save a model (params, state, RNG) and an optional GUI session dict to ``path``."""
    if not isinstance(model, Model) or not model.name:
        raise ValueError(f"model must be a registered Model, got {type(model).__name__}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    if not path.parent.is_dir():
        raise ValueError(f"path: folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a folder; give a file name such as {str(path / 'session.npz')!r}")
    header = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
        "model": model.name, "params": {k: _jsonable(v) for k, v in params_to_dict(model.params).items()},
        "seed": model.seed, "session": session or {},
    }
    arrays = model.state()
    if HEADER_KEY in arrays:
        raise ValueError(f"state key {HEADER_KEY!r} is reserved")
    buf = _io.BytesIO()
    np.savez_compressed(buf, **{HEADER_KEY: np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)},
                        **arrays)
    atomic_write_bytes(path, buf.getvalue())
    return path


MAX_HEADER_BYTES = 1 << 20      # a header is a few hundred bytes of JSON
MEMBER_SLACK_BYTES = 64 << 20   # what an entry may exceed the fresh model's array by (histories grow)


def _header_schema_errors(header: dict) -> str | None:
    """What is wrong with a header's fields (None when nothing), checked before any use of them."""
    kinds = {"format": str, "format_version": int, "model": str, "params": dict, "session": dict}
    for key, kind in kinds.items():
        if key not in header:
            return f"the header has no {key!r}"
        value = header[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"header field {key!r} must be a {'JSON object' if kind is dict else kind.__name__}, got {value!r}"
    seed = header.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        return f"header field 'seed' must be a non-negative integer or null, got {seed!r}"
    if not isinstance(header.get("app_version", ""), str):
        return f"header field 'app_version' must be text, got {header['app_version']!r}"
    return None


def read_header(path: str | os.PathLike) -> dict:
    """The checked header of a saved file (format, version, model, params, seed, session)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no such file {str(path)!r}")
    try:
        members = archive.read_npz(path, lambda name: MAX_HEADER_BYTES if name == HEADER_KEY else None, path.name)
    except ValueError as exc:
        raise ValueError(str(exc).replace("readable .npz archive", "readable hebbgui file")) from None
    if HEADER_KEY not in members:
        raise ValueError(f"{path.name} is not a hebbgui model file (no header)")
    raw = members[HEADER_KEY]
    try:
        header = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name} has a corrupt header: {exc}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path.name} has a corrupt header: expected a JSON object, got {type(header).__name__}")
    if header.get("format") != FORMAT:
        raise ValueError(f"{path.name} is not a hebbgui model file (format {header.get('format')!r})")
    version = header.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ValueError(f"{path.name} was written by a newer hebbgui (file format {version}, app "
                         f"{header.get('app_version')}); this hebbgui {__version__} reads format ≤ {FORMAT_VERSION}")
    problem = _header_schema_errors(header)
    if problem is None and version < 1:
        problem = f"header field 'format_version' must be 1..{FORMAT_VERSION}, got {version}"
    if problem:
        raise ValueError(f"{path.name} has a damaged header: {problem}")
    return header


def read(path: str | os.PathLike, expected: dict[str, np.ndarray] | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Header and arrays of a saved file, checked for format, version and integrity.

    ``expected`` (the state of a fresh model of the saved kind) bounds each entry's size before it is
    inflated, and entries it does not name are skipped unread; without it every entry is read, each
    bounded by half the machine's RAM.
    """
    path = Path(path)
    header = read_header(path)
    ram_half = (physical_memory_bytes() or 8 << 30) // 2

    def limit_for(name: str) -> int | None:
        if name == HEADER_KEY:
            return None
        if expected is None:
            return ram_half
        if name not in expected:
            return None  # an entry this version does not use: never inflated
        return 4 * np.asarray(expected[name]).nbytes + MEMBER_SLACK_BYTES

    try:
        arrays = archive.read_npz(path, limit_for, path.name)
    except ValueError as exc:
        raise ValueError(str(exc).replace("readable .npz archive", "readable hebbgui file")) from None
    return header, arrays


def load(path: str | os.PathLike) -> Model:
    """Rebuild the saved model exactly: params, state, RNG, histories."""
    model, _session = load_session(path)
    return model


def _renamed(name, params: dict) -> tuple:
    """Models renamed since 0.1.0: the RBM's "preset" parameter became a model of its own
    ("seed_3x2" → "rbm-table", whose state entries kept their names)."""
    if name == "rbm" and "preset" in params:
        if params.pop("preset") == "seed_3x2":
            return "rbm-table", {}
    return name, params


def load_session(path: str | os.PathLike) -> tuple[Model, dict]:
    """Like load, also returning the GUI session dict saved with it."""
    header = read_header(path)
    name, saved_params = _renamed(header["model"], dict(header["params"]))
    if name not in registry.names():
        raise ValueError(f"{Path(path).name} holds model {name!r}, which this hebbgui does not know "
                         f"(knows {registry.names()})")
    cls = registry.get(name)
    params = params_from_dict(cls.Params, {k: (tuple(v) if isinstance(v, list) else v)
                                           for k, v in saved_params.items()})
    imported = bool(cls.data_param) and getattr(params, cls.data_param) == IMPORTED
    if imported:   # built on its default data; load_state brings back the training set the file holds
        default = next(f.default for f in dataclasses.fields(cls.Params) if f.name == cls.data_param)
        params = dataclasses.replace(params, **{cls.data_param: default})
    model = cls(params, seed=header.get("seed"))
    # an imported set's size is the user's: its entries are bounded by the machine's memory only
    _, arrays = read(path, expected=None if imported else model.state())
    model.load_state(arrays)
    return model, dict(header["session"])
