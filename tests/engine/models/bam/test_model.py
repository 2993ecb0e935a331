"""BAMModel as the window drives it: the pair ping-pongs one half-bounce per step to a stable pair
with the energy falling; the linear-associator preset makes one pass and shows its crosstalk."""
import numpy as np
import pytest

from engine import io
from engine.models.bam import BAMModel
from engine.models.bam import glyphs


def test_ping_pong_settles_on_the_stored_pair_one_half_bounce_per_step():
    m = BAMModel(seed=0)                       # A X O T ↔ 1 2 3 4, probe: A with 10 % flipped
    energies = []
    for _ in range(6):
        m.step()
        energies.append(m.snapshot().data["energy_now"])
    d = m.snapshot().data
    assert d["settled"] == 1.0 and d["half_bounces"] <= 4
    np.testing.assert_array_equal(d["x"].reshape(-1), glyphs("A", "x")[0])
    np.testing.assert_array_equal(d["y"].reshape(-1), glyphs("1", "y")[0])
    assert np.all(np.diff(d["energy"]) <= 0)
    assert d["energy"][0] == 0.0                # y undecided at the start


def test_start_from_y_and_settle_action():
    m = BAMModel({"start": "y", "probe_pair": 2}, seed=1)
    m.settle()
    d = m.snapshot().data
    np.testing.assert_array_equal(d["x"].reshape(-1), glyphs("O", "x")[0])
    assert d["settled"] == 1.0


def test_linear_preset_one_pass_with_crosstalk():
    m = BAMModel({"preset": "linear associator", "noise": 0.0}, seed=0)
    assert [v.key for v in m.views()][2:] == ["excitation", "crosstalk", "coefficients"]
    m.step(3)
    d = m.snapshot().data
    assert d["half_bounces"] == 1.0 and m.t == 3
    x = glyphs("AXOT", "x")
    np.testing.assert_allclose(d["coefficients"], x @ x[0])
    assert np.abs(d["crosstalk"]).max() > 0    # letters are far from orthogonal
    np.testing.assert_allclose(d["excitation"], d["crosstalk"] + 49 * glyphs("1", "y")[0].reshape(7, 7))
    m.with_params(rule="pseudoinverse")
    m.step()
    d = m.snapshot().data
    np.testing.assert_allclose(d["crosstalk"], 0, atol=1e-9)
    np.testing.assert_array_equal(d["y"].reshape(-1), glyphs("1", "y")[0])


def test_same_seed_same_run_and_save_load_identical(tmp_path):
    a, b = BAMModel({"x_text": "HXOTL", "y_text": "12345", "noise": 0.3}, seed=5), \
        BAMModel({"x_text": "HXOTL", "y_text": "12345", "noise": 0.3}, seed=5)
    for m in (a, b):
        m.step(2)
    for k, v in a.snapshot().data.items():
        np.testing.assert_array_equal(v, b.snapshot().data[k])
    io.save(a, tmp_path / "b.npz")
    c = io.load(tmp_path / "b.npz")
    for k, v in a.snapshot().data.items():
        np.testing.assert_array_equal(v, c.snapshot().data[k])
    a.step(5)
    c.step(5)
    for k, v in a.snapshot().data.items():
        np.testing.assert_array_equal(v, c.snapshot().data[k])


@pytest.mark.parametrize("call, word", [
    (lambda m: m.with_params(x_text=""), "x_text"),
    (lambda m: m.with_params(y_text="1?"), "y_text"),
    (lambda m: m.set_probe(x=np.ones(5)), "x must have shape"),
    (lambda m: m.set_probe(), "exactly one"),
    (lambda m: m.paint("z", [0], 1), "key"),
    (lambda m: m.paint("x", [49], 1), "index"),
    (lambda m: m.step(-1), "n"),
])
def test_bad_input_is_refused_naming_it(call, word):
    m = BAMModel(seed=0)
    before = m.snapshot().data["x"].copy()
    with pytest.raises(ValueError, match=word):
        call(m)
    np.testing.assert_array_equal(m.snapshot().data["x"], before)
    assert m.params.x_text == "AXOT"


def test_a_damaged_state_is_refused():
    m = BAMModel(seed=0)
    st = m.state()
    for key, bad in (("x", np.full(49, 0.5)), ("counters", np.array([0, 2, 0, 0])), ("y", np.zeros(3))):
        with pytest.raises(ValueError, match="counters|x|y"):
            m.load_state({**st, key: bad})
