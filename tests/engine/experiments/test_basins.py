"""Seed 001's basins of attraction: the tables of vectors at Hamming distance H that return to a stored
vector (single shot and iterated, Hebbian and X⁺X), the attraction index, and the 2-D basin map."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import experiments
from engine.experiments.basins import SEED_TABLES, attraction_index, probes_at_distance, sync_steps
from engine.models.hopfield import Hopfield


@pytest.mark.parametrize("tie", ["plus", "keep"])
def test_the_fast_synchronous_steps_are_the_networks_own(tie):
    rng = np.random.default_rng(0)
    net = Hopfield(10, "hebbian", self_connections=True, tie=tie)
    net.store(np.where(rng.random((4, 10)) < 0.5, 1, -1).astype(np.int8))
    probes = np.where(rng.random((300, 10)) < 0.5, 1, -1).astype(np.int8)
    for steps in (1, 5):
        np.testing.assert_array_equal(sync_steps(net, probes, steps),
                                      net.recall(probes, mode="sync", max_sweeps=steps, seed=0))


def test_x_plus_x_rounding_does_not_decide_a_tie():
    x = np.array([1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 1, -1], dtype=np.int8)
    net = Hopfield(12, "pseudoinverse", self_connections=True, tie="plus")
    net.store(x[None, :])
    orthogonal = x.copy()
    orthogonal[:6] *= -1                     # x·z = 0: every field is exactly 0 in the seed's arithmetic
    assert sync_steps(net, orthogonal[None, :], 1).tolist() == [[1] * 12]     # sgn(0) = +1 everywhere


def test_probes_lie_at_exactly_the_distance_asked():
    x = np.where(np.random.default_rng(1).random(12) < 0.5, 1, -1).astype(np.int8)
    rng = np.random.default_rng(2)
    every = probes_at_distance(x, 3, 1000, rng)
    assert len(every) == math.comb(12, 3) == len(np.unique(every, axis=0))     # all of them, once each
    assert np.all((every != x).sum(axis=1) == 3)
    assert probes_at_distance(x, 0, 5, rng).tolist() == [x.tolist()]
    some = probes_at_distance(x, 6, 50, rng)                                    # 924 > 50: a sample
    assert some.shape == (50, 12) and np.all((some != x).sum(axis=1) == 6)


def test_one_pattern_set_gives_the_seeds_table_layout():
    res = experiments.run("basins", {"max_stored": 4}, seed=0)
    d = res.data
    assert d["table_hebbian_single"].shape == (6, 4) and d["seed_hebbian_single"].shape == (5, 10)
    assert np.all(d["table_pseudoinverse_iterated"][0] == 100.0)     # X⁺X keeps every stored vector
    assert np.all(d["table_hebbian_single"][:, 0][:5] == 100.0)      # one stored vector attracts H < 5
    np.testing.assert_allclose(d["index_hebbian_single"], attraction_index(d["table_hebbian_single"]))
    assert attraction_index(np.array([[100.0], [50.0], [10.0]]))[0] == pytest.approx(0.5 + 0.2)
    # one row per (stored, rule, method, H): 4 × 2 × 2 × 6, with the probe counts of exhaustive enumeration
    assert len(res.table["percent"]) == 96
    assert sorted(set(res.table["n_probes"][res.table["H"] == 2].tolist())) == [45 * m for m in range(1, 5)]


def _inside_share(res, keys) -> float:
    """The share of the seed's table cells that lie within the 1 %–99 % range of the per-set values."""
    t = res.table
    inside = total = 0
    for key in keys:
        rule, method = key.split("_")
        seed = SEED_TABLES[key]
        for h in range(seed.shape[0]):
            for m in range(1, seed.shape[1] + 1):
                vals = t["percent"][(t["rule"] == rule) & (t["method"] == method) & (t["H"] == h)
                                    & (t["stored"] == m)]
                lo, hi = np.quantile(vals, [0.01, 0.99])
                inside += lo - 1e-9 <= seed[h, m - 1] <= hi + 1e-9
                total += 1
    return inside / total


@pytest.mark.slow
def test_the_seeds_tables_are_a_plausible_draw_with_its_conventions():
    # The seed's numbers come from ONE random pattern set each, so they are compared in distribution:
    # over 100 independent sets, each cell's spread of per-set percentages (1 %–99 % quantiles) should
    # hold the seed's value. With the seed's conventions (diagonal kept, sgn(0) = +1) 116 of its 120 cells
    # do (the misses: 4 stored vectors, H = 2…3, iterated — the seed's set of 4 was a lucky one); with a
    # zero diagonal and keep-on-tie only about 70 % of the Hebbian cells do: the comparison tells the
    # conventions apart.
    seed_conventions = experiments.run("basins", {"n_sets": 100}, seed=1)
    assert _inside_share(seed_conventions, SEED_TABLES) >= 0.93
    hebbian = ["hebbian_single", "hebbian_iterated"]
    assert _inside_share(seed_conventions, hebbian) >= 0.95
    today = experiments.run("basins", {"n_sets": 50, "rules": ["hebbian"], "self_connections": False,
                                       "tie": "keep"}, seed=1)
    assert _inside_share(today, hebbian) <= 0.8


def test_the_basin_map_is_plus_one_on_x_and_minus_one_on_its_negative():
    res = experiments.run("basin-map", {"n_neurons": 20, "n_stored": [2]}, seed=0)
    (basin,) = res.data["maps"]
    assert basin.shape == (11, 11) and set(np.unique(basin)) <= {-1.0, 0.0, 1.0}
    assert basin[0, 0] == 1.0 and basin[10, 10] == -1.0          # x itself, and every unit flipped: −x
    assert basin[1, 0] == 1.0 and basin[9, 10] == -1.0           # their nearest neighbours
    assert len(res.table["basin"]) == 121


@pytest.mark.parametrize("name, settings, match", [
    ("basins", {"n_neurons": -10}, "n_neurons"), ("basins", {"max_stored": 0}, "max_stored"),
    ("basins", {"rules": []}, "rules"), ("basins", {"tie": "minus"}, "tie"),
    ("basin-map", {"n_neurons": 99}, "even"), ("basin-map", {"n_stored": []}, "n_stored")])
def test_bad_settings_name_the_setting(name, settings, match):
    with pytest.raises(ValueError, match=match):
        experiments.run(name, settings)
