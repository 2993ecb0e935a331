"""engine.threads: the one thread policy (cores − 1 in the window, the libraries' defaults in scripts,
HEBBGUI_THREADS overriding both), checked in fresh interpreters since numba reads it at import."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = ("import json, sys\n"
         "from engine import threads\n"
         "n = threads.apply(gui={gui})\n"
         "import numba\n"
         "from threadpoolctl import threadpool_info\n"
         "blas = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
         "print(json.dumps({{'n': n, 'numba': numba.get_num_threads(), 'blas': blas, 'cores': threads.cores()}}))\n")


def _probe(gui: bool, env_threads: str | None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("HEBBGUI_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    if env_threads is not None:
        env["HEBBGUI_THREADS"] = env_threads
    proc = subprocess.run([sys.executable, "-c", PROBE.format(gui=gui)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc


def test_the_window_keeps_a_core_for_the_gui_thread():
    proc = _probe(True, None)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    want = max(1, got["cores"] - 1)
    assert got["n"] == want and got["numba"] == want
    assert all(b == want for b in got["blas"])


def test_scripts_keep_the_defaults_and_the_setting_overrides_both():
    got = json.loads(_probe(False, None).stdout.strip().splitlines()[-1])
    assert got["n"] is None and got["numba"] == got["cores"]
    got = json.loads(_probe(False, "1").stdout.strip().splitlines()[-1])
    assert got["n"] == 1 and got["numba"] == 1 and all(b == 1 for b in got["blas"])


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_setting_is_named(value, monkeypatch):
    from engine import threads
    monkeypatch.setenv("HEBBGUI_THREADS", value)
    with pytest.raises(ValueError, match=rf"HEBBGUI_THREADS must be a whole number ≥ 1 .*got '{value}'"):
        threads.threads_for(gui=True)


def test_the_app_reports_a_bad_setting_without_a_traceback():
    env = dict(os.environ, HEBBGUI_THREADS="lots")
    proc = subprocess.run([sys.executable, "-m", "hebbgui", "run", "hopfield", "--steps", "1", "--quiet"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "error: HEBBGUI_THREADS must be a whole number" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_busy_core_of_the_benches_is_stopped_afterwards():
    from engine.cli import _busy_core
    with _busy_core() as hog:
        assert hog.poll() is None          # spinning while the benches run
    assert hog.poll() is not None          # and gone after


def test_blas_threads_limits_inside_and_restores_after():
    from threadpoolctl import threadpool_info

    from engine.threads import blas_threads

    def blas():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    before = blas()
    with blas_threads(1):
        assert blas() and set(blas()) == {1}
    assert blas() == before
    with blas_threads(None):       # None leaves the libraries as they are
        assert blas() == before


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_small_linalg_runs_on_one_blas_thread_and_gives_the_rest_back():
    from engine import threads
    before = _blas_threads()
    with threads.small_linalg():
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


@pytest.mark.parametrize("start", ["som", "competitive", "hebbian-pca"])
def test_pca_starts_decompose_on_one_blas_thread(start, monkeypatch):
    """The MNIST PCA start's eigh took 5 s on two busy BLAS threads and 0.2 s on one (engine.threads)."""
    import numpy as np

    from engine import registry
    seen = []
    eigh = np.linalg.eigh

    def spy(a, *args, **kwargs):
        seen.append(set(_blas_threads()))
        return eigh(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "eigh", spy)
    params = {"som": {"preset": "blobs", "init": "pca", "dataset": "digits", "n_data": 300},
              "competitive": {"dataset": "digits", "n_data": 300}, "hebbian-pca": {}}[start]
    registry.create(start, params, seed=0)
    assert seen and all(s == {1} for s in seen)
