"""Headless runs: ``hebbgui run MODEL|EXPERIMENT …`` and ``hebbgui bench``.

Everything here works without Qt: researchers drive the same engine from a shell.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from engine import registry
from engine.experiments import runner
from engine.experiments.text import format_result
from engine.model import Cancelled, params_to_dict


def _parse_value(text: str):
    """A name=value's value: a Python literal, true/false in any case (what a shell user types and
    the error messages say), else the plain word as a string."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # plain words are strings: --rule storkey


def _parse_overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"parameter {item!r} must look like name=value")
        k, v = item.split("=", 1)
        out[k.strip().replace("-", "_")] = _parse_value(v.strip())
    return out


def _progress(args, total, unit: str = "it", **kw):
    """A tqdm bar on stderr, or a disabled one (quiet: --quiet, or stderr not a terminal without
    --progress), so CI logs and pipes get the results and no bar."""
    from tqdm import tqdm   # only the commands that draw one need it
    shown = not args.quiet and (args.progress or sys.stderr.isatty())
    return tqdm(total=total, unit=unit, disable=not shown, file=sys.stderr, dynamic_ncols=True, **kw)


def plural(unit: str) -> str:
    """sweep → sweeps, minibatch → minibatches, epoch → epochs (a hard "ch")."""
    if unit.endswith("epoch"):
        return unit + "s"        # a hard "ch": not "epoches"
    return unit + ("es" if unit.endswith(("ch", "sh", "s", "x")) else "s")


def _summary(snapshot) -> dict:
    out = {}
    for k, v in snapshot.data.items():
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.number):
            continue
        if a.ndim == 0:
            out[k] = float(a)
        elif a.ndim == 1 and a.size and k not in ("state",):
            finite = a[np.isfinite(a)] if np.issubdtype(a.dtype, np.floating) else a
            if finite.size:  # the last finite value: NaN records are curve-segment breaks
                out[k + "[-1]"] = float(finite[-1])
    return out


def _tell_epochs(model, told: int, bar) -> int:
    """Print one line per epoch finished since ``told`` (the model's per-epoch arrays); the new count."""
    data = model.snapshot().data
    series = {k: np.asarray(data[k], dtype=float).ravel() for k in model.per_epoch if k in data}
    n = min((a.size for a in series.values()), default=0)
    for e in range(told, n):
        bar.write(f"epoch {e + 1}: " + "  ".join(f"{k} {a[e]:.4f}" for k, a in series.items()), file=sys.stdout)
    return max(told, n)


