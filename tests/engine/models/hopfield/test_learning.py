"""Hopfield storage rules that raise capacity (the perceptron rule, Storkey in passes) and the
seeds' conventions as options (self-connections, sgn(0) = +1, 1/P scales): issue 13."""
import numpy as np
import pytest

from engine import Hopfield
from engine.datasets import load_mnist
from engine.models.hopfield import RULES, LearningReport


def random_patterns(p, n, seed, values=(1, -1)):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((p, n)) < 0.5, values[0], values[1]).astype(np.int8)


def fields(net, states):
    """h = W s + (what the network's thresholds subtract), in numpy, for a batch of states."""
    return states.astype(np.float64) @ net.weights.T - net.thresholds - net.learned_thresholds


# --------------------------------------------------------------------------- the perceptron rule
@pytest.mark.parametrize("symmetric", [True, False])
def test_perceptron_stores_as_many_random_patterns_as_units(symmetric):
    """P = N = 200 (α = 1, far past Hebbian 0.138, within Gardner's 2): every pattern a fixed point."""
    x = random_patterns(200, 200, 0)
    net = Hopfield(200, rule="perceptron", symmetric=symmetric, margin=0.0, seed=0)
    net.store(x)
    assert net.learning_report.rule == "perceptron" and net.learning_report.converged
    assert 1 < net.learning_report.epochs < net.max_epochs
    assert net.stable_patterns().all() and net.is_fixed_point(x).all()
    assert np.array_equal(net.weights, net.weights.T) == symmetric
    assert np.all(np.diag(net.weights) == 0)
    hebbian = Hopfield(200)
    hebbian.store(x)
    assert hebbian.stable_patterns().mean() < 0.05  # the same load wipes the Hebbian memory out


def test_perceptron_margin_holds_for_every_unit_of_every_pattern():
    x = random_patterns(30, 60, 1)
    for margin in (0.0, 0.5):
        net = Hopfield(60, rule="perceptron", margin=margin)
        net.store(x)
        assert net.learning_report.converged
        assert np.min(x * fields(net, x)) > margin


def test_perceptron_margin_widens_the_basins():
    """κ > 0 makes the patterns attract noisy probes that κ = 0 loses (the margin is robustness)."""
    x = random_patterns(40, 100, 2)
    rng = np.random.default_rng(3)
    probes = np.repeat(x, 5, axis=0)
    probes[rng.random(probes.shape) < 0.1] *= -1
    rates = []
    for margin in (0.0, 1.0):
        net = Hopfield(100, rule="perceptron", margin=margin)
        net.store(x)
        rates.append(np.mean(np.all(net.recall(probes, seed=0) == np.repeat(x, 5, axis=0), axis=1)))
    assert rates[1] > rates[0] + 0.2


def test_perceptron_says_when_max_epochs_stops_it():
    x = random_patterns(120, 100, 4)  # α = 1.2: about 200 epochs to converge
    net = Hopfield(100, rule="perceptron", max_epochs=2)
    net.store(x)
    assert net.learning_report == LearningReport("perceptron", 2, False)
    assert not net.stable_patterns().all()
    net.set_options(max_epochs=2000)  # re-learns at once
    assert net.learning_report.converged and net.stable_patterns().all()


def test_perceptron_learns_in_the_coding_and_with_the_thresholds():
    """Binary 0/1 coding and non-zero thresholds U: the patterns are fixed points of *that* network
    (a Hebbian network of 0/1 states keeps almost none), and changing U or the coding re-learns."""
    x01 = random_patterns(20, 50, 5, values=(1, 0))
    net = Hopfield(50, rule="perceptron", coding="binary", thresholds=0.3)
    net.store(x01)
    assert net.stable_patterns().all() and np.any(net.learned_thresholds != 0)
    net.thresholds = -0.7
    assert net.stable_patterns().all()
    net.coding = "bipolar"
    assert net.stable_patterns().all()
    hebbian = Hopfield(50, coding="binary", thresholds=0.3)
    hebbian.store(x01)
    assert hebbian.stable_patterns().mean() < 0.5


