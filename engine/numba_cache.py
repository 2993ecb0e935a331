"""Pick a numba cache folder before numba is imported (NOTES.md, PyInstaller section).

A frozen app keys numba's cache on the executable, not the source, and a read-only
bundle with no writable home dies with "no locator available". So a frozen app
uses the system's per-user cache folder (engine.user_dirs: platformdirs) with the app
version in it, falls back to a temp dir, and turns caching off when nothing is writable.
A normal install keeps numba's default (beside the source, or numba's own user-wide
folder when that is read-only).
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

from engine import __version__ as VERSION
from engine import user_dirs

CACHE_ENABLED = True


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        return True
    except OSError:
        return False


def candidate_dirs() -> list[Path]:
    """Where a frozen app may cache kernels, best first: the user cache folder, ~/.cache when
    XDG_CACHE_HOME points somewhere unusable (Linux), then the temp folder."""
    out = []
    try:
        out.append(user_dirs.cache_dir() / "numba" / VERSION)
    except (OSError, KeyError, RuntimeError):  # no home at all (platformdirs could not tell)
        pass
    if os.environ.get("XDG_CACHE_HOME") and sys.platform.startswith("linux"):
        try:
            out.append(Path.home() / ".cache" / user_dirs.APP / "numba" / VERSION)
        except (OSError, KeyError, RuntimeError):
            pass
    try:  # gettempdir() raises FileNotFoundError when no temp folder is writable
        out.append(Path(tempfile.gettempdir()) / f"hebbgui-numba-{VERSION}")
    except OSError:
        pass
    return out


KERNELS_DIR = Path(__file__).resolve().parent / "kernels"
DIGEST_FILE = "hebbgui-kernels.digest"


def sources_digest(folder: Path) -> str:
    """A digest of every .py file in ``folder`` (names and contents)."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def drop_stale_kernels(folder: Path = KERNELS_DIR) -> bool:
    """Delete the folder's cached kernels when any kernel source changed since they were compiled.

    numba checks a cached kernel against its own file only, and every kernel inlines functions of
    another file (engine/kernels/random.py): after an edit or a ``git pull`` that changes only that
    file, the others would keep running stale machine code. Returns True when caches were dropped.
    """
    cache = folder / "__pycache__"
    stamp = cache / DIGEST_FILE
    digest = sources_digest(folder)
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    try:
        cache.mkdir(exist_ok=True)
        for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            f.unlink()
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba caches elsewhere (its user-wide folder)
        return False
    return True


def configure(frozen: bool | None = None) -> str | None:
    """Set NUMBA_CACHE_DIR (frozen apps) and return it; None means numba's default or no cache."""
    global CACHE_ENABLED
    if "numba" in sys.modules:  # too late to change where it caches
        return os.environ.get("NUMBA_CACHE_DIR")
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    if not frozen:
        drop_stale_kernels()
        return None
    for d in candidate_dirs():
        if _writable(d):
            os.environ["NUMBA_CACHE_DIR"] = str(d)
            return str(d)
    CACHE_ENABLED = False
    return None


def jit_options() -> dict:
    """Options every kernel's @njit gets: cache only where a cache folder works."""
    return {"cache": CACHE_ENABLED, "nogil": True}
