"""engine.numba_cache picks a writable numba cache folder for a frozen app (NOTES.md: PyInstaller),
and engine.resources finds the data files.

configure() must run before numba is imported and keeps its answer in module globals, so every
case runs in a fresh interpreter with its own environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import __version__ as VERSION

REPO = Path(__file__).resolve().parents[2]
# Variables configure() reads; cleared so the developer's or CI's own settings cannot leak in.
CACHE_VARS = ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "TMPDIR", "TEMP", "TMP")


def _configure(env: dict[str, str], *, frozen: str = "True", tempdir: str | None = None,
               before: str = "") -> dict:
    """Run configure() in a fresh interpreter; ``frozen`` is the argument's source text."""
    code = (
        "import json, os, sys, tempfile\n"
        + (f"tempfile.tempdir = {tempdir!r}\n" if tempdir is not None else "")
        + before
        + "from engine import numba_cache\n"
        f"got = numba_cache.configure({frozen})\n"
        "print(json.dumps({'got': got, 'env': os.environ.get('NUMBA_CACHE_DIR'),\n"
        "    'enabled': numba_cache.CACHE_ENABLED, 'jit': numba_cache.jit_options(),\n"
        "    'numba_loaded': 'numba' in sys.modules}))\n"
    )
    full_env = {k: v for k, v in os.environ.items() if k not in CACHE_VARS}
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    full_env.update(env)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"subprocess failed:\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def blocked(tmp_path) -> Path:
    """A path no one can create, root included: its parent is a regular file."""
    f = tmp_path / "a-file"
    f.write_text("not a folder")
    return f / "blocked"


def test_frozen_uses_xdg_cache_home(tmp_path):
    xdg, home = tmp_path / "xdg", tmp_path / "home"
    got = _configure({"XDG_CACHE_HOME": str(xdg), "HOME": str(home)})
    expected = xdg / "hebbgui" / "numba" / VERSION
    assert got["got"] == got["env"] == str(expected)
    assert expected.is_dir()
    assert got["enabled"] is True and got["jit"] == {"cache": True, "nogil": True}
    assert not (home / ".cache").exists()


def test_frozen_detected_from_sys_frozen(tmp_path):
    """The app calls configure() with no argument: a PyInstaller build sets sys.frozen."""
    xdg = tmp_path / "xdg"
    got = _configure({"XDG_CACHE_HOME": str(xdg)}, frozen="", before="sys.frozen = True\n")
    assert got["got"] == got["env"] == str(xdg / "hebbgui" / "numba" / VERSION)


def test_frozen_falls_back_to_home_cache(tmp_path, blocked):
    home = tmp_path / "home"
    for env in ({"HOME": str(home)}, {"HOME": str(home), "XDG_CACHE_HOME": str(blocked)}):
        got = _configure(env)
        assert got["got"] == got["env"] == str(home / ".cache" / "hebbgui" / "numba" / VERSION)
        assert got["enabled"] is True


def test_frozen_falls_back_to_temp_dir(tmp_path, blocked):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    got = _configure({"XDG_CACHE_HOME": str(blocked), "HOME": str(blocked), "TMPDIR": str(tmp)})
    assert got["got"] == got["env"] == str(tmp / f"hebbgui-numba-{VERSION}")
    assert got["enabled"] is True and got["jit"]["cache"] is True


def test_frozen_nothing_writable_turns_cache_off(blocked):
    # tempfile.gettempdir() falls back to /tmp and the working directory, which are writable
    # here; pinning tempfile.tempdir stands for a machine where they are not.
    got = _configure({"XDG_CACHE_HOME": str(blocked), "HOME": str(blocked), "TMPDIR": str(blocked)},
                     tempdir=str(blocked))
    assert got["got"] is None and got["env"] is None
    assert got["enabled"] is False
    assert got["jit"] == {"cache": False, "nogil": True}


def test_frozen_no_usable_temp_dir_turns_cache_off(blocked):
    """The real thing: every folder gettempdir() tries is unwritable, so it raises FileNotFoundError.

    Seen in the built bundle with /tmp, /var/tmp, the working directory and home read-only:
    the app died at start instead of running without a cache.
    """
    got = _configure({"XDG_CACHE_HOME": str(blocked), "HOME": str(blocked), "TMPDIR": str(blocked)},
                     before=f"tempfile._candidate_tempdir_list = lambda: [{str(blocked)!r}]\n")
    assert got["got"] is None and got["env"] is None
    assert got["enabled"] is False and got["jit"]["cache"] is False


