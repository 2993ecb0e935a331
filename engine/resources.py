"""One way to find the files in resources/: a checkout, an installed wheel or a frozen bundle."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir() -> Path:
    """The folder holding the package data (mnist.npz, scenarios, icons)."""
    override = os.environ.get("HEBBGUI_RESOURCES")
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):  # PyInstaller puts data under sys._MEIPASS
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    import resources  # the installed (or checked-out) data package
    return Path(resources.__file__).parent


def resource_path(*parts: str) -> Path:
    """Path of a file inside resources/; ValueError if it is not there."""
    p = resource_dir().joinpath(*parts)
    if not p.exists():
        raise ValueError(f"resource {'/'.join(parts)!r} not found in {resource_dir()}")
    return p
