"""The Model contract (engine.model), saving/loading (engine.io) and the registry, tested through a
tiny counter model defined here."""
from __future__ import annotations

import io as _stdio
import json
import os
from dataclasses import dataclass

import numpy as np
import pytest

from engine import io as eio
from engine import registry
from engine.model import (Cancelled, Experiment, History, Model, Snapshot, ViewSpec, param, param_meta, params_from_dict, params_to_dict, rng_from_state_array, rng_state_array, validate_params, validate_value)
from engine.validation import check_array, check_seed


# ----------------------------------------------------------------------------- the test model

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

    @classmethod
    def views(cls) -> list[ViewSpec]:
        return [ViewSpec("values", "bars", "Values", main=True), ViewSpec("totals", "curve", "Sum")]

    def apply_params(self, old, new) -> None:
        if new.direction == "down" and new.gain > 1.5:
            raise ValueError("gain above 1.5 cannot count down")
        super().apply_params(old, new)

    def extra_state(self) -> dict:
        return {"values": self.values.copy(), "totals": self.totals.array()}

    def load_extra_state(self, state) -> None:
        for key in ("values", "totals"):
            if key not in state:
                raise ValueError(f"state is missing {key!r}")
        values = np.asarray(state["values"])
        if values.shape != (self.params.size,):
            raise ValueError(f"state['values'] must have shape ({self.params.size},), got {values.shape}")
        totals = np.asarray(state["totals"])
        if totals.ndim != 1:
            raise ValueError(f"state['totals'] must be 1-D, got shape {totals.shape}")
        self.values = values.astype(np.float64).copy()
        self.totals.load(totals)


@pytest.fixture()
def registered(monkeypatch):
    """Register the counter for engine.io (a module that exists, and the class preloaded)."""
    monkeypatch.setitem(registry._ENTRIES, CounterModel.name, "engine.model:Model")
    monkeypatch.setitem(registry._loaded, CounterModel.name, CounterModel)
    return CounterModel


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
    with pytest.raises(ValueError, match="6 words"):
        rng_from_state_array(np.zeros(5))
    with pytest.raises(ValueError, match="only PCG64"):
        rng_state_array(np.random.Generator(np.random.MT19937(0)))


