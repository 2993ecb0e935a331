"""Run families of cases in worker processes, with a timeout per case, and tabulate the outcomes."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.reliability.core import FAMILIES, Case, env_for_children, family_cases

START_TIMEOUT = 300.0   # importing numpy, numba and Qt on a loaded two-core machine


class Worker:
    """A worker process for one family; restarted by the runner after a hang or a crash."""

    def __init__(self, family: str, quick: bool, log):
        cmd = [sys.executable, "-m", "tools.reliability.worker", family] + (["--quick"] if quick else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     env=env_for_children(), text=True, bufsize=1, start_new_session=True)
        if self._line(START_TIMEOUT) != "ready":
            self.kill()
            raise RuntimeError(f"the {family} worker did not start (see its log)")

    def _line(self, timeout: float) -> str | None:
        """The worker's next line; "" when its output ended (it exited); None after ``timeout`` s."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        return self.proc.stdout.readline().strip()

    def run(self, index: int, timeout: float) -> dict | str:
        """The case's outcome as a dict, or "hang" / "crash (…)"."""
        self.proc.stdin.write(f"{index}\n")
        self.proc.stdin.flush()
        line = self._line(timeout)
        if line:
            return json.loads(line)
        if line is None:
            return "hang"
        # its output ended: it exited, or is exiting (the pipe closes before the process is reaped)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            return "crash (closed its output, still running)"
        return f"crash (exit {self.proc.returncode})"

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


def run_family(family: str, quick: bool, log, progress=None) -> list[dict]:
    """Every case of one family, each classified (see core.execute)."""
    cases: list[Case] = family_cases(family, quick)
    results = []
    worker = None
    for i, case in enumerate(cases):
        if worker is None:
            worker = Worker(family, quick, log)
        t0 = time.perf_counter()
        got = worker.run(i, case.timeout)
        if isinstance(got, str):
            worker.kill()
            worker = None
            what = f"hang (no answer in {case.timeout:.0f} s)" if got == "hang" else got
            got = {"name": case.name, "kind": "failure", "detail": what,
                   "seconds": round(time.perf_counter() - t0, 1), "peak_mb": None}
        got["family"] = family
        results.append(got)
        if progress:
            progress(got)
    if worker is not None:
        worker.close()
    return results


def table(results: list[dict], order: list[str]) -> str:
    """Counts per family: cases, clear message, right result, failures."""
    rows = [("family", "cases", "clear message", "right result", "failures")]
    total = [0, 0, 0, 0]
    for fam in order:
        rs = [r for r in results if r["family"] == fam]
        counts = [len(rs)] + [sum(r["kind"] == k for r in rs) for k in ("clear", "right", "failure")]
        total = [a + b for a, b in zip(total, counts)]
        rows.append((fam, *counts))
    rows.append(("total", *total))
    widths = [max(len(str(r[c])) for r in rows) for c in range(5)]
    return "\n".join("  ".join(str(v).ljust(w) if c == 0 else str(v).rjust(w) for c, (v, w) in
                               enumerate(zip(r, widths))) for r in rows)


def main(argv: list[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m tools.reliability",
                                description="Rerun issue 16's reliability cases and count the outcomes.")
    p.add_argument("--quick", action="store_true", help="fewer cases, short soaks and hammer (about a minute "
                                                        "or two per family)")
    p.add_argument("--family", action="append", default=None,
                   help=f"only this family (repeatable, or comma-separated): {', '.join(FAMILIES)}")
    p.add_argument("--out", default=None, help="write every case's outcome to this JSON file")
    p.add_argument("--log", default=None, help="the workers' stderr (default: a temporary file)")
    args = p.parse_args(argv)
    order = list(FAMILIES)
    if args.family:
        chosen = [f.strip() for item in args.family for f in item.split(",") if f.strip()]
        unknown = sorted(set(chosen) - set(order))
        if unknown:
            p.error(f"unknown famil{'y' if len(unknown) == 1 else 'ies'} {unknown}; choose from {order}")
        order = [f for f in order if f in chosen]
    log_path = Path(args.log) if args.log else Path(tempfile.mkstemp(prefix="reliability-", suffix=".log")[1])
    results: list[dict] = []

    def show(r):
        if r["kind"] == "failure":
            print(f"  FAIL {r['family']}/{r['name']}: {r['detail']}", flush=True)

    t0 = time.perf_counter()
    with open(log_path, "a") as log:
        for fam in order:
            print(f"{fam} …", flush=True)
            results += run_family(fam, args.quick, log, show)
    print(table(results, order))
    print(f"({time.perf_counter() - t0:.0f} s; workers' stderr in {log_path})")
    if args.out:
        Path(args.out).write_text(json.dumps({"quick": args.quick, "results": results}, indent=1))
    return 1 if any(r["kind"] == "failure" for r in results) else 0
