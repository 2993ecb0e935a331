"""Run experiments: ``drive`` steps one generator; ``run`` spreads a study's tasks over cores or a cluster.

An experiment's ``run(settings)`` yields ``(fraction, message)`` and returns its result
(engine/model.py, ``Experiment``). ``drive`` is the loop every caller of such a generator uses —
the CLI, the GUI's engine thread with a cancel flag, a script with nothing at all.

A ``Study`` is an Experiment made of independent tasks: ``check(settings)`` validates everything
up front, ``tasks(settings)`` lists the tasks (small JSON-able dicts), ``run_task(settings, task,
seed)`` turns one task into result rows and ``finish(settings, table)`` draws the views' data from
the rows (from the rows so far too: the GUI redraws as tasks finish). A long task (an MNIST
training) may be a generator: it yields ``(fraction, message)`` within the task and returns its
rows, so a serial run reports progress and can be cancelled inside it; other backends run it through.
``run`` executes the tasks serially, on local processes (joblib, ``n_jobs``) or on a Dask cluster
(``scheduler``). Task k draws its randomness from ``task_seed(seed, k)`` only, so every backend gives the same numbers, and the
rows are kept in task order whatever order they finish in. With ``resume=path`` each finished
task's rows are appended to a JSON-lines file; a cancelled or killed run started again with the
same file skips what is there.
"""
from __future__ import annotations

import csv
import inspect
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from engine.model import Cancelled, Experiment
from engine.validation import check_fraction, check_int, check_seed

Progress = Callable[[float, str], "bool | None"]
CLUSTER_HINT = "install the cluster extra: pip install 'hebbgui[cluster]' (dask[distributed])"
CONNECT_TIMEOUT_S = 10


def drive(experiment: Experiment, settings: Mapping[str, Any] | None = None,
          progress: Progress | None = None) -> dict:
    """Run ``experiment`` to the end and return its result.

    ``progress(fraction, message)`` is called at every yield; when it returns False the
    generator is closed (its ``finally`` blocks run) and ``Cancelled`` is raised.
    """
    if not isinstance(experiment, Experiment):
        raise ValueError(f"experiment must be an engine.model.Experiment, got {type(experiment).__name__}")
    gen = experiment.run(dict(settings or {}))
    try:
        while True:
            try:
                fraction, message = next(gen)
            except StopIteration as stop:
                result = stop.value
                break
            fraction = check_fraction(f"{experiment.name} progress", fraction)
            if progress is not None and progress(fraction, str(message)) is False:
                raise Cancelled(f"{experiment.name} cancelled")
    finally:
        gen.close()
    if not isinstance(result, dict):
        raise ValueError(f"{experiment.name} returned {type(result).__name__}, not a dict of results")
    if progress is not None:
        progress(1.0, "done")
    return result


# --------------------------------------------------------------------------- studies
@dataclass(frozen=True)
class Study(Experiment):
    """An Experiment made of independent tasks (see the module docstring); ``run`` is filled in as the
    serial generator, so ``drive`` and the GUI run a study like any other experiment."""
    run: Callable[..., Any] | None = None
    check: Callable[[Mapping[str, Any]], dict] | None = None
    tasks: Callable[[dict], list] | None = None
    run_task: Callable[[dict, dict, int], Any] | None = None
    finish: Callable[[dict, dict], dict] | None = None
    describe: Callable[[dict], str] = field(default=lambda task: ", ".join(f"{k} {v}" for k, v in task.items()))

    def __post_init__(self):
        for name in ("check", "tasks", "run_task", "finish"):
            if not callable(getattr(self, name)):
                raise ValueError(f"study {self.name!r} needs a callable {name}")
        # None, or another Study's serial generator (dataclasses.replace copies it): this one's own
        if self.run is None or getattr(self.run, "__func__", None) is Study._serial:
            object.__setattr__(self, "run", self._serial)

    def _serial(self, settings: Mapping[str, Any]):
        """The generator ``drive`` runs: every task in order, then ``finish``."""
        s = self.check(settings)
        tasks = self.tasks(s)
        rows: list[list[dict]] = []
        n = len(tasks)
        for k, task in enumerate(tasks):
            yield k / n, self.describe(task)
            value = yield from _steps(self.run_task(s, task, task_seed(s.get("seed", 0), k)), k / n, 1 / n)
            rows.append(_rows(value))
        return self.finish(s, _table(rows))


