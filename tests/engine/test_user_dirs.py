"""Per-user folders on the three systems students use, simulated here through platformdirs' own
Windows and macOS classes (their folder lookups read overridable environment variables / ~)."""
from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath, PureWindowsPath

import platformdirs
import pytest
from platformdirs.macos import MacOS
from platformdirs.unix import Unix
from platformdirs.windows import Windows

from engine import __version__ as VERSION
from engine import numba_cache, user_dirs

LOCAL = r"C:\Users\student\AppData\Local"


@pytest.fixture
def windows(monkeypatch):
    """platformdirs as on Windows: Known Folders come from WIN_PD_OVERRIDE_* (what the shell API returns)."""
    monkeypatch.setattr(platformdirs, "PlatformDirs", Windows)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", LOCAL)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)


def test_windows_folders(windows):
    assert PureWindowsPath(user_dirs.cache_dir()) == PureWindowsPath(LOCAL, "hebbgui", "Cache")
    # Local, not Roaming: recordings are large and must not travel with a roaming profile.
    assert PureWindowsPath(user_dirs.data_dir()) == PureWindowsPath(LOCAL, "hebbgui")
    first = numba_cache.candidate_dirs()[0]
    assert PureWindowsPath(first) == PureWindowsPath(LOCAL, "hebbgui", "Cache", "numba", VERSION)


def test_macos_folders(monkeypatch, tmp_path):
    monkeypatch.setattr(platformdirs, "PlatformDirs", MacOS)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert user_dirs.cache_dir() == tmp_path / "Library" / "Caches" / "hebbgui"
    assert user_dirs.data_dir() == tmp_path / "Library" / "Application Support" / "hebbgui"
    dirs = numba_cache.candidate_dirs()
    assert dirs[0] == tmp_path / "Library" / "Caches" / "hebbgui" / "numba" / VERSION
    assert not any(".cache" in p.parts for p in dirs)   # the Linux fallback stays on Linux


def test_linux_folders_follow_xdg(monkeypatch, tmp_path):
    monkeypatch.setattr(platformdirs, "PlatformDirs", Unix)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_dirs.cache_dir() == tmp_path / "xdg" / "hebbgui"
    assert user_dirs.data_dir() == tmp_path / "home" / ".local" / "share" / "hebbgui"
    dirs = numba_cache.candidate_dirs()
    assert dirs[:2] == [tmp_path / "xdg" / "hebbgui" / "numba" / VERSION,
                        tmp_path / "home" / ".cache" / "hebbgui" / "numba" / VERSION]
    assert PurePosixPath(dirs[-1]).name == f"hebbgui-numba-{VERSION}"   # the temp folder, last


def test_default_folder_is_made_or_falls_back_to_home(monkeypatch, tmp_path):
    monkeypatch.setattr(user_dirs, "data_dir", lambda: tmp_path / "data")
    assert user_dirs.default_folder("recordings") == tmp_path / "data" / "recordings"
    assert (tmp_path / "data" / "recordings").is_dir()
    (tmp_path / "file").write_text("a file, so nothing can be made under it")
    monkeypatch.setattr(user_dirs, "data_dir", lambda: tmp_path / "file")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_dirs.default_folder("recordings") == Path.home() == tmp_path / "home"

