"""Lessons: every file loads, checks against its model's Params, starts and plays; a new file is a new
lesson (no code); a bad file is refused with a message naming it."""
import json

import numpy as np
import pytest

from engine import lessons, registry, replay

ALL = lessons.names()


def test_the_course_is_in_order_and_starts_with_the_welcome():
    assert ALL[0] == "welcome"
    orders = [lessons.info(n).order for n in ALL]
    assert orders == sorted(orders)
    # the seeds' examples whose models exist, each a lesson
    for name in ("hebb-tu", "hebb-tuc", "hebb-decay-instar", "hebb-mnist", "hopfield-5-neuron", "hopfield-tu-3x3",
                 "hopfield-tu-recall",
                 "hopfield-energy", "ising-critical", "hopfield-capacity", "hopfield-pinv-mnist",
                 "hopfield-storkey-mnist", "boltzmann-3unit", "boltzmann-letters", "rbm-table", "rbm-mnist", "dbn",
                 "competitive-blobs", "competitive-mnist", "som-iris", "som-mnist"):
        assert name in ALL


@pytest.mark.parametrize("name", ALL)
def test_every_lesson_starts_plays_and_its_steps_work(name):
    lesson = lessons.info(name)
    assert lesson.title and lesson.section and lesson.text
    assert lesson.model in registry.names()
    model = lessons.start(name)
    assert model.name == lesson.model and model.seed == lesson.seed
    for key, value in lesson.params.items():
        assert getattr(model.params, key) == value
    keys = {v.key for v in model.views()}
    assert set(lesson.views) <= keys
    model.step(1)
    model.step(1)
    assert model.snapshot().t >= 1
    for i in range(len(lesson.steps)):
        lessons.run_step(model, name, i)
    model.step(1)
    model.snapshot()


def test_a_lesson_starts_exactly_the_same_every_time():
    a, b = lessons.start("hopfield-tu-recall"), lessons.start("hopfield-tu-recall")
    assert replay.state_digest(a.state()) == replay.state_digest(b.state())
    snap = a.snapshot().data
    np.testing.assert_array_equal(snap["patterns"].shape, (2, 14, 14))
    assert np.mean(snap["state"] != snap["patterns"][0]) == pytest.approx(0.2, abs=0.01)   # T, 20 % flipped


def test_step_buttons_give_the_commands_they_say():
    model = lessons.start("hopfield-storkey-mnist")
    steps = {s.label: s for s in lessons.info("hopfield-storkey-mnist").steps}
    assert steps["Switch to Hebbian"].commands == (("set_params", (), {"rule": "hebbian"}),)
    lessons.run_step(model, "hopfield-storkey-mnist", list(steps).index("Switch to Hebbian"))
    assert model.params.rule == "hebbian"


def test_the_storkey_lesson_reproduces_the_seeds_five_pass_demo():
    """Seed 000 §2-11 trains Storkey's rule in 5 passes over 50 MNIST digits and recalls the occluded 5;
    one pass ends in a mixture. The lesson's buttons show both."""
    name = "hopfield-storkey-mnist"
    model = lessons.start(name)
    labels = [s.label for s in lessons.info(name).steps]
    lessons.run_step(model, name, labels.index("Recall"))
    assert model.snapshot().data["overlap"][0][-1] < 0.9
    for label in ("5 passes (the seed's)", "Occluded 5", "Recall"):
        lessons.run_step(model, name, labels.index(label))
    assert model.params.storkey_passes == 5
    assert model.snapshot().data["overlap"][0][-1] > 0.95


GOOD = {"title": "Mine", "model": "ising", "section": "000 §2-4", "text": ["# Hi", "text"],
        "params": {"L": 16, "T": 3.0}, "steps": [{"label": "Cool", "params": {"T": 1.0}}]}


