"""A tiny model used to test the GUI shell without any real model's numerics."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from engine import interrupt
from engine.model import Experiment, History, Model, Snapshot, ViewSpec, param
from engine.validation import check_array


@dataclass(frozen=True)
class ToyParams:
    size: int = param(16, label="size", min=2, max=64, live=False, help="lattice side")
    rate: float = param(0.1, label="flip rate", min=0.0, max=1.0, help="fraction flipped per step")
    mode: str = param("a", label="mode", choices=("a", "b"), group="rule", help="a rule choice")
    slow_ms: float = param(0.0, label="step cost ms", min=0.0, max=10000.0,
                           help="sleep per step, in 10 ms chunks that look at stop requests (engine/interrupt.py)")
    build_ms: float = param(0.0, label="build cost ms", min=0.0, max=10000.0, live=False,
                            help="sleep per build (construction, reset, a rebuilding change), halfway through it, in "
                                 "10 ms chunks that look at stop requests: a build closing interrupts")
    deaf: bool = param(False, label="ignores stop", help="the sleep never looks at stop requests (a plug-in that does not)")
    busy_us: float = param(0.0, label="Python work µs", min=0.0, max=100000.0,
                           help="pure-Python work per step, holding the GIL (a model with cheap kernel calls)")
    weights_view: bool = param(True, label="weights view",
                               help="show the weights heatmap (a view list that follows the parameters)")


class ToyModel(Model):
    name = "toy"
    title = "Toy"
    unit = "step"
    Params = ToyParams
    built_in: list = []   # the name of the thread each instance was built in (never the GUI's)

    def __init__(self, params=None, *, seed=None):
        ToyModel.built_in.append(threading.current_thread().name)
        super().__init__(params, seed=seed)
        self.reset(seed)

    def reset(self, seed=None):
        super().reset(seed)
        n = self.params.size
        self.spins = np.where(self.rng.random((n, n)) < 0.5, 1, -1).astype(np.int8)
        if self.params.build_ms:   # halfway: spins of the new size, the rest still the old model's
            self._sleep(self.params.build_ms / 1000)
        self.weights = np.zeros((n, n))
        self.magnet = History()
        self.magnet.append(float(self.spins.mean()))

    def step(self, n=1):
        for _ in range(n):
            if self.params.slow_ms:
                self._sleep(self.params.slow_ms / 1000)
            if self.params.busy_us:
                end = time.perf_counter() + self.params.busy_us / 1e6
                while time.perf_counter() < end:
                    pass
            flip = self.rng.random(self.spins.shape) < self.params.rate
            self.spins[flip] *= -1
            self.t += 1
            self.magnet.append(float(self.spins.mean()))

    def _sleep(self, seconds: float) -> None:
        """The step's cost; the state changes after it, so an interrupted step leaves the last whole one."""
        if self.params.deaf:
            time.sleep(seconds)
            return
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            interrupt.check()
            time.sleep(min(left, 0.01))

    def snapshot(self):
        return Snapshot(self.t, {"spins": self.spins.copy(), "weights": self.weights.copy() + self.params.rate,
                                 "magnetization": self.magnet.array()}, self.unit)

    def views(self):
        weights = [ViewSpec("weights", "heatmap", "Weights", colormap="diverging")] if self.params.weights_view else []
        return [ViewSpec("spins", "lattice", "Spins", main=True, paintable=True, colormap="spin"), *weights,
                ViewSpec("magnetization", "curve", "Magnetization", y_label="m")]

    @classmethod
    def actions(cls):
        return [("fail", "Fail", "raises an error"), ("invert", "Invert", "flip every spin")]

    def fail(self):
        self.spins[:] = 1  # a half-done change that must be rolled back
        raise ValueError("toy failure on purpose")

    def invert(self):
        self.spins *= -1

    def paint(self, key, index, value):
        if key != "spins":
            return super().paint(key, index, value)
        idx = check_array("index", index, ndim=1, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.spins.size):
            raise ValueError(f"index out of range 0..{self.spins.size - 1}")
        self.spins.reshape(-1)[idx] = 1 if value > 0 else -1

    def extra_state(self):
        return {"spins": self.spins, "magnet": self.magnet.array()}

    def load_extra_state(self, state):
        s = check_array("spins", state["spins"], dtype=np.int8)
        if s.shape != (self.params.size, self.params.size):
            raise ValueError(f"spins has shape {s.shape}, expected {(self.params.size,) * 2}")
        self.spins = s.copy()
        self.magnet.load(state["magnet"])


def _toy_sweep(settings):
    """A toy experiment: yields progress, returns x and x² (the GUI tests' experiment)."""
    n = int(settings.get("n", 50))
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    xs = []
    for i in range(n):
        time.sleep(float(settings.get("sleep", 0.01)))
        xs.append(i * i)
        yield (i + 1) / n, f"{i + 1}/{n}"
    return {"x": np.arange(n, dtype=float), "y": np.array(xs, dtype=float)}


TOY_EXPERIMENT = Experiment("toy-sweep", "Toy sweep", _toy_sweep, {"n": 50, "sleep": 0.01},
                            (ViewSpec("y", "curve", "y against x", x_key="x"),), model="toy")


class ToyPatternModel(ToyModel):
    """The toy with the pattern-editor protocol (engine/model.py), its stored set under its own key."""
    name = "toy-patterns"
    title = "Toy patterns"
    pattern_editor = True
    patterns_key = "stored"

    def reset(self, seed=None):
        super().reset(seed)
        self.stored = np.ones((1, self.spins.size), dtype=np.int8)

    @property
    def pattern_shape(self):
        return self.spins.shape

    def set_patterns(self, patterns):
        self.stored = check_array("patterns", patterns, ndim=2, shape=(None, self.spins.size), values="bipolar",
                                  dtype=np.int8)

    def set_probe(self, x):
        self.spins = check_array("x", x, shape=(self.spins.size,), values="bipolar", dtype=np.int8).reshape(
            self.spins.shape).copy()

    def snapshot(self):
        snap = super().snapshot()
        snap.data["stored"] = self.stored.reshape(-1, *self.spins.shape).astype(np.float64)
        return snap


class ToyPartialModel(ToyModel):
    """The toy whose weights view is listed but gets no data (as a real model's image grid for 2-D
    points): the window takes that view out of its layout and hides it."""
    name = "toy-partial"
    title = "Toy partial"

    def snapshot(self):
        snap = super().snapshot()
        del snap.data["weights"]
        return snap


class ToySlowBuildModel(ToyModel):
    """The toy whose build takes 5 s unless told otherwise (a model opened at heavy settings): closing
    must interrupt it."""
    name = "toy-slow-build"
    title = "Toy slow build"

    def __init__(self, params=None, *, seed=None):
        super().__init__({"build_ms": 5000.0} if params is None else params, seed=seed)
