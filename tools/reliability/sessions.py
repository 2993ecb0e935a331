"""Edited session files (74 cases): a model saved with ``engine.io.save`` whose header (format,
version, model, params, seed, session) or state (counters, indices, generator states, arrays) is
then changed by hand, or whose bytes are cut or padded. ``engine.io.load`` must refuse it with a
ValueError naming the field or entry, or give a model that steps, snapshots and saves again."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from tools.reliability.core import MB, Case
from tools.reliability.files import npy_header, zero_npy, zip_bytes

HEADER = "__header__.npy"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _write(path: Path, members: dict[str, bytes], zeros=None) -> None:
    path.write_bytes(zip_bytes(members, zeros))


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def _saved(tmp: Path, model_name: str) -> Path:
    from engine import io as eio, registry
    m = registry.create(model_name, seed=0)
    m.step(2)
    return eio.save(m, tmp / "session.npz", session={"speed": 3})


def _usable(path: Path) -> None:
    """What a loaded session must allow: step, snapshot, save and load again."""
    from engine import io as eio
    m = eio.load(path)
    m.step(2)
    m.snapshot()
    eio.load(eio.save(m, path.with_name("again.npz"))).step(1)


def _header_case(label: str, edit, expect: str = "refuse", names=("header", "session.npz"), model="bam") -> Case:
    def run(tmp: Path):
        p = _saved(tmp, model)
        members = _members(p)
        header = json.loads(np.load(io.BytesIO(members[HEADER])).tobytes().decode())
        new = edit(header)
        raw = new if isinstance(new, bytes) else json.dumps(new).encode()
        members[HEADER] = _npy(np.frombuffer(raw, dtype=np.uint8))
        _write(p, members)
        _usable(p)
    return Case(f"header: {label}", run, expect, names)


def _set(key, value):
    def edit(h):
        h = dict(h)
        if value is _DROP:
            h.pop(key, None)
        else:
            h[key] = value
        return h
    return edit


def _param(key, value):
    def edit(h):
        h = dict(h, params=dict(h["params"]))
        h["params"][key] = value
        return h
    return edit


_DROP = object()


def _state_case(model: str, key: str, kind: str, expect: str = "refuse") -> Case:
    """Change one state entry of a saved ``model``: kind is zero (a generator state of zeros),
    neg (-7), huge (10⁹), nan, shape (one element fewer), dtype (complex), values (5 everywhere),
    missing (the entry removed)."""
    def run(tmp: Path):
        p = _saved(tmp, model)
        members = _members(p)
        member = key + ".npy"
        assert member in members, f"harness: {model} has no state entry {key!r}"
        arr = np.load(io.BytesIO(members[member]))
        if kind == "missing":
            del members[member]
        else:
            if kind == "zero":
                new = np.zeros_like(arr)
            elif kind in ("neg", "huge", "values"):
                new = np.full_like(arr, {"neg": -7, "huge": 10**9, "values": 5}[kind])
            elif kind == "nan":
                new = np.full_like(arr, np.nan)
            elif kind == "shape":
                new = arr.reshape(-1)[:-1] if arr.size else np.zeros(3, arr.dtype)
            elif kind == "dtype":
                new = arr.astype(complex)
            else:
                raise AssertionError(f"harness: unknown kind {kind}")
            members[member] = _npy(new)
        _write(p, members)
        _usable(p)
    return Case(f"state: {model} {key} {kind}", run, expect, (key, "session.npz"))


def _bytes_case(label: str, edit, expect: str = "refuse") -> Case:
    def run(tmp: Path):
        p = _saved(tmp, "bam")
        p.write_bytes(edit(p.read_bytes(), p))
        _usable(p)
    return Case(f"file: {label}", run, expect, ("session.npz",))


def _add_member(name: str, data: bytes | None = None, zeros: tuple[bytes, int] | None = None):
    """Add (or replace) one member: ``data``, or ``zeros`` streamed in (see files.zip_bytes)."""
    def edit(raw: bytes, p: Path) -> bytes:
        members = _members(p)
        members.pop(name, None)
        if data is not None:
            members[name] = data
        _write(p, members, {name: zeros} if zeros else None)
        return p.read_bytes()
    return edit


def cases(quick: bool = False) -> list[Case]:
    """74 cases: 24 header edits, 42 state edits over 12 models, 8 damaged or padded files (quick: every
    third)."""
    header = [
        _header_case("not JSON", lambda h: b"{not json"),
        _header_case("a JSON list", lambda h: b"[1, 2]"),
        _header_case("not UTF-8", lambda h: b"\xff\xfe\x00"),
        _header_case("no format", _set("format", _DROP), names=("format",)),
        _header_case("another format", _set("format", "numpy"), names=("format",)),
        _header_case('version "1"', _set("format_version", "1"), names=("format_version",)),
        _header_case("no version", _set("format_version", _DROP), names=("format_version",)),
        _header_case("version 0", _set("format_version", 0), names=("format_version",)),
        _header_case("version 99", _set("format_version", 99), names=("newer",)),
        _header_case("version true", _set("format_version", True), names=("format_version",)),
        _header_case("model 5", _set("model", 5), names=("model",)),
        _header_case("model unknown", _set("model", "perceptron-9000"), names=("perceptron-9000",)),
        _header_case("model of another kind (som)", _set("model", "som"), names=("som", "param")),
        _header_case("params a list", _set("params", [1, 2]), names=("params",)),
        _header_case("params unknown name", _param("warp_factor", 9), names=("warp_factor",)),
        _header_case("params out of range", _param("probe_pair", 10**9), names=("probe_pair",)),
        _header_case("params wrong type", _param("noise", "many"), names=("noise",)),
        _header_case("params NaN", _param("noise", float("nan")), names=("noise",)),
        _header_case("seed -1", _set("seed", -1), names=("seed",)),
        _header_case("seed text", _set("seed", "x"), names=("seed",)),
        _header_case("session 5", _set("session", 5), names=("session",)),
        _header_case('session "ab"', _set("session", "ab"), names=("session",)),
        _header_case("app_version a number", _set("app_version", 5), names=("app_version",)),
        _header_case("an extra field", _set("comment", "edited by hand"), expect="ok"),
    ]
    S = _state_case
    state = [
        S("hopfield", "rng", "zero"), S("hopfield", "t", "neg"), S("hopfield", "sweeps_since_probe", "neg"),
        S("hopfield", "learning_epochs", "neg"), S("hopfield", "weights", "nan"), S("hopfield", "weights", "shape"),
        S("hopfield", "patterns", "missing"), S("hopfield", "probe_state", "values", "either"),
        S("som", "rng", "zero"), S("som", "epoch", "neg"), S("som", "position", "huge"),
        S("som", "order", "huge"), S("som", "eval_index", "neg"), S("som", "codebook", "nan"),
        S("rbm", "rbm_counters", "huge", "either"), S("rbm", "counters", "neg"), S("rbm", "rbm_kernel_state", "zero"),
        S("rbm", "rbm_weights", "nan"), S("rbm", "rbm_chain_v", "shape"),
        S("rbm-table", "tiny_counts", "neg"), S("rbm-table", "rng", "zero"), S("rbm-table", "tiny_v", "shape"),
        S("competitive", "epoch_assignment", "huge"), S("competitive", "order", "neg"),
        S("competitive", "position", "huge"), S("competitive", "weights", "dtype"),
        S("boltzmann", "kernel_rng", "zero"), S("boltzmann", "numpy_rng", "zero"),
        S("boltzmann", "probe_index", "huge"),
        S("boltzmann", "hidden_state", "values"), S("boltzmann", "known", "shape"),
        S("bam", "counters", "neg"), S("bam", "counters", "huge"), S("bam", "x", "nan"),
        S("modern-hopfield", "probe_source", "huge"), S("modern-hopfield", "patterns", "nan"),
        S("ising", "kernel_rng", "zero"), S("ising", "spins", "values"), S("ising", "window_start", "neg"),
        S("ising", "wolff_clusters_per_sweep", "huge"),
        S("dbn", "counters", "neg"), S("hebb", "position", "huge"),
    ]
    files = [
        _bytes_case("cut in half", lambda raw, p: raw[: len(raw) // 2]),
        _bytes_case("empty", lambda raw, p: b""),
        _bytes_case("bytes flipped in the middle", lambda raw, p: raw[:200] + bytes(b ^ 0x5A for b in raw[200:260])
                    + raw[260:]),
        _bytes_case("not a zip", lambda raw, p: b"hello" * 100),
        _bytes_case("an unused 256 MB zero member", _add_member("junk.npy", zeros=zero_npy(256 * MB)), "ok"),
        _bytes_case("a state entry declaring (1e6, 1e6)", _add_member("x.npy", npy_header((10**6, 10**6)))),
        _bytes_case("a 64 MB header", _add_member(HEADER, zeros=zero_npy(64 * MB, "|u1"))),
        _bytes_case("a pickled object member", _add_member("x.npy", (lambda b: b.getvalue())(
            _pickled()))),
    ]
    c = header + state + files
    return c[::3] if quick else c


def _pickled():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return buf
