"""Fuzzing the two file readers a user points at anything (issue 16): engine.io.load (sessions) and
engine.datasets.load_file (data). Whatever the bytes, the answer is a ValueError or a loaded, usable
result — never another exception or a hang. Bounded in examples and time so CI stays fast."""
from __future__ import annotations

import io as _stdio
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import datasets, io as eio, registry
from tests.engine.npz_files import members_of, npy_bytes, zip_bytes

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def session_bytes(tmp_path_factory):
    m = registry.create("hopfield", {"rows": 5, "cols": 5}, seed=0)
    m.step(2)
    path = eio.save(m, tmp_path_factory.mktemp("fuzz") / "s.npz")
    return path.read_bytes()


def _load_ok_or_value_error(tmp_path, data: bytes) -> None:
    p = tmp_path / "fuzzed.npz"
    p.write_bytes(data)
    try:
        model = eio.load(p)
    except ValueError:
        return
    model.step(1)            # a loaded model must be usable, not just constructed
    model.snapshot()


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True)
                           | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=6)


@FUZZ
@given(cut=st.integers(0, 10**6), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=6))
def test_truncated_or_flipped_sessions(tmp_path, session_bytes, cut, flips):
    data = bytearray(session_bytes[: cut % (len(session_bytes) + 1)])
    for pos, xor in flips:
        if data:
            data[pos % len(data)] ^= xor
    _load_ok_or_value_error(tmp_path, bytes(data))


@FUZZ
@given(field=st.sampled_from(["format", "format_version", "model", "params", "seed", "session", "app_version",
                              "extra"]), value=json_values, param_value=json_values)
def test_mutated_session_headers(tmp_path, session_bytes, field, value, param_value):
    members = members_of(session_bytes)
    header = json.loads(np.load(_stdio.BytesIO(members["__header__.npy"])).tobytes().decode())
    header[field] = value
    if isinstance(header.get("params"), dict):
        header["params"]["temperature"] = param_value
    members["__header__.npy"] = npy_bytes(np.frombuffer(json.dumps(header).encode(), np.uint8))
    _load_ok_or_value_error(tmp_path, zip_bytes(members))


@FUZZ
@given(data=st.data())
def test_mutated_session_entries(tmp_path, session_bytes, data):
    members = members_of(session_bytes)
    name = data.draw(st.sampled_from(sorted(k for k in members if k != "__header__.npy")))
    action = data.draw(st.sampled_from(["drop", "rename", "reshape", "retype", "garbage"]))
    if action == "drop":
        del members[name]
    elif action == "rename":
        members[data.draw(st.text("abcxyz_", min_size=1, max_size=8)) + ".npy"] = members.pop(name)
    elif action == "reshape":
        shape = tuple(data.draw(st.lists(st.integers(0, 40), max_size=3)))
        members[name] = npy_bytes(np.zeros(shape))
    elif action == "retype":
        dtype = data.draw(st.sampled_from(["i1", "u8", "f4", "c16", "?", "U3", "S2"]))
        arr = np.load(_stdio.BytesIO(members[name]))
        members[name] = npy_bytes(np.zeros(arr.shape, dtype=dtype))
    else:
        members[name] = data.draw(st.binary(max_size=200))
    _load_ok_or_value_error(tmp_path, zip_bytes(members))


def _data_ok_or_value_error(tmp_path, name: str, data: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    try:
        x, y = datasets.load_file(p)
    except ValueError:
        return
    assert x.ndim in (2, 3) and np.all(np.isfinite(x))
    assert y is None or (y.ndim == 1 and len(y) == len(x))


@FUZZ
@given(kind=st.sampled_from(["idx", "npz", "pkl"]), cut=st.integers(0, 5000),
       flips=st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 255)), max_size=4), gz=st.booleans())
def test_mutated_data_files(tmp_path, kind, cut, flips, gz):
    import gzip
    import pickle
    x = (np.arange(6 * 4 * 4) % 7).astype(np.uint8).reshape(6, 4, 4)
    y = np.arange(6, dtype=np.uint8)
    if kind == "idx":
        raw = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in x.shape) + x.tobytes()
        name = "a-images-idx3-ubyte"
    elif kind == "npz":
        buf = _stdio.BytesIO()
        np.savez(buf, x=x, y=y)
        raw, name = buf.getvalue(), "a.npz"
    else:
        raw, name = pickle.dumps((x, y), protocol=4), "a.pkl"
    data = bytearray(raw[: cut % (len(raw) + 1)])
    for pos, xor in flips:
        if data:
            data[pos % len(data)] ^= xor
    data = bytes(data)
    if gz:
        data, name = gzip.compress(data), name + ".gz"
    _data_ok_or_value_error(tmp_path, name, data)
