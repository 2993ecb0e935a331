"""HebbModel headless: one pattern per step, the seed's letters, the probe, MNIST, save/load."""
import numpy as np
import pytest

from engine import registry
from engine.model import Model


def test_hebb_is_first_in_the_model_list():
    assert registry.names()[0] == "hebb"
    assert issubclass(registry.get("hebb"), Model) and registry.get("hebb").pattern_editor


def test_stepping_t_vs_u_shows_the_seeds_weights_one_pattern_at_a_time():
    m = registry.create("hebb", seed=0)
    first = m.snapshot()
    assert not first.data["weights"].any()
    m.step(1)
    s = m.snapshot()
    np.testing.assert_array_equal(s.data["weights"].reshape(-1), [1, 1, 1, -1, 1, -1, -1, 1, -1])
    np.testing.assert_array_equal(s.data["target"], [1])
    m.step(1)
    s = m.snapshot()
    np.testing.assert_array_equal(s.data["weights"].reshape(-1), [0, 2, 0, -2, 2, -2, -2, 0, -2])
    np.testing.assert_array_equal(s.data["weights_table"][0, -1], 0)        # the bias is back at 0
    np.testing.assert_array_equal(s.data["x"].reshape(-1), [1, -1, 1, 1, -1, 1, 1, 1, 1])   # U presented
    np.testing.assert_array_equal(s.data["target"], [-1])
    np.testing.assert_allclose(s.data["outputs"][:, 0], np.tanh([12, -12, 8, -4]))
    assert s.t == 2


def test_multiclass_and_decay_presets_reach_the_seeds_outputs():
    m = registry.create("hebb", {"preset": "tuc"}, seed=0)
    m.step(3)
    np.testing.assert_allclose(np.round(m.snapshot().data["outputs"], 2),
                               [[0.58, 0.21, 0.21], [0.09, 0.24, 0.67], [0.09, 0.67, 0.24]])
    d = registry.create("hebb", {"preset": "tuc-decay"}, seed=0)
    d.step(300)   # 100 passes, α = 0.1
    np.testing.assert_allclose(d.snapshot().data["weights"].reshape(3, 9), d.X, atol=1e-4)


def test_a_drawn_letter_changes_the_probe_bars_at_once():
    m = registry.create("hebb", {"preset": "tuc"}, seed=0)
    m.step(3)
    m.set_probe(np.array([[1, 1, 1], [-1, 1, -1], [-1, 1, -1]]))          # a T from the editor (±1)
    assert np.argmax(m.snapshot().data["probe_output"]) == 0
    m.set_probe(np.array([1, 1, 1, 1, -1, -1, 1, 1, 1]))                 # a C
    assert np.argmax(m.snapshot().data["probe_output"]) == 2
    m.paint("state", [3, 6], -1)                                         # wipe the left column's lower part
    m.paint("state", [4, 7], 1)
    assert np.argmax(m.snapshot().data["probe_output"]) == 0             # …and it reads as a T


def test_stored_patterns_become_the_training_set():
    m = registry.create("hebb", seed=0)
    L = np.array([[1, -1, -1, 1, -1, -1, 1, 1, 1], [1, -1, 1, 1, 1, 1, 1, -1, 1]])
    m.step(2)
    m.set_patterns(L)
    assert m.t == 0 and not m.snapshot().data["weights"].any()
    m.step(2)
    np.testing.assert_array_equal(m.snapshot().data["weights"].reshape(-1), L[0] - L[1])
    np.testing.assert_array_equal(m.snapshot().data["patterns"].reshape(2, 9), L)
    st = m.state()
    fresh = registry.create("hebb", seed=0)
    fresh.load_state(st)
    np.testing.assert_array_equal(fresh.snapshot().data["patterns"], m.snapshot().data["patterns"])


def test_live_rule_change_keeps_the_weights_and_structural_change_resets():
    m = registry.create("hebb", {"preset": "tuc"}, seed=0)
    m.step(3)
    m.with_params(rule="instar", learning_rate=0.5)
    assert m.t == 3 and m.clf.rule == "instar"
    m.with_params(n_prototypes=2)
    assert m.t == 0 and m.snapshot().data["weights"].shape == (6, 3, 3)


def test_snapshot_is_a_copy():
    m = registry.create("hebb", seed=0)
    m.step(1)
    s = m.snapshot()
    assert not np.shares_memory(s.data["weights"], m.clf.coef_)
    assert not np.shares_memory(s.data["state"], m.probe)


def test_mnist_preset_same_seed_same_run_and_state_round_trip():
    params = {"preset": "mnist", "n_data": 500, "eval_every": 100, "n_prototypes": 2}
    a, b = registry.create("hebb", params, seed=5), registry.create("hebb", params, seed=5)
    a.step(650)
    b.step(650)
    np.testing.assert_array_equal(a.snapshot().data["weights"], b.snapshot().data["weights"])
    s = a.snapshot()
    assert s.data["accuracy"].shape == (7,) and s.data["confusion"].sum() == 2000
    assert {v.key for v in a.views()} >= {"accuracy", "confusion", "weights"}
    assert s.data["weights"].shape == (20, 28, 28)
    saved = a.state()
    c = registry.create("hebb", params, seed=99)
    c.load_state(saved)
    a.step(400)
    c.step(400)
    for key in ("weights", "accuracy", "confusion", "x"):
        np.testing.assert_array_equal(a.snapshot().data[key], c.snapshot().data[key])


def test_bad_input_is_refused_naming_it():
    m = registry.create("hebb", seed=0)
    with pytest.raises(ValueError, match="x must have shape"):
        m.set_probe(np.ones(4))
    with pytest.raises(ValueError, match="x must hold only"):
        m.set_probe(np.full(9, 0.5))
    with pytest.raises(ValueError, match="patterns must have shape"):
        m.set_patterns(np.ones((1, 9)))
    with pytest.raises(ValueError, match="n must be"):
        m.step(0)
    with pytest.raises(ValueError, match="index"):
        m.paint("state", [9], 1)
    with pytest.raises(ValueError, match="preset"):
        m.with_params(preset="letters")
    st = m.state()
    st["coef"] = np.ones((2, 9))
    with pytest.raises(ValueError, match="coef"):
        m.load_state(st)
    st = m.state()
    st["order"] = np.array([0, 0])
    with pytest.raises(ValueError, match="order"):
        m.load_state(st)
