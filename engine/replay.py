"""Replayable runs: a ``Recorder`` logs every command given to a model, a replay repeats it exactly.

A run is its start (registry name, parameters, seed, initial state) and a log of commands, each
with the model's ``t`` when it was given: ``step`` (n, and how many such calls in a row), ``set_params``
(the changes), ``call`` (a model method — an action, ``set_patterns``, ``set_probe``, ``paint`` — with
its arguments) and ``reset`` (seed). Saved as JSON with no frames: a run started from a fresh model
(what ``registry.create(name, params, seed=seed)`` builds) stores no arrays at all; one started from
anything else (a model restored mid-run, a lesson's patterns) embeds its initial state as a
compressed npz in base64. Digests (SHA-256 of every state array) of the initial and final states make
a replay that diverged an error, not a silent difference.

    rec = Recorder(model); rec.step(10); rec.set_params(rule="storkey"); rec.step(5); rec.save("run.json")
    model2 = replay("run.json")        # state identical to model's, or ValueError
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from engine import registry
from engine.model import Model, params_to_dict
from engine.validation import check_choice, check_int, check_keys, check_seed, check_text

FORMAT = "hebbgui-run"
VERSION = 1
OPS = ("step", "set_params", "call", "reset")
MAX_RUN_BYTES = 256 * 2**20   # a run file larger than this is refused before it is parsed


# --------------------------------------------------------------------------- the commands
def apply(model: Model, op: str, args: tuple = (), kwargs: Mapping[str, Any] | None = None) -> None:
    """Give ``model`` one command of the log's vocabulary (step, set_params, call, reset)."""
    kwargs = dict(kwargs or {})
    check_choice("op", op, OPS)
    if op == "step":
        model.step(*args, **kwargs)
    elif op == "set_params":
        model.with_params(**kwargs)
    elif op == "reset":
        model.reset(*args, **kwargs)
    else:
        method = check_text("method", args[0] if args else "", allow_empty=False)
        fn = None if method.startswith("_") else getattr(model, method, None)
        if not callable(fn):
            raise ValueError(f"{type(model).__name__} has no command {method!r}")
        fn(*args[1:], **kwargs)


def _encode(value: Any) -> Any:
    """A command argument as JSON: arrays as {"array", "dtype", "shape"}; refuses what JSON cannot hold."""
    if isinstance(value, np.ndarray):
        return {"array": value.reshape(-1).tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"dict": {str(k): _encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"cannot record an argument of type {type(value).__name__} ({value!r:.60})")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"array", "dtype", "shape"}:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "biuf":
                raise ValueError(f"a recorded array must be numeric, got dtype {dtype}")
            return np.asarray(value["array"], dtype=dtype).reshape([int(s) for s in value["shape"]])
        if set(value) == {"dict"}:
            return {k: _decode(v) for k, v in value["dict"].items()}
        raise ValueError(f"a recorded argument has keys {sorted(value)}; accepts an array or a dict")
    return value


