"""The engine thread (this package is the ONLY place in hebbgui where threads live: DESIGN.md).

``EngineWorker`` owns the model and lives in a ``QThread``. Its commands (the methods marked
``@command``) are declared once: ``EngineController`` gets a method of the same name and
signature for each, which queues the call through one signal, so every command runs in the
engine thread *between* steps. While playing, the worker sizes each ``step(n)`` to a frame
budget and emits ``frame(Snapshot)`` only when the GUI has taken the last one: frames are
dropped, never queued. Before a frame that follows a command it sends ``views_changed(list)``
when the model's view list differs from the last one sent. An engine exception becomes
``failed(str)`` (through ``_report``) and the model's last good state is restored.
Experiments run here by registry name through ``engine.experiments.runner.run`` (progress, cancel, partial
results); that command and the lesson and recorded-run commands are in worker_commands.py.
A model left for another is kept, by name, while the app runs: ``create_model`` of that name brings
it back as it was left. Only the ``MAX_KEPT_MODELS`` left most recently are kept (MNIST-sized models
hold hundreds of MB; a laptop opening every model in turn must not run out of memory).
Stopping (closing the window) is asked, then waited for: the running step, build or rebuild is
interrupted at its next whole point (engine/interrupt.py: the worker's stop flag is what steps and the
commands that build or change the model watch; an interrupted command puts the model back as it was
before it, never half-built), commands that write a file (a save) still run, after the edits queued
before them (parameters, patterns, a reset; an edit the stop interrupted counts as queued: the save runs
it again, unwatched, so the file holds what the user saw), the others are dropped, and the thread is never
destroyed while it runs (Qt would abort the process).

``BackgroundJob`` (jobs.py) runs one plain function once in its own ``QThread``.
"""
from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine import interrupt, replay
from engine.model import Model
from hebbgui.commands import COMMANDS, EDITS, RUN_WHILE_STOPPING, attach_commands, command, error_detail
from hebbgui.heap import heap_freezer as _heap_freezer
from hebbgui.worker_commands import LessonAndStudyCommands

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
MAX_KEPT_MODELS = 4          # models left for another and kept to come back to (see the docstring)
_NEVER = threading.Event()   # a stop flag never set: what the held edits a save runs again watch