def test_not_frozen_leaves_numba_default(tmp_path):
    xdg = tmp_path / "xdg"
    for frozen in ("False", ""):  # explicit, and detected (a plain interpreter has no sys.frozen)
        got = _configure({"XDG_CACHE_HOME": str(xdg)}, frozen=frozen)
        assert got["got"] is None and got["env"] is None
        assert got["enabled"] is True and got["jit"]["cache"] is True
    assert not xdg.exists()


def test_preset_numba_cache_dir_wins(tmp_path):
    preset, xdg = tmp_path / "mine", tmp_path / "xdg"
    for frozen in ("True", "False"):
        got = _configure({"NUMBA_CACHE_DIR": str(preset), "XDG_CACHE_HOME": str(xdg)}, frozen=frozen)
        assert got["got"] == got["env"] == str(preset)
        assert got["enabled"] is True
    assert not xdg.exists()


def test_too_late_once_numba_is_imported(tmp_path):
    xdg = tmp_path / "xdg"
    got = _configure({"XDG_CACHE_HOME": str(xdg)}, before="import numba\n")
    assert got["numba_loaded"] and got["got"] is None and got["env"] is None
    assert not xdg.exists()


def test_importing_the_kernels_points_numba_at_the_folder(tmp_path):
    """engine.kernels configures before any kernel module imports numba: numba sees the folder."""
    xdg = tmp_path / "xdg"
    code = (
        "import sys\nsys.frozen = True\n"
        "import engine.kernels, numba\n"
        "print(numba.config.CACHE_DIR)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in CACHE_VARS}
    env.update(XDG_CACHE_HOME=str(xdg), PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str(xdg / "hebbgui" / "numba" / VERSION)


# --------------------------------------------------------------------------- resources
def test_resource_path_finds_mnist_and_its_licence(monkeypatch):
    monkeypatch.delenv("HEBBGUI_RESOURCES", raising=False)
    from engine.resources import resource_path
    assert resource_path("mnist.npz").is_file()
    assert "CC BY-SA 3.0" in resource_path("MNIST_LICENSE.md").read_text(encoding="utf-8")


def test_resource_path_missing_raises_value_error(monkeypatch):
    monkeypatch.delenv("HEBBGUI_RESOURCES", raising=False)
    from engine.resources import resource_path
    with pytest.raises(ValueError, match="nope"):
        resource_path("nope")


def test_resource_dir_when_frozen(monkeypatch, tmp_path):
    """A PyInstaller bundle unpacks data under sys._MEIPASS; the spec puts resources/ there."""
    monkeypatch.delenv("HEBBGUI_RESOURCES", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    from engine.resources import resource_dir, resource_path
    assert resource_dir() == tmp_path / "resources"
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "mnist.npz").write_bytes(b"")
    assert resource_path("mnist.npz") == tmp_path / "resources" / "mnist.npz"


# --------------------------------------------------------------------------- stale kernels
def test_cached_kernels_are_dropped_when_any_kernel_source_changes(tmp_path):
    """A kernel inlines engine/kernels/random.py; numba only rechecks the kernel's own file."""
    from engine.numba_cache import DIGEST_FILE, drop_stale_kernels
    (tmp_path / "random.py").write_text("A = 1\n")
    (tmp_path / "lattice.py").write_text("B = 2\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    (cache / "lattice.sweep-10.py311.nbi").write_text("old")
    (cache / "lattice.sweep-10.py311.1.nbc").write_text("old")
    (cache / "lattice.cpython-311.pyc").write_text("not numba's")
    assert drop_stale_kernels(tmp_path) is True            # no digest yet: nothing cached can be trusted
    assert sorted(p.name for p in cache.iterdir()) == sorted([DIGEST_FILE, "lattice.cpython-311.pyc"])
    (cache / "lattice.sweep-10.py311.nbi").write_text("fresh")
    assert drop_stale_kernels(tmp_path) is False           # same sources: the cache stays
    assert (cache / "lattice.sweep-10.py311.nbi").exists()
    (tmp_path / "random.py").write_text("A = 3\n")         # only the generator changed
    assert drop_stale_kernels(tmp_path) is True
    assert not (cache / "lattice.sweep-10.py311.nbi").exists()


def test_a_read_only_kernel_folder_is_left_alone(tmp_path, monkeypatch):
    from engine import numba_cache
    (tmp_path / "a.py").write_text("x = 1\n")
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")
    monkeypatch.setattr(Path, "mkdir", refuse)
    assert numba_cache.drop_stale_kernels(tmp_path) is False
