"""Lessons: the seeds' worked examples as data files, each one a model set up exactly, with a text.

A lesson is a JSON file in ``resources/lessons/`` (or a folder in ``HEBBGUI_LESSONS``, separated by
the OS path separator): ``NNN-name.json``, where the number gives the course order and ``name`` is
what ``names()``, ``info()``, ``start()`` and ``hebbgui --lesson`` take. Adding a lesson is adding a
file; the format is in docs/ARCHITECTURE.md ("Lessons"). Every file is checked against its model's
Params when it is read: an unknown key or a bad value is a ValueError naming the file.

    lessons.names()                          # every lesson, in course order
    lessons.info("hopfield-tu-recall")       # a Lesson: title, section, text, model, steps…
    m = lessons.start("hopfield-tu-recall")  # the model set up exactly as the lesson says
    lessons.run_step(m, "hopfield-tu-recall", 0)   # what its first step button does
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import registry
from engine.model import Model, params_from_dict, validate_value
from engine.validation import check_choice, check_fraction, check_int, check_keys, check_seed, check_text

ENV_FOLDERS = "HEBBGUI_LESSONS"
_FILE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)\.json$")
LESSON_KEYS = ("title", "model", "section", "text", "params", "seed", "patterns", "probe", "views", "steps")
STEP_KINDS = ("params", "action", "probe", "patterns", "update_units", "play", "reset", "experiment")
PATTERN_KINDS = ("letters", "preset", "mnist", "random", "values")
MAX_LESSON_BYTES = 1 << 20

# A command as the replay log and the engine thread know it: (op, args, kwargs), see engine.replay.apply.
Command = tuple[str, tuple, dict]


@dataclass(frozen=True)
class Step:
    """A button in the lesson's text: its label and the commands it gives."""
    label: str
    tooltip: str
    commands: tuple[Command, ...]
    experiment: str = ""     # a registered experiment the button opens (the window's dialog), no command


@dataclass(frozen=True)
class Lesson:
    """One lesson file, checked. ``setup`` are the commands ``start`` gives after building the model."""
    name: str
    path: Path
    order: int
    title: str
    model: str
    section: str
    text: str
    params: dict
    seed: int
    views: tuple[str, ...]
    setup: tuple[Command, ...]
    steps: tuple[Step, ...]


# --------------------------------------------------------------------------- finding the files
def folders() -> list[Path]:
    """Where lessons are read from: resources/lessons, then each folder in $HEBBGUI_LESSONS."""
    from engine.resources import resource_dir
    out = [resource_dir() / "lessons"]
    out += [Path(p) for p in os.environ.get(ENV_FOLDERS, "").split(os.pathsep) if p]
    return out


def _files() -> dict[str, tuple[int, Path]]:
    found: dict[str, tuple[int, Path]] = {}
    for folder in folders():
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            m = _FILE.match(p.name)
            if m:   # a later folder's lesson of the same name replaces the built-in one
                found[m.group(2)] = (int(m.group(1)), p)
    return found


def names() -> list[str]:
    """Every lesson's name, in course order (the number its file name starts with). Reads no file."""
    files = _files()
    return sorted(files, key=lambda n: (files[n][0], n))


# --------------------------------------------------------------------------- reading and checking
def _path(name: str | os.PathLike) -> Path:
    path = Path(name)
    if path.suffix != ".json":
        files = _files()
        if name not in files:
            raise ValueError(f"unknown lesson {name!r}; accepts {names()}")
        path = files[name][1]
    return path


def _read(path: Path, check: bool):
    """The file's JSON (``check``: the checked Lesson); every problem a ValueError naming the file."""
    m = _FILE.match(path.name)
    try:
        if m is None:
            raise ValueError("the file name must look like 120-my-lesson.json (order number, dash, name)")
        if path.stat().st_size > MAX_LESSON_BYTES:
            raise ValueError(f"is larger than {MAX_LESSON_BYTES} bytes")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON ({exc})") from None
        if not check:
            return _text(raw["title"], "title") if isinstance(raw, dict) and "title" in raw else path.stem
        return _check(m.group(2), int(m.group(1)), path, raw)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"lesson {path.name}: {exc}") from None


