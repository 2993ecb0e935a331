"""The Model contract (engine/model.py): parameters and their metadata, live changes, state round
trips, histories and snapshots — through a tiny counter model (tests/engine/counter_model.py)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.model import (History, ViewSpec, param, param_meta, params_from_dict, params_to_dict,
                          rng_from_state_array, rng_state_array, validate_params, validate_value)
from engine.validation import check_seed
from tests.engine.counter_model import CounterModel, CounterParams


# ----------------------------------------------------------------------------- parameters

@pytest.mark.parametrize("values,msg", [
    ({"increment": 0}, r"increment must be ≥ 1, got 0"),
    ({"increment": 11}, r"increment must be ≤ 10, got 11"),
    ({"increment": 2.5}, r"increment must be a whole number, got 2.5"),
    ({"increment": np.nan}, r"increment must be a whole number"),
    ({"increment": True}, r"increment must be a number, got True"),
    ({"increment": "3"}, r"increment must be a number, got '3'"),
    ({"gain": np.nan}, r"gain must be a finite number"),
    ({"gain": np.inf}, r"gain must be a finite number"),
    ({"gain": -0.1}, r"gain must be ≥ 0.0"),
    ({"gain": 2.5}, r"gain must be ≤ 2.0"),
    ({"direction": "left"}, r"direction must be one of \['up', 'down'\], got 'left'"),
    ({"noisy": "yes"}, r"noisy must be true or false, got 'yes'"),
    ({"noisy": 2}, r"noisy must be true or false"),
    ({"speed": 3}, r"unknown parameter\(s\) \['speed'\]"),
])
def test_params_validation_names_the_parameter(values, msg):
    with pytest.raises(ValueError, match=msg):
        CounterModel(values)
    with pytest.raises(ValueError, match=msg):
        params_from_dict(CounterParams, values)


def test_params_coercion_and_metadata():
    p = params_from_dict(CounterParams, {"increment": 3.0, "gain": 1, "noisy": 1})
    assert p.increment == 3 and isinstance(p.increment, int)
    assert p.gain == 1.0 and isinstance(p.gain, float)
    assert p.noisy is True
    assert params_to_dict(p) == dict(increment=3, gain=1.0, direction="up", noisy=True, size=4)
    assert validate_value(CounterParams, "gain", np.float32(0.25)) == 0.25
    meta = param_meta(CounterParams, "size")
    assert meta["label"] == "Size" and meta["min"] == 1 and meta["max"] == 64 and meta["live"] is False
    assert param_meta(CounterParams, "direction")["choices"] == ("up", "down")
    with pytest.raises(ValueError, match="no parameter 'speed'"):
        param_meta(CounterParams, "speed")
    with pytest.raises(ValueError, match=r"unknown parameter 'speed'"):
        validate_value(CounterParams, "speed", 1)
    with pytest.raises(ValueError, match="gain"):
        validate_params(CounterParams(gain=7.0))


def test_model_accepts_params_instance_dict_or_none():
    assert CounterModel().params == CounterParams()
    assert CounterModel(CounterParams(increment=2)).params.increment == 2
    assert CounterModel({"increment": 2}).params.increment == 2
    with pytest.raises(ValueError, match="params must be a CounterParams or a dict, got int"):
        CounterModel(5)


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        CounterModel(seed=seed)
    with pytest.raises(ValueError, match="seed"):
        check_seed(seed)


def test_same_seed_same_run():
    a = CounterModel({"noisy": True}, seed=11)
    b = CounterModel({"noisy": True}, seed=11)
    c = CounterModel({"noisy": True}, seed=12)
    for m in (a, b, c):
        m.step(5)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    first = a.values.copy()
    a.reset()
    a.step(5)
    np.testing.assert_array_equal(a.values, first)
    assert a.kernel_seed() == b.kernel_seed() and a.kernel_seed() >= 1


# ----------------------------------------------------------------------------- with_params

def test_with_params_live_change_keeps_state():
    m = CounterModel(seed=0)
    m.step(4)
    assert m.values.tolist() == [2.0] * 4
    assert m.with_params(increment=3, gain=1.0) is m
    assert m.t == 4 and m.values.tolist() == [2.0] * 4
    m.step()
    assert m.values.tolist() == [5.0] * 4
    assert m.with_params() is m  # no change: nothing happens


def test_with_params_non_live_change_resets():
    m = CounterModel(seed=0)
    m.step(3)
    m.with_params(size=6)
    assert m.t == 0 and m.values.shape == (6,) and len(m.totals) == 0


def test_with_params_rolls_back_on_error():
    m = CounterModel(seed=0)
    m.step(2)
    m.with_params(gain=1.8)
    before = m.params
    with pytest.raises(ValueError, match="gain above 1.5 cannot count down"):
        m.with_params(direction="down")
    assert m.params == before and m.params.direction == "up"
    with pytest.raises(ValueError, match="gain must be ≤ 2.0"):
        m.with_params(gain=3.0, increment=2)
    assert m.params == before, "a rejected change must not apply any part of it"
    with pytest.raises(ValueError, match="unknown parameter 'speed'"):
        m.with_params(speed=1)
    assert m.params == before and m.t == 2


# ----------------------------------------------------------------------------- state round trip

def test_state_round_trip_including_rng():
    m = CounterModel({"noisy": True, "size": 5}, seed=3)
    m.step(6)
    st = m.state()
    assert set(st) == {"t", "rng", "values", "totals"}
    st["values"][0] = 1e9  # state() hands out copies
    assert m.values[0] != 1e9
    st = m.state()
    other = CounterModel({"noisy": True, "size": 5}, seed=99)
    other.load_state(st)
    assert other.t == 6
    np.testing.assert_array_equal(other.values, m.values)
    np.testing.assert_array_equal(other.totals.array(), m.totals.array())
    # the same next random numbers, hence the same continuation
    np.testing.assert_array_equal(other.rng.random(4), m.rng.random(4))
    m.step(3)
    other.step(3)
    np.testing.assert_array_equal(other.values, m.values)


def test_rng_state_words_round_trip_mid_stream():
    rng = np.random.default_rng(123)
    rng.integers(0, 10, size=3, dtype=np.uint32)  # leaves a buffered 32-bit half (has_uint32)
    words = rng_state_array(rng)
    assert words.dtype == np.uint64 and words.shape == (6,)
    copy = rng_from_state_array(words)
    np.testing.assert_array_equal(copy.integers(0, 2**31, 5, dtype=np.uint32),
                                  rng.integers(0, 2**31, 5, dtype=np.uint32))
    np.testing.assert_array_equal(copy.random(3), rng.random(3))
    with pytest.raises(ValueError, match=r"must have shape \(6,\)"):
        rng_from_state_array(np.zeros(5))
    with pytest.raises(ValueError, match="only PCG64"):
        rng_state_array(np.random.Generator(np.random.MT19937(0)))


@pytest.mark.parametrize("change,msg", [
    (lambda s: s.pop("t"), r"state is missing 't'"),
    (lambda s: s.pop("rng"), r"state is missing 'rng'"),
    (lambda s: s.update(t=np.array(-1)), r"state\['t'\] must be an integer ≥ 0, got -1"),
    (lambda s: s.update(t=np.array([1, 2])), r"state\['t'\] must be an integer scalar"),
    (lambda s: s.update(rng=np.zeros(4, np.uint64)), r"state\['rng'\] must have shape \(6,\)"),
    (lambda s: s.update(rng=np.zeros(6, np.uint64)), r"not a valid PCG64 state \(its increment must be odd"),
    (lambda s: s.update(values=np.zeros(3)), r"state\['values'\] must have shape \(4,\), got \(3,\)"),
    (lambda s: s.update(totals=np.zeros((2, 2))), r"state\['totals'\] must be 1-D"),
    (lambda s: s.pop("values"), r"state is missing 'values'"),
])
def test_load_state_errors_name_the_entry_and_keep_the_model(change, msg):
    m = CounterModel(seed=0)
    m.step(2)
    st = m.state()
    change(st)
    fresh = CounterModel(seed=1)
    with pytest.raises(ValueError, match=msg):
        fresh.load_state(st)
    assert fresh.t == 0, "a rejected state must not be half-applied"


def test_load_state_text_t_is_a_value_error():
    st = CounterModel(seed=0).state()
    st["t"] = np.array("ten")
    with pytest.raises(ValueError, match="t"):
        CounterModel(seed=0).load_state(st)


# ----------------------------------------------------------------------------- small pieces of the contract

def test_history_caps_by_dropping_the_oldest_half():
    h = History(cap=6)
    for v in range(7):
        h.append(float(v))
    assert h.array().tolist() == [3.0, 4.0, 5.0, 6.0]
    arr = h.array()
    arr[0] = -1
    assert h.array()[0] == 3.0, "array() must be a copy"
    h.clear()
    assert len(h) == 0 and h.array().shape == (0,)
    rows = History(cap=100, width=2)
    assert rows.array().shape == (2, 0)
    rows.append([1.0, 10.0])
    rows.append([2.0, 20.0])
    np.testing.assert_array_equal(rows.array(), [[1, 2], [10, 20]])
    again = History(cap=100, width=2)
    again.load(rows.array())
    np.testing.assert_array_equal(again.array(), rows.array())


def test_snapshot_is_a_copy_and_views_are_valid():
    m = CounterModel(seed=0)
    m.step(2)
    snap = m.snapshot()
    snap.data["values"][:] = 42
    assert (m.values != 42).all()
    assert snap.t == 2 and snap.unit == "tick"
    kinds = {v.kind for v in CounterModel().views()}
    assert kinds == {"bars", "curve"}
    with pytest.raises(ValueError, match="ViewSpec kind must be one of"):
        ViewSpec("x", "pie", "Pie")
    assert CounterModel.actions() == [] and CounterModel.pattern_editor is False
    with pytest.raises(ValueError, match="no paintable view 'values'"):
        m.paint("values", np.array([0]), 1.0)


def test_param_special_text_must_be_a_string():
    from engine.model import param
    with pytest.raises(ValueError, match="special"):
        param(0, label="Rows", special=0)