# --------------------------------------------------------------------------- states
def state_digest(state: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over every array of a model state (name, dtype, shape and bytes), in name order."""
    h = hashlib.sha256()
    for key in sorted(state):
        a = np.ascontiguousarray(state[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _state_to_text(state: Mapping[str, np.ndarray]) -> str:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in state.items()})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _state_from_text(text: str) -> dict[str, np.ndarray]:
    from engine.archive import max_data_bytes, read_npz   # bounded: a crafted file cannot inflate unchecked
    data = base64.b64decode(check_text("initial state", text).encode("ascii"), validate=True)
    return read_npz(io.BytesIO(data), lambda name: max_data_bytes(), "the run's initial state")


# --------------------------------------------------------------------------- recording
class Recorder:
    """Drives ``model`` and logs each command with the step it happened at (see the module docstring).

    Use its ``step``/``set_params``/``call``/``reset`` instead of the model's: a command is logged
    only when it succeeded. ``save(path)`` writes the run; ``replay(path)`` repeats it.
    """

    def __init__(self, model: Model):
        if not isinstance(model, Model) or not model.name:
            raise ValueError(f"model must be a registered Model, got {type(model).__name__}")
        self.model = model
        self.start = {"model": model.name, "params": params_to_dict(model.params), "seed": model.seed,
                      "t": int(model.t)}
        self._initial_state = model.state()      # compared with a fresh model's when saved
        self.log: list[dict] = []
        self.problem = ""                         # why the log cannot be replayed ("" when it can)

    # -- commands ----------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """``model.step(n)``, logged (consecutive equal steps share one entry with a repeat count)."""
        n = check_int("n", n, 1)
        t = int(self.model.t)
        self.model.step(n)
        last = self.log[-1] if self.log else None
        if last is not None and last["op"] == "step" and last["n"] == n:
            last["repeat"] += 1
        else:
            self.log.append({"t": t, "op": "step", "n": n, "repeat": 1})

    def set_params(self, **changes: Any) -> None:
        """``model.with_params(**changes)``, logged."""
        self.command("set_params", (), changes)

    def call(self, method: str, *args: Any, **kwargs: Any) -> None:
        """A model method (an action, set_patterns, set_probe, paint…), logged with its arguments."""
        self.command("call", (method,) + args, kwargs)

    def reset(self, seed: int | None = None) -> None:
        """``model.reset(seed)``, logged."""
        self.command("reset", (check_seed(seed),), {})

    def command(self, op: str, args: tuple = (), kwargs: Mapping[str, Any] | None = None) -> None:
        """Apply one command (see ``apply``) and log it once it has succeeded."""
        if op == "step":
            self.step(*args, **dict(kwargs or {}))
            return
        t = int(self.model.t)
        apply(self.model, op, args, kwargs)
        try:
            entry = {"t": t, "op": op, "args": _encode(list(args)),
                     "kwargs": {str(k): _encode(v) for k, v in dict(kwargs or {}).items()}}
        except ValueError as exc:
            self.problem = self.problem or f"{op} at t = {t}: {exc}"
            return
        self.log.append(entry)

    # -- saving ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The run as plain JSON data (see the module docstring)."""
        name, params, seed = self.start["model"], self.start["params"], self.start["seed"]
        initial: dict[str, Any] = {"digest": state_digest(self._initial_state), "t": self.start["t"]}
        try:
            fresh = registry.create(name, params, seed=seed)
            same = seed is not None and state_digest(fresh.state()) == initial["digest"]
        except Exception:   # this version cannot rebuild it from its parameters: embed the state
            same = False
        if not same:
            initial["state"] = _state_to_text(self._initial_state)
        return {"format": FORMAT, "version": VERSION, "model": name, "params": params, "seed": seed,
                "initial": initial, "log": [dict(e) for e in self.log], "problem": self.problem,
                "final": {"t": int(self.model.t), "digest": state_digest(self.model.state())}}

    def save(self, path) -> Path:
        """Write the run as JSON (atomically); returns the path."""
        from engine.io import atomic_write_bytes
        path = Path(path)
        run = self.to_dict()
        log = run.pop("log")
        # one log entry a line: small (a long play logs an entry per chunk of steps) and still readable
        head = json.dumps(run, indent=1)[:-2]
        lines = ",\n  ".join(json.dumps(e, separators=(",", ":")) for e in log)
        atomic_write_bytes(path, f'{head},\n "log": [\n  {lines}\n ]\n}}\n'.encode("utf-8"))
        return path


# --------------------------------------------------------------------------- replaying
def load(path) -> dict:
    """Read and check a saved run; ValueError naming the file and the problem."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_RUN_BYTES:
            raise ValueError(f"is larger than {MAX_RUN_BYTES // 2**20} MiB")
        run = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(run, dict) or run.get("format") != FORMAT:
            raise ValueError(f"is not a hebbgui run (no \"format\": \"{FORMAT}\")")
        check_keys("run", run, ("format", "version", "model", "params", "seed", "initial", "log", "problem",
                                "final"))
        check_int("version", run.get("version"), 1, VERSION)
        if run.get("problem"):
            raise ValueError(f"cannot be replayed: {run['problem']}")
        for entry in run.get("log", []):
            check_choice("log op", entry.get("op"), OPS)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"run {p.name}: {exc}") from None
    return run


def replay_iter(path_or_run):
    """Yield ``(entry, model)`` before the first entry (``entry`` None) and after each step call and
    command of the log; checks the initial and final digests (ValueError when they differ)."""
    run = path_or_run if isinstance(path_or_run, dict) else load(path_or_run)
    model = registry.create(run["model"], run["params"], seed=run["seed"])
    initial = run["initial"]
    if "state" in initial:
        model.load_state(_state_from_text(initial["state"]))
    if state_digest(model.state()) != initial["digest"]:
        raise ValueError(f"replay: {model.title} starts in a different state than the recorded run "
                         "(this version builds it differently)")
    yield None, model
    for entry in run["log"]:
        if entry["op"] == "step":
            for _ in range(check_int("repeat", entry["repeat"], 1)):
                model.step(entry["n"])
                yield entry, model
        else:
            kwargs = {k: _decode(v) for k, v in dict(entry["kwargs"]).items()}
            apply(model, entry["op"], tuple(_decode(entry["args"])), kwargs)
            yield entry, model
    final = run["final"]
    if int(model.t) != final["t"] or state_digest(model.state()) != final["digest"]:
        raise ValueError(f"replay diverged: the {model.title} run ends at t = {model.t} in a different "
                         f"state than the recorded one (t = {final['t']})")


def replay(path_or_run, on_step: Callable[[dict | None, Model], None] | None = None) -> Model:
    """A new Model in the state the recorded run ended in (``on_step(entry, model)`` sees each step)."""
    model = None
    for entry, model in replay_iter(path_or_run):
        if on_step is not None:
            on_step(entry, model)
    return model


def resume(path_or_run) -> Recorder:
    """Replay a run and go on recording it: the new Recorder starts where the run started, its log
    holds the replayed commands, so saving again gives the whole run."""
    run = path_or_run if isinstance(path_or_run, dict) else load(path_or_run)
    rec = None
    for entry, model in replay_iter(run):
        if entry is None:
            rec = Recorder(model)   # the start as recorded; the replay below drives the same model
    rec.log = [dict(e) for e in run["log"]]
    return rec
