"""Command line and QApplication: ``hebbgui``, ``--version``, ``--selftest``, ``run …``, ``bench``."""
from __future__ import annotations

import argparse
import os
import sys
import time

from engine import __version__

HEADLESS_COMMANDS = ("run", "bench")


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="hebbgui", description="A laboratory for Hebbian learning and "
                                "associative memory. Headless: `hebbgui run …`, `hebbgui bench`.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("--selftest", action="store_true",
                   help="open an offscreen window, run every model a few frames, exit 0 (ok) or 1")
    p.add_argument("--model", default=None, help="model to open first (default: the last one used)")
    p.add_argument("--lesson", default=None,
                   help="open straight into this lesson (Help → Lessons lists them; an unknown name lists them too)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--screenshot", default=None,
                   help="after --frames frames, save a PNG of the window to this path and quit")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--size", default="1280x800", help="window size WxH")
    return p.parse_args(argv)


def _wait(app, predicate, timeout: float) -> bool:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.002)
    return predicate()


def selftest(app, window_cls) -> int:
    """Every registered model: open, its views built (from the instance), play, frames arrive, no
    error; then close cleanly."""
    from engine import registry
    failures = []
    win = window_cls(model_name=None, restore_layout=False)
    win.show()
    for name in registry.names():
        t0 = time.perf_counter()
        win.last_error = ""
        frames = []
        win.frame_drawn.connect(frames.append)
        win.open_model(name, seed=0)
        ok = _wait(app, lambda: win.model_cls is not None and win.model_cls.name == name and frames
                   and bool(win.views), 120)
        frames.clear()
        win.controller.play()
        ok = ok and _wait(app, lambda: len(frames) >= 5 or win.last_error, 120)
        win.controller.pause()
        win.frame_drawn.disconnect(frames.append)
        status = "ok" if ok and not win.last_error else f"FAILED {win.last_error or 'no frames'}"
        if status != "ok":
            failures.append(name)
        print(f"selftest {name:12s} {status}  ({time.perf_counter() - t0:.1f} s)", flush=True)
    t0 = time.perf_counter()
    from hebbgui.recording_controls import selftest_mp4
    status = selftest_mp4(win, lambda predicate, seconds: _wait(app, predicate, seconds))
    print(f"selftest {'mp4 1 s':12s} {status}  ({time.perf_counter() - t0:.1f} s)", flush=True)
    if status != "ok":
        failures.append("mp4")
    t0 = time.perf_counter()
    win.close()
    stopped = win.controller.thread.isFinished()
    print(f"selftest close: engine thread {'stopped' if stopped else 'STILL RUNNING'} "
          f"({time.perf_counter() - t0:.2f} s)", flush=True)
    if not stopped:
        failures.append("close")
    print("selftest " + ("passed" if not failures else f"FAILED: {failures}"), flush=True)
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from engine import threads
    if argv and argv[0] in HEADLESS_COMMANDS:
        from engine import numba_cache
        numba_cache.configure()
        try:
            threads.apply(gui=False)   # the libraries' defaults unless HEBBGUI_THREADS says otherwise
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        from engine.cli import main as cli_main
        return cli_main(argv)
    args = _parse(argv)
    if args.version:
        print(f"hebbgui {__version__}")
        return 0
    if args.selftest:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from engine import numba_cache
    numba_cache.configure()
    try:
        threads.apply(gui=True)        # cores − 1 for numba and BLAS: the GUI thread keeps a core
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("hebbgui")
    app.setOrganizationName("hebbgui")
    from hebbgui.mainwindow import MainWindow
    if args.selftest:
        return selftest(app, MainWindow)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"error: --size must look like 1280x800, got {args.size!r}", file=sys.stderr)
        return 2
    from engine import lessons, registry
    from hebbgui import settings
    if args.model is not None and args.model not in registry.names():
        print(f"error: --model must be one of {registry.names()}, got {args.model!r}", file=sys.stderr)
        return 2
    if args.lesson is not None and args.lesson not in lessons.names():
        print(f"error: --lesson must be one of {lessons.names()}, got {args.lesson!r}", file=sys.stderr)
        return 2
    from hebbgui import closing
    closing.end_when_stuck = True   # the app's own process: closing never waits on work that cannot stop
    win = open_window(MainWindow, args.model, args.lesson, args.seed)
    win.resize(w, h)
    win.show()
    if settings.presentation() and not args.screenshot:
        win.toggle_presentation()
    if args.screenshot:
        return _screenshot(app, win, args)
    return app.exec()


def open_window(window_cls, model: str | None, lesson: str | None, seed: int = 0):
    """The window a launch opens: --lesson, --model, the welcome lesson on the first launch (first
    launch: nothing in the settings says hebbgui ran before), else the last model used."""
    from engine import registry
    from hebbgui import settings
    kind, name = settings.what_to_open(model, lesson, registry.names())
    settings.launched()
    if kind == "model":
        return window_cls(model_name=name, seed=seed)
    win = window_cls(model_name=None, seed=seed)
    win.open_lesson(name)
    return win


def _screenshot(app, win, args) -> int:
    """Play ``--frames`` frames, save the window as PNG, quit (for the README and for looking at it)."""
    frames = []
    win.frame_drawn.connect(frames.append)
    _wait(app, lambda: win.model_cls is not None and frames, 120)
    if args.frames > 0:
        win.controller.play()
        _wait(app, lambda: len(frames) >= args.frames, 120)
        win.controller.pause()
    _wait(app, lambda: False, 0.3)
    win.grab().save(args.screenshot, "PNG")
    print(f"saved {args.screenshot}")
    win.close()
    return 0
