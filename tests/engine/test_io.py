"""engine.io: save/load of a model and a session, atomic writes, refusals that name what is wrong."""
from __future__ import annotations

import io as _stdio
import json
import os
import time

import numpy as np
import pytest

from engine import io as eio
from engine import registry
from tests.engine.counter_model import CounterModel
from tests.engine.npz_files import npy_bytes, zip_bytes


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
    with pytest.raises(ValueError, match=r"state\['rng'\] must have shape \(6,\)"):
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


def test_a_save_clears_what_a_killed_save_left_but_not_a_write_in_progress(registered, tmp_path):
    # a process killed mid-save leaves its hidden temporary; the next save of that file deletes it
    # once it is an hour old, and leaves a young one (another process may be writing it now)
    stale = tmp_path / ".counter.0123abcd.part.npz"
    young = tmp_path / ".counter.89abcdef.part.npz"
    other = tmp_path / ".other.0123abcd.part.npz"    # another file's, however old
    for leftover in (stale, young, other):
        leftover.write_bytes(b"half a file")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    _, path = _saved(registered, tmp_path)
    assert not stale.exists()
    assert young.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young.name, other.name, path.name])


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


def test_a_folder_that_refuses_new_files_is_reported_with_the_path_asked_for(tmp_path, monkeypatch):
    """`hebbgui run … --save /proc/s.npz` said "No such file or directory: /proc/.s.59f61787.part.npz",
    the hidden temporary file, not the file the user named (issue 16's rerun)."""
    real_open = eio.os.open

    def denied(path, flags, *mode):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *mode)
    monkeypatch.setattr(eio.os, "open", denied)
    with pytest.raises(PermissionError) as info:
        eio.atomic_write_bytes(tmp_path / "s.npz", b"payload")
    assert info.value.filename == str(tmp_path / "s.npz")


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


# ----------------------------------------------------------------------------- hostile and damaged files

@pytest.mark.parametrize("change,msg", [
    (lambda h: h.update(session=5), r"damaged header: header field 'session' must be a JSON object, got 5"),
    (lambda h: h.update(params=[1, 2]), r"header field 'params' must be a JSON object, got \[1, 2\]"),
    (lambda h: h.update(session="ab"), r"header field 'session' must be a JSON object, got 'ab'"),
    (lambda h: h.update(format_version="1"), r"header field 'format_version' must be a int, got '1'"),
    (lambda h: h.pop("format_version"), r"the header has no 'format_version'"),
    (lambda h: h.update(format_version=0), r"'format_version' must be 1\.\.1, got 0"),
    (lambda h: h.update(model=3), r"header field 'model' must be a str, got 3"),
    (lambda h: h.update(seed=-4), r"header field 'seed' must be a non-negative integer or null, got -4"),
])
def test_io_header_fields_are_checked_before_use(registered, tmp_path, change, msg):
    _, path = _saved(registered, tmp_path)
    _rewrite(path, header_change=change)
    with pytest.raises(ValueError, match=msg):
        eio.load(path)


def test_io_a_large_unused_member_is_never_inflated(registered, tmp_path):
    import resource
    m, path = _saved(registered, tmp_path)
    header, arrays = eio.read(path)
    members = {eio.HEADER_KEY + ".npy": npy_bytes(np.frombuffer(json.dumps(header).encode(), np.uint8))}
    members.update({k + ".npy": npy_bytes(v) for k, v in arrays.items()})
    # 400 MB of zeros compress to ~400 KB: a small file that would cost 400 MB to read whole
    members["junk.npy"] = npy_bytes(np.zeros(50_000_000))
    bomb = tmp_path / "bomb.npz"
    bomb.write_bytes(zip_bytes(members))
    assert bomb.stat().st_size < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    loaded = eio.load(bomb)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    np.testing.assert_array_equal(loaded.values, m.values)
    assert grown_mb < 100, f"loading inflated the unused member ({grown_mb:.0f} MB)"


def test_io_a_member_larger_than_the_model_can_need_is_refused(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    _rewrite(path, array_change=lambda a: a.update(values=np.zeros(20_000_000)))
    with pytest.raises(ValueError, match=r"entry 'values.npy' would inflate to 160,000,128 bytes"):
        eio.load(path)


def test_io_a_declared_shape_that_does_not_match_the_data_is_refused_before_allocating(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    header, arrays = eio.read(path)
    members = {eio.HEADER_KEY + ".npy": npy_bytes(np.frombuffer(json.dumps(header).encode(), np.uint8))}
    members.update({k + ".npy": npy_bytes(v) for k, v in arrays.items()})
    real = npy_bytes(np.zeros(4))
    # the same bytes, but the header claims (10**6, 10**6) float64: 8 TB that must never be reserved
    members["values.npy"] = _fake_npy_header((10**6, 10**6)) + real[len(_fake_npy_header((4,))):]
    bad = tmp_path / "lying.npz"
    bad.write_bytes(zip_bytes(members))
    with pytest.raises(ValueError, match=r"entry 'values.npy' declares shape \(1000000, 1000000\)"):
        eio.load(bad)


def _fake_npy_header(shape) -> bytes:
    """A version-1.0 .npy header for a float64 array of ``shape`` (64-byte aligned, as numpy writes)."""
    d = repr({"descr": "<f8", "fortran_order": False, "shape": tuple(shape)})
    body = d.encode("latin1")
    pad = 64 - (10 + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


def test_io_object_arrays_are_refused_unread(registered, tmp_path):
    _, path = _saved(registered, tmp_path)
    header, arrays = eio.read(path)
    members = {eio.HEADER_KEY + ".npy": npy_bytes(np.frombuffer(json.dumps(header).encode(), np.uint8))}
    members.update({k + ".npy": npy_bytes(v) for k, v in arrays.items()})
    members["values.npy"] = npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    bad = tmp_path / "objects.npz"
    bad.write_bytes(zip_bytes(members))
    with pytest.raises(ValueError, match=r"entry 'values.npy' holds Python objects; refused"):
        eio.load(bad)


@pytest.mark.parametrize("name", ["hopfield", "som"])
def test_a_zeroed_generator_state_is_refused_on_load(tmp_path, name):
    """An all-zero PCG64 state loaded, then numpy's bounded draws looped forever holding the GIL:
    the window froze on the first step (issue 16 item 2)."""
    m = registry.create(name, seed=0)
    m.step(1)
    path = eio.save(m, tmp_path / f"{name}.npz")
    _rewrite(path, array_change=lambda a: a.update(rng=np.zeros(6, np.uint64)))
    with pytest.raises(ValueError, match=r"state\['rng'\] is not a valid PCG64 state"):
        eio.load(path)
