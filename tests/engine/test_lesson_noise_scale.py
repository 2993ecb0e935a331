"""Seed 002's λ = 1/p lesson says what the network does: with λ = 1/p the field is ~N/p and the letter
survives every temperature the form allows; with the mean-field 1/N scale it holds at T = 0.5 and melts
at T = 1.5. The lesson's buttons are pressed as the text tells the student."""
import numpy as np
import pytest

from engine import lessons

NAME = "hopfield-noise-scale"


def overlaps_after_play(steps, sweeps=40):
    model = lessons.start(NAME)
    for index in steps:
        lessons.run_step(model, NAME, index)
    for _ in range(sweeps):
        model.step(1)
    return np.asarray(model.snapshot().data["overlap"])[:, -10:].mean(axis=1)


def test_the_lesson_uses_seed_002s_conventions():
    params = lessons.start(NAME).params
    assert (params.scale, params.tie, params.mode) == ("1/P", "plus", "glauber")


@pytest.mark.parametrize("steps, low, high", [
    ([], 0.95, 1.0),             # λ = 1/p, T = 5: recalled
    ([1, 2, 0], 0.9, 1.0),       # 1/N, T = 0.5, corrupt: holds
    ([1, 3, 0], -0.3, 0.3),      # 1/N, T = 1.5, corrupt: melts
    ([1, 3, 4, 0], 0.95, 1.0),   # back to 1/p at T = 1.5: recalled again
])
def test_the_overlap_the_text_promises(steps, low, high):
    assert low <= overlaps_after_play(steps)[0] <= high
