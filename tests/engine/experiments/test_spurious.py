"""Seed 001's census of spurious states, and what dream sleep (unlearning) does to them."""
from __future__ import annotations

import numpy as np
import pytest

from engine import experiments
from engine.experiments.spurious import SEED_SPURIOUS, all_states, census, fixed_points
from engine.models.hopfield import Hopfield


def _patterns(p, n, seed):
    return np.where(np.random.default_rng(seed).random((p, n)) < 0.5, 1, -1).astype(np.int8)


@pytest.mark.parametrize("self_connections, tie", [(True, "plus"), (False, "keep"), (False, "plus")])
def test_the_exhaustive_census_finds_exactly_the_networks_fixed_points(self_connections, tie):
    net = Hopfield(10, "hebbian", self_connections=self_connections, tie=tie)
    net.store(_patterns(4, 10, 3))
    states = all_states(10)
    assert len(np.unique(states, axis=0)) == 1024
    expected = states[net.is_fixed_point(states)]
    found = fixed_points(net, exhaustive_max=16, n_samples=1, seed=0)
    np.testing.assert_array_equal(found, expected)


def test_each_fixed_point_is_sorted_by_kind():
    xi = _patterns(3, 11, 0)
    mixture = np.where(xi[0] - xi[1] + xi[2] >= 0, 1, -1).astype(np.int8)
    other = np.ones(11, dtype=np.int8)
    points = np.stack([xi[0], xi[2], -xi[1], mixture, other])
    counts = census(points, xi)
    assert counts == {"stored": 2, "negatives": 1, "mixtures": 1, "other": 1, "spurious": 2, "fixed_points": 5}


def test_above_the_exhaustive_size_random_starts_find_the_memories():
    res = experiments.run("spurious", {"n_neurons": 40, "stored": [2], "n_sets": 1, "n_samples": 300}, seed=0)
    row = {k: v[0] for k, v in res.table.items()}
    assert row["stored"] == 2 and row["negatives"] == 2 and row["fixed_points"] >= 4


@pytest.mark.slow
def test_the_census_grows_like_the_seeds_2_4_8_16_24_45():
    # The seed counts one random set per stored count; over 100 sets its counts lie within the 5 %–95 %
    # spread of ours, and the median grows with the stored count as the seed's does.
    res = experiments.run("spurious", {"n_sets": 100}, seed=0)
    t = res.table
    medians = []
    for m, seed_count in SEED_SPURIOUS.items():
        counts = t["spurious"][t["n_stored"] == m]
        lo, hi = np.quantile(counts, [0.05, 0.95])
        assert lo <= seed_count <= hi, (m, seed_count, lo, hi)
        medians.append(np.median(counts))
    assert np.all(np.diff(medians) > 0) and medians[-1] >= 40     # the seed: 45 at 7 stored
    np.testing.assert_allclose(res.data["spurious_before"], [np.mean(t["spurious"][t["n_stored"] == m])
                                                            for m in SEED_SPURIOUS])


def test_dream_sleep_removes_spurious_states_and_keeps_the_memories():
    # N = 16, the census exhaustive; the seeds' zero diagonal: 4 Hebbian memories, then 80 dreams
    res = experiments.run("unlearning", {"stored": [4], "dreams": [0, 80], "n_sets": 6}, seed=0)
    spurious, stable = res.data["spurious"][0], res.data["stable"][0]
    assert spurious[1] < 0.7 * spurious[0]
    assert stable[1] >= stable[0] and res.data["retrieval"][0, 1] >= res.data["retrieval"][0, 0]
    before_after = experiments.run("spurious", {"n_neurons": 16, "stored": [4], "n_sets": 6, "dreams": 80,
                                                "self_connections": False, "tie": "keep"}, seed=0)
    assert before_after.data["spurious_after"][0] < before_after.data["spurious_before"][0]