@pytest.mark.parametrize("change,msg", [
    (lambda s: s.pop("t"), r"state is missing 't'"),
    (lambda s: s.pop("rng"), r"state is missing 'rng'"),
    (lambda s: s.update(t=np.array(-1)), r"state\['t'\] must be a non-negative scalar"),
    (lambda s: s.update(t=np.array([1, 2])), r"state\['t'\] must be a non-negative scalar"),
    (lambda s: s.update(rng=np.zeros(4, np.uint64)), "rng state must have 6 words"),
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
    assert CounterModel.experiments() == [] and CounterModel.actions() == []
    with pytest.raises(ValueError, match="no paintable view 'values'"):
        m.paint("values", np.array([0]), 1.0)


def test_experiment_and_cancelled():
    def run(params, progress):
        for i in range(3):
            if not progress(i / 3, "working"):
                raise Cancelled()
        return {"done": np.ones(1)}
    exp = Experiment("demo", "Demo", run)
    assert exp.run({}, lambda f, msg: True)["done"].tolist() == [1.0]
    with pytest.raises(Cancelled):
        exp.run({}, lambda f, msg: False)


def test_check_array_messages():
    assert check_array("w", [[1, 2]], shape=(None, 2)).dtype == np.float64
    with pytest.raises(ValueError, match=r"w must have shape \(any, 3\), got \(1, 2\)"):
        check_array("w", [[1, 2]], shape=(None, 3))
    with pytest.raises(ValueError, match=r"w must be 2-D, got shape \(2,\)"):
        check_array("w", [1, 2], ndim=2)
    with pytest.raises(ValueError, match="w contains NaN"):
        check_array("w", [1, np.nan])
    with pytest.raises(ValueError, match="w must be numeric"):
        check_array("w", ["a"])
    with pytest.raises(ValueError, match="w must be an array"):
        check_array("w", [[1], [1, 2]])
    assert np.isnan(check_array("w", [np.nan], finite=False)[0])


# ----------------------------------------------------------------------------- registry

def test_registry_lists_gets_and_creates(registered):
    assert CounterModel.name in registry.names()
    assert registry.get(CounterModel.name) is CounterModel
    m = registry.create(CounterModel.name, {"increment": 2}, seed=4)
    assert isinstance(m, CounterModel) and m.params.increment == 2 and m.seed == 4
    assert registry.title("nonexistent") == "nonexistent"
    with pytest.raises(ValueError, match=r"unknown model 'nope'; accepts \["):
        registry.get("nope")


def test_registry_hides_entries_whose_module_is_missing(monkeypatch):
    monkeypatch.setitem(registry._ENTRIES, "ghost", "engine.models.no_such_module:Ghost")
    assert "ghost" not in registry.names()


# ----------------------------------------------------------------------------- engine.io

def _saved(registered, tmp_path, **kw):
    m = CounterModel({"noisy": True, "increment": 2, "direction": "down"}, seed=5)
    m.step(4)
    path = eio.save(m, tmp_path / "counter.npz", **kw)
    return m, path


def test_io_round_trip_through_the_registry(registered, tmp_path):
    m, path = _saved(registered, tmp_path, session={"zoom": 2, "panel": "weights"})
    assert path == tmp_path / "counter.npz" and path.is_file()
    back, session = eio.load_session(path)
    assert type(back) is CounterModel
    assert back.params == m.params and back.seed == 5 and back.t == 4
    np.testing.assert_array_equal(back.values, m.values)
    np.testing.assert_array_equal(back.totals.array(), m.totals.array())
    assert session == {"zoom": 2, "panel": "weights"}
    np.testing.assert_array_equal(back.rng.random(3), m.rng.random(3))
    back.step(2)
    m.step(2)
    np.testing.assert_array_equal(back.values, m.values)
    assert eio.load(path).t == 4


def test_io_save_adds_the_suffix_and_checks_its_arguments(registered, tmp_path):
    m = CounterModel(seed=0)
    assert eio.save(m, tmp_path / "plain").name == "plain.npz"
    assert eio.save(m, tmp_path / "run.v1").name == "run.v1.npz"
    with pytest.raises(ValueError, match="does not exist"):
        eio.save(m, tmp_path / "no" / "dir" / "x.npz")
    with pytest.raises(ValueError, match="model must be a registered Model"):
        eio.save(object(), tmp_path / "x.npz")


def test_io_truncated_file(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"counter.npz is not a readable hebbgui file \(truncated or corrupt"):
        eio.load(path)
    with pytest.raises(ValueError, match="no such file"):
        eio.load(tmp_path / "missing.npz")


def _rewrite(path, header_change=None, array_change=None):
    header, arrays = eio.read(path)
    if header_change:
        header_change(header)
    if array_change:
        array_change(arrays)
    np.savez(path, **{eio.HEADER_KEY: np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}, **arrays)


def test_io_newer_format_version(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    _rewrite(path, header_change=lambda h: h.update(format_version=eio.FORMAT_VERSION + 1, app_version="9.0"))
    with pytest.raises(ValueError, match=r"written by a newer hebbgui \(file format 2, app 9.0\)"):
        eio.load(path)


def test_io_not_a_hebbgui_file(registered, tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.arange(3))
    with pytest.raises(ValueError, match=r"plain.npz is not a hebbgui model file \(no header\)"):
        eio.load(tmp_path / "plain.npz")
    _, path = _saved(registered, tmp_path)
    _rewrite(path, header_change=lambda h: h.update(format="something-else"))
    with pytest.raises(ValueError, match=r"not a hebbgui model file \(format 'something-else'\)"):
        eio.load(path)
    (tmp_path / "text.npz").write_text("just text")
    with pytest.raises(ValueError, match="text.npz is not a readable hebbgui file"):
        eio.load(tmp_path / "text.npz")
    np.savez(tmp_path / "badhead.npz", **{eio.HEADER_KEY: np.frombuffer(b"\xff{", dtype=np.uint8)})
    with pytest.raises(ValueError, match="badhead.npz has a corrupt header"):
        eio.load(tmp_path / "badhead.npz")


def test_io_unknown_model_and_bad_params_in_header(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    _rewrite(path, header_change=lambda h: h.update(model="perceptron"))
    with pytest.raises(ValueError, match=r"holds model 'perceptron', which this hebbgui does not know"):
        eio.load(path)
    _, path = _saved(registered, tmp_path)
    _rewrite(path, header_change=lambda h: h["params"].update(increment=99))
    with pytest.raises(ValueError, match="increment must be ≤ 10"):
        eio.load(path)


def test_io_wrong_shapes_in_state(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    _rewrite(path, array_change=lambda a: a.update(values=np.zeros(7)))
    with pytest.raises(ValueError, match=r"state\['values'\] must have shape \(4,\), got \(7,\)"):
        eio.load(path)
    _, path = _saved(registered, tmp_path)
    _rewrite(path, array_change=lambda a: a.update(rng=np.zeros(2, np.uint64)))
    with pytest.raises(ValueError, match="rng state must have 6 words"):
        eio.load(path)


def test_io_npy_file_is_a_value_error(tmp_path):
    np.save(tmp_path / "array.npy", np.arange(3))
    with pytest.raises(ValueError, match="array.npy"):
        eio.read(tmp_path / "array.npy")


def test_io_header_not_an_object_is_a_value_error(tmp_path):
    np.savez(tmp_path / "list.npz", **{eio.HEADER_KEY: np.frombuffer(b"[1, 2]", dtype=np.uint8)})
    with pytest.raises(ValueError, match="list.npz"):
        eio.read(tmp_path / "list.npz")


def _no_temp_files(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".part" in p.name]


def test_atomic_save_leaves_no_temp_files(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    eio.save(CounterModel(seed=1), path)  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter.npz"]
    assert eio.load(path).seed == 1


class _FailingFile:
    """Writes the first half of what it is given, then fails like a full disk."""

    def __init__(self, real):
        self.real = real

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()
        return False

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    def flush(self):
        self.real.flush()

    def fileno(self):
        return self.real.fileno()


def test_failure_mid_write_keeps_the_old_file(registered, tmp_path, monkeypatch):
    old_model, path = _saved(registered, tmp_path)
    old_bytes = path.read_bytes()
    real_fdopen = os.fdopen
    monkeypatch.setattr(eio.os, "fdopen", lambda fd, mode="r", *a, **k: _FailingFile(real_fdopen(fd, mode, *a, **k)))
    newer = CounterModel({"size": 9}, seed=2)
    newer.step(3)
    with pytest.raises(OSError, match="No space left"):
        eio.save(newer, path)
    monkeypatch.setattr(eio.os, "fdopen", real_fdopen)
    assert path.read_bytes() == old_bytes, "the old file was damaged"
    assert _no_temp_files(tmp_path) == []
    assert eio.load(path).t == old_model.t


@pytest.mark.parametrize("failure", [OSError(5, "I/O error"), KeyboardInterrupt()])
def test_failure_before_replace_keeps_the_old_file(registered, tmp_path, monkeypatch, failure):
    _, path = _saved(registered, tmp_path)
    old_bytes = path.read_bytes()

    def failing_fsync(fd):
        raise failure
    monkeypatch.setattr(eio.os, "fsync", failing_fsync)
    with pytest.raises(type(failure)):
        eio.save(CounterModel(seed=3), path)
    assert path.read_bytes() == old_bytes
    assert _no_temp_files(tmp_path) == []


def test_atomic_write_to_a_new_path_leaves_nothing_on_failure(tmp_path, monkeypatch):
    def failing_replace(src, dst):
        raise OSError(13, "Permission denied")
    monkeypatch.setattr(eio.os, "replace", failing_replace)
    with pytest.raises(OSError):
        eio.atomic_write_bytes(tmp_path / "new.bin", b"payload")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    eio.atomic_write_bytes(tmp_path / "new.bin", b"payload")
    assert (tmp_path / "new.bin").read_bytes() == b"payload"
    assert [p.name for p in tmp_path.iterdir()] == ["new.bin"]


def test_saved_file_is_a_plain_npz_without_pickles(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(z[eio.HEADER_KEY].tobytes().decode())
        assert header["format"] == eio.FORMAT and header["model"] == CounterModel.name
        assert header["params"]["direction"] == "down"
        assert set(z.files) == {eio.HEADER_KEY, "t", "rng", "values", "totals"}
    # reading from bytes in memory works the same (the GUI may read from a buffer)
    with np.load(_stdio.BytesIO(path.read_bytes()), allow_pickle=False) as z:
        assert int(z["t"]) == 4


def test_saved_sessions_get_the_usual_permissions_not_private_ones(tmp_path):
    """A lecturer saves a session for the class: the file must not be 0600 like a mkstemp file."""
    import os
    import stat
    from engine import io
    old = os.umask(0o022)
    try:
        io.atomic_write_bytes(tmp_path / "session.npz", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "session.npz").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["session.npz"]   # no temporary left behind


def test_param_special_text_must_be_a_string():
    from engine.model import param
    with pytest.raises(ValueError, match="special"):
        param(0, label="Rows", special=0)
