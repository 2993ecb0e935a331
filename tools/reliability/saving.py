"""Saving under faults: 45 round trips with a write fault injected (ENOSPC on write, EIO on fsync,
a disk that fills up halfway through the file) — 3 per registered model — and 25 processes
SIGKILLed at random moments while they save again and again over the same file.

A fault must surface as the OSError it is, leave the old file byte for byte and loadable, and
leave no temporary file behind; the next save must round-trip bit-identically (the loaded model
steps exactly as the original). After a kill the file must load and step."""
from __future__ import annotations

import errno
import os
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from tools.reliability.core import Case, env_for_children

MODELS = ("hebb", "hebbian-pca", "competing", "hopfield", "ising", "boltzmann", "rbm", "rbm-table", "dbn", "chl",
          "bam", "dam", "modern-hopfield", "competitive", "som")


class _FaultyFile:
    """A file whose writes fail as a full disk does: after ``room`` bytes (None: half the first
    write), ENOSPC."""

    def __init__(self, f, room: int | None, err: int):
        self._f, self._room, self._err = f, room, err

    def write(self, data) -> int:
        if self._room is None:
            self._room = len(data) // 2
        take = min(len(data), self._room)
        self._f.write(data[:take])
        self._room -= take
        if take < len(data):
            raise OSError(self._err, os.strerror(self._err))
        return take

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()
        return False


@contextmanager
def _fault(kind: str):
    """Patch engine.io's os calls: "enospc" (the first write fails), "eio" (fsync fails),
    "full" (half the file is written, then the disk is full)."""
    import engine.io as eio
    real_fdopen, real_fsync = eio.os.fdopen, eio.os.fsync

    def fdopen(fd, *a, **kw):
        f = real_fdopen(fd, *a, **kw)
        return _FaultyFile(f, 0 if kind == "enospc" else None, errno.ENOSPC) if kind != "eio" else f

    def fsync(fd):
        if kind == "eio":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_fsync(fd)
    eio.os.fdopen, eio.os.fsync = fdopen, fsync
    try:
        yield
    finally:
        eio.os.fdopen, eio.os.fsync = real_fdopen, real_fsync


def _same_state(a: dict, b: dict, what: str) -> None:
    assert a.keys() == b.keys(), f"{what}: entries differ {sorted(set(a) ^ set(b))}"
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=True), f"{what}: {k!r} differs"


def _fault_case(name: str, kind: str) -> Case:
    want = errno.EIO if kind == "eio" else errno.ENOSPC

    def run(tmp: Path):
        from engine import io as eio, registry
        m = registry.create(name, seed=0)
        m.step(2)
        p = eio.save(m, tmp / "s.npz")
        old, saved = p.read_bytes(), m.state()
        m.step(1)                           # a live change the failed save would have written
        with _fault(kind):
            try:
                eio.save(m, p)
            except OSError as exc:
                assert exc.errno == want, f"the save raised {exc!r}, expected errno {want}"
            else:
                raise AssertionError("the save reported success on a failing disk")
        assert p.read_bytes() == old, "the old file changed"
        left = sorted(q.name for q in tmp.iterdir() if q.name != "s.npz")
        assert not left, f"temporary files left behind: {left}"
        _same_state(eio.load(p).state(), saved, "the old file")
        eio.save(m, p)                      # the disk is back: a plain save round-trips exactly
        back = eio.load(p)
        _same_state(back.state(), m.state(), "after the round trip")
        m.step(2)
        back.step(2)
        _same_state(back.state(), m.state(), "stepping after the round trip")
    return Case(f"{name} {kind}", run, "ok", timeout=240, mem_slack=1 << 30)


def fault_cases(quick: bool = False) -> list[Case]:
    """3 faults × every registered model (quick: 3 light models)."""
    models = ("hopfield", "bam", "rbm-table") if quick else MODELS
    return [_fault_case(name, kind) for name in models for kind in ("enospc", "eio", "full")]


CHILD = """
import sys
from engine import io
path = sys.argv[1]
m = io.load(path)
print("ready", flush=True)
while True:
    m.step(1)
    io.save(m, path)
"""


def _kill_case(i: int, name: str) -> Case:
    delay = random.Random(i).uniform(0.05, 1.5)

    def run(tmp: Path):
        from engine import io as eio, registry
        m = registry.create(name, seed=i)
        m.step(1)
        p = eio.save(m, tmp / "s.npz")
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(p)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env_for_children(), text=True)
        try:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()[-2000:]
            time.sleep(delay)
            assert child.poll() is None, f"the saving process ended by itself: {child.stderr.read()[-2000:]}"
            child.kill()
        finally:
            child.kill()
            child.wait()
        back = eio.load(p)
        back.step(1)
        back.snapshot()
        litter = [q.name for q in tmp.iterdir() if q.name != "s.npz"]
        return f"killed after {delay:.2f} s; file loads and steps" + (f"; left {litter}" if litter else "")
    return Case(f"{name} killed after {delay:.2f} s", run, "ok", timeout=240, mem_slack=1 << 30)


def kill_cases(quick: bool = False) -> list[Case]:
    """25 kills mid-save over ten light models (quick: 3)."""
    models = ("hopfield", "ising", "bam", "boltzmann", "rbm-table", "som", "competitive", "modern-hopfield", "hebb",
              "hebbian-pca")
    n = 3 if quick else 25
    return [_kill_case(i, models[i % len(models)]) for i in range(n)]