def cmd_run(args) -> int:
    overrides = _parse_overrides(args.param)
    target = args.target
    if target not in registry.names():
        if target not in registry.experiment_names():
            print(f"error: unknown model or experiment {target!r}; models: {registry.names()}, "
                  f"experiments: {registry.experiment_names()}", file=sys.stderr)
            return 2
        exp = registry.experiment(target)
        settings = dict(exp.defaults)
        unknown = set(overrides) - set(settings)
        if unknown:
            print(f"error: {target} has no setting(s) {sorted(unknown)}; accepts {sorted(settings)}", file=sys.stderr)
            return 2
        settings.update(overrides)
        if args.seed is not None:
            settings["seed"] = args.seed

        # An experiment reports fractions: a bar out of 1000 (tqdm counts units), its message beside it.
        with _progress(args, 1000, bar_format="{percentage:3.0f}%|{bar}| {elapsed}<{remaining} {desc}") as bar:
            def progress(fraction, message=""):
                bar.set_description_str(message[:60], refresh=False)
                bar.update(int(round(fraction * 1000)) - bar.n)
                return True
            t0 = time.perf_counter()
            res = runner.run(exp, settings, n_jobs=args.n_jobs, scheduler=args.scheduler, progress=progress,
                             resume=args.resume)
            result = res.data
        print(f"{exp.title}: done in {time.perf_counter() - t0:.1f} s\n")
        print(format_result(exp, result))   # the views' numbers as tables; --out/--save keep every value
        scalars = {k: v for k, v in result.items() if np.ndim(v) == 0 and np.issubdtype(np.asarray(v).dtype, np.number)}
        if scalars:
            print("\n" + "\n".join(f"  {k}: {float(v):.6g}" for k, v in scalars.items()))
        if args.out:
            (res.to_json if args.out.lower().endswith(".json") else res.to_csv)(args.out)
            print(f"wrote {len(next(iter(res.table.values()), []))} rows to {args.out}")
        if args.save:
            from engine.io import atomic_write_bytes
            import io as _io
            buf = _io.BytesIO()
            np.savez_compressed(buf, **{k: np.asarray(v) for k, v in result.items()})
            atomic_write_bytes(args.save, buf.getvalue())
            print(f"saved results to {args.save}")
        return 0

    cls = registry.get(target)
    params = dict(params_to_dict(cls.Params()))
    params.update(overrides)
    model = cls(params, seed=args.seed if args.seed is not None else 0)
    steps = args.steps
    chunk = max(1, steps // 100)
    t0 = time.perf_counter()
    done = 0
    epochs_told = 0
    with _progress(args, steps, unit=" " + plural(cls.unit)) as bar:
        while done < steps:
            k = min(chunk, steps - done)
            model.step(k)
            done += k
            bar.update(k)
            if cls.per_epoch:
                epochs_told = _tell_epochs(model, epochs_told, bar)
    elapsed = time.perf_counter() - t0
    print(f"{cls.title}: {steps} {plural(cls.unit)} in {elapsed:.2f} s")
    for k, v in _summary(model.snapshot()).items():
        print(f"  {k} = {v:.6g}")
    if args.save:
        from engine import io
        path = io.save(model, args.save)
        print(f"saved model to {path}")
    return 0


def bench_dir() -> Path | None:
    """tests/bench in a source checkout (benchmarks are not installed with the wheel)."""
    here = Path(__file__).resolve().parent.parent / "tests" / "bench"
    return here if here.is_dir() else None


def _fmt(v, unit=""):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if abs(v) >= 1e5 or (abs(v) < 1e-2 and v != 0):
        return f"{v:.3g} {unit}".strip()
    return f"{v:.4g} {unit}".strip()


def cmd_bench(args) -> int:
    d = bench_dir()
    if d is None:
        print("error: benchmarks live in tests/bench of a source checkout; run from a git clone", file=sys.stderr)
        return 2
    files = sorted(d.glob("bench_*.py"))
    if args.only:
        words = [f.stem.removeprefix("bench_") for f in files]
        unknown = [o for o in args.only if not any(o in w for w in words)]
        if unknown:   # an empty table would read as "nothing to measure"
            print(f"error: no benchmark matches {', '.join(map(repr, unknown))}; the benchmarks: {', '.join(words)}",
                  file=sys.stderr)
            return 2
        files = [f for f in files if any(o in f.stem for o in args.only)]
    # with --busy, measure as the window runs on a student's laptop (the thread policy's GUI setting);
    # without, the libraries' defaults unless HEBBGUI_THREADS sets the count
    from engine import threads
    n = threads.apply(gui=args.busy)
    with _busy_core() if args.busy else contextlib.nullcontext():
        rows = _run_benches(d, files, args)
    if args.busy:
        print(f"(one core kept busy by a second process; numba and BLAS limited to {n} thread(s), as in the window)")
    _print_rows(rows)
    return 0


@contextlib.contextmanager
def _busy_core():
    """A second process spinning on one core for as long as the benches run (a student's laptop is
    never idle); stopped however the benches end."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield hog
    finally:
        hog.kill()
        hog.wait()


def _run_benches(d: Path, files: list, args) -> list[dict]:
    rows = []
    sys.path.insert(0, str(d))
    try:
        benches = []
        for f in files:
            spec = importlib.util.spec_from_file_location(f"hebbgui_bench_{f.stem}", f)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            benches += [(f.stem, bench) for bench in getattr(mod, "BENCHES", [])]
        with _progress(args, len(benches), unit=" bench") as bar:
            for stem, bench in benches:
                bar.write(f"running {stem}.{bench.__name__} …", file=sys.stderr)
                try:
                    got = bench(quick=args.quick)
                except Exception as exc:  # one broken benchmark must not hide the others
                    got = [{"bench": bench.__name__, "what": f"FAILED: {exc}"}]
                rows.extend(got)
                bar.update(1)
    finally:
        sys.path.remove(str(d))
    return rows


def _print_rows(rows: list[dict]) -> None:
    widths = (34, 16, 26, 12, 22)
    head = ("benchmark", "value", "baseline (same run)", "ratio", "target")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        ratio = r.get("ratio")
        cells = (r.get("bench", "") + (": " + r["what"] if r.get("what") else ""),
                 _fmt(r.get("value"), r.get("unit", "")),
                 _fmt(r.get("baseline_value"), r.get("unit", "")) + (f" ({r['baseline']})" if r.get("baseline") else ""),
                 (f"{ratio:.1f}×" if isinstance(ratio, (int, float)) else ""),
                 r.get("target", ""))
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)))


def _progress_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--progress", action="store_true",
                   help="a progress bar even when stderr is not a terminal (a log file, a notebook)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hebbgui", description="hebbgui headless commands")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a model or an experiment headless",
                       description="Run a registered model for --steps units, or an experiment "
                                   "(e.g. ising-sweep), printing progress and results.")
    r.add_argument("target", help="model name (hopfield, ising, …) or experiment name")
    r.add_argument("param", nargs="*", help="name=value parameter overrides")
    r.add_argument("--steps", type=int, default=100, help="units of work (sweeps, minibatches…)")
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--save", default=None, help="save the model (or experiment results) to this file")
    _progress_options(r)
    r.add_argument("--n-jobs", type=int, default=1, help="experiments: local processes (-1: every core)")
    r.add_argument("--scheduler", default=None, help="experiments: a Dask scheduler address, tcp://host:port")
    r.add_argument("--out", default=None, help="experiments: write the result rows to this .csv (or .json)")
    r.add_argument("--resume", default=None,
                   help="experiments: keep finished tasks in this file; a run started again skips them")
    b = sub.add_parser("bench", help="run the benchmarks in tests/bench and print a table")
    b.add_argument("only", nargs="*", help="only bench files whose name contains one of these words")
    b.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    b.add_argument("--busy", action="store_true",
                   help="keep one core busy with a second process while benchmarking (a student's laptop)")
    _progress_options(b)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            if args.steps < 1:
                raise ValueError(f"--steps must be ≥ 1, got {args.steps}")
            return cmd_run(args)
        return cmd_bench(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder where a file was meant, no permission, a full disk…
        print(f"error: {exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for these settings; choose smaller sizes", file=sys.stderr)
        return 2
    except Cancelled:
        print("cancelled", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