def test_perceptron_is_deterministic_and_other_rules_report_one_shot():
    x = random_patterns(20, 40, 6)
    a, b = Hopfield(40, "perceptron", seed=1), Hopfield(40, "perceptron", seed=2)
    a.store(x)
    b.store(x)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.learned_thresholds, b.learned_thresholds)
    for rule in RULES[:3]:
        net = Hopfield(40, rule)
        net.store(x)
        assert net.learning_report == LearningReport(rule, 1, True)
        assert np.all(net.learned_thresholds == 0)


# --------------------------------------------------------------------------- Storkey in passes
def test_storkey_passes_repeat_the_rule_over_the_patterns():
    x = random_patterns(8, 30, 7)
    one, three = Hopfield(30, "storkey"), Hopfield(30, "storkey", storkey_passes=3)
    one.store(np.concatenate([x, x, x]))  # three passes = the patterns presented three times
    three.store(x)
    assert three.learning_report.epochs == 3 and one.learning_report.epochs == 1
    assert np.array_equal(three.weights, one.weights)
    one.store(x)
    assert not np.allclose(three.weights, one.weights)


def test_seed_000_storkey_mnist_five_passes_recall_the_occluded_digits():
    """Seed 000 §2-11: 50 MNIST digits, Storkey, 5 passes, the bottom rows (18:) set to −1; the
    first 10 digits come back with mean overlap ≈ 0.99 (one pass, as before: ≈ 0.75)."""
    images, _ = load_mnist("train", 50)
    x = np.where(images.reshape(50, -1) > 0, 1, -1).astype(np.int8)
    probes = x[:10].copy().reshape(10, 28, 28)
    probes[:, 18:, :] = -1
    overlaps = {}
    for passes in (1, 5):
        net = Hopfield(784, "storkey", storkey_passes=passes)
        net.store(x)
        out = net.recall(probes.reshape(10, -1), max_sweeps=200, seed=0)
        overlaps[passes] = np.mean(out.astype(np.float64) * x[:10], axis=1)
    assert overlaps[5].mean() >= 0.98 and overlaps[5].min() >= 0.85
    assert overlaps[1].mean() < 0.85


# --------------------------------------------------------------------------- the seeds' conventions
def test_seed_001_conventions_make_stored_vectors_fixed_points():
    """Seed 001 keeps the diagonal of W = Σ xxᵀ and takes sgn(0) = +1. With them, 5 stored random
    10-dim vectors are fixed points (all of them for this set; 90 % over 200 sets), where the zero
    diagonal keeps only about half."""
    x = random_patterns(5, 10, 0)
    net = Hopfield(10, self_connections=True, tie="plus")
    net.store(x)
    assert np.array_equal(net.weights, x.T.astype(float) @ x)  # the diagonal is P = 5
    assert net.stable_patterns().all()
    kept, zeroed = [], []
    for seed in range(200):
        x = random_patterns(5, 10, seed)
        seeds_net, today = Hopfield(10, self_connections=True, tie="plus"), Hopfield(10)
        seeds_net.store(x)
        today.store(x)
        kept.append(seeds_net.stable_patterns().mean())
        zeroed.append(today.stable_patterns().mean())
    assert np.mean(kept) > 0.85 and np.mean(zeroed) < 0.6


def test_tie_plus_breaks_ties_upward_in_every_mode():
    """A state whose last unit is off with a zero field (h = W s = (−4, 4, 4, 0)): a fixed point with
    tie="keep"; with "plus" that unit goes up (sgn(0) = +1) in the async, sync and energy modes, and
    the fixed-point test agrees."""
    x = np.array([[1, -1, -1, -1], [1, -1, -1, 1]], dtype=np.int8)
    probe = np.array([-1, 1, 1, -1], dtype=np.int8)
    for mode in ("async", "sync", "energy"):
        keep, plus = Hopfield(4), Hopfield(4, tie="plus")
        keep.store(x)
        plus.store(x)
        assert np.array_equal(keep.local_field(probe), [-4, 4, 4, 0])
        assert np.array_equal(keep.recall(probe, mode=mode, seed=0), probe)  # a fixed point under "keep"
        up = plus.recall(probe, mode=mode, seed=0)
        assert not np.array_equal(up, probe) and plus.is_fixed_point(up)
        assert keep.is_fixed_point(probe) and not plus.is_fixed_point(probe)
    plus.tie = "keep"
    assert plus.is_fixed_point(probe)