def _steps(value, start: float, width: float):
    """A task's value, stepping through it first when it is a generator: its (fraction, message)
    steps are yielded as (start + width·fraction, message); its return value is the task's."""
    if not inspect.isgenerator(value):
        return value
    try:
        while True:
            try:
                fraction, message = next(value)
            except StopIteration as stop:
                return stop.value
            yield start + width * check_fraction("task progress", fraction), message
    finally:
        value.close()


def _complete(value, inner: Callable[[float, str], None] | None = None):
    """A task's value, its steps (if any) passed to ``inner(fraction, message)``, which may raise to cancel."""
    steps = _steps(value, 0.0, 1.0)
    try:
        while True:
            try:
                fraction, message = next(steps)
            except StopIteration as stop:
                return stop.value
            if inner is not None:
                inner(fraction, message)
    finally:
        steps.close()   # a cancel raised by inner: the task's own finally blocks run now


def task_seed(seed: int, index: int) -> int:
    """The seed of task ``index`` of a run seeded ``seed``: a function of the two numbers only."""
    words = np.random.SeedSequence([int(seed), int(index)]).generate_state(2, np.uint32)
    return (int(words[0]) << 31) ^ int(words[1])


def _rows(value) -> list[dict]:
    """A task's output as a list of row dicts (a task may give one row or several)."""
    rows = [value] if isinstance(value, Mapping) else list(value)
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


def _plain(v):
    """A JSON-able cell: numpy numbers become Python numbers."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _table(rows_by_task: list[list[dict] | None]) -> dict[str, np.ndarray]:
    """Rows (task order; None for a task not done) → dict of equal-length 1-D arrays."""
    flat = [r for rows in rows_by_task if rows for r in rows]
    keys: list[str] = []
    for r in flat:
        keys += [k for k in r if k not in keys]
    return {k: np.array([r.get(k, np.nan) for r in flat]) for k in keys}


# --------------------------------------------------------------------------- the result
@dataclass
class Result:
    """A run's rows (``table``: dict of equal-length 1-D arrays, one row per task result), the views'
    data (``data``, from the study's ``finish``), the checked settings, the seed and the version."""
    name: str
    table: dict[str, np.ndarray]
    data: dict[str, Any]
    settings: dict[str, Any]
    seed: int
    version: str
    elapsed_s: float = 0.0

    def to_csv(self, path) -> Path:
        """Write the table as CSV (a header row of column names); returns the path."""
        path = Path(path)
        keys = list(self.table)
        n = len(next(iter(self.table.values()))) if keys else 0
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(keys)
            for i in range(n):
                w.writerow([_csv_cell(self.table[k][i]) for k in keys])
        return path

    def to_json(self, path) -> Path:
        """Write name, version, seed, settings and the table (columns as lists) as JSON; returns the path."""
        path = Path(path)
        doc = {"experiment": self.name, "version": self.version, "seed": self.seed, "settings": self.settings,
               "table": {k: [_plain(x) for x in v] for k, v in self.table.items()}}
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        return path


def _csv_cell(x):
    x = _plain(x)
    return repr(x) if isinstance(x, float) else x  # repr: the shortest text that reads back exactly


# --------------------------------------------------------------------------- the partial-results file
class _Journal:
    """The resume file: a header line (experiment, settings, seed, version, tasks), then one line per
    finished task. A last line cut short by a kill is ignored."""

    def __init__(self, path, header: dict):
        self.path = Path(path)
        self.header = header
        self.done: dict[int, list[dict]] = {}
        if self.path.exists() and self.path.stat().st_size:
            self._read()
        else:
            self.path.write_text(json.dumps(header) + "\n", encoding="utf-8")

    def _read(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0])
        except (UnicodeDecodeError, json.JSONDecodeError, IndexError):
            header = None
        if not isinstance(header, dict):   # binary junk, or JSON that is not a header (a number, a list)
            raise ValueError(f"resume file {self.path} is not a results file of this program")
        if header != self.header:
            diff = sorted(k for k in set(header) | set(self.header) if header.get(k) != self.header.get(k))
            raise ValueError(f"resume file {self.path} belongs to another run (different {', '.join(diff)}); "
                             "use a new file or the same experiment, settings and seed")
        good = 1
        for line in lines[1:]:
            try:
                entry = json.loads(line)
                self.done[int(entry["task"])] = list(entry["rows"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                break  # the line a kill cut short, and nothing after it
            good += 1
        if good < len(lines):  # drop the broken tail so appended lines start clean
            self.path.write_text("\n".join(lines[:good]) + "\n", encoding="utf-8")

    def add(self, index: int, rows: list[dict]) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"task": index, "rows": rows}) + "\n")
            f.flush()
            os.fsync(f.fileno())


