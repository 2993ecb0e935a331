"""The Model contract every runnable model implements (see DESIGN.md).

A model owns its parameters (a frozen ``Params`` dataclass whose fields carry
metadata for the GUI form) and its state, and advances in small units of work
with ``step(n)``. ``snapshot()`` returns copies for drawing; ``views()`` says
how to draw them; ``state()``/``load_state()`` round-trip everything needed to
resume, including the random generator.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from engine.validation import (check_bool, check_choice, check_pcg64_words, check_seed, check_text, check_training_set,
                               state_int)

# The value of a model's data choice (``Model.data_param``) that selects the user's own training set.
IMPORTED = "imported"

VIEW_KINDS = ("lattice", "heatmap", "curve", "image_grid", "som_grid", "bars", "scatter", "table")


# --------------------------------------------------------------------------- parameters
def param(default: Any, *, label: str, help: str = "", min: float | None = None,
          max: float | None = None, choices: tuple | None = None, step: float | None = None,
          log: bool = False, live: bool = True, marks: Mapping[str, float] | None = None,
          group: str = "", special: str = "") -> Any:
    """A Params field with the metadata the GUI builds its form from.

    ``live=False`` marks a parameter whose change needs a reset (the form says so);
    ``marks`` are named values drawn on a slider (e.g. T_c); ``group="rule"`` puts a
    choice in the rule picker; ``special`` is what the form shows at the minimum when that
    value means something else (e.g. "preset" for a 0 that takes the preset's value).
    """
    if not isinstance(special, str):
        raise ValueError(f"special must be a string (the text shown at the minimum), got {special!r}")
    meta = dict(label=label, help=help, min=min, max=max, choices=choices, step=step,
                log=log, live=live, marks=dict(marks or {}), group=group, special=special)
    return field(default=default, metadata=meta)


def param_meta(params_cls: type, name: str) -> dict:
    """The metadata dict of one Params field."""
    for f in dataclasses.fields(params_cls):
        if f.name == name:
            return dict(f.metadata)
    raise ValueError(f"{params_cls.__name__} has no parameter {name!r}")


def validate_value(params_cls: type, name: str, value: Any) -> Any:
    """Check one parameter value against its metadata; return it coerced to the field's type.

    Raises ValueError naming the parameter, what it got and what it accepts.
    """
    fields = {f.name: f for f in dataclasses.fields(params_cls)}
    if name not in fields:
        raise ValueError(f"unknown parameter {name!r}; accepts {sorted(fields)}")
    f = fields[name]
    meta = f.metadata
    default = f.default
    if meta.get("choices"):
        return check_choice(name, value, meta["choices"])
    if isinstance(default, bool):
        return check_bool(name, value)
    if isinstance(default, (int, float)):
        # The form's wording ("T must be ≤ 10, got 11"): the GUI shows it in the status line.
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if isinstance(default, int):
            if isinstance(value, (float, np.floating)) and (not math.isfinite(value) or value != int(value)):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and value < lo:
            raise ValueError(f"{name} must be ≥ {lo}, got {value!r}")
        if hi is not None and value > hi:
            raise ValueError(f"{name} must be ≤ {hi}, got {value!r}")
        return value
    if isinstance(default, str):
        return check_text(name, value)
    return value


def validate_params(params: Any) -> Any:
    """Validate every field of a Params instance; return a coerced copy."""
    changes = {f.name: validate_value(type(params), f.name, getattr(params, f.name))
               for f in dataclasses.fields(params)}
    return dataclasses.replace(params, **changes)


def params_to_dict(params: Any) -> dict:
    return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}


def params_from_dict(params_cls: type, values: Mapping[str, Any]) -> Any:
    """Build validated Params from a mapping; unknown names are an error."""
    known = {f.name for f in dataclasses.fields(params_cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for {params_cls.__qualname__}; "
                         f"accepts {sorted(known)}")
    return validate_params(params_cls(**dict(values)))


# --------------------------------------------------------------------------- views & snapshots
@dataclass(frozen=True)
class ViewSpec:
    """What to draw and how.

    key: snapshot entry holding the main data.
    kind: lattice | heatmap | curve | image_grid | som_grid | bars | scatter.
    series: more snapshot keys drawn in the same curve plot.
    labels: legend names (curves: one per series or per row of a 2-D key).
    theory: snapshot key of a (2, m) [x; y] curve drawn dashed.
    colormap: "spin" (two colours for ±1), "gray" (probabilities), "diverging", "viridis".
    paintable: the mouse paints this lattice through ``Model.paint(key, index, value)``.
    main: the large central view.
    extra: kind-specific options (e.g. {"topology": "hexagonal"} for som_grid).

    Data each kind expects in ``snapshot.data[key]``:
      lattice     (h, w) values; "spin" colours ±1 (or 0/1), "gray" a 0..1 ramp.
      heatmap     (n, m) matrix; "diverging" centres the colormap on 0 with a symmetric range;
                  extra {"x_values_key"/"y_values_key": k (m,)/(n,) cell values on labelled axes,
                  "numbers": True (values written in the cells, "digits"), "levels": (lo, hi),
                  "invert_y": bool, "overlay_key": k (2, p) [x; y] dashed curve in those values}.
      curve       1-D y (x = 0..n-1, or snapshot[x_key]) or 2-D (series, n); ``series`` adds keys;
                  extra {"labels_key": k} names the legend entries from the data.
      image_grid  (n, h, w) tiles; "diverging" scales each tile to its own symmetric range,
                  "gray" to its own min..max; extra {"columns": c} fixes the tiling.
      som_grid    (rows, cols) values on square or hexagonal cells (extra {"topology": …});
                  extra {"labels_key": k} names a (rows, cols) int array of classes (−1 none).
      bars        (k,) values or (groups, k); ``labels`` name the groups, extra {"ticks": [...]}.
      scatter     (n, 2) points; extra {"classes_key": k} colours them by an (n,) int array;
                  ``series`` keys are (m, 2) points drawn as large markers (prototypes).
      table       (rows, cols) numbers; extra {"columns": names, "row_labels_key": k (rows,) labels,
                  "footer_key": k scalar shown beside the title, "footer_label": "Z"}; a missing key
                  means "no table for these settings".
    """
    key: str
    kind: str
    title: str
    series: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    x_label: str = ""
    y_label: str = ""
    x_key: str | None = None
    theory: str | None = None
    colormap: str = ""
    paintable: bool = False
    main: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in VIEW_KINDS:
            raise ValueError(f"ViewSpec kind must be one of {VIEW_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class Snapshot:
    """A frame for the views: ``t`` in the model's step unit and COPIES of its arrays."""
    t: int
    data: dict[str, Any]
    unit: str = "step"


@dataclass(frozen=True)
class Experiment:
    """A long batch study (run headless, or in the engine thread with progress and cancel).

    ``run(settings: dict)`` is a generator function: it checks ``settings`` against ``defaults``
    (through engine.validation), yields ``(fraction, message)`` as it goes and *returns* the
    result, a dict of named arrays and numbers. Cancel is ``generator.close()`` between two
    yields, so an experiment yields at least every ~100 ms of work. ``model`` is the registry
    name of the model whose Lessons menu offers it; ``views`` say how to draw the result.
    Drive one with ``engine.experiments.runner.drive``.
    """
    name: str
    title: str
    run: Callable[..., Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    views: tuple[ViewSpec, ...] = ()
    model: str = ""


class Cancelled(Exception):
    """Raised by ``drive`` (and the worker) when a running experiment was cancelled."""


class History:
    """A capped list of floats (or fixed-length rows) for curves; drops its oldest half when full."""

    def __init__(self, cap: int = 20000, width: int | None = None):
        self.cap = int(cap)
        self.width = width
        self._data: list = []

    def append(self, value) -> None:
        self._data.append(value)
        if len(self._data) > self.cap:
            del self._data[: self.cap // 2]

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def array(self) -> np.ndarray:
        """A copy: 1-D for scalars, (width, n) for rows (series × time)."""
        if self.width is None:
            return np.asarray(self._data, dtype=np.float64)
        if not self._data:
            return np.zeros((self.width, 0))
        return np.asarray(self._data, dtype=np.float64).T.copy()

    def load(self, arr: np.ndarray) -> None:
        arr = np.asarray(arr, dtype=np.float64)
        self._data = list(arr.T) if self.width is not None and arr.ndim == 2 else list(arr)
        if self.width is not None:
            self.width = arr.shape[0] if arr.ndim == 2 else self.width


# --------------------------------------------------------------------------- RNG helpers
def rng_state_array(rng: np.random.Generator) -> np.ndarray:
    """A PCG64 generator's full state as uint64 words, so it saves in an npz."""
    st = rng.bit_generator.state
    if st["bit_generator"] != "PCG64":
        raise ValueError(f"only PCG64 generators can be saved, got {st['bit_generator']}")
    s, inc = st["state"]["state"], st["state"]["inc"]
    mask = (1 << 64) - 1
    return np.array([s >> 64, s & mask, inc >> 64, inc & mask,
                     st["has_uint32"], st["uinteger"]], dtype=np.uint64)


def rng_from_state_array(words: np.ndarray, name: str = "state['rng']") -> np.random.Generator:
    """Inverse of rng_state_array; ``name`` is the saved entry a refusal names."""
    w = check_pcg64_words(name, words)
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (w[0] << 64) | w[1], "inc": (w[2] << 64) | w[3]},
        "has_uint32": w[4], "uinteger": w[5]}
    return rng


# --------------------------------------------------------------------------- the contract
class Model:
    """Base class of every model the GUI and the CLI can run."""

    name: ClassVar[str] = ""          # registry key, e.g. "hopfield"
    title: ClassVar[str] = ""         # shown in the model list
    unit: ClassVar[str] = "step"      # what one step is: "sweep", "minibatch", "epoch"…
    default_rate: ClassVar[float | None] = None   # steps/s the GUI starts at (None = as fast as frames allow)
    max_rate: ClassVar[float | None] = None       # steps/s the GUI's "max" speed means for this model
    # Snapshot keys of 1-D arrays with one entry per training epoch (accuracy, errors): `hebbgui run`
    # prints a line each time they grow, so a long headless run reports as it goes.
    per_epoch: ClassVar[tuple[str, ...]] = ()
    Params: ClassVar[type]
    # True for models the pattern editor works with: they implement ``pattern_shape`` (rows, cols),
    # ``set_patterns(P)`` (P of 0/1 or ±1, (k, rows·cols)), ``set_probe(x)`` and put the stored set
    # in their snapshot under ``patterns_key`` as (k, rows, cols).
    pattern_editor: ClassVar[bool] = False
    patterns_key: ClassVar[str] = "patterns"
    # Models that can train on the user's own data (File → Import data, ``set_training_data``) name
    # the Params choice whose value IMPORTED selects it; ``data_labels``: they need labels.
    data_param: ClassVar[str] = ""
    data_labels: ClassVar[bool] = False

    def __init__(self, params: Any = None, *, seed: int | None = None):
        if params is None:
            params = self.Params()
        elif isinstance(params, Mapping):
            params = params_from_dict(self.Params, params)
        elif not isinstance(params, self.Params):
            raise ValueError(f"params must be a {self.Params.__qualname__} or a dict, got {type(params).__name__}")
        self.params = validate_params(params)
        self.seed = check_seed(seed)
        self.t = 0
        self.rng = np.random.default_rng(self.seed)

    # -- to override -------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Back to t = 0 with fresh random state (same seed → same run)."""
        if seed is not None:
            self.seed = check_seed(seed)
        self.t = 0
        self.rng = np.random.default_rng(self.seed)

    def step(self, n: int = 1) -> None:
        raise NotImplementedError

    def snapshot(self) -> Snapshot:
        raise NotImplementedError

    def resolved_params(self) -> dict[str, Any]:
        """For parameters left at their 'preset' value (0 or "preset"), the value in force; the form
        shows it beside the word. Models without presets return nothing."""
        return {}

    def views(self) -> list[ViewSpec]:
        """The views THIS instance fills: its preset and parameters decide (a 2-layer DBN has no
        "Layer 3"). The window rebuilds its views when the list changes after a command."""
        raise NotImplementedError

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        """Buttons the GUI shows for this model: (method name, label, tooltip).

        Each method takes no arguments, runs in the engine thread and changes the state
        (e.g. "complete" an occluded pattern, draw a new fantasy particle).
        """
        return []

    def apply_params(self, old: Any, new: Any) -> None:
        """React to a live parameter change; the default resets when a non-live field changed."""
        for f in dataclasses.fields(new):
            if not f.metadata.get("live", True) and getattr(old, f.name) != getattr(new, f.name):
                self.reset()
                return

    def extra_state(self) -> dict[str, np.ndarray]:
        """Model-specific arrays to save (weights, states, histories)."""
        return {}

    def load_extra_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Inverse of extra_state; validate shapes and raise ValueError naming the entry."""

    # -- shared behaviour --------------------------------------------------
    def with_params(self, **changes) -> "Model":
        """Validated live change; keeps the state where it still fits. Returns self."""
        if not changes:
            return self
        checked = {k: validate_value(self.Params, k, v) for k, v in changes.items()}
        old = self.params
        new = dataclasses.replace(old, **checked)
        if self.data_param and getattr(new, self.data_param) == IMPORTED != getattr(old, self.data_param):
            self.imported_data()   # the imported choice with no set yet: refused before any rebuild
        self.params = new
        try:
            self.apply_params(old, new)
        except Exception:
            self.params = old
            raise
        return self

    def state(self) -> dict[str, np.ndarray]:
        st = {"t": np.array(self.t, dtype=np.int64), "rng": rng_state_array(self.rng)}
        if self.uses_imported_data():   # the user's training set travels with the session
            x, y = self.imported_data()
            st["imported_x"] = x.copy()
            st["imported_y"] = np.zeros(0, dtype=np.int64) if y is None else y.copy()
        st.update({k: np.array(v, copy=True) for k, v in self.extra_state().items()})
        return st

    def load_state(self, state: Mapping[str, np.ndarray]) -> None:
        for key in ("t", "rng"):
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
        t = state_int(state, "t", 0)
        rng = rng_from_state_array(state["rng"])
        if "imported_x" in state:   # rebuilt on the saved training set first; the state then fits it
            self.set_training_data(state["imported_x"], state.get("imported_y"))
        self.load_extra_state({k: v for k, v in state.items() if k not in ("t", "rng", "imported_x", "imported_y")})
        self.t = int(t)
        self.rng = rng

    # -- the user's own training set ------------------------------------------
    def uses_imported_data(self) -> bool:
        """Whether the model trains on an imported set now (its data choice is IMPORTED)."""
        return bool(self.data_param) and getattr(self.params, self.data_param) == IMPORTED

    def imported_data(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The imported training set (x, y or None); ValueError when there is none yet."""
        data = getattr(self, "_imported", None)
        if data is None:
            raise ValueError(f"{self.data_param}={IMPORTED!r} needs a data set: import one first (File → Import "
                             "data, or model.set_training_data(x, y))")
        return data

    def set_training_data(self, x: Any, y: Any = None) -> None:
        """Train on the user's own data from now on: x (n, features) or (n, rows, cols), y (n,) labels
        or None. The data choice becomes IMPORTED and the model is rebuilt on it (t = 0). A set the
        model cannot use is a ValueError saying what it needs, and the model is kept as it was."""
        if not self.data_param:
            raise ValueError(f"{self.title or type(self).__name__} trains on no data set of yours "
                             "(it stores patterns, or trains on its built-in data only)")
        data = check_training_set(x, y, labels=self.data_labels)
        self.check_training_data(*data)
        old, params, saved = getattr(self, "_imported", None), self.params, self.state()
        self._imported = data
        try:
            if self.uses_imported_data():
                self.reset()
            else:
                self.with_params(**{self.data_param: IMPORTED})
        except Exception as exc:
            # a rebuild may still fail halfway (the data do not suit the settings): the model as it was
            self._imported = old
            try:
                type(self).__init__(self, params, seed=self.seed)
                self.load_state(saved)
            except Exception:
                raise exc from None   # the reason the set was refused, not the restore's
            raise

    @classmethod
    def trains_on_data(cls, values: Mapping[str, Any]) -> bool:
        """Whether, with these parameter values, an import is the model's training set (File → Import
        data asks this; a pattern-editor model's import is its patterns unless it says otherwise)."""
        return bool(cls.data_param) and not cls.pattern_editor

    def check_training_data(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """A family's own checks of an imported set (its size, the labels it can learn), before
        anything changes; ValueError saying what the model needs."""

    def paint(self, key: str, index: np.ndarray, value: float) -> None:
        """Set units of a paintable lattice view (flat indices) to value (+1 on, −1 off)."""
        raise ValueError(f"{self.title or type(self).__name__} has no paintable view {key!r}")

    def kernel_seed(self) -> int:
        """A fresh seed for a numba kernel's own RNG, drawn from the model's generator."""
        return int(self.rng.integers(1, 2**62))