class EngineWorker(LessonAndStudyCommands, QObject):
    """Runs a model in the engine thread; see the module docstring."""

    frame = Signal(object)                 # Snapshot
    failed = Signal(str)                   # message for the status line; state kept
    status = Signal(str)                   # "compiling…", "ready", …
    model_loaded = Signal(object)          # the model's params after set_model / reset
    model_ready = Signal(object, object)   # (model class, session dict) when a new model is in place
    views_changed = Signal(object)         # list[ViewSpec]: the model's views, when new or changed
    saved = Signal(str)                    # path written
    params_applied = Signal(object)        # params after a successful live change
    params_resolved = Signal(dict)         # after either: the values in force for fields left at 'preset'
    playing_changed = Signal(bool)
    experiment_progress = Signal(float, str)
    # experiment name, result dict (None unless it finished), outcome: "finished", "cancelled" or "failed: …"
    experiment_finished = Signal(str, object, str)
    # experiment name, engine.experiments.Result: the rows so far as tasks finish, then the whole result
    experiment_partial = Signal(str, object)

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
        self._held_edits: list[tuple[str, tuple]] = []   # edits queued once stopping (see EDITS)
        # Commands that write a file, queued or running (closing: see writes_pending)
        self._writes = 0
        self._writes_lock = threading.Lock()
        self._replaying_held = False   # save_session is running the held edits: no stop interrupts them
        self._cancel_experiment = threading.Event()
        self._compiled: set[type] = set()
        self._budget_carry = 0.0
        self._tick_end: float | None = None    # when the last full-speed tick handed its frame over
        self._overhead: float | None = None    # running estimate of that hand-over's cost
        self._views_sent: list | None = None   # the view list the GUI last got
        self._chunk_cost: float | None = None  # seconds per step, sizes _do_steps' chunks (not the pacing)
        # Each model left for another, by name, with the speed it ran at: while the app runs, switching
        # back to a model brings it back as it was left (params, state, stored patterns), not afresh.
        self._kept: dict[str, tuple[Model, dict]] = {}
        # The run being recorded (engine/replay.py): every command that changes the model goes through
        # it (_apply), so File → Save run can write it and File → Replay repeat it exactly.
        self.run: replay.Recorder | None = None

    # ---------------------------------------------------------------- thread-safe pokes (any thread)
    def frame_taken(self) -> None:
        """The GUI drew the last frame; the next one may be sent."""
        self._gui_ready.set()

    def request_stop(self) -> None:
        """Stop playing and cancel any experiment as soon as the engine thread looks (closing)."""
        self._stopping.set()
        self._cancel_experiment.set()
        self._gui_ready.set()   # a play tick waiting for the GUI wakes up and sees the stop

    def cancel_experiment(self) -> None:
        """Cancel the running experiment at its next yield."""
        self._cancel_experiment.set()

    def count_write(self, change: int) -> None:
        """A command that writes a file was queued (+1) or has ended (−1)."""
        with self._writes_lock:
            self._writes += change

    def writes_pending(self) -> bool:
        """Whether a command that writes a file (a save) is queued or running."""
        with self._writes_lock:
            return self._writes > 0

    # ---------------------------------------------------------------- helpers (engine thread)
    @Slot(str, object)
    def _dispatch(self, name: str, call: tuple) -> None:
        """Run one queued command; an exception it lets through is reported, and the worker goes on."""
        if self._stopping.is_set() and name not in RUN_WHILE_STOPPING:
            if name in EDITS:
                self._held_edits.append((name, call))   # a save queued after it runs it first
            return   # closing: only what writes a file still runs, then _shutdown ends the thread
        if not _writes_a_file(name):
            self._run(name, call)
            return
        try:
            self._run(name, call)
        finally:
            self.count_write(-1)

    def _run(self, name: str, call: tuple) -> None:
        args, kwargs = call
        try:
            COMMANDS[name](self, *args, **kwargs)
        except interrupt.StepInterrupted:
            # closing stopped it and the model is as before it: an edit the user saw is held for a
            # queued save to run again (as if it had come after the stop); a build is dropped
            if name in EDITS:
                self._held_edits.append((name, call))
        except Exception as exc:
            self._report(f"{name} failed", exc)

    def _watched(self) -> Any:
        """The context a command that builds or changes the model runs in: the stop flag is watched,
        except while a save runs the held edits again (the flag is set then, and they must finish)."""
        return interrupt.watching(_NEVER if self._replaying_held else self._stopping)

    def _report(self, what: str, exc: Exception) -> str:
        """Send ``failed("<what>: <detail>")`` (see ``error_detail``) and return the detail."""
        detail = error_detail(exc)
        self.failed.emit(f"{what}: {detail}")
        return detail

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
        if force:   # after a command: the views may have changed, and must be in place before the frame
            self._send_views()
        self._gui_ready.clear()
        self._pending_frame = False
        self.frame.emit(self.model.snapshot())

    def _send_views(self) -> None:
        """Send the model's view list when it differs from the last one sent."""
        try:
            views = list(self.model.views())
        except Exception as exc:   # no views (rather than the last model's) and a message
            self._report(f"{self.model.title} views", exc)
            views = []
        if views != self._views_sent:
            self._views_sent = views
            self.views_changed.emit(views)

    def _guarded(self, what: str, fn: Callable[[], Any], *, restore: bool = True) -> bool:
        """Run fn, watching the stop flag (``_watched``); on an exception restore the last good state,
        report it and return False. A stop request (``StepInterrupted``) restores it too, unreported,
        and goes on to ``_run``, which holds or drops the command."""
        backup = None
        if restore and self.model is not None:
            try:
                # the attributes as bound now (a rebuild stopped halfway has rebound some to new,
                # unfinished objects) and the state (what a change made in place is put back from)
                backup = (self.model.params, dict(vars(self.model)), self.model.state())
            except Exception:  # a model that cannot save must still be usable
                backup = None
        try:
            with self._watched():
                fn()
            return True
        except Exception as exc:
            if backup is not None:
                try:
                    params, attributes, state = backup
                    vars(self.model).clear()
                    vars(self.model).update(attributes)
                    self.model.params = params
                    self.model.load_state(state)
                except Exception:
                    pass
            if isinstance(exc, interrupt.StepInterrupted):
                raise
            self._report(what, exc)
            return False

    def _built(self, what: str, build: Callable[[], Any]) -> Any:
        """``build()`` (a new model: opening, loading, replaying), watching the stop flag; None when
        it failed (reported as ``what``). A stop request goes on to ``_run``, which drops the command:
        the half-built model is let go and the one running stays."""
        try:
            with self._watched():
                return build()
        except interrupt.StepInterrupted:
            raise
        except Exception as exc:
            self._report(what, exc)
            return None

    def _apply(self, op: str, *args: Any, **kwargs: Any) -> None:
        """Give the model one command (step, set_params, call, reset), recorded in the current run."""
        if self.run is not None and self.run.model is self.model:
            self.run.command(op, args, kwargs)
        else:
            replay.apply(self.model, op, args, kwargs)

    def _first_step_status(self) -> None:
        if self.model is not None and type(self.model) not in self._compiled:
            self.status.emit(f"compiling {self.model.title} kernels…")

    # ---------------------------------------------------------------- commands (run in the engine thread)
    @command
    def set_model(self, model: Model, session: dict | None = None, run: replay.Recorder | None = None) -> None:
        """Run ``model`` (built elsewhere); ``session`` is the window's part of a saved session; ``run``
        the recording that built it (a new one starts from its state otherwise). The model it replaces
        is kept, by name, for ``create_model`` to bring back."""
        self.pause()
        if self.model is not None and self.model is not model:
            self._keep(self.model)
        self.model = model
        try:
            self.run = run if run is not None and run.model is model else replay.Recorder(model)
        except Exception as exc:   # a model that cannot give its state still runs, unrecorded
            self.run = None
            self._report(f"{model.title} is not recorded", exc)
        self._sec_per_step = self._chunk_cost = None
        self._views_sent = None
        self.model_ready.emit(type(model), dict(session or {}))
        self.model_loaded.emit(model.params)
        self.params_resolved.emit(dict(model.resolved_params()))
        self._emit_frame(force=True)

    def _keep(self, model: Model) -> None:
        """Keep ``model`` to come back to; the one left longest ago goes when too many are kept."""
        self._kept.pop(model.name, None)
        self._kept[model.name] = (model, {"speed": self._speed})
        while len(self._kept) > MAX_KEPT_MODELS:
            oldest = next(iter(self._kept))
            gone, _ = self._kept.pop(oldest)
            self.status.emit(f"{gone.title} was closed to free memory (opening it again starts afresh)")

    @command
    def create_model(self, name: str, seed: Any = None) -> None:
        """Build a registered model here, so loading data or compiling never blocks the GUI; a model
        left earlier in this run comes back as it was left (Reset starts it afresh)."""
        from engine import registry
        if self.model is not None and self.model.name == name:
            self.pause()
            self.status.emit(f"{self.model.title} is already open (Reset starts it afresh)")
            return
        if name in self._kept:
            model, session = self._kept.pop(name)
            self.set_model(model, session)
            self.status.emit(f"{model.title} restored as you left it (t = {model.t:,}; Reset starts afresh)"
                             .replace(",", " "))
            return
        self.status.emit(f"loading {registry.title(name)}…")
        model = self._built(f"could not open {registry.title(name)}", lambda: registry.create(name, seed=seed))
        if model is None:
            return
        self.set_model(model)
        self.status.emit("ready" if type(model) in self._compiled else f"{model.title} loaded")

    @command(run_while_stopping=True)
    def save_session(self, path: str, session: dict | None = None) -> None:
        """Save the model and the window's ``session`` dict to ``path`` (.npz); edits queued before
        it while closing are applied first (EDITS), so the file holds what the user saw last."""
        held, self._held_edits = self._held_edits, []
        self._replaying_held = True
        try:
            for name, call in held:
                self._run(name, call)
        finally:
            self._replaying_held = False
        if self.model is None:
            return
        from engine import io
        try:
            written = io.save(self.model, str(path), session=dict(session or {}))
        except Exception as exc:
            self._report("could not save", exc)
            return
        self.saved.emit(str(written))

    @command
    def open_session(self, path: str) -> None:
        """Load a saved session and run its model; a bad file leaves the current model running."""
        from engine import io
        loaded = self._built(f"could not open {path}", lambda: io.load_session(str(path)))
        if loaded is not None:
            self.set_model(*loaded)

    @command
    def play(self) -> None:
        """Step continuously at the current speed, a frame at a time."""
        if self.model is None or self._playing:
            return
        self._playing = True
        self._tick_end = None
        self.playing_changed.emit(True)
        self._ensure_timer().start(0)

    @command
    def pause(self) -> None:
        """Stop playing and send the frame as it is."""
        if self._playing:
            self._playing = False
            if self._timer is not None:
                self._timer.stop()
            self.playing_changed.emit(False)
            self._emit_frame(force=True)

    @command
    def set_speed(self, level: int) -> None:
        """Speed level: an index into SPEED_STEPS_PER_S (the last is as fast as frames allow)."""
        self._speed = max(0, min(int(level), len(SPEED_STEPS_PER_S) - 1))
        self._budget_carry = 0.0

    @command
    def step(self, n: int = 1) -> None:
        """Take n steps now and send the frame."""
        if self.model is None:
            return
        self._first_step_status()
        if self._guarded("step failed", lambda: self._step(max(1, int(n))), restore=False):
            self._mark_compiled()
        self._emit_frame(force=True)

    @command(edit=True)   # "Reset, Save, Quit" writes the model reset
    def reset(self, seed: Any = None) -> None:
        """Back to t = 0 (with ``seed`` when given)."""
        if self.model is None:
            return
        self._guarded("reset failed", lambda: self._apply("reset", seed))
        self.model_loaded.emit(self.model.params)
        self.params_resolved.emit(dict(self.model.resolved_params()))
        self._emit_frame(force=True)

    @command(edit=True)
    def set_params(self, **changes: Any) -> None:
        """Change parameters live; refused values keep the old ones (and the form shows them)."""
        if self.model is None:
            return
        if self._guarded("parameters not changed", lambda: self._apply("set_params", **changes)):
            self._sec_per_step = self._chunk_cost = None   # the cost of a step may have changed (size, algorithm)
        self.params_applied.emit(self.model.params)
        self.params_resolved.emit(dict(self.model.resolved_params()))
        self._emit_frame(force=True)

    @command(edit=True)
    def call(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Call a model method by name (set_patterns, set_probe, paint, actions…)."""
        if self.model is None:
            return
        fn = None if method.startswith("_") else getattr(self.model, method, None)
        if fn is None:
            self.failed.emit(f"{self.model.title} has no command {method!r}")
            return
        if self._guarded(f"{method} failed", lambda: self._apply("call", method, *args, **kwargs)):
            self.params_applied.emit(self.model.params)
            self.params_resolved.emit(dict(self.model.resolved_params()))
        self._emit_frame(force=True)

    @command(run_while_stopping=True)
    def _shutdown(self) -> None:
        """The last command: stop the play timer in its own thread and end the thread's event loop
        (EngineController.stop queues it behind every command sent before, so a queued save runs
        first; a QThread.quit() from the GUI thread would drop them)."""
        self._playing = False
        if self._timer is not None:
            self._timer.stop()
        QThread.currentThread().quit()

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

    def _step(self, n: int) -> bool:
        """``step(n)`` (recorded), interruptible by a stop request; False when it was interrupted. The
        model then keeps its last whole chunk; the recorded run no longer replays to it, and says so."""
        try:
            with interrupt.watching(self._stopping):
                self._apply("step", n)
        except interrupt.StepInterrupted:
            if self.run is not None and self.run.model is self.model:
                self.run.problem = self.run.problem or f"a step was interrupted at t = {self.model.t} (closing)"
            return False
        return True

    def _do_steps(self, n: int) -> bool:
        """Take n steps, in chunks of at most about MAX_TICK_S (sized from their measured cost)
        so that a stop request (closing) is seen between chunks, not only after all n; False
        when stepping failed or stopped early."""
        try:
            done = 0
            while done < n:
                if self._stopping.is_set():
                    return False
                cost = self._chunk_cost
                chunk = 1 if cost is None else max(1, min(n - done, int(MAX_TICK_S / max(cost, 1e-9))))
                ts = time.perf_counter()
                if not self._step(chunk):
                    return False
                per = (time.perf_counter() - ts) / chunk
                self._chunk_cost = per if cost is None else 0.7 * cost + 0.3 * per
                done += chunk
        except Exception as exc:
            self._playing = False
            self.playing_changed.emit(False)
            self._report("step failed", exc)
            self._emit_frame(force=True)
            return False
        self._mark_compiled()
        return True


def _writes_a_file(name: str) -> bool:
    """The commands that still run when stopping write files (a save), but for the one that ends the thread."""
    return name in RUN_WHILE_STOPPING and name != "_shutdown"


class _Commands(QObject):
    """The GUI side of the one command signal; connected to the worker it is delivered queued."""
    command = Signal(str, object)   # command name, (args, kwargs)


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
        self.commands.command.connect(self.worker._dispatch)
        # The worker and its timer must die in their own thread (Qt timers cannot be killed from another).
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()
        self._stopped = False
        # A QThread object destroyed while its thread runs aborts the process (a step cannot be
        # interrupted): the thread, its worker and the command sender are kept alive here, whatever
        # happens to this controller and its window, until stop() has seen the thread finish; at
        # interpreter exit _finish_engine_threads waits for any left.
        self._parts = (self.thread, self.worker, self.commands)
        _unfinished.add(self._parts)
        atexit.unregister(_finish_engine_threads)
        atexit.register(_finish_engine_threads)

    def _send(self, name: str, args: tuple = (), kwargs: dict | None = None) -> None:
        """Queue one command to the engine thread. Arguments are handed over as they are: pass
        values the GUI does not change afterwards (a fresh dict, a copied array)."""
        if _writes_a_file(name):
            self.worker.count_write(+1)
        self.commands.command.emit(name, (tuple(args), dict(kwargs or {})))

    def writes_pending(self) -> bool:
        """Whether a command that writes a file (a save) is queued or running in the engine thread."""
        return self.worker.writes_pending()

    # Direct, thread-safe pokes.
    def frame_taken(self) -> None: self.worker.frame_taken()
    def cancel_experiment(self) -> None: self.worker.cancel_experiment()

    def request_stop(self) -> None:
        """Ask the engine thread to end, without waiting: playing and experiments stop at their
        next chunk, the commands already queued that write a file (a save) still run, then the
        thread's event loop ends (``_shutdown``, queued behind them). Wait with ``stop``."""
        if not self._stopped:
            self._stopped = True
            self.worker.request_stop()
            self._send("_shutdown")

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Stop the engine thread (``request_stop``) and wait for it: until it has finished when
        ``timeout_ms`` is None, else at most that long. True when the thread has finished; after
        False the thread is still kept alive (never destroyed running) and stop may be called again."""
        self.request_stop()
        ok = self.thread.wait() if timeout_ms is None else self.thread.wait(int(timeout_ms))
        if ok:
            self._finished()
        return bool(ok)

    def is_finished(self) -> bool:
        """The engine thread has ended (and stop's bookkeeping is done when this says True)."""
        if self.thread.isFinished():
            self._finished()
            return True
        return False

    def _finished(self) -> None:
        if self._parts in _unfinished:
            _unfinished.discard(self._parts)
            _heap_freezer.release()


# (thread, worker, command sender) of every engine thread not yet seen finished: see EngineController.
_unfinished: "set[tuple[QThread, EngineWorker, _Commands]]" = set()


def _finish_engine_threads() -> None:
    """At interpreter exit, before Qt objects are torn down: stop and wait for every engine thread
    still running, so that none is destroyed running (the process would abort). Registered anew
    by each EngineController: exit handlers run last-registered first, and PySide's own (which
    deletes every Python-owned QObject) is registered when the QApplication is made."""
    for thread, worker, commands in list(_unfinished):
        try:
            if thread.isRunning():
                worker.request_stop()
                commands.command.emit("_shutdown", ((), {}))
                thread.wait()
        except RuntimeError:   # the C++ side is already gone
            pass
    _unfinished.clear()


attach_commands(EngineController)
