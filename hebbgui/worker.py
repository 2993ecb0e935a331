"""The engine thread: the ONLY place in hebbgui where threads live (DESIGN.md).

``EngineWorker`` owns the model and lives in a ``QThread``. The GUI talks to it only
through queued signals (``EngineController`` wraps them), so every command runs in
the engine thread *between* steps. While playing, the worker sizes each ``step(n)``
to a frame budget and emits ``frame(Snapshot)`` only when the GUI has taken the last
one: frames are dropped, never queued. An engine exception becomes ``failed(str)``
and the model's last good state is restored.

``BackgroundJob`` runs one plain function once in its own ``QThread`` (encoding a
recording, for one) and reports ``finished(result)`` / ``failed(str)`` in the GUI thread.
"""
from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
import weakref
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine.model import Cancelled, Model

FRAME_BUDGET_S = 1.0 / 60.0
# At full speed the engine steps for a frame's time less the measured cost of handing a frame
# over (snapshot, signal, GIL), within these shares of the frame.
MIN_STEP_SHARE, MAX_STEP_SHARE = 0.4, 0.85
FRAME_MARGIN_S = 0.002   # slack for the odd slow frame (an axis relabelled, a collection)
# Speed levels of the transport slider: steps per second; None = as fast as the frame budget allows.
SPEED_STEPS_PER_S: tuple[float | None, ...] = (0.5, 1, 2, 5, 10, 20, 50, 100, 300, 1000, None)
DEFAULT_SPEED = len(SPEED_STEPS_PER_S) - 1
GIL_SWITCH_INTERVAL_S = 0.001
MAX_TICK_S = 0.1             # a playing tick yields to queued commands at least this often
MAX_STEPS_PER_CALL = 10_000   # a step(n) that costs nothing (a fixed point) must not make n explode


