"""Modern Hopfield and BAM in the window: drag β from one end of its slider to the other and watch the
softmax go from every stored digit alike to one digit; bounce a BAM pair step by step until it settles."""
import numpy as np
import pytest

from tests.hebbgui.conftest import wait_for_snapshot


@pytest.fixture
def modern(qtbot, open_window):
    return open_window("modern-hopfield")


def test_beta_slider_walks_the_regimes(qtbot, modern):
    slider = modern.params_form.editors["beta"].slider
    # the regime marks sit where the (log) handle goes for their β
    modern.params_form.editors["beta"].spin.setValue(0.05)
    assert slider.mark_fraction(slider.marks["mixtures"]) == pytest.approx(slider.value() / slider.maximum(), abs=1e-3)
    slider.setValue(slider.minimum())                          # β = 1e-4: the global average
    data = wait_for_snapshot(qtbot, modern, lambda d: d["entropy"] > 0.99 * np.log(d["n_patterns"]))
    assert data["max_weight"] < 2.0 / data["n_patterns"]
    slider.setValue(slider.maximum())                          # β = 10: one stored digit
    wait_for_snapshot(qtbot, modern, lambda d: d["max_weight"] > 0.999)
    t0 = modern.last_snapshot.t
    modern.transport.step.click()
    qtbot.waitUntil(lambda: modern.last_snapshot is not None and modern.last_snapshot.t > t0, timeout=10000)
    data = modern.last_snapshot.data
    assert data["entropy"] < 1e-3
    # the retrieved image is the stored digit the probe was made from, bottom half filled in
    source = int(data["probe_source"])
    assert np.abs(data["state"] - data["patterns"][source]).max() < 1e-3
    assert np.abs(data["probe"][14:] - 0.5).max() == 0.0       # the probe's bottom half was unknown
    shown = modern.views["attention"]
    assert shown.info_label.text() == ""                       # the bars drew
    energies = data["energy"][np.isfinite(data["energy"])]
    assert energies[-1] <= energies[-2] + 1e-9


def test_bam_ping_pong_settles_step_by_step(qtbot, open_window):
    win = open_window("bam")
    data = wait_for_snapshot(qtbot, win, lambda d: d["half_bounces"] == 0)
    assert np.all(data["y"] == 0)                             # y undecided before the first half-bounce
    win.transport.step.click()
    data = wait_for_snapshot(qtbot, win, lambda d: d["half_bounces"] == 1)
    assert np.all(np.abs(data["y"]) == 1)
    for _ in range(4):
        win.transport.step.click()
    data = wait_for_snapshot(qtbot, win, lambda d: d["settled"] == 1.0)
    assert np.all(np.diff(data["energy"]) <= 0)
    np.testing.assert_array_equal(win.views["y"].image.image, data["y"])
    # the linear associator preset: one pass, its crosstalk shown
    combo = win.params_form.editors["preset"]
    combo.setCurrentIndex(combo.findData("linear associator"))
    qtbot.waitUntil(lambda: "crosstalk" in win.views, timeout=10000)
    win.transport.step.click()
    data = wait_for_snapshot(qtbot, win, lambda d: "crosstalk" in d and d["half_bounces"] == 1)
    assert np.abs(data["crosstalk"]).max() > 0