def info(name: str | os.PathLike) -> Lesson:
    """The lesson ``name`` (or the lesson file at a path), checked; ValueError naming the file."""
    return _read(_path(name), check=True)


def title(name: str | os.PathLike) -> str:
    """Only the lesson's title, read without checking the rest (menus list lessons with it; nothing
    is imported, so listing the course loads no model)."""
    return _read(_path(name), check=False)


def for_model(model: str) -> list[str]:
    """The lessons (course order) whose model is ``model``, read without checking the rest; a file
    that cannot be read is left out (showing it says what is wrong)."""
    found = []
    for name in names():
        try:
            raw = json.loads(_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(raw, dict) and raw.get("model") == model:
            found.append(name)
    return found


def _text(value: Any, what: str) -> str:
    """Text given as one string or a list of lines (easier to write in JSON)."""
    if isinstance(value, list):
        value = "\n".join(check_text(what, v) for v in value)
    return check_text(what, value, allow_empty=False)


def _check(name: str, order: int, path: Path, raw: Any) -> Lesson:
    if not isinstance(raw, dict):
        raise ValueError(f"must hold a JSON object, got {type(raw).__name__}")
    check_keys("lesson", raw, LESSON_KEYS)
    for key in ("title", "model", "section", "text"):
        if key not in raw:
            raise ValueError(f"is missing {key!r}")
    model_name = check_text("model", raw["model"], allow_empty=False)
    if model_name not in registry.names():
        raise ValueError(f"model must be one of {registry.names()}, got {model_name!r}")
    cls = registry.get(model_name)
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ValueError(f"params must be an object, got {params!r}")
    checked = params_from_dict(cls.Params, params)   # unknown names and bad values are errors
    seed = check_seed(raw.get("seed", 0))
    if seed is None:
        raise ValueError("seed must be a whole number (a lesson starts the same way every time)")
    views = raw.get("views", [])
    if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
        raise ValueError(f"views must be a list of view keys, got {views!r}")
    shape = (checked.rows, checked.cols) if cls.pattern_editor and hasattr(checked, "rows") else None
    setup = []
    if "patterns" in raw:
        setup += _commands(cls, {"patterns": raw["patterns"]}, shape, seed, "patterns")
    if "probe" in raw:
        setup += _commands(cls, {"probe": raw["probe"]}, shape, seed, "probe", raw.get("patterns"))
    steps = []
    for i, s in enumerate(raw.get("steps", [])):
        if not isinstance(s, dict):
            raise ValueError(f"steps[{i}] must be an object, got {s!r}")
        check_keys(f"steps[{i}]", s, ("label", "tooltip") + STEP_KINDS)
        label = check_text(f"steps[{i}].label", s.get("label", ""), allow_empty=False)
        body = {k: v for k, v in s.items() if k in STEP_KINDS}
        if not body:
            raise ValueError(f"steps[{i}] ({label!r}) does nothing; give one of {list(STEP_KINDS)}")
        cmds = _commands(cls, body, shape, seed, f"steps[{i}]", raw.get("patterns"))
        steps.append(Step(label, check_text(f"steps[{i}].tooltip", s.get("tooltip", "")), tuple(cmds),
                          body.get("experiment", "")))
    return Lesson(name, path, order, _text(raw["title"], "title"), model_name, _text(raw["section"], "section"),
                  _text(raw["text"], "text"), dict(params), seed, tuple(views), tuple(setup), tuple(steps))


def _commands(cls: type, body: dict, shape, seed: int, where: str, lesson_patterns=None) -> list[Command]:
    """The engine commands of a step body (in STEP_KINDS order), checked against the model class."""
    out: list[Command] = []
    for kind in STEP_KINDS:
        if kind not in body:
            continue
        value = body[kind]
        if kind == "params":
            if not isinstance(value, dict) or not value:
                raise ValueError(f"{where}.params must be a non-empty object, got {value!r}")
            out.append(("set_params", (), {k: validate_value(cls.Params, k, v) for k, v in value.items()}))
        elif kind == "action":
            known = [a[0] for a in cls.actions()]
            if value not in known:
                raise ValueError(f"{where}.action must be one of {known} ({cls.title}), got {value!r}")
            out.append(("call", (value,), {}))
        elif kind == "play":
            out.append(("step", (check_int(f"{where}.play", value, 1, 10**7),), {}))
        elif kind == "reset":
            out.append(("reset", (check_seed(value, f"{where}.reset"),), {}))
        elif kind == "experiment":   # opened by the window; checked here, no engine command
            check_choice(f"{where}.experiment", value, registry.experiment_names())
        elif kind == "update_units":   # units updated one by one in a given order (a hand-worked recall)
            if shape is None or not callable(getattr(cls, "update_units", None)):
                raise ValueError(f"{where}.update_units: {cls.title} cannot update chosen units (hopfield can)")
            n = shape[0] * shape[1]
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, int) and not isinstance(v, bool) and 0 <= v < n for v in value):
                raise ValueError(f"{where}.update_units must be a non-empty list of unit indices 0…{n - 1} "
                                 f"(from 0: the seeds' unit 1 is 0), got {value!r}")
            out.append(("call", ("update_units", list(value)), {}))
        else:
            if shape is None:
                raise ValueError(f"{where}.{kind}: {cls.title} takes no patterns (they need a pattern-editor "
                                 "model with rows and cols, e.g. hopfield)")
            if kind == "patterns":
                out.append(("call", ("set_patterns", pattern_set(value, shape, seed, f"{where}")), {}))
            else:
                if lesson_patterns is None:
                    raise ValueError(f"{where}.probe needs the lesson's \"patterns\"")
                out.append(("call", ("set_probe", probe(value, pattern_set(lesson_patterns, shape, seed,
                                                                           "patterns"), shape, seed, where)), {}))
    return out


