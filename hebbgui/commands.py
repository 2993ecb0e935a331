"""Engine commands declared once: ``@command`` marks an EngineWorker method; ``attach_commands`` gives
EngineController a method of the same name and signature that queues the call to the engine thread.
Also what an error shows in the status line. (No threads here: they live in hebbgui/worker/.)
"""
from __future__ import annotations

import inspect
import traceback
from typing import Callable

# Errors that are the user's to fix (bad input, a missing file): shown by their own message.
EXPECTED_ERRORS = (ValueError, OSError)

COMMANDS: dict[str, Callable] = {}
# Commands that still run once the engine is stopping (the window closing): those that write a file,
# so that "Save, then Quit" always writes it. Every other command queued by then is dropped.
RUN_WHILE_STOPPING: set[str] = set()
# Commands that edit the model (parameters, patterns, a probe): once stopping they are held back, and
# run only if a save queued after them runs, so "edit, Save, Quit" writes the edit; none is lost.
EDITS: set[str] = set()


def error_detail(exc: Exception) -> str:
    """What to show of an exception: an expected error's own message; anything else (a bug) with its
    type name, and its traceback printed on stderr."""
    if isinstance(exc, EXPECTED_ERRORS):
        return str(exc)
    traceback.print_exception(exc)
    return f"{type(exc).__name__}: {exc}"


def command(fn: Callable | None = None, *, run_while_stopping: bool = False, edit: bool = False) -> Callable:
    """Declare an EngineWorker method a command: EngineController gets a method of the same name
    and signature that queues the call to the engine thread (names starting with _ stay internal).
    ``@command(run_while_stopping=True)`` marks a command that writes a file: it still runs when it
    was queued before the engine was asked to stop (closing the window); others are dropped then.
    ``edit=True`` marks a command that edits the model: once stopping it runs only before a save."""
    def declare(f: Callable) -> Callable:
        COMMANDS[f.__name__] = f
        if run_while_stopping:
            RUN_WHILE_STOPPING.add(f.__name__)
        if edit:
            EDITS.add(f.__name__)
        return f
    return declare if fn is None else declare(fn)


def _sender(name: str, fn: Callable) -> Callable:
    """EngineController's method for the command ``fn``: same signature, checked in the caller's
    thread (a wrong call raises TypeError there), then queued to the engine thread."""
    sig = inspect.signature(fn)

    def send(self, *args, **kwargs):
        sig.bind(None, *args, **kwargs)
        self._send(name, args, kwargs)
    send.__name__ = send.__qualname__ = name
    send.__doc__ = fn.__doc__
    send.__signature__ = sig
    return send


def attach_commands(controller_cls: type) -> None:
    """Give ``controller_cls`` a sending method for every public command declared so far."""
    for name, fn in COMMANDS.items():
        if not name.startswith("_"):
            setattr(controller_cls, name, _sender(name, fn))
