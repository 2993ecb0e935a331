"""The window under load, offscreen: two soaks switching models (4 min each; 20 s with --quick)
watching RSS and the QObject count, and a hammer of 5,500 random operations while playing
(play/pause, step, reset, parameter edits, model switches, pattern edits, save and open; 300 with
--quick). Nothing may raise (an exception in a slot, or an engine error that is not a ValueError or
OSError), the QObject count must stay flat over cycles, and the window must end responsive."""
from __future__ import annotations

import dataclasses
import gc
import math
import random
import sys
import time
from pathlib import Path

from tools.reliability.core import Case

LIGHT = ("hopfield", "ising", "bam", "boltzmann", "rbm-table", "modern-hopfield", "competitive", "som")


class _Window:
    """A MainWindow in an offscreen QApplication, recording every exception that should not happen."""

    def __init__(self, first: str):
        import os
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication
        self.app = QApplication.instance() or QApplication(["reliability"])
        from PySide6.QtCore import QSettings
        import tempfile
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="hebbgui-settings-"))
        self.errors: list[str] = []
        self._hook = sys.excepthook
        sys.excepthook = lambda t, v, tb: self.errors.append(f"{t.__name__} in a slot: {v}")
        import hebbgui.commands as commands
        import hebbgui.mainwindow as mw
        import hebbgui.worker.engine as engine_thread
        import hebbgui.worker.jobs as jobs
        real = commands.error_detail

        def detail(exc):
            if not isinstance(exc, commands.EXPECTED_ERRORS):
                self.errors.append(f"{type(exc).__name__} in the engine: {exc}")
            return real(exc)
        self._patched = [(m, real) for m in (commands, engine_thread, jobs, mw)]
        for m, _ in self._patched:
            m.error_detail = detail
        self.win = mw.MainWindow(model_name=first, seed=0, restore_layout=False)
        self.win.show()
        self.wait_model(first)

    def pump(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while True:
            self.app.processEvents()
            if time.perf_counter() >= end:
                return
            time.sleep(0.002)

    def until(self, predicate, seconds: float) -> bool:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.app.processEvents()
            if predicate():
                return True
            time.sleep(0.002)
        return bool(predicate())

    def wait_model(self, name: str, seconds: float = 180) -> None:
        w = self.win
        assert self.until(lambda: w.model_cls is not None and w.model_cls.name == name and w.last_snapshot is not None,
                          seconds), f"{name} did not open in {seconds:.0f} s (last error: {w.last_error!r})"

    def open(self, name: str) -> None:
        self.win.open_model(name, seed=0)
        self.wait_model(name)

    def counts(self) -> tuple[int, int]:
        from PySide6.QtCore import QObject
        from PySide6.QtWidgets import QApplication
        self.pump(0.05)
        gc.collect()
        self.pump(0.05)
        return len(self.win.findChildren(QObject)), len(QApplication.allWidgets())

    def responsive(self) -> None:
        """Paused, one Step must give a new frame within 60 s."""
        w = self.win
        w.transport.set_playing(False)
        self.pump(0.3)
        before = w.last_snapshot.t
        w.transport.step.click()
        assert self.until(lambda: w.last_snapshot is not None and w.last_snapshot.t != before, 60), \
            "not responsive: a Step gave no new frame in 60 s"

    def close(self) -> None:
        w = self.win
        w.close()
        stopped = w.controller.thread.wait(5000)
        w.deleteLater()
        self.pump(0.1)
        sys.excepthook = self._hook
        for m, real in self._patched:
            m.error_detail = real
        assert stopped, "the engine thread still ran 5 s after close"
        assert not self.errors, f"{len(self.errors)} exception(s): " + " | ".join(self.errors[:5])


def _rss_mb() -> float:
    import resource
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / (1 << 20)


def _soak(seconds: float, models: tuple[str, ...], play: float):
    """Cycle ``models`` for ``seconds`` (each played ``play`` s); QObjects flat, RSS bounded."""
    def run(tmp: Path):
        w = _Window(models[0])
        samples = []
        end = time.perf_counter() + seconds
        try:
            while time.perf_counter() < end or len(samples) < 3:
                for name in models[1:] + models[:1]:
                    w.open(name)
                    if play:
                        w.win.transport.set_playing(True)
                        w.pump(play)
                        w.win.transport.set_playing(False)
                samples.append((*w.counts(), _rss_mb()))
            w.responsive()
        finally:
            w.close()
        objects = [s[0] for s in samples]
        widgets = [s[1] for s in samples]
        rss = [s[2] for s in samples]
        assert max(objects[2:]) <= objects[1], f"QObjects grow over cycles: {objects}"
        assert max(widgets[2:]) <= widgets[1], f"widgets grow over cycles: {widgets}"
        assert rss[-1] <= rss[1] * 1.25 + 100, f"RSS grows over cycles: {[round(r) for r in rss]} MB"
        return f"{len(samples)} cycles; QObjects {objects[0]}→{objects[-1]}; RSS {rss[0]:.0f}→{rss[-1]:.0f} MB"
    return run


def soak_cases(quick: bool = False) -> list[Case]:
    """Two soaks: every model in turn; and the light models, each played half a second."""
    from engine import registry
    seconds = 20 if quick else 240
    every = tuple(registry.names()) if not quick else LIGHT[:4]
    return [Case(f"switch every model for {seconds} s", _soak(seconds, every, 0.0), "ok",
                 timeout=seconds + 900, mem_slack=1 << 40),
            Case(f"switch while playing for {seconds} s", _soak(seconds, LIGHT if not quick else LIGHT[4:], 0.5), "ok",
                 timeout=seconds + 900, mem_slack=1 << 40)]


def _value(meta: dict, default, rng: random.Random):
    """A value the form could send: choices, bools, and numbers between the minimum and the default
    (never above: a larger lattice or network only makes steps longer, which is issue 16 item 1's
    area, not this hammer's)."""
    if meta.get("choices"):
        return rng.choice(list(meta["choices"]))
    if isinstance(default, bool):
        return rng.random() < 0.5
    if isinstance(default, int):
        lo = int(meta["min"]) if meta.get("min") is not None else 0
        return rng.randint(lo, max(lo, default))
    if isinstance(default, float):
        lo = meta["min"] if meta.get("min") is not None else default - 1
        hi = meta["max"] if meta.get("max") is not None else default + 1
        return lo + (hi - lo) * rng.random() if math.isfinite(hi - lo) else default
    return None


def _hammer(n_ops: int, models: tuple[str, ...]):
    def run(tmp: Path):
        rng = random.Random(16)
        w = _Window(models[0])
        win = w.win
        saved = tmp / "hammer.npz"
        done = {}
        try:
            win.transport.set_playing(True)
            for i in range(n_ops):
                op = rng.choices(("play", "step", "reset", "param", "bad param", "switch", "pattern", "save", "open"),
                                 (10, 10, 5, 40, 3, 2, 20, 5, 5))[0]
                done[op] = done.get(op, 0) + 1
                if op == "play":
                    win.transport.play.click()
                elif op == "step":
                    win.transport.step.click()
                elif op == "reset":
                    win.transport.reset.click()
                elif op in ("param", "bad param"):
                    fields = [f for f in dataclasses.fields(win.model_cls.Params)
                              if isinstance(f.default, (bool, int, float, str))]
                    f = rng.choice(fields)
                    value = _value(dict(f.metadata), f.default, rng) if op == "param" else rng.choice(
                        [float("nan"), -10**9, "x", 10**12])
                    if value is not None:
                        win.on_param_edited(f.name, value)
                elif op == "switch":
                    w.open(rng.choice(models))
                    win.transport.set_playing(rng.random() < 0.8)
                elif op == "pattern":
                    ed = win.pattern_editor
                    if ed is not None:
                        getattr(ed, rng.choice(("flip", "occlude", "mask", "add_grid", "send_probe", "clear_grid",
                                                "load_preset")))()
                elif op == "save":
                    win.save_session(str(saved))
                elif op == "open" and saved.exists():
                    win.open_session(str(saved))
                    w.until(lambda: win.model_cls is not None and win.last_snapshot is not None, 120)
                    win.transport.set_playing(True)
                w.pump(rng.uniform(0.0, 0.02))
                if w.errors:
                    break
            w.responsive()
        finally:
            w.close()
        return f"{n_ops} operations ({', '.join(f'{k} {v}' for k, v in sorted(done.items()))})"
    return run


def hammer_cases(quick: bool = False) -> list[Case]:
    """One hammer: 5,500 operations over the light models (quick: 300)."""
    n = 300 if quick else 5500
    return [Case(f"{n} random operations while playing", _hammer(n, LIGHT), "ok", timeout=600 if quick else 3000,
                 mem_slack=1 << 40)]
