"""CHL in calls of bounded work (engine/interrupt.py, issue 16.1): the parts give the one call's numbers
exactly, and a stop request anywhere in a minibatch leaves the weights as they were."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from engine import interrupt
from engine.models.chl import CHL
from engine.models.chl import estimator as chl_estimator

HUGE = 1 << 62     # every minibatch, and every settle, in one kernel call


def _net(method="chl", feedback="symmetric", dtype="float64", activation="sigmoid"):
    net = CHL(hidden=(16, 12), method=method, feedback=feedback, dtype=dtype, activation=activation, T=6.0,
              dt=0.25, batch_size=7, learning_rate=0.05, random_state=2)
    return net.initialize(30, np.arange(4))


def _data(n=23):
    rng = np.random.default_rng(4)
    X = rng.random((n, 30))
    X[X < 0.5] = 0.0            # zero inputs, skipped by the drive and the W_0 update
    return X, rng.integers(0, 4, n)


def _learned(net):
    return [a.copy() for a in net.weights_ + net.biases_]


@pytest.mark.parametrize("method,feedback,dtype,activation", [
    ("chl", "symmetric", "float64", "sigmoid"), ("eqprop", "symmetric", "float32", "tanh"),
    ("chl", "random", "float32", "sigmoid")])
def test_settling_in_blocks_of_rows_and_steps_equals_one_call(monkeypatch, method, feedback, dtype, activation):
    X, y = _data()
    monkeypatch.setattr(chl_estimator, "CALL_WORK", HUGE)
    one = _net(method, feedback, dtype, activation).layer_activities(X, y)
    work = _net()._row_step_work()
    for call_work in (work, 3 * work, 23 * 5 * work):     # a row a step; 3 rows a step; every row, 5 steps
        monkeypatch.setattr(chl_estimator, "CALL_WORK", call_work)
        parts = _net(method, feedback, dtype, activation).layer_activities(X, y)
        for phase_one, phase_parts in zip(one, parts):
            for a, b in zip(phase_one, phase_parts):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method,feedback,dtype", [("chl", "symmetric", "float64"), ("eqprop", "symmetric", "float32"),
                                                   ("chl", "random", "float32")])
def test_minibatches_in_parts_equal_one_call(monkeypatch, method, feedback, dtype):
    """A kernel call per two minibatches gives one call's weights, losses and phases bit for bit; a
    minibatch through the kernel's pieces, one unit of work a call, too, but for the last bit of the
    bias step (engine.kernels.chl: train's own bias loop is compiled with another association)."""
    X, y = _data()
    results = []
    two = -(-7 * (2 * 24 * _net()._row_step_work() + 3 * (30 * 16 + 16 * 12 + 12 * 4)) // 2)  # 4·CALL_WORK: two
    from engine.kernels import chl as kernels
    real_train, calls = kernels.train, []

    def counted(*args):
        calls.append(len(args[2]) // 7)
        return real_train(*args)
    monkeypatch.setattr(kernels, "train", counted)
    for call_work, rows, per_call in ((HUGE, 23, [3]), (two, 23, [2, 1]), (HUGE, 7, [1]), (1, 7, [])):
        monkeypatch.setattr(chl_estimator, "CALL_WORK", call_work)
        net = _net(method, feedback, dtype)
        calls.clear()
        losses, signals = net.train_batches(X[:rows], y[:rows])
        assert calls == per_call
        results.append((net.weights_, net.biases_, losses, signals, net.last_phases(), net.n_updates_))
    for one, parts in (results[:2], results[2:]):
        for a, b in zip(one[0], parts[0]):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(one[1], parts[1]):
            np.testing.assert_allclose(a, b, rtol=0, atol=0 if parts is results[1] else 4 * np.finfo(dtype).eps)
        np.testing.assert_array_equal(one[2], parts[2])
        np.testing.assert_array_equal(one[3], parts[3])
        for a, b in zip(one[4][1] + one[4][2], parts[4][1] + parts[4][2]):
            np.testing.assert_array_equal(a, b)
        assert one[5] == parts[5] == len(one[2])


class _StopAfter:
    """A stop flag that is set from its ``n``-th look on (``n`` None: never; counts the looks)."""

    def __init__(self, n=None):
        self.n, self.looks = n, 0

    def is_set(self) -> bool:
        self.looks += 1
        return self.n is not None and self.looks >= self.n


def test_a_stop_anywhere_in_a_minibatch_leaves_the_weights_as_they_were(monkeypatch):
    """Stops in the drive, in either phase and in the middle of the update (where the weights are half
    written) all leave the weights and the update count as before the call; the next call then trains
    as if nothing had happened."""
    X, y = _data(7)
    monkeypatch.setattr(chl_estimator, "CALL_WORK", 1)     # every piece a call of its own
    counting = _StopAfter()
    reference = _net()
    with interrupt.watching(counting):
        reference.train_batches(X, y)
    looks = counting.looks
    assert looks > 100
    # the update's calls are the last: 7 rows of W_0, then the 16 + 12 rows of W_1, W_2
    for n in (2, looks // 3, looks // 2, looks - 20, looks):
        net = _net()
        before = _learned(net)
        with interrupt.watching(_StopAfter(n)), pytest.raises(interrupt.StepInterrupted):
            net.train_batches(X, y)
        for a, b in zip(before, _learned(net)):
            np.testing.assert_array_equal(a, b)
        assert net.n_updates_ == 0 and net.last_phases() is None
        net.train_batches(X, y)
        for a, b in zip(_learned(reference), _learned(net)):
            np.testing.assert_array_equal(a, b)


def test_the_readout_stops_too():
    X, _ = _data(5)
    flag = threading.Event()
    flag.set()
    with interrupt.watching(flag), pytest.raises(interrupt.StepInterrupted):
        _net().predict(X)
