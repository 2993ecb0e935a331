"""GUI frame rates offscreen (the whole pipeline: engine step → snapshot → views drawn) and start-up time."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from common import row

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]

# (label, model, params, min steps per frame, target fps)
CASES = [
    ("hopfield 28×28", "hopfield", {"rows": 28, "cols": 28}, 1, 60),
    ("ising 256×256", "ising", {"L": 256}, 1, 60),
    ("ising 512×512", "ising", {"L": 512}, 1, 30),
    ("ising 1024×1024", "ising", {"L": 1024}, 1, 30),   # "smooth up to 1024²"
    ("som mnist 100×100", "som", {"preset": "mnist_100x100"}, 1, 20),
    ("competitive 2-D", "competitive", {}, 1, 60),
    ("rbm mnist fields", "rbm", {}, 1, 10),
    # issue 12: "all new views ≥ 30 frames/s while training" (a DAM frame is one 1000-image minibatch)
    ("dam mnist training", "dam", {}, 1, 30),
    ("modern-hopfield", "modern-hopfield", {}, 1, 30),
    ("bam", "bam", {}, 1, 30),
]


def _app():
    from PySide6.QtWidgets import QApplication
    return QApplication.instance() or QApplication([])


def _run_event_loop(seconds: float) -> None:
    """Run Qt's event loop as the app does (sleeping when idle), not a processEvents spin that
    would hold the GIL and steal the engine thread's time."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


@contextmanager
def toy_model():
    """The GUI tests' toy model (tests/hebbgui/toy_model.py), registered for one bench."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from engine import registry
    with registry.registered("toy", "tests.hebbgui.toy_model:ToyModel", title="Toy"):
        yield "toy"


def measure_fps(model: str, params: dict, seconds: float = 3.0, during=None) -> tuple[float, float, str, float]:
    """Frames drawn per second while playing at full speed, steps per frame, a note, and the
    longest gap between two frames (s). ``during(window)``, if given, runs once settled, before measuring."""
    from engine import registry
    from hebbgui.mainwindow import MainWindow
    app = _app()
    if model not in registry.names():
        return float("nan"), float("nan"), f"model {model} not available", float("nan")
    win = MainWindow(model_name=None, restore_layout=False)
    win.resize(1280, 800)
    win.show()
    frames = []
    win.frame_drawn.connect(frames.append)
    win.open_model(model, seed=0)
    end = time.perf_counter() + 120
    while not (win.model_cls is not None and frames) and time.perf_counter() < end:
        app.processEvents()
    note = ""
    if params:
        from engine.model import validate_value
        try:
            for k, v in params.items():
                validate_value(win.model_cls.Params, k, v)
            win.controller.set_params(**params)
        except ValueError as exc:
            note = f"params not applied: {exc}"
    win.controller.set_speed(len(__import__("hebbgui.worker", fromlist=["x"]).SPEED_STEPS_PER_S) - 1)
    win.controller.play()
    _run_event_loop(1.5)      # compile and settle
    if during is not None:
        during(win)
        _run_event_loop(0.5)
    frames.clear()
    times = []
    win.frame_drawn.connect(lambda _: times.append(time.perf_counter()))
    t0 = time.perf_counter()
    _run_event_loop(seconds)
    elapsed = time.perf_counter() - t0
    win.controller.pause()
    n = len(frames)
    steps = (frames[-1].t - frames[0].t) / max(n - 1, 1) if n > 1 else float("nan")
    worst_gap = float(np.max(np.diff([t0, *times]))) if times else float("nan")
    err = win.last_error
    win.close()
    return n / elapsed, steps, err or note, worst_gap


def bench_frame_rates(quick: bool = False) -> list[dict]:
    rows = []
    for label, model, params, min_steps, target in CASES:
        fps, steps, note, _ = measure_fps(model, params, 1.5 if quick else 3.0)
        rows.append(row("gui fps", label + (f" [{note}]" if note else ""), fps, "fps",
                        baseline=f"target {target} fps", baseline_value=target,
                        ratio=fps / target if fps == fps else None,
                        target=f"≥ {target} fps, {steps:.3g} steps/frame (≥ {min_steps})"))
    return rows


def bench_python_bound_steps(quick: bool = False) -> list[dict]:
    """A model whose steps are Python work holding the GIL, played at full speed: the engine thread
    must leave the GIL to the GUI while it draws (Hopfield at a fixed point once drew a frame a second)."""
    with toy_model() as name:
        fps, steps, note, gap = measure_fps(name, {"busy_us": 30.0}, 2.0 if quick else 4.0)
    what = "toy, 30 µs Python steps" + (f" [{note}]" if note else "")
    return [row("gui fps", what, fps, "fps", baseline="target 30 fps", baseline_value=30, ratio=fps / 30,
                target=f"≥ 30 fps, {steps:.3g} steps/frame"),
            row("gui worst frame gap", what, gap, "s", target="< 0.25 s")]


def bench_close(quick: bool = False) -> list[dict]:
    """Closing the window while a model plays whose steps take 50 ms: until the engine thread ended."""
    from hebbgui.mainwindow import MainWindow
    app = _app()
    worst, stopped = 0.0, True
    with toy_model() as name:
        for _ in range(2 if quick else 5):
            win = MainWindow(model_name=name, restore_layout=False)
            win.show()
            end = time.perf_counter() + 60
            while win.last_snapshot is None and time.perf_counter() < end:
                app.processEvents()
            win.controller.set_params(slow_ms=50.0)
            win.controller.play()
            _run_event_loop(0.4)
            t0 = time.perf_counter()
            win.close()
            worst = max(worst, time.perf_counter() - t0)
            stopped = stopped and win.controller.thread.isFinished()
    return [row("gui close", "while playing 50 ms steps, engine thread " + ("stopped" if stopped else "STILL RUNNING"),
                worst, "s", target="< 1 s (worst of the runs)")]


def bench_startup(quick: bool = False) -> list[dict]:
    """Process start → window drawn with the first frame, warm numba cache (the second of two runs)."""
    cmd = [sys.executable, "-m", "hebbgui", "--frames", "0", "--screenshot", os.path.join(tempfile.gettempdir(), "hebbgui-startup.png")]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(2 if quick else 3):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        times.append(time.perf_counter() - t0)
    warm = min(times[1:])
    return [row("startup", "window up, first frame (warm cache)", warm, "s", baseline="cold (first run)",
                baseline_value=times[0], ratio=times[0] / warm, target="< 3 s")]


BENCHES = [bench_frame_rates, bench_python_bound_steps, bench_close, bench_startup]