def test_the_five_neuron_lesson_is_the_seeds_worked_example():
    """Seed 000 §2-2 by hand: s1 = [0,1,0,1,1], s2 = [1,0,1,1,0] give its weight table; from [0,1,0,1,0]
    the units 1, 3, 5, 2, 4 see activations −2, −2, +2, +2, 0 and the state becomes s1."""
    seed_w = np.array([[0, -2, 2, 0, -2], [-2, 0, -2, 0, 2], [2, -2, 0, 0, -2], [0, 0, 0, 0, 0], [-2, 2, -2, 0, 0]])
    model = lessons.start("hopfield-5-neuron")
    snap = model.snapshot().data
    np.testing.assert_array_equal(snap["weights"], seed_w)
    np.testing.assert_array_equal(snap["patterns"].reshape(2, 5), [[0, 1, 0, 1, 1], [1, 0, 1, 1, 0]])
    np.testing.assert_array_equal(snap["state"].reshape(5), [0, 1, 0, 1, 0])
    steps = lessons.info("hopfield-5-neuron").steps
    seen, states = [], []
    for unit in (1, 3, 5, 2, 4):   # the seed's random order, one button each
        index = [s.label for s in steps].index(f"Unit {unit}")
        seen.append(model.snapshot().data["field"][unit - 1])
        lessons.run_step(model, "hopfield-5-neuron", index)
        states.append(model.snapshot().data["state"].reshape(5).tolist())
    assert seen == [-2, -2, 2, 2, 0]
    assert states == [[0, 1, 0, 1, 0]] * 2 + [[0, 1, 0, 1, 1]] * 3
    assert model.snapshot().data["energy"][-1] < model.snapshot().data["energy"][0]
    # the one-button version ends in the same state, and "Back to the probe" undoes it
    labels = [s.label for s in steps]
    lessons.run_step(model, "hopfield-5-neuron", labels.index("Back to the probe"))
    lessons.run_step(model, "hopfield-5-neuron", labels.index("All, in the seed's order"))
    np.testing.assert_array_equal(model.snapshot().data["state"].reshape(5), [0, 1, 0, 1, 1])


