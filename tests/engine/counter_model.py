"""A tiny Model used by the engine's contract, registry and io tests (no numerics of its own)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.model import History, Model, Snapshot, ViewSpec, param
from engine.validation import state_entry


@dataclass(frozen=True)
class CounterParams:
    increment: int = param(1, label="Increment", min=1, max=10)
    gain: float = param(0.5, label="Gain", min=0.0, max=2.0)
    direction: str = param("up", label="Direction", choices=("up", "down"))
    noisy: bool = param(False, label="Noise", help="add N(0, 1) noise each tick")
    size: int = param(4, label="Size", min=1, max=64, live=False)


class CounterModel(Model):
    """Counters that go up or down by increment·gain per tick, plus optional seeded noise."""

    name = "counter_test"
    title = "Counter (test)"
    unit = "tick"
    Params = CounterParams

    def __init__(self, params=None, *, seed=None):
        super().__init__(params, seed=seed)
        self._allocate()

    def _allocate(self) -> None:
        self.values = np.zeros(self.params.size)
        self.totals = History(cap=8)

    def reset(self, seed=None) -> None:
        super().reset(seed)
        self._allocate()

    def step(self, n: int = 1) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        sign = 1.0 if self.params.direction == "up" else -1.0
        for _ in range(n):
            self.values += sign * self.params.increment * self.params.gain
            if self.params.noisy:
                self.values += self.rng.standard_normal(self.values.shape)
            self.t += 1
            self.totals.append(float(self.values.sum()))

    def snapshot(self) -> Snapshot:
        return Snapshot(self.t, {"values": self.values.copy(), "totals": self.totals.array()}, self.unit)

    def views(self) -> list[ViewSpec]:
        return [ViewSpec("values", "bars", "Values", main=True), ViewSpec("totals", "curve", "Sum")]

    def apply_params(self, old, new) -> None:
        if new.direction == "down" and new.gain > 1.5:
            raise ValueError("gain above 1.5 cannot count down")
        super().apply_params(old, new)

    def extra_state(self) -> dict:
        return {"values": self.values.copy(), "totals": self.totals.array()}

    def load_extra_state(self, state) -> None:
        values = state_entry(state, "values", shape=(self.params.size,))
        totals = state_entry(state, "totals", ndim=1)
        self.values = values.copy()
        self.totals.load(totals)
