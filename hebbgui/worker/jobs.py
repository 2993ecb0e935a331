"""``BackgroundJob``: one plain function run once in its own ``QThread`` (encoding a recording, for
one), reporting ``finished(result)`` / ``failed(str)`` in the GUI thread. With the engine thread
(engine.py), the only threads hebbgui makes (DESIGN.md)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from hebbgui.commands import EXPECTED_ERRORS, error_detail


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

    # Kept rather than superqt's FunctionWorker / create_worker (issue 18, weighed): those run on
    # Qt's global QThreadPool, so a caller can only wait for *all* pool work (await_workers), and
    # their results are queued signals that need the event loop to arrive. Closing the window
    # needs this one job's file finished or discarded within a timeout, delivered at once
    # (Recorder.close → wait()), and the tests need running_jobs() to prove no thread is left;
    # superqt would also bring qtpy into the bundle in place of ~90 lines of ours.

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
            detail = error_detail(exc)
            self.error = detail if isinstance(exc, EXPECTED_ERRORS) else f"{self.name} failed: {detail}"
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