def pattern_set(spec: Any, shape: tuple[int, int], seed: int, where: str = "patterns") -> np.ndarray:
    """A lesson's patterns, (k, rows, cols) 0/1 uint8, from one of:
    {"letters": "TU"} the letter glyphs that fit the grid (3×3: the seeds' T U C L H);
    {"preset": "letters"|"digits"|"mnist", "names": [...]} the pattern editor's presets (all, or those named);
    {"mnist": k} the first k MNIST training images binarised x > 0, as the seeds do (28×28 grids);
    {"random": k} k random patterns, half the units on (drawn with the lesson's seed);
    {"values": [[0, 1, …], …]} given rows·cols 0/1 values per pattern."""
    from engine import datasets
    rows, cols = shape
    if not isinstance(spec, dict) or len(spec) not in (1, 2) or not (set(spec) & set(PATTERN_KINDS)):
        raise ValueError(f"{where} must be one of {[{k: '…'} for k in PATTERN_KINDS]}, got {spec!r}")
    if "letters" in spec or "preset" in spec:
        check_keys(where, spec, ("letters",) if "letters" in spec else ("preset", "names"))
        preset = "letters" if "letters" in spec else spec["preset"]
        images, labels = datasets.preset_patterns(preset, shape)
        wanted = list(check_text(f"{where}.letters", spec["letters"], allow_empty=False)) if "letters" in spec \
            else spec.get("names", labels)
        if not isinstance(wanted, list) or not wanted:
            raise ValueError(f"{where}.names must be a non-empty list of pattern names, got {wanted!r}")
        missing = [w for w in wanted if w not in labels]
        if missing:
            raise ValueError(f"{where}: {missing} not among the {preset} patterns of a {rows}×{cols} grid {labels}")
        return images[[labels.index(w) for w in wanted]]
    check_keys(where, spec, PATTERN_KINDS)
    if "mnist" in spec:
        k = check_int(f"{where}.mnist", spec["mnist"], 1, 1000)
        if shape != (28, 28):
            raise ValueError(f"{where}.mnist needs a 28×28 grid (rows and cols 28), got {rows}×{cols}")
        images, _ = datasets.load_mnist("train", k)
        return (np.asarray(images).reshape(k, 28, 28) > 0).astype(np.uint8)
    if "random" in spec:
        k = check_int(f"{where}.random", spec["random"], 1, 10000)
        return (np.random.default_rng(seed).random((k, rows, cols)) < 0.5).astype(np.uint8)
    values = np.asarray(spec["values"])
    if values.ndim != 2 or values.shape[1] != rows * cols or not np.isin(values, (0, 1)).all():
        raise ValueError(f"{where}.values must be rows of {rows * cols} zeros and ones, got shape {values.shape}")
    return values.reshape(-1, rows, cols).astype(np.uint8)


