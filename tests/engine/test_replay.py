"""Replay: every registered model, a scripted run with parameter changes mid-run, saved and replayed,
passes through identical snapshots at every recorded step and ends in the identical state."""
import dataclasses
import json

import numpy as np
import pytest

from engine import registry, replay
from engine.model import param_meta


def _other_value(params, f):
    """A valid value of a live parameter other than the current one (None when there is none)."""
    meta = f.metadata
    cur = getattr(params, f.name)
    if meta.get("choices"):
        others = [c for c in meta["choices"] if c != cur]
        return others[0] if others else None
    if isinstance(cur, bool):
        return not cur
    if isinstance(cur, (int, float)):
        lo, hi = meta.get("min"), meta.get("max")
        new = cur * 1.5 + (1 if isinstance(cur, int) else 0.1)
        if hi is not None:
            new = min(new, hi)
        if lo is not None:
            new = max(new, lo)
        new = int(new) if isinstance(cur, int) else float(new)
        return None if new == cur else new
    return None


def _param_change(model):
    """One parameter change: the first live parameter's, else (a model with none) the first other."""
    fields = dataclasses.fields(model.params)
    live = [f for f in fields if param_meta(type(model.params), f.name).get("live", True)]
    for f in live + [f for f in fields if f not in live]:
        new = _other_value(model.params, f)
        if new is not None:
            return {f.name: new}
    return {}


def _same(a, b):
    assert a.t == b.t
    assert sorted(a.data) == sorted(b.data)
    for k in a.data:
        x, y = a.data[k], b.data[k]
        if isinstance(x, (np.ndarray, float, int, np.floating, np.integer)):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y), err_msg=k)
        else:
            assert x == y, k


@pytest.mark.parametrize("name", registry.names())
def test_replay_is_exact_for_every_model(name, tmp_path):
    model = registry.create(name, seed=3)
    rec = replay.Recorder(model)
    snaps = [model.snapshot()]

    def do(fn, *args, **kwargs):
        fn(*args, **kwargs)
        snaps.append(model.snapshot())
    do(rec.step, 2)
    do(rec.step, 2)            # the same step twice: one log entry, repeated
    do(rec.step, 1)
    change = _param_change(model)
    assert change, f"{name} has no parameter to change"
    do(rec.set_params, **change)
    do(rec.step, 3)
    actions = type(model).actions()
    if actions:
        do(rec.call, actions[0][0])
        do(rec.step, 1)
    do(rec.reset, 11)
    do(rec.step, 2)
    path = rec.save(tmp_path / "run.json")
    assert path.stat().st_size < 200_000, "a run file holds no frames"
    steps_logged = [e for e in json.loads(path.read_text())["log"] if e["op"] == "step"]
    assert steps_logged[0]["repeat"] == 2

    seen = []
    again = replay.replay(path, on_step=lambda entry, m: seen.append(m.snapshot()))
    assert len(seen) == len(snaps)
    for a, b in zip(snaps, seen):
        _same(a, b)
    assert replay.state_digest(again.state()) == replay.state_digest(model.state())


def test_a_run_started_mid_way_embeds_its_state(tmp_path):
    model = registry.create("hopfield", seed=0)
    model.step(3)
    model.corrupt_probe()
    rec = replay.Recorder(model)
    rec.step(2)
    rec.call("set_probe", np.ones(49, dtype=np.int8))
    rec.step(1)
    run = rec.to_dict()
    assert "state" in run["initial"]
    again = replay.replay(run)
    assert replay.state_digest(again.state()) == replay.state_digest(model.state())


def test_a_fresh_run_stores_no_arrays(tmp_path):
    rec = replay.Recorder(registry.create("ising", {"L": 16}, seed=1))
    rec.step(4)
    assert "state" not in rec.to_dict()["initial"]


def test_a_replay_that_diverges_is_an_error(tmp_path):
    rec = replay.Recorder(registry.create("ising", {"L": 16}, seed=1))
    rec.step(4)
    run = rec.to_dict()
    run["log"][0]["n"] = 3          # edited: the replay cannot end where the run did
    with pytest.raises(ValueError, match="diverged"):
        replay.replay(run)


def test_resume_continues_the_log(tmp_path):
    rec = replay.Recorder(registry.create("ising", {"L": 16}, seed=1))
    rec.step(4)
    rec.set_params(T=3.0)
    rec.save(tmp_path / "a.json")
    rec2 = replay.resume(tmp_path / "a.json")
    rec2.step(2)
    rec.step(2)
    rec2.save(tmp_path / "b.json")
    assert replay.state_digest(replay.replay(tmp_path / "b.json").state()) == replay.state_digest(rec.model.state())


@pytest.mark.parametrize("text, match", [
    ("not json", "run bad.json"),
    ('{"format": "other"}', "not a hebbgui run"),
    ('{"format": "hebbgui-run", "version": 1, "log": [{"op": "explode"}]}', "op"),
])
def test_bad_run_files_name_the_file(tmp_path, text, match):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        replay.load(p)


def test_an_argument_json_cannot_hold_makes_the_run_refused(tmp_path):
    model = registry.create("hopfield", seed=0)
    model.take = lambda value: None            # a command whose argument a run file cannot hold
    rec = replay.Recorder(model)
    rec.call("take", object())
    assert "cannot record an argument of type object" in rec.problem
    rec.save(tmp_path / "r.json")
    with pytest.raises(ValueError, match="r.json: cannot be replayed"):
        replay.load(tmp_path / "r.json")