# --------------------------------------------------------------------------- backends
# A backend is called with (run_task, settings, items, threads), items a list of (task, seed, index), and
# yields (index, rows) as tasks finish.
CHUNKS_PER_SLOT = 16   # Dask: about this many chunks per worker thread (see _Dask)


def _execute(run_task, settings: dict, task: dict, seed: int, index: int, threads: int,
             inner: Callable[[float, str], None] | None = None) -> tuple[int, list[dict]]:
    """One task, in whatever process runs it: (index, rows). ``inner`` gets a generator task's steps."""
    if threads:
        import numba  # a worker process shares the cores with its siblings: no oversubscription
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    return index, _rows(_complete(run_task(settings, task, seed), inner))


# glibc's mallopt parameters, and the values its adaptive rule reaches on its own (64-bit): blocks up to
# 32 MB come from the heap, which keeps up to 64 MB free at its top
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_MMAP_BYTES, _HEAP_TRIM_BYTES = 32 * 2**20, 64 * 2**20
_heap_set = False


def _heap_for_tasks() -> None:
    """Once per worker process: undo Dask's MALLOC_TRIM_THRESHOLD_ for glibc's heap. Setting it turns off
    glibc's adaptive mmap threshold, so every array of a few MB a task makes (a weight matrix, a field
    per probe) is a fresh mmap, faulted in and zeroed, and given back when freed. Measured on 2 cores
    (capacity curve, N = 1000, 400 tasks, a 2-worker LocalCluster): 10.4–11.1 s with Dask's setting,
    8.9–9.3 s with glibc's adapted values. Nothing happens without that variable or without glibc."""
    global _heap_set
    if _heap_set or not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return
    _heap_set = True
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_MMAP_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, _HEAP_TRIM_BYTES)
    except (OSError, AttributeError):   # not glibc (macOS, Windows, musl): its own allocator stands
        pass


def _execute_chunk(run_task, settings: dict, items: list, threads: int) -> list[tuple[int, list[dict]]]:
    """Several tasks as one Dask task, BLAS held to ``threads`` as numba is: [(index, rows), …]."""
    from threadpoolctl import threadpool_limits
    _heap_for_tasks()
    with threadpool_limits(limits=threads, user_api="blas"):
        return [_execute(run_task, settings, task, seed, index, threads) for task, seed, index in items]


def _chunks(items: list, slots: int) -> list[list]:
    """``items`` dealt into about CHUNKS_PER_SLOT·slots chunks, round-robin: chunk c holds items c,
    c + n, c + 2n, … so every chunk spans the whole task list and costs about the same (a study's
    tasks often grow along the list, as the capacity curve's loads do)."""
    n = min(len(items), CHUNKS_PER_SLOT * max(1, slots))
    return [items[c::n] for c in range(n)]


def _serial(run_task, settings, items, threads, inner=None) -> Iterator[tuple[int, list[dict]]]:
    for task, seed, index in items:
        yield _execute(run_task, settings, task, seed, index, threads,
                       None if inner is None else lambda f, m, k=index: inner(k, f, m))


