"""Per-user folders where each system expects an app's files, through ``platformdirs``.

Linux: ``$XDG_CACHE_HOME`` / ``~/.cache``, ``~/.local/share``; Windows: ``%LOCALAPPDATA%\\hebbgui\\Cache``,
``%LOCALAPPDATA%\\hebbgui``; macOS: ``~/Library/Caches/hebbgui``, ``~/Library/Application Support/hebbgui``.
Settings are not here: the GUI keeps them in QSettings, which already uses each system's own
store (the registry, a plist, ``~/.config/hebbgui``).
"""
from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "hebbgui"


def _dirs() -> platformdirs.PlatformDirs:
    # appauthor=False: no "hebbgui\hebbgui" doubling on Windows.
    return platformdirs.PlatformDirs(APP, appauthor=False)


def cache_dir() -> Path:
    """The user's cache folder for hebbgui (not created)."""
    return Path(_dirs().user_cache_dir)


def data_dir() -> Path:
    """The user's data folder for hebbgui (not created): recordings and saved runs go here by default."""
    return Path(_dirs().user_data_dir)


def default_folder(kind: str) -> Path:
    """A subfolder of data_dir() for files of one kind ("recordings", "runs"), created when possible;
    the home folder when it cannot be (a read-only or unusual home)."""
    folder = data_dir() / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path.home()