class EngineWorker(QObject):
    """Runs a model in the engine thread; see the module docstring."""

    frame = Signal(object)                 # Snapshot
    failed = Signal(str)                   # message for the status line; state kept
    status = Signal(str)                   # "compiling…", "ready", …
    model_loaded = Signal(object)          # the model's params after set_model / reset
    model_ready = Signal(object, object)   # (model class, session dict) when a new model is in place
    saved = Signal(str)                    # path written
    params_applied = Signal(object)        # params after a successful live change
    playing_changed = Signal(bool)
    experiment_progress = Signal(float, str)
    experiment_finished = Signal(str, object)   # experiment name, result dict (None if cancelled/failed)

    def __init__(self):
        super().__init__()
        self.model: Model | None = None
        self._playing = False
        self._speed = DEFAULT_SPEED
        self._timer: QTimer | None = None
        self._sec_per_step = None           # running estimate, sizes step(n)
        self._gui_ready = threading.Event()  # set by the GUI when it has drawn the last frame
        self._gui_ready.set()
        self._pending_frame = False          # something changed since the last emitted frame
        self._stopping = threading.Event()
        self._cancel_experiment = threading.Event()
        self._compiled: set[type] = set()
        self._budget_carry = 0.0
        self._tick_end: float | None = None    # when the last full-speed tick handed its frame over
        self._overhead: float | None = None    # running estimate of that hand-over's cost

    # ---------------------------------------------------------------- thread-safe pokes (any thread)
    def frame_taken(self) -> None:
        """The GUI drew the last frame; the next one may be sent."""
        self._gui_ready.set()

    def request_stop(self) -> None:
        self._stopping.set()
        self._cancel_experiment.set()
        self._gui_ready.set()   # a play tick waiting for the GUI wakes up and sees the stop

    def cancel_experiment(self) -> None:
        self._cancel_experiment.set()

    # ---------------------------------------------------------------- helpers (engine thread)
    def _ensure_timer(self) -> QTimer:
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._tick)
        return self._timer

    def _emit_frame(self, force: bool = False) -> None:
        if self.model is None:
            return
        if not force and not self._gui_ready.is_set():
            self._pending_frame = True
            return
        self._gui_ready.clear()
        self._pending_frame = False
        self.frame.emit(self.model.snapshot())

    def _guarded(self, what: str, fn, *, restore: bool = True) -> Any:
        """Run fn; on an exception restore the last good state and report it."""
        backup = None
        if restore and self.model is not None:
            try:
                backup = (self.model.params, self.model.state())
            except Exception:  # a model that cannot save must still be usable
                backup = None
        try:
            return fn()
        except Exception as exc:
            if backup is not None:
                try:
                    self.model.params = backup[0]
                    self.model.load_state(backup[1])
                except Exception:
                    pass
            msg = str(exc) if isinstance(exc, ValueError) else f"{what} failed: {type(exc).__name__}: {exc}"
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            self.failed.emit(msg)
            return None

    def _first_step_status(self) -> None:
        if self.model is not None and type(self.model) not in self._compiled:
            self.status.emit(f"compiling {self.model.title} kernels…")

    # ---------------------------------------------------------------- commands (queued slots)
    @Slot(object)
    def set_model(self, model: Model, session: dict | None = None) -> None:
        self.pause()
        self.model = model
        self._sec_per_step = None
        self.model_ready.emit(type(model), dict(session or {}))
        self.model_loaded.emit(model.params)
        self._emit_frame(force=True)

    @Slot(str, object)
    def create_model(self, name: str, seed: Any = None) -> None:
        """Build a registered model here, so loading data or compiling never blocks the GUI."""
        from engine import registry
        self.status.emit(f"loading {registry.title(name)}…")
        try:
            model = registry.create(name, seed=seed)
        except Exception as exc:
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            self.failed.emit(f"could not open {registry.title(name)}: {exc}")
            return
        self.set_model(model)
        self.status.emit("ready" if type(model) in self._compiled else f"{model.title} loaded")

    @Slot(str, object)
    def save_session(self, path: str, session: dict) -> None:
        if self.model is None:
            return
        from engine import io
        try:
            written = io.save(self.model, path, session=session)
        except Exception as exc:
            self.failed.emit(f"could not save: {exc}")
            return
        self.saved.emit(str(written))

    @Slot(str)
    def open_session(self, path: str) -> None:
        from engine import io
        try:
            model, session = io.load_session(path)
        except Exception as exc:
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            self.failed.emit(f"could not open {path}: {exc}")
            return
        self.set_model(model, session)

    @Slot()
    def play(self) -> None:
        if self.model is None or self._playing:
            return
        self._playing = True
        self._tick_end = None
        self.playing_changed.emit(True)
        self._ensure_timer().start(0)

    @Slot()
    def pause(self) -> None:
        if self._playing:
            self._playing = False
            if self._timer is not None:
                self._timer.stop()
            self.playing_changed.emit(False)
            self._emit_frame(force=True)

    @Slot(int)
    def set_speed(self, level: int) -> None:
        self._speed = max(0, min(int(level), len(SPEED_STEPS_PER_S) - 1))
        self._budget_carry = 0.0

    @Slot(int)
    def step(self, n: int) -> None:
        if self.model is None:
            return
        self._first_step_status()
        ok = self._guarded("step", lambda: self.model.step(max(1, int(n))) or True, restore=False)
        if ok:
            self._mark_compiled()
        self._emit_frame(force=True)

    @Slot(object)
    def reset(self, seed: Any = None) -> None:
        if self.model is None:
            return
        self._guarded("reset", lambda: self.model.reset(seed))
        self.model_loaded.emit(self.model.params)
        self._emit_frame(force=True)

    @Slot(object)
    def set_params(self, changes: dict) -> None:
        if self.model is None:
            return

        def apply():
            self.model.with_params(**changes)
            return True
        if self._guarded("parameter change", apply):
            self.params_applied.emit(self.model.params)
            self._sec_per_step = None   # the cost of a step may have changed (size, algorithm)
        else:
            self.params_applied.emit(self.model.params)  # let the form show the kept values
        self._emit_frame(force=True)

    @Slot(str, object, object)
    def call(self, method: str, args: tuple = (), kwargs: dict | None = None) -> None:
        """Call a model method by name (set_patterns, set_probe, paint, actions…)."""
        if self.model is None:
            return
        fn = getattr(self.model, method, None)
        if fn is None or method.startswith("_"):
            self.failed.emit(f"{self.model.title} has no command {method!r}")
            return
        if self._guarded(method, lambda: fn(*(args or ()), **(kwargs or {})) or True):
            self.params_applied.emit(self.model.params)
        self._emit_frame(force=True)

    @Slot(str, object)
    def run_experiment(self, name: str, settings: dict) -> None:
        """Run one of the model's experiments here, with progress and cancel."""
        if self.model is None:
            return
        self.pause()
        exps = {e.name: e for e in type(self.model).experiments()}
        if name not in exps:
            self.failed.emit(f"{self.model.title} has no experiment {name!r}")
            self.experiment_finished.emit(name, None)
            return
        self._cancel_experiment.clear()
        last = [0.0]

        def progress(fraction: float, message: str = "") -> bool:
            now = time.perf_counter()
            if now - last[0] > 0.05 or fraction >= 1.0:  # do not flood the GUI
                last[0] = now
                self.experiment_progress.emit(float(fraction), str(message))
            return not self._cancel_experiment.is_set()

        self.status.emit(f"running {exps[name].title}…")
        try:
            result = exps[name].run(dict(settings or {}), progress)
        except Cancelled:
            self.status.emit(f"{exps[name].title} cancelled")
            self.experiment_finished.emit(name, None)
            return
        except Exception as exc:
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            self.failed.emit(str(exc) if isinstance(exc, ValueError) else f"{exps[name].title} failed: {exc}")
            self.experiment_finished.emit(name, None)
            return
        self.status.emit(f"{exps[name].title} finished")
        self.experiment_finished.emit(name, result)

    @Slot()
    def shutdown(self) -> None:
        self._playing = False
        if self._timer is not None:
            self._timer.stop()

    # ---------------------------------------------------------------- the play loop
    def _mark_compiled(self) -> None:
        if self.model is not None and type(self.model) not in self._compiled:
            self._compiled.add(type(self.model))
            self.status.emit("ready")

    def _tick(self) -> None:
        if not self._playing or self.model is None or self._stopping.is_set():
            return
        rate = SPEED_STEPS_PER_S[self._speed]
        if rate is None and self.model.max_rate is not None:
            rate = self.model.max_rate
        t0 = time.perf_counter()
        self._first_step_status()
        if rate is None:
            # What a frame costs besides stepping (snapshot, hand-over, timer, waiting for the GIL
            # while the GUI runs Python): measured, so that stepping leaves room for it and
            # frames still come every 1/60 s.
            if self._tick_end is not None:
                over = min(t0 - self._tick_end, FRAME_BUDGET_S)   # a command run between ticks is not overhead
                self._overhead = over if self._overhead is None else 0.8 * self._overhead + 0.2 * over
            budget = min(MAX_STEP_SHARE * FRAME_BUDGET_S,
                         max(MIN_STEP_SHARE * FRAME_BUDGET_S, FRAME_BUDGET_S - (self._overhead or 0.0) - FRAME_MARGIN_S))
            # Fill the step budget: size n from the measured cost of one step.
            while True:
                est = self._sec_per_step
                remaining = budget - (time.perf_counter() - t0)
                n = 1 if est is None else max(1, min(MAX_STEPS_PER_CALL, int(remaining / max(est, 1e-9))))
                ts = time.perf_counter()
                if not self._do_steps(n):
                    return
                dt = time.perf_counter() - ts
                per = dt / n
                self._sec_per_step = per if self._sec_per_step is None else 0.7 * self._sec_per_step + 0.3 * per
                # Always fill the budget: frames faster than the display would flood the GUI's
                # event queue, and timers and input would starve behind them.
                if time.perf_counter() - t0 >= budget * 0.9 or self._stopping.is_set():
                    break
            # The budget is spent; if the GUI is still drawing the last frame, wait for it here
            # rather than step on. Waiting releases the GIL, and the GUI thread needs it for every
            # one of the many Python calls a paint makes: an engine thread busy in Python code
            # beside it (a model whose steps are cheap, say a network at a fixed point) would make
            # each of those calls wait a whole switch interval, and drawing would crawl. The wait
            # is short and bounded, so commands queued for this thread still come through.
            self._gui_ready.wait(max(0.0, MAX_TICK_S - (time.perf_counter() - t0)))
            self._tick_end = time.perf_counter()   # the snapshot and hand-over count as overhead
            self._emit_frame()
            # The next batch is stepped while the GUI draws this frame; a frame the GUI has not
            # taken by the end of that batch waits as above, and is never queued.
            delay_ms = 0
        else:
            # A fixed number of steps per second: whole steps per tick, at most ~60 ticks/s.
            self._budget_carry += rate * max(FRAME_BUDGET_S, 1.0 / rate)
            n = int(self._budget_carry)
            self._budget_carry -= n
            if n > 0:
                if not self._do_steps(n):
                    return
                self._emit_frame()
            elif self._pending_frame:
                self._emit_frame()
            elapsed = time.perf_counter() - t0
            delay_ms = int(max(0.0, max(FRAME_BUDGET_S, 1.0 / rate) - elapsed) * 1000)
        if self._playing and self._timer is not None:
            self._timer.start(delay_ms)

    def _do_steps(self, n: int) -> bool:
        try:
            self.model.step(n)
        except Exception as exc:
            self._playing = False
            self.playing_changed.emit(False)
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            self.failed.emit(str(exc) if isinstance(exc, ValueError) else f"step failed: {type(exc).__name__}: {exc}")
            self._emit_frame(force=True)
            return False
        self._mark_compiled()
        return True


