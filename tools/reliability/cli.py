"""Bad command lines (52 cases): ``hebbgui …`` run as a user types it (``python -m hebbgui``, a fresh
process each). A bad one must print ``error: …`` naming what is wrong and exit with status 2, with
no traceback; the few good ones in between must exit 0."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.reliability.core import Case, Clear, env_for_children

ROOT = Path(__file__).resolve().parents[2]


def _cli(args: list[str], expect: str = "refuse", names: tuple[str, ...] = (), env: dict | None = None,
         timeout: float = 120, prepare=None) -> Case:
    def run(tmp: Path):
        argv = [a.replace("{tmp}", str(tmp)) for a in args]
        if prepare:
            prepare(tmp)
        full_env = dict(env_for_children(), **(env or {}))
        p = subprocess.run([sys.executable, "-m", "hebbgui", *argv], cwd=tmp, env=full_env, capture_output=True,
                           text=True, timeout=timeout - 10)
        err = p.stderr
        assert "Traceback" not in err, f"a traceback (exit {p.returncode}): {err[-1500:]}"
        if expect == "ok":
            assert p.returncode == 0, f"exit {p.returncode}: {err[-800:]}"
            return None
        line = next((ln for ln in err.splitlines() if "error:" in ln), "")
        if p.returncode == 0:
            raise AssertionError(f"exit 0 for a bad command line; stdout: {p.stdout[-300:]}")
        assert p.returncode == 2, f"exit {p.returncode} (not 2): {err[-800:]}"
        assert line, f"exit 2 without an 'error:' line: {err[-800:]}"
        low = line.lower()
        assert not names or any(n.lower() in low for n in names), f"the error names none of {list(names)}: {line}"
        return Clear(line)
    return Case(" ".join(args).replace("{tmp}/", "") or "(nothing)", run, expect, names, timeout=timeout,
                mem_slack=1 << 40)   # the command runs in its own process; its memory is the case's refusal


def _folder(name):
    return lambda tmp: (tmp / name).mkdir()


def _garbage(name):
    return lambda tmp: (tmp / name).write_bytes(b"\x00\xffnot a resume file" * 10)


def cases(quick: bool = False) -> list[Case]:
    """52 command lines (quick: the first 10 of a shuffled selection — every kind of mistake once)."""
    c = [
        # the launcher's own options
        _cli(["experiment", "hopfield-capacity"], names=("experiment",)),
        _cli(["--seed", "abc"], names=("--seed",)),
        _cli(["--frames", "x"], names=("--frames",)),
        _cli(["--nosuch"], names=("--nosuch",)),
        _cli(["--size", "12", "--screenshot", "{tmp}/s.png"], names=("--size",)),
        # hebbgui run MODEL
        _cli(["run"], names=("target",)),
        _cli(["run", "nosuch"], names=("nosuch",)),
        _cli(["run", "hopfield", "--steps", "0"], names=("--steps",)),
        _cli(["run", "hopfield", "--steps", "-5"], names=("--steps",)),
        _cli(["run", "hopfield", "--steps", "abc"], names=("--steps",)),
        _cli(["run", "hopfield", "--seed", "-1"], names=("seed",)),
        _cli(["run", "hopfield", "--seed", "abc"], names=("--seed",)),
        _cli(["run", "hopfield", "rows=abc"], names=("rows",)),
        _cli(["run", "hopfield", "rows=0"], names=("rows",)),
        _cli(["run", "hopfield", "rows=100000"], names=("rows",)),
        _cli(["run", "hopfield", "rows=7.5"], names=("rows",)),
        _cli(["run", "hopfield", "rows"], names=("rows",)),
        _cli(["run", "hopfield", "nosuch=1"], names=("nosuch",)),
        _cli(["run", "hopfield", "seed=3"], names=("seed",)),
        _cli(["run", "hopfield", "rule=nosuch"], names=("rule",)),
        _cli(["run", "hopfield", "temperature=nan"], names=("temperature",)),
        _cli(["run", "hopfield", "temperature=inf"], names=("temperature",)),
        _cli(["run", "hopfield", "temperature=-1"], names=("temperature",)),
        _cli(["run", "hopfield", "self_connections=maybe"], names=("self_connections",)),
        _cli(["run", "hopfield", "--quiet", "--progress"], names=("--progress", "--quiet")),
        _cli(["run", "hopfield", "--steps", "1", "--save", "{tmp}/dir.npz"], names=("dir.npz",),
             prepare=_folder("dir.npz")),
        _cli(["run", "hopfield", "--steps", "1", "--save", "{tmp}/no/such/s.npz"], names=("no/such", "folder")),
        _cli(["run", "hopfield", "--steps", "1", "--save", "/proc/s.npz"], names=("/proc",)),
        _cli(["run", "ising", "L=100000"], names=("L",)),
        _cli(["run", "ising", "T=-1"], names=("T",)),
        _cli(["run", "ising", "algorithm=glauber"], names=("algorithm",)),
        _cli(["run", "rbm", "n_hidden=10000000"], names=("n_hidden",)),
        _cli(["run", "rbm", "n_hidden=2001"], names=("n_hidden",)),
        _cli(["run", "rbm", "batch_size=0"], names=("batch_size",)),
        _cli(["run", "som", "rows=-3"], names=("rows",)),
        _cli(["run", "bam", "probe_pair=99"], names=("probe_pair",)),
        _cli(["run", "rbm-table", "n_chains=0"], names=("n_chains",)),
        _cli(["run", "dbn", "n_layers=9"], names=("n_layers",)),
        _cli(["run", "competitive", "n_units=-1"], names=("n_units",)),
        _cli(["run", "modern-hopfield", "beta=1e400"], names=("beta",)),
        _cli(["run", "hopfield"], names=("HEBBGUI_THREADS",), env={"HEBBGUI_THREADS": "abc"}),
        # hebbgui run EXPERIMENT
        _cli(["run", "rbm-mnist", "n_hidden=10000000"], names=("n_hidden",)),
        _cli(["run", "rbm-mnist", "n_hidden=2001"], names=("n_hidden",)),
        _cli(["run", "dbn-mnist", "layers=(0, 5)"], names=("layers",)),
        _cli(["run", "hopfield-capacity", "nosuch=1"], names=("nosuch",)),
        _cli(["run", "ising-sweep", "L=-4"], names=("L",)),
        _cli(["run", "ising-sweep", "n_T=10000000000"], names=("n_T",)),
        _cli(["run", "basins", "--n-jobs", "0"], names=("n_jobs", "n-jobs")),
        _cli(["run", "basins", "--resume", "{tmp}/r.bin"], names=("r.bin",), prepare=_garbage("r.bin")),
        # the good ones in between, and bench
        _cli(["run", "bam", "--steps", "2", "--save", "{tmp}/ok.npz"], "ok"),
        _cli(["bench", "no-bench-has-this-word"], "ok"),
        _cli(["bench", "--frobnicate"], names=("--frobnicate",)),
    ]
    if quick:
        picks = (0, 7, 12, 17, 25, 26, 31, 41, 48, 49)
        c = [c[i] for i in picks]
    return c
