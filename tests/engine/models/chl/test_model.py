"""CHLModel: what the window and ``hebbgui run chl`` drive."""
from __future__ import annotations

import numpy as np
import pytest

from engine import registry

SMALL = {"n_train": 2000, "n_test": 300, "eval_every": 100}


def test_model_constructs_without_compiling_and_trains_live():
    m = registry.create("chl", SMALL, seed=0)
    assert m.net.sizes == (784, 128, 10) and m.snapshot().data["free_activity"].shape == (10, 138)
    assert m.snapshot().data["phases"].shape == (5 * 10 + 4 * 2, 2 * 33 + 2)   # 10 digits, each free | clamped
    fields0 = m.snapshot().data["fields"].copy()
    m.step(200)                                   # one epoch of 2,000 digits
    s = m.snapshot()
    assert not np.allclose(s.data["fields"], fields0)
    assert s.data["loss"].shape == (2, 10) and s.data["accuracy"].shape == (2,)
    assert s.data["test_accuracy"] > 0.5 and s.data["confusion"].sum() == 300
    free, clamped = s.data["free_activity"], s.data["second_activity"]
    assert np.allclose(s.data["phases"][:8, :16].ravel(), free[0, :128])        # digit 0's hidden units
    assert np.allclose(s.data["difference"][:8, :16].ravel(), clamped[0, :128] - free[0, :128])
    assert set(np.unique(clamped[:, -10:])) == {0.0, 1.0}           # the target, clamped
    assert m.epoch == 1 and s.data["epoch_accuracy"].shape == (1,)   # recorded as the epoch ends
    assert s.data["epoch_accuracy"][0] == s.data["accuracy"][-1]      # its test accuracy, scored once


def test_rule_gamma_dt_beta_change_live_and_bad_values_are_refused():
    m = registry.create("chl", SMALL, seed=0)
    m.step(3)
    m.with_params(rule="eqprop", beta=0.5, gamma=0.4, dt=0.25)
    assert (m.net.method, m.net.beta, m.net.gamma, m.net.dt, m.net.learning_rate) == ("eqprop", 0.5, 0.4, 0.25, 0.1)
    m.step(2)
    assert m.t == 5
    nudged_out = m.snapshot().data["second_activity"][:, -10:]
    assert not set(np.unique(nudged_out)) <= {0.0, 1.0}             # nudged, not clamped
    m.with_params(rule="random-feedback")
    assert m.net.feedback == "random" and len(m.net.feedback_) == 1
    m.step(1)
    with pytest.raises(ValueError, match="T must be ≥ dt"):
        m.with_params(T=0.5, dt=0.75)
    assert m.params.T == 10.0 and m.net.T == 10.0
    with pytest.raises(ValueError, match="gamma"):
        m.with_params(gamma=0.0)


def test_watch_a_digit_settle_step_by_step():
    m = registry.create("chl", SMALL, seed=0)
    m.step(20)
    m.settle_step()                               # starts a replay, one Euler step in
    s = m.snapshot().data
    assert s["watch_step"] == 1.0 and s["watch_steps"].shape == (21, 276) and s["watch_state"].shape == (10, 33)
    assert not s["watch_steps"][2:].any() and s["watch_steps"][1].any()   # the steps to come are blank
    for _ in range(30):
        m.settle_step()
    s = m.snapshot().data
    assert s["watch_step"] == 20.0                # it stops at the last Euler step
    free_out, clamped_out = s["watch_output"]
    np.testing.assert_array_equal(clamped_out, np.eye(10)[int(s["watch_label"])])
    m.watch_settle()
    assert m.snapshot().data["watch_step"] == 0.0 and m.watch[0] == 1    # the next test digit


def test_save_load_resumes_exactly_and_bad_state_is_refused():
    m = registry.create("chl", SMALL, seed=0)
    m.with_params(rule="random-feedback")
    m.step(15)
    m.watch_settle()
    m.settle_step()
    st = m.state()
    other = registry.create("chl", m.params, seed=7)
    other.load_state(st)
    m.step(5)
    other.step(5)
    for a, b in zip(m.net.weights_ + m.net.feedback_, other.net.weights_ + other.net.feedback_):
        np.testing.assert_array_equal(a, b)
    assert other.snapshot().data["watch_step"] >= 1.0
    bad = dict(st, chl_w1=np.zeros((5, 5)))
    fresh = registry.create("chl", m.params, seed=7)
    with pytest.raises(ValueError, match="chl_w1"):
        fresh.load_state(bad)
    assert fresh.t == 0


def test_a_run_away_rate_is_reported_and_the_epoch_start_weights_kept():
    m = registry.create("chl", SMALL, seed=0)
    m.step(2)
    m.with_params(learning_rate=1.0)
    m.net.update_params(learning_rate=1e7)        # beyond the form's range: a script's mistake
    with pytest.raises(ValueError, match="diverged"):
        m.step(5)
    assert np.all(np.abs(m.net.weights_[0]) < 1.0)