class _Commands(QObject):
    """GUI-side signals; connected to the worker's slots they are delivered queued."""
    set_model = Signal(object)
    create_model = Signal(str, object)
    save_session = Signal(str, object)
    open_session = Signal(str)
    play = Signal()
    pause = Signal()
    step = Signal(int)
    reset = Signal(object)
    set_params = Signal(object)
    call = Signal(str, object, object)
    set_speed = Signal(int)
    run_experiment = Signal(str, object)
    shutdown = Signal()


class _StartupHeapFreezer:
    """Keeps Python's full garbage collections short while an engine thread runs.

    A full collection walks every object alive; with Qt, pyqtgraph, numba and scipy loaded that
    is 50-80 ms, a dropped frame or more each time one comes. Everything alive when the first
    engine starts (modules, the window) lives as long as the app, so it is frozen out of the
    collector's sight (gc.freeze) and a full collection takes about a millisecond; it is let back
    when the last engine stops, so closed windows' cycles are still collected. (Collecting only
    from a GUI-thread timer, as pyqtgraph's GarbageCollector does, was measured here: it lumps
    the work into 5-40 ms pauses, worse than the collector's own small steps.)
    """

    def __init__(self):
        self.users = 0

    def acquire(self) -> None:
        self.users += 1
        if self.users == 1:
            gc.collect()
            gc.freeze()

    def release(self) -> None:
        self.users = max(0, self.users - 1)
        if self.users == 0:
            gc.unfreeze()