@pytest.mark.parametrize("scale,factor", [("1/P", 1 / 6), ("1/NP", 1 / (6 * 40)), ("1/N", 1 / 40)])
def test_hebbian_scales(scale, factor):
    x = random_patterns(6, 40, 8)
    plain, scaled = Hopfield(40), Hopfield(40, scale=scale)
    plain.store(x)
    scaled.store(x)
    assert np.allclose(scaled.weights, plain.weights * factor, rtol=1e-15, atol=0)
    probes = random_patterns(10, 40, 9)
    assert np.array_equal(scaled.recall(probes, seed=1), plain.recall(probes, seed=1))


def test_self_connections_apply_to_hebbian_and_pseudoinverse_only():
    x = random_patterns(5, 20, 10)
    for rule in RULES:
        net = Hopfield(20, rule, self_connections=True)
        net.store(x)
        has_diagonal = rule in ("hebbian", "pseudoinverse")
        assert np.any(np.diag(net.weights) != 0) == has_diagonal
    net = Hopfield(20, "pseudoinverse", self_connections=True)
    net.store(x)
    assert np.allclose(net.weights @ x.T, x.T)  # the projection X⁺X: every pattern exactly reproduced


def test_set_options_relearns_once_and_options_read_back():
    x = random_patterns(6, 30, 11)
    net = Hopfield(30, "storkey")
    net.store(x)
    net.set_options(storkey_passes=4, self_connections=True)
    assert net.storkey_passes == 4 and net.self_connections and net.learning_report.epochs == 4
    net.rule = "perceptron"
    net.set_options(margin=0.2, symmetric=False, max_epochs=50)
    assert (net.margin, net.symmetric, net.max_epochs) == (0.2, False, 50)
    assert net.learning_options.margin == 0.2 and net.stable_patterns().all()
    net.scale = "1/NP"
    assert net.scale == "1/NP"


@pytest.mark.parametrize("call,name", [
    (lambda: Hopfield(5, margin=-0.1), "margin"),
    (lambda: Hopfield(5, margin=float("nan")), "margin"),
    (lambda: Hopfield(5, symmetric="yes"), "symmetric"),
    (lambda: Hopfield(5, max_epochs=0), "max_epochs"),
    (lambda: Hopfield(5, self_connections=1.5), "self_connections"),
    (lambda: Hopfield(5, tie="up"), "tie"),
    (lambda: Hopfield(5, storkey_passes=0), "storkey_passes"),
    (lambda: Hopfield(5, scale="1/Q"), "scale"),
    (lambda: Hopfield(5, rule="perceptrons"), "rule"),
    (lambda: Hopfield(5).set_options(margins=1.0), "margins"),
    (lambda: Hopfield(5).set_options(storkey_passes=2.5), "storkey_passes"),
    (lambda: setattr(Hopfield(5), "tie", None), "tie"),
])
def test_bad_options_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_asymmetric_weights_reach_the_kernels_the_right_way_round():
    """h_i = Σ_j w_ij s_j with w_ij ≠ w_ji: the kernels' fields, the fixed-point test and recall
    agree with numpy's W @ s (the kernels read the transpose)."""
    x = random_patterns(60, 80, 12)
    net = Hopfield(80, rule="perceptron", symmetric=False)
    net.store(x)
    w = net.weights
    assert not np.array_equal(w, w.T)
    states = random_patterns(5, 80, 13)
    assert np.allclose(net.local_field(states), states @ w.T, rtol=0, atol=1e-12)
    assert np.array_equal(net.recall(x, seed=0), x)  # stored patterns stay put under the dynamics
    state = states[0].copy()
    field = net.local_field(state)
    done, fixed, _, _ = net.sweep(state, field, 50, seed=1)
    assert np.allclose(field, w @ state, rtol=0, atol=1e-9)  # the field kept during sweeps
    assert net.is_fixed_point(state) == fixed == net.is_fixed_point(state, field=field)
