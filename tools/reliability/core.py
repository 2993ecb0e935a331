"""Cases, outcomes and the worker that runs them (issue 16's reliability harness).

A case is a callable given a fresh temporary folder. What it does decides its outcome:

* it raises ``ValueError`` whose message names one of ``case.names`` → **clear message**;
* it returns ``None`` (having checked the result itself) → **right result**; a case may also
  return ``Clear(message)`` when the refusal it checked was not a ValueError (a CLI's ``error:`` line);
* anything else is a **failure**: another exception, a ValueError that names nothing it should, a
  refusal of a good input (``expect="ok"``), an acceptance of a bad one (``expect="refuse"``), a hang
  past ``timeout``, a peak RSS over ``2 × the files' size + mem_slack``, or a crash of the worker.

Cases run in a worker process (``python -m tools.reliability.worker FAMILY [--quick]``) that the
runner restarts after a hang or a crash, so one bad case never hides the others.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MB = 1 << 20


class Clear(str):
    """A refusal the case checked itself (a CLI's ``error:`` line): counted as a clear message."""


@dataclass
class Case:
    """One hostile input and what must happen to it."""

    name: str
    run: Callable[[Path], object]
    expect: str = "either"          # "refuse", "ok" or "either"
    names: tuple[str, ...] = ()     # a clear message names one of these (case-insensitive); () = any
    timeout: float = 60.0           # seconds before the case counts as a hang
    mem_slack: int = 100 * MB       # peak RSS allowed over the start, beyond 2 × the files' size


@dataclass
class Outcome:
    name: str
    kind: str                       # "clear", "right" or "failure"
    detail: str
    seconds: float
    peak_mb: float


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class PeakRSS:
    """The peak resident memory of this process while the block runs (sampled every 2 ms, and the
    kernel's own high-water mark when the block raised it)."""

    def __enter__(self):
        self.start = _rss()
        self.peak = self.start
        self._hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = max(self.peak, _rss(), hwm if hwm > self._hwm else 0)
        return False

    @property
    def grown(self) -> int:
        return max(0, self.peak - self.start)


def _files_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _message_names(message: str, names: tuple[str, ...]) -> bool:
    low = message.lower()
    return not names or any(n.lower() in low or n.lower().replace("_", " ") in low for n in names)


def execute(case: Case, tmp: Path) -> Outcome:
    """Run one case in this process and classify what happened."""
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        try:
            got = case.run(tmp)
        except ValueError as exc:
            msg = str(exc)
            if case.expect == "ok":
                kind, detail = "failure", f"refused a good input: {msg}"
            elif not msg.strip() or not _message_names(msg, case.names):
                kind, detail = "failure", f"unclear message (names none of {list(case.names)}): {msg}"
            else:
                kind, detail = "clear", msg
        except AssertionError as exc:
            kind, detail = "failure", f"wrong result: {exc}"
        except BaseException as exc:   # noqa: BLE001 - every other exception is what the harness counts
            kind, detail = "failure", f"{type(exc).__name__}: {exc}"
        else:
            if isinstance(got, Clear):
                kind, detail = "clear", str(got)
            elif case.expect == "refuse":
                kind, detail = "failure", "accepted a bad input without an error"
            else:
                kind, detail = "right", "" if got is None else str(got)
    seconds = time.perf_counter() - t0
    limit = 2 * _files_size(tmp) + case.mem_slack
    if kind != "failure" and mem.grown > limit:
        kind, detail = "failure", f"peak RSS grew {mem.grown / MB:.0f} MB (limit {limit / MB:.0f} MB); {detail}"
    return Outcome(case.name, kind, detail[:500], round(seconds, 3), round(mem.grown / MB, 1))


FAMILIES = {"files": "files:cases", "sessions": "sessions:cases", "write-faults": "saving:fault_cases",
            "kills": "saving:kill_cases", "cli": "cli:cases", "api": "api:cases", "soak": "gui:soak_cases",
            "hammer": "gui:hammer_cases"}


def family_cases(family: str, quick: bool) -> list[Case]:
    """The cases of one family (its module imported only now); a "package.module:function" spec
    instead of a family name builds the cases of another module (the harness's own tests)."""
    import importlib
    spec = family if ":" in family else "tools.reliability." + FAMILIES[family]
    module, fn = spec.split(":")
    return getattr(importlib.import_module(module), fn)(quick)


def env_for_children() -> dict[str, str]:
    """The environment a worker or a CLI case runs in: this checkout first on the path, offscreen Qt."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env