@pytest.mark.parametrize("value", [[5], [], [-1], "0", [True], [0.5]])
def test_update_units_steps_are_checked(tmp_path, monkeypatch, value):
    raw = json.loads(lessons.info("hopfield-5-neuron").path.read_text(encoding="utf-8"))
    raw["steps"] = [{"label": "bad", "update_units": value}]
    (tmp_path / "900-bad-units.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv(lessons.ENV_FOLDERS, str(tmp_path))
    with pytest.raises(ValueError, match=r"900-bad-units\.json: steps\[0\]\.update_units must be"):
        lessons.info("bad-units")


def test_a_lesson_file_added_to_a_folder_is_picked_up(tmp_path, monkeypatch):
    (tmp_path / "055-my-ising.json").write_text(json.dumps(GOOD))
    monkeypatch.setenv(lessons.ENV_FOLDERS, str(tmp_path))
    names = lessons.names()
    assert names.index("my-ising") == names.index("hopfield-tu-3x3") + 1   # its number puts it in order
    model = lessons.start("my-ising")
    assert model.params.L == 16 and model.params.T == 3.0
    lessons.run_step(model, "my-ising", 0)
    assert model.params.T == 1.0
    assert lessons.info(tmp_path / "055-my-ising.json").title == "Mine"


@pytest.mark.parametrize("change, match", [
    ({"params": {"L": 16, "colour": 1}}, r"unknown parameter\(s\) \['colour'\]"),
    ({"params": {"T": 99.0}}, "T must be ≤ 6.0"),
    ({"wobble": 1}, r"unknown name\(s\) \['wobble'\]"),
    ({"model": "nope"}, "model must be one of"),
    ({"steps": [{"label": "x", "action": "fly"}]}, "action must be one of"),
    ({"steps": [{"label": "x", "params": {"Q": 1}}]}, "unknown parameter 'Q'"),
    ({"steps": [{"label": "x"}]}, "does nothing"),
    ({"steps": [{"label": "x", "experiment": "basinz"}]}, "experiment must be one of"),
    ({"patterns": {"random": 3}}, "takes no patterns"),
    ({"params": {}, "model": "hopfield", "patterns": {"preset": "letters", "names": "T"}}, "names must be"),
    ({"seed": None}, "seed must be a whole number"),
])
def test_a_bad_lesson_file_is_refused_naming_the_file(tmp_path, change, match):
    p = tmp_path / "300-broken.json"
    p.write_text(json.dumps({**GOOD, **change}))
    with pytest.raises(ValueError, match="lesson 300-broken.json: .*" + match):
        lessons.info(p)


def test_a_step_can_open_an_experiment_and_gives_the_model_no_command():
    steps = {s.label: s for s in lessons.info("basins-spurious").steps}
    assert steps["Basins table"].experiment == "basins" and steps["Basins table"].commands == ()
    assert steps["Recall"].experiment == "" and steps["Recall"].commands == (("call", ("recall_probe",), {}),)


def test_unknown_views_and_bad_json_name_the_file(tmp_path):
    p = tmp_path / "301-views.json"
    p.write_text(json.dumps({**GOOD, "views": ["spins", "nothing"]}))
    with pytest.raises(ValueError, match=r"lesson 301-views.json: views \['nothing'\]"):
        lessons.start(p)
    q = tmp_path / "302-json.json"
    q.write_text("{ not json")
    with pytest.raises(ValueError, match="lesson 302-json.json: is not valid JSON"):
        lessons.info(q)
    with pytest.raises(ValueError, match="unknown lesson 'nope'"):
        lessons.info("nope")


def test_pattern_and_probe_specs():
    shape = (3, 3)
    tu = lessons.pattern_set({"letters": "TU"}, shape, 0)
    assert tu.shape == (2, 3, 3) and tu[0].tolist() == [[1, 1, 1], [0, 1, 0], [0, 1, 0]]
    four, two = lessons.pattern_set({"random": 4}, (5, 5), 1), lessons.pattern_set({"random": 2}, (5, 5), 1)
    assert four[:2].tolist() == two.tolist()     # storing more random patterns keeps the first ones
    x = lessons.probe({"pattern": 1, "occlude_from_row": 1}, tu, shape, 0)
    assert x[1:].sum() == 0 and (x[0] == tu[1][0]).all()
    with pytest.raises(ValueError, match="28×28"):
        lessons.pattern_set({"mnist": 3}, shape, 0)
    with pytest.raises(ValueError, match="zeros and ones"):
        lessons.pattern_set({"values": [[2] * 9]}, shape, 0)


def test_listing_titles_imports_no_model(tmp_path, monkeypatch):
    import subprocess
    import sys
    code = ("import sys; from engine import lessons; t = [lessons.title(n) for n in lessons.names()]; "
            "print(t[0]); print(any(m.startswith('engine.models.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["Welcome to hebbgui", "False"]
    (tmp_path / "400-broken.json").write_text("[1")
    monkeypatch.setenv(lessons.ENV_FOLDERS, str(tmp_path))
    with pytest.raises(ValueError, match="lesson 400-broken.json: is not valid JSON"):
        lessons.title("broken")


@pytest.mark.slow
def test_every_lesson_starts_within_a_second_warm(capsys):
    """The issue's target: every lesson starts in < 1 s warm. Timed here after one start of each
    (numba caches, data sets loaded); the bound is loose (a shared CI runner, other tests beside it)
    and the times are printed, the slowest first, for the report."""
    import time
    for name in ALL:
        lessons.start(name)
    times = {}
    for name in ALL:
        t0 = time.perf_counter()
        lessons.start(name)
        times[name] = time.perf_counter() - t0
    with capsys.disabled():
        print("\nlesson starts, warm (s):", ", ".join(f"{n} {t:.2f}" for n, t in
                                                     sorted(times.items(), key=lambda kv: -kv[1])[:6]))
    slow = {n: round(t, 2) for n, t in times.items() if t > 4.0}
    assert not slow, f"lessons slower than 4 s to start warm: {slow}"