def probe(spec: Any, patterns: np.ndarray, shape: tuple[int, int], seed: int, where: str = "probe") -> np.ndarray:
    """A probe (rows, cols) 0/1: {"pattern": i} one of the lesson's patterns, then optionally
    "noise": fraction of units flipped (drawn with the lesson's seed), "occlude_from_row": r (rows r…
    set off, the seeds' MNIST corruption); or {"values": [...]} rows·cols 0/1 values."""
    from engine import patterns as pat
    if not isinstance(spec, dict):
        raise ValueError(f"{where}.probe must be an object, got {spec!r}")
    check_keys(f"{where}.probe", spec, ("pattern", "noise", "occlude_from_row", "values"))
    if "values" in spec:
        return pattern_set({"values": [spec["values"]]}, shape, seed, f"{where}.probe")[0]
    x = patterns[check_int(f"{where}.probe.pattern", spec.get("pattern", 0), 0, len(patterns) - 1)].copy()
    if "occlude_from_row" in spec:
        r = check_int(f"{where}.probe.occlude_from_row", spec["occlude_from_row"], 0, shape[0] - 1)
        x[r:, :] = 0
    if "noise" in spec:
        frac = check_fraction(f"{where}.probe.noise", spec["noise"])
        x = pat.flip_noise(x.reshape(-1), frac, seed=seed).reshape(shape).astype(np.uint8)
    return x


# --------------------------------------------------------------------------- running
def start(name: str | os.PathLike) -> Model:
    """A new model set up exactly as the lesson says (parameters, seed, patterns, probe)."""
    return start_recorded(name).model


def start_recorded(name: str | os.PathLike):
    """``start``, recorded: a ``replay.Recorder`` of the fresh model whose log begins with the lesson's
    set-up commands, so a saved run stores the lesson's patterns as commands, not a state's arrays."""
    from engine.replay import Recorder
    lesson = info(name)
    rec = Recorder(registry.create(lesson.model, lesson.params, seed=lesson.seed))
    for op, args, kwargs in lesson.setup:
        rec.command(op, args, kwargs)
    keys = [v.key for v in rec.model.views()]
    unknown = [v for v in lesson.views if v not in keys]
    if unknown:
        raise ValueError(f"lesson {lesson.path.name}: views {unknown} are not among {lesson.model}'s {keys}")
    return rec


def run_step(model: Model, name: str | os.PathLike, index: int) -> None:
    """Give ``model`` the commands of the lesson's step button ``index``."""
    from engine.replay import apply
    lesson = info(name)
    if not lesson.steps:
        raise ValueError(f"lesson {lesson.path.name} has no step buttons")
    index = check_int("index", index, 0, len(lesson.steps) - 1)
    for op, args, kwargs in lesson.steps[index].commands:
        apply(model, op, args, kwargs)
