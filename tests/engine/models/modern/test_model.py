"""ModernHopfieldModel as the window drives it: β walks through the regimes, steps never raise the
energy, the same seed gives the same run, save → load gives the same model, bad input is refused."""
import numpy as np
import pytest

from engine import io
from engine.models.modern import ModernHopfieldModel
from engine.models.modern import N_UNITS


def test_beta_walks_from_average_to_mixtures_to_one_pattern():
    m = ModernHopfieldModel({"beta": 1e-4}, seed=0)
    n = m.snapshot().data["n_patterns"]
    assert m.snapshot().data["entropy"] > 0.99 * np.log(n)          # every pattern alike
    m.with_params(beta=0.05)
    m.step(3)
    mid = m.snapshot().data
    assert 0.5 < mid["entropy"] < 0.9 * np.log(n) and mid["max_weight"] < 0.5   # a mixture of several
    m.with_params(beta=5.0)
    m.restore_probe()                          # from the probe again (the mixture would retrieve its own nearest)
    m.step(2)
    d = m.snapshot().data
    assert d["max_weight"] > 0.999 and d["nearest"] == d["probe_source"] == 0
    assert np.abs(d["state"] - d["patterns"][0]).max() < 1e-3       # the stored digit, bottom half back


def test_steps_never_raise_the_energy_and_a_beta_change_breaks_the_curve():
    m = ModernHopfieldModel({"beta": 0.03, "corruption": "flip noise", "noise": 0.3}, seed=1)
    m.step(5)
    e = m.snapshot().data["energy"]
    assert len(e) == 6 and np.all(np.diff(e) <= 1e-9)
    m.with_params(beta=0.3)
    e = m.snapshot().data["energy"]
    assert np.isnan(e[6]) and np.isfinite(e[7])


def test_same_seed_same_run_and_save_load_identical(tmp_path):
    a = ModernHopfieldModel({"corruption": "flip noise", "n_stored": 50}, seed=3)
    b = ModernHopfieldModel({"corruption": "flip noise", "n_stored": 50}, seed=3)
    for m in (a, b):
        m.new_probe()
        m.step(3)
    da, db = a.snapshot().data, b.snapshot().data
    for k in da:
        np.testing.assert_array_equal(da[k], db[k])
    io.save(a, tmp_path / "m.npz")
    c = io.load(tmp_path / "m.npz")
    dc = c.snapshot().data
    assert c.t == a.t and c.params == a.params
    for k in da:
        np.testing.assert_array_equal(dc[k], da[k])
    a.step(2)
    c.step(2)
    np.testing.assert_array_equal(a.snapshot().data["state"], c.snapshot().data["state"])


def test_editor_patterns_probe_and_paint():
    m = ModernHopfieldModel({"dataset": "letters"}, seed=0)
    assert m.snapshot().data["n_patterns"] == 26
    pats = np.zeros((2, 28, 28), dtype=np.int8)
    pats[0, :14] = 1
    pats[1, :, :14] = 1
    m.set_patterns(pats)                       # 0/1 from the editor: stored as ±1
    assert m.snapshot().data["patterns"].shape == (2, 28, 28)
    m.set_probe(np.where(pats[0] > 0, 1, -1))
    m.with_params(beta=1.0)
    m.step()
    assert m.snapshot().data["nearest"] == 0
    m.paint("probe", np.arange(N_UNITS), -1)
    assert np.all(m.snapshot().data["probe"] == 0.0)
    m.set_patterns(np.zeros((0, N_UNITS)))    # the editor's "clear all": the dataset comes back
    assert m.snapshot().data["n_patterns"] == 26


@pytest.mark.parametrize("call, word", [
    (lambda m: m.set_probe(np.ones(5)), "x must have shape"),
    (lambda m: m.set_probe(np.full(N_UNITS, 2.0)), "x must have values in"),
    (lambda m: m.set_patterns(np.ones((2, 5))), "patterns must have shape"),
    (lambda m: m.paint("state", [0], 1), "key"),
    (lambda m: m.paint("probe", [N_UNITS], 1), "index"),
    (lambda m: m.paint("probe", [0], 0.5), "value"),
    (lambda m: m.with_params(beta=0.0), "beta"),
    (lambda m: m.step(0), "n"),
])
def test_bad_input_is_refused_naming_it(call, word):
    m = ModernHopfieldModel({"dataset": "letters"}, seed=0)
    before = m.snapshot().data["state"].copy()
    with pytest.raises(ValueError, match=word):
        call(m)
    np.testing.assert_array_equal(m.snapshot().data["state"], before)


def test_a_damaged_state_is_refused(tmp_path):
    m = ModernHopfieldModel({"dataset": "letters"}, seed=0)
    st = m.state()
    for key, bad in (("xi", np.zeros(5)), ("probe_source", np.array(99)), ("patterns", np.zeros((0, N_UNITS))),
                     ("energy_history", np.array([np.inf]))):
        with pytest.raises(ValueError, match=key):
            m.load_state({**st, key: bad})