_heap_freezer = _StartupHeapFreezer()


class EngineController(QObject):
    """Owns the engine QThread and the worker; the GUI's only handle on the engine."""

    _instances: "weakref.WeakSet[EngineController]" = weakref.WeakSet()

    @classmethod
    def running_threads(cls) -> list[QThread]:
        """Engine threads still running (tests assert none are left dangling)."""
        out = []
        for c in list(cls._instances):
            try:
                if c.thread.isRunning():
                    out.append(c.thread)
            except RuntimeError:  # the C++ side is already gone
                pass
        return out

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        EngineController._instances.add(self)
        # Hand the GIL over sooner than the default 5 ms: the GUI thread makes many short Python
        # calls per paint, and each would otherwise wait a whole interval behind the engine thread.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
        _heap_freezer.acquire()
        self.thread = QThread()
        self.thread.setObjectName("hebbgui-engine")
        self.worker = EngineWorker()
        self.worker.moveToThread(self.thread)
        self.commands = _Commands()
        c, w = self.commands, self.worker
        c.set_model.connect(w.set_model)
        c.create_model.connect(w.create_model)
        c.save_session.connect(w.save_session)
        c.open_session.connect(w.open_session)
        c.play.connect(w.play)
        c.pause.connect(w.pause)
        c.step.connect(w.step)
        c.reset.connect(w.reset)
        c.set_params.connect(w.set_params)
        c.call.connect(w.call)
        c.set_speed.connect(w.set_speed)
        c.run_experiment.connect(w.run_experiment)
        c.shutdown.connect(w.shutdown)
        # The worker and its timer must die in their own thread (Qt timers cannot be killed from another).
        self.thread.finished.connect(w.deleteLater)
        self.thread.start()
        self._stopped = False

    # Commands (all queued to the engine thread).
    def set_model(self, model: Model) -> None: self.commands.set_model.emit(model)
    def create_model(self, name: str, seed=None) -> None: self.commands.create_model.emit(name, seed)
    def save_session(self, path: str, session: dict | None = None) -> None:
        self.commands.save_session.emit(str(path), dict(session or {}))
    def open_session(self, path: str) -> None: self.commands.open_session.emit(str(path))
    def play(self) -> None: self.commands.play.emit()
    def pause(self) -> None: self.commands.pause.emit()
    def step(self, n: int = 1) -> None: self.commands.step.emit(int(n))
    def reset(self, seed=None) -> None: self.commands.reset.emit(seed)
    def set_params(self, **changes) -> None: self.commands.set_params.emit(dict(changes))
    def call(self, method: str, *args, **kwargs) -> None: self.commands.call.emit(method, args, kwargs)
    def set_speed(self, level: int) -> None: self.commands.set_speed.emit(int(level))
    def run_experiment(self, name: str, settings: dict | None = None) -> None:
        self.commands.run_experiment.emit(name, dict(settings or {}))

    # Direct, thread-safe pokes.
    def frame_taken(self) -> None: self.worker.frame_taken()
    def cancel_experiment(self) -> None: self.worker.cancel_experiment()

    def stop(self, timeout_ms: int = 1000) -> bool:
        """Stop the engine thread; returns True when it finished within the timeout."""
        if self._stopped:
            return True
        self._stopped = True
        self.worker.request_stop()
        self.commands.shutdown.emit()
        self.thread.quit()
        ok = self.thread.wait(timeout_ms)
        if ok:
            _heap_freezer.release()
        return bool(ok)