class _Joblib:
    def __init__(self, n_jobs: int):
        import joblib
        self.n_jobs = n_jobs
        self.parallel = joblib.Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered",
                                        batch_size=1)
        self.delayed = joblib.delayed

    def __call__(self, run_task, settings, items, threads) -> Iterator[tuple[int, list[dict]]]:
        gen = self.parallel(self.delayed(_execute)(run_task, settings, task, seed, index, threads)
                            for task, seed, index in items)
        try:
            yield from gen
        finally:
            gen.close()  # cancel: joblib drops the tasks not started


class _Dask:
    """Tasks in chunks on a Dask cluster. Measured on a loaded 2-core machine (400 tasks that do nothing,
    2-worker LocalCluster): 4–6 s through Dask, one Dask task each, against 0.4 s through joblib — the
    scheduler, client and worker bookkeeping cost 5–13 ms per Dask task, on the cores the tasks need.
    The 400 capacity tasks of ~0.1 s lost that much. Chunks of several tasks pay it once each; ~16
    chunks per worker thread keep the workers' finishing times within one small chunk of each other."""

    def __init__(self, scheduler):
        try:
            from dask.distributed import Client
        except ImportError:
            raise ValueError(f"scheduler needs Dask: {CLUSTER_HINT}") from None
        if isinstance(scheduler, str):
            if not scheduler.strip():
                raise ValueError("scheduler must be a 'tcp://host:port' address or a dask.distributed.Client")
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                                      "is it running, and is the address right?") from None
            self.owned = True
        elif isinstance(scheduler, Client):
            self.client, self.owned = scheduler, False
        else:
            raise ValueError(f"scheduler must be None, a 'tcp://host:port' address or a dask.distributed.Client, "
                             f"got {type(scheduler).__name__}")

    def slots(self) -> int:
        """Worker threads in the cluster now (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def __call__(self, run_task, settings, items, threads) -> Iterator[tuple[int, list[dict]]]:
        from dask.distributed import as_completed
        futures = [self.client.submit(_execute_chunk, run_task, settings, chunk, threads, pure=False)
                   for chunk in _chunks(list(items), self.slots())]
        try:
            # this client's loop: as_completed otherwise asks for a default client, and a Client made
            # here from an address is not one ("No clients found": --scheduler failed that way)
            for _, done in as_completed(futures, with_results=True, loop=self.client.loop):
                yield from done
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        if self.owned:
            self.client.close()


# --------------------------------------------------------------------------- run
def names() -> list[str]:
    """The registered experiment names, sorted."""
    from engine import registry  # the registry lists experiments; it sits beside, not below, this package
    return sorted(registry.experiment_names())


def run(name: str | Experiment, settings: Mapping[str, Any] | None = None, seed: int | None = None, *,
        n_jobs: int = 1, scheduler=None, progress: Progress | None = None,
        on_partial: Callable[[Result], None] | None = None, resume=None) -> Result:
    """Run experiment ``name`` (or an Experiment) and return its ``Result``.

    settings: overrides of the experiment's defaults, all checked before any work (ValueError
    names the setting). seed: the run's seed (default: the ``seed`` setting, else 0). n_jobs: local
    processes (joblib/loky; −1 all cores). scheduler: None, "tcp://host:port" or a
    ``dask.distributed.Client`` — the tasks run on that Dask cluster. progress(fraction, message):
    returning False cancels (``Cancelled`` is raised; finished tasks stay in the resume file).
    on_partial(result): called as tasks finish, with the rows so far (live plots). resume: a file
    path; finished tasks are appended to it and skipped when the same run starts again.
    An Experiment that is not a Study runs as one task (``drive``), serially.
    """
    from engine import __version__, registry
    exp = registry.experiment(name) if isinstance(name, str) else name
    if not isinstance(exp, Experiment):
        raise ValueError(f"name must be an experiment name or an engine.model.Experiment, got {type(exp).__name__}")
    settings = dict(settings or {})
    if seed is not None:
        settings["seed"] = check_seed(seed)
    n_jobs = check_int("n_jobs", n_jobs, -1)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of processes, or -1 for every core; got 0")
    if not isinstance(exp, Study):
        if n_jobs != 1 or scheduler is not None or resume is not None:
            raise ValueError(f"{exp.name} is not made of tasks: it runs serially (n_jobs=1, no scheduler, "
                             "no resume)")
        t0 = time.perf_counter()
        data = drive(exp, settings, progress)
        table = {k: np.asarray(v) for k, v in data.items() if np.ndim(v) == 1}
        lengths = {len(v) for v in table.values()}
        if len(lengths) > 1:  # keep the columns of the most common length: a table's rows line up
            common = max(lengths, key=lambda n: sum(len(v) == n for v in table.values()))
            table = {k: v for k, v in table.items() if len(v) == common}
        return Result(exp.name, table, data, settings, int(settings.get("seed", 0) or 0), __version__,
                      time.perf_counter() - t0)
    s = exp.check(settings)
    run_seed = int(s.get("seed", 0) or 0)
    tasks = exp.tasks(s)
    if not tasks:
        raise ValueError(f"{exp.name}: these settings give no tasks to run")
    backend = _Dask(scheduler) if scheduler is not None else (_Joblib(n_jobs) if n_jobs != 1 else None)
    try:
        return _run_tasks(exp, s, run_seed, tasks, backend, progress, on_partial, resume, __version__)
    finally:
        if isinstance(backend, _Dask):
            backend.close()


def _run_tasks(exp: Study, s: dict, run_seed: int, tasks: list, backend, progress, on_partial, resume,
               version: str) -> Result:
    total = len(tasks)
    journal = None
    if resume is not None:
        journal = _Journal(resume, {"experiment": exp.name, "settings": json.loads(json.dumps(s)),
                                    "seed": run_seed, "version": version, "tasks": total})
    rows: list[list[dict] | None] = [None] * total
    for k, r in (journal.done.items() if journal else ()):
        if 0 <= k < total:
            rows[k] = r
    todo = [k for k in range(total) if rows[k] is None]
    # numba threads per task: all of them serially; a share of the cores per joblib process; one per task on
    # Dask, whose workers already run a task on each of their threads
    threads = 0
    if isinstance(backend, _Joblib):
        threads = max(1, (os.cpu_count() or 1) // (backend.n_jobs if backend.n_jobs > 0 else (os.cpu_count() or 1)))
    elif isinstance(backend, _Dask):
        threads = 1
    items = [(tasks[k], task_seed(run_seed, k), k) for k in todo]
    t0 = time.perf_counter()
    done0 = total - len(todo)
    done = done0

    def result() -> Result:
        return Result(exp.name, _table(rows), exp.finish(s, _table(rows)), s, run_seed, version,
                      time.perf_counter() - t0)

    def report(done: float, message: str) -> None:
        if progress is None:
            return
        ran = done - done0
        left = (time.perf_counter() - t0) / ran * (total - done) if ran else math.nan
        eta = f", {_duration(left)} left" if math.isfinite(left) and done < total else ""
        if progress(done / total, f"{int(done)}/{total} tasks{eta} · {message}") is False:
            raise Cancelled(f"{exp.name} cancelled after {int(done)} of {total} tasks"
                            + (f"; resume from {journal.path}" if journal else ""))

    def inner(k: int, fraction: float, message: str) -> None:   # a serial generator task's own steps
        report(done + fraction, f"{exp.describe(tasks[k])}: {message}")

    report(done0, exp.describe(tasks[todo[0]]) if todo else "resumed")
    if backend is None:
        gen = _serial(exp.run_task, s, items, threads, inner)
    else:
        gen = backend(exp.run_task, s, items, threads)
    try:
        for k, task_rows in gen:
            rows[k] = task_rows
            if journal:
                journal.add(k, task_rows)
            done += 1
            if on_partial is not None and done < total:
                on_partial(result())
            report(done, exp.describe(tasks[k]))
    finally:
        gen.close()
    return result()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