class _JobThread(QThread):
    """A QThread whose run() calls one function (BackgroundJob's body)."""

    def __init__(self, body):
        super().__init__()
        self._body = body

    def run(self) -> None:
        self._body()


class BackgroundJob(QObject):
    """Runs one function once in its own QThread, for GUI work too slow for a frame (encoding a
    recording, say). ``finished(result)`` or ``failed(message)`` arrive in the GUI thread; a
    ValueError or OSError gives its plain message, anything else a type-prefixed one and a
    traceback on stderr. The function must share no Qt objects with the GUI: hand it plain data
    (numpy arrays, a queue.Queue) and let it return plain data.
    """

    finished = Signal(object)
    failed = Signal(str)

    # Jobs are kept alive here until their thread has ended and its signal was delivered: a
    # QThread object destroyed while its thread runs aborts the process.
    _alive: "set[BackgroundJob]" = set()

    @classmethod
    def running_jobs(cls) -> list["BackgroundJob"]:
        """Jobs whose thread is still running (tests assert none are left dangling)."""
        return [j for j in list(cls._alive) if j.is_running()]

    def __init__(self, fn, *args, name: str = "hebbgui-job", **kwargs):
        super().__init__()   # no Qt parent: a parent's deletion must not take a running thread with it
        self._call = (fn, args, kwargs)
        self.name = name
        self.result: Any = None
        self.error: str | None = None
        self.done = False           # the function has returned or raised (thread-safe to read)
        self._started = False
        self._delivered = False
        self._thread = _JobThread(self._body)
        self._thread.setObjectName(name)
        # QThread.finished comes from the job's thread; the receiver lives in the GUI thread, so it
        # is queued there, and finished/failed are emitted from the GUI thread.
        self._thread.finished.connect(self._deliver)

    def _body(self) -> None:
        fn, args, kwargs = self._call
        try:
            self.result = fn(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, (ValueError, OSError)):
                self.error = str(exc)
            else:
                traceback.print_exc()
                self.error = f"{self.name} failed: {type(exc).__name__}: {exc}"
        finally:
            self.done = True

    def start(self) -> "BackgroundJob":
        if self._started:
            raise RuntimeError(f"{self.name} runs only once")
        self._started = True
        BackgroundJob._alive.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        try:
            return self._thread.isRunning()
        except RuntimeError:   # the C++ side is already gone
            return False

    def wait(self, timeout_ms: int = 1000) -> bool:
        """Block (GUI thread) until the thread has ended, then deliver finished/failed at once;
        False if the timeout passed first."""
        if not self._started:
            return self.done
        if not self._thread.wait(int(timeout_ms)):
            return False
        self._deliver()
        return True

    @Slot()
    def _deliver(self) -> None:
        if self._delivered:
            return
        self._delivered = True
        BackgroundJob._alive.discard(self)
        if self.error is not None:
            self.failed.emit(self.error)
        else:
            self.finished.emit(self.result)
