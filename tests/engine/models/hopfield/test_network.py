"""Hopfield scientific API: the seeds' worked examples, MNIST recall and its honest limits,
properties of the rules and dynamics, determinism, and input validation."""
import itertools

import numpy as np
import pytest

from engine import Hopfield
from engine.models.hopfield import RULES, check_weight_memory

# seed 000 §2 (4.Hopfield(1).py, 6.Hopfield(2).py): the 3x3 letters and their corrupted versions
T = [1, 1, 1, 0, 1, 0, 0, 1, 0]
U = [1, 0, 1, 1, 0, 1, 1, 1, 1]
C = [1, 1, 1, 1, 0, 0, 1, 1, 1]
T_CORRUPT = [1, 0, 1, 0, 1, 0, 0, 1, 0]
U_CORRUPT = [1, 0, 1, 0, 0, 1, 1, 1, 0]
C_CORRUPT = [0, 1, 1, 1, 0, 0, 0, 1, 1]
SEEDS = range(12)  # several seeds = several random update orders


def bip(x):
    return 2 * np.asarray(x, dtype=np.int8) - 1


def in_coding(x, coding):
    return np.asarray(x, dtype=np.int8) if coding == "binary" else bip(x)


# --------------------------------------------------------------------------- seed 000 §2-2: 5 neurons
FIVE_PATTERNS = [[0, 1, 0, 1, 1], [1, 0, 1, 1, 0]]
FIVE_WEIGHTS = [[0, -2, 2, 0, -2], [-2, 0, -2, 0, 2], [2, -2, 0, 0, -2], [0, 0, 0, 0, 0], [-2, 2, -2, 0, 0]]


def test_five_neuron_worked_example_weights():
    net = Hopfield(5, coding="binary")
    net.store(FIVE_PATTERNS)
    assert np.array_equal(net.weights, np.array(FIVE_WEIGHTS, dtype=float))
    assert net.weights.dtype == np.float64


def test_five_neuron_worked_example_recall_in_every_order():
    net = Hopfield(5, coding="binary")
    net.store(FIVE_PATTERNS)
    probe = np.array([0, 1, 0, 1, 0], dtype=np.uint8)
    w = np.array(FIVE_WEIGHTS, dtype=float)
    # Every one of the 5! update orders, applied by hand with Hopfield's rule (U = 0, ties keep).
    for order in itertools.permutations(range(5)):
        s = probe.astype(float)
        for i in order:
            a = w[i] @ s
            s[i] = 1 if a > 0 else (0 if a < 0 else s[i])
        assert s.tolist() == [0, 1, 0, 1, 1]
    for mode in ("async", "energy", "sync"):
        for seed in SEEDS:
            out = net.recall(probe, mode=mode, seed=seed)
            assert out.dtype == np.uint8 and out.tolist() == [0, 1, 0, 1, 1], (mode, seed)


# --------------------------------------------------------------------------- seed 000 §2-3: T and U
def test_seed_letter_weights_match_the_printed_matrix():
    net = Hopfield(9, coding="binary")
    net.store([T, U])
    printed = [[0, 0, 2, 0, 0, 0, 0, 2, 0], [0, 0, 0, -2, 2, -2, -2, 0, -2], [2, 0, 0, 0, 0, 0, 0, 2, 0],
               [0, -2, 0, 0, -2, 2, 2, 0, 2], [0, 2, 0, -2, 0, -2, -2, 0, -2], [0, -2, 0, 2, -2, 0, 2, 0, 2],
               [0, -2, 0, 2, -2, 2, 0, 0, 2], [2, 0, 2, 0, 0, 0, 0, 0, 0], [0, -2, 0, 2, -2, 2, 2, 0, 0]]
    assert np.array_equal(net.weights, np.array(printed, dtype=float))


@pytest.mark.parametrize("coding", ["binary", "bipolar"])
@pytest.mark.parametrize("mode", ["async", "energy"])
def test_t_and_u_recalled_from_the_seeds_corrupted_letters(coding, mode):
    net = Hopfield(9, coding=coding)
    net.store(in_coding([T, U], coding))
    for seed in SEEDS:
        assert np.array_equal(net.recall(in_coding(T_CORRUPT, coding), mode=mode, seed=seed), in_coding(T, coding))
        assert np.array_equal(net.recall(in_coding(U_CORRUPT, coding), mode=mode, seed=seed), in_coding(U, coding))


@pytest.mark.parametrize("mode", ["async", "energy"])
def test_t_c_u_recalled_with_three_letters_stored_bipolar(mode):
    # 6.Hopfield(2).py works in bipolar states with energy descent: there T, C and U all come
    # back from the seed's corrupted letters, whatever the order.
    net = Hopfield(9)
    net.store(bip([T, U, C]))
    for seed in SEEDS:
        for probe, target in ((T_CORRUPT, T), (C_CORRUPT, C), (U_CORRUPT, U)):
            assert np.array_equal(net.recall(bip(probe), mode=mode, seed=seed), bip(target))


def test_t_c_u_in_binary_coding_is_ambiguous_as_computed():
    # Not the seed's procedure for this example: on 0/1 states h_i = ½ΣW(2s−1) + ½ΣW·1, so the
    # row sums of W act as extra, pattern-dependent thresholds. With T, U, C stored the
    # corrupted T then falls to C (or a spurious state) in most orders, never to T; the seed's
    # claim holds in its own (bipolar) coding, tested above.
    net = Hopfield(9, coding="binary")
    net.store([T, U, C])
    outs = {tuple(net.recall(np.array(T_CORRUPT), mode="async", seed=s).tolist()) for s in range(40)}
    assert tuple(T) not in outs and tuple(C) in outs


def test_seed_energy_worked_example():
    # 6.Hopfield(2).py: corrupted T has E = −12; flipping s_2 gives −32 (kept), then flipping
    # s_3 would give −24 (ΔE = +8, rejected).
    net = Hopfield(9)
    net.store(bip([T, U, C]))
    assert net.weights[0].tolist() == [0, 1, 3, 1, -1, -1, 1, 3, 1]
    s = bip(T_CORRUPT)
    assert net.energy(s) == -12.0
    s[1] = -s[1]
    assert net.energy(s) == -32.0
    s[2] = -s[2]
    assert net.energy(s) == -24.0


# --------------------------------------------------------------------------- MNIST (seed 000 §2-7..10)
@pytest.fixture(scope="module")
def mnist_bipolar():
    with np.load("resources/mnist.npz") as z:
        x = z["x_train"][:40].reshape(40, 784)
    return np.where(x > 0, 1, -1).astype(np.int8)  # the seeds' binarisation


def occlude_bottom(p):
    q = p.copy().reshape(28, 28)
    q[18:, :] = -1  # the seeds' corrupted_img: rows 18..27 set to −1
    return q.reshape(-1)


def overlap(a, b):
    return float(a.astype(float) @ b.astype(float) / len(a))


def test_mnist_two_digits_hebbian_restore_occluded_bottom(mnist_bipolar):
    net = Hopfield(784, "hebbian", scale="1/N", seed=0)
    net.store(mnist_bipolar[:2])
    for t in range(2):
        probe = occlude_bottom(mnist_bipolar[t])
        assert overlap(probe, mnist_bipolar[t]) < 0.9
        assert overlap(net.recall(probe), mnist_bipolar[t]) >= 0.95


def test_mnist_twenty_digits_pseudoinverse_restore_occluded_bottom(mnist_bipolar):
    net = Hopfield(784, "pseudoinverse", seed=0)
    net.store(mnist_bipolar[:20])
    assert net.is_fixed_point(mnist_bipolar[:20]).all()
    restored = net.recall(np.array([occlude_bottom(p) for p in mnist_bipolar[:10]]), max_sweeps=200)
    for t in range(10):
        assert overlap(restored[t], mnist_bipolar[t]) >= 0.95


def test_mnist_hebbian_fails_at_three_correlated_digits(mnist_bipolar):
    net = Hopfield(784, "hebbian", seed=0)
    net.store(mnist_bipolar[:3])
    recalled = net.recall(np.array([occlude_bottom(p) for p in mnist_bipolar[:3]]))
    assert not all(np.array_equal(recalled[t], mnist_bipolar[t]) for t in range(3))
    assert not net.is_fixed_point(mnist_bipolar[:3]).all()


def test_mnist_storkey_does_not_keep_five_digits_as_fixed_points(mnist_bipolar):
    net = Hopfield(784, "storkey")
    net.store(mnist_bipolar[:5])
    assert net.is_fixed_point(mnist_bipolar[:5]).sum() < 5


def test_storkey_beats_hebbian_on_random_patterns():
    rng = np.random.default_rng(11)
    n, p = 200, 30
    x = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    flips = np.array([rng.choice(n, 20, replace=False) for _ in range(p)])
    probes = x.copy()
    for k in range(p):
        probes[k, flips[k]] *= -1
    score = {}
    for rule in ("hebbian", "storkey"):
        net = Hopfield(n, rule)
        net.store(x)
        stable = net.is_fixed_point(x).mean()
        out = net.recall(probes, seed=list(range(p)))
        retrieved = np.mean([np.array_equal(out[k], x[k]) for k in range(p)])
        score[rule] = (stable, retrieved)
    assert score["storkey"][0] > score["hebbian"][0]
    assert score["storkey"][1] > score["hebbian"][1]


# --------------------------------------------------------------------------- properties
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("coding", ["bipolar", "binary"])
def test_weights_symmetric_with_zero_diagonal(rule, coding):
    rng = np.random.default_rng(1)
    x = (rng.random((8, 64)) < 0.4).astype(np.int8)
    net = Hopfield(64, rule, coding=coding)
    net.store(x if coding == "binary" else 2 * x - 1)
    w = net.weights
    assert w.shape == (64, 64) and w.dtype == np.float64
    assert np.array_equal(w, w.T) and np.all(np.diag(w) == 0)
    assert np.abs(w).sum() > 0
    with pytest.raises(ValueError):
        w[0, 1] = 5.0  # read-only: the network's memory cannot be changed behind its back


def test_hebbian_rule_and_scale():
    rng = np.random.default_rng(2)
    x = np.where(rng.random((5, 30)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(30)
    net.store(x)
    expect = x.T.astype(float) @ x
    np.fill_diagonal(expect, 0)
    assert np.array_equal(net.weights, expect)
    net.scale = "1/N"
    assert np.allclose(net.weights, expect / 30, rtol=0, atol=1e-15)


def test_pseudoinverse_is_projection_and_stores_fixed_points():
    rng = np.random.default_rng(3)
    n, p = 100, 60  # P/N = 0.6, far above Hebbian capacity
    x = np.where(rng.random((p, n)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(n, "pseudoinverse")
    net.store(x)
    proj = x.T @ np.linalg.pinv(x.astype(float) @ x.T) @ x
    np.fill_diagonal(proj, 0)
    assert np.allclose(net.weights, proj, atol=1e-10)
    assert net.is_fixed_point(x).all()
    assert all(np.array_equal(net.recall(x[k]), x[k]) for k in range(0, p, 7))
    hebb = Hopfield(n)
    hebb.store(x)
    assert not hebb.is_fixed_point(x).all()


@pytest.mark.parametrize("mode", ["async", "energy"])
@pytest.mark.parametrize("coding", ["bipolar", "binary"])
def test_energy_never_rises_under_zero_temperature_updates(mode, coding):
    rng = np.random.default_rng(4)
    for trial in range(4):
        n = 120
        x = (rng.random((10, n)) < 0.5).astype(np.int8)
        net = Hopfield(n, RULES[trial % 3], coding=coding, thresholds=rng.normal(0, 0.5, n))
        net.store(x if coding == "binary" else 2 * x - 1)
        probe = (rng.random(n) < 0.5).astype(np.int8)
        res = net.run(probe if coding == "binary" else 2 * probe - 1, mode=mode, seed=trial)
        assert res.n_sweeps >= 1 and res.converged
        assert np.all(np.diff(res.energies) <= 1e-9)
        assert res.energies[-1] == pytest.approx(net.energy(res.state), abs=1e-9)
        assert np.allclose(res.overlaps[-1], net.overlap(res.state))


def test_run_record_shapes_and_stop_flag():
    rng = np.random.default_rng(5)
    x = np.where(rng.random((3, 50)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(50)
    net.store(x)
    res = net.run(x[0], max_sweeps=7, stop_at_fixed_point=False, seed=1)
    assert res.n_sweeps == 7 and res.energies.shape == (8,) and res.overlaps.shape == (8, 3)
    assert res.converged and res.overlaps[0, 0] == 1.0 and res.state.dtype == np.int8
    res = net.run(x[0], seed=1)
    assert res.n_sweeps == 0 and res.converged


def test_sync_may_two_cycle_and_reports_not_converged():
    # Two units coupled negatively with the same state flip together forever under sync.
    net = Hopfield(2)
    net.store(np.array([[1, -1]]))
    res = net.run(np.array([1, 1]), mode="sync", max_sweeps=9)
    assert res.n_sweeps == 9 and not res.converged
    assert res.state.tolist() == [-1, -1]  # odd number of sweeps: the other half of the cycle
    assert net.recall(np.array([1, 1]), mode="async", seed=0).tolist() in ([1, -1], [-1, 1])


def test_thresholds_bias_units_off():
    net = Hopfield(4, thresholds=100.0)
    net.store(np.array([[1, 1, 1, 1]]))
    assert net.recall(np.array([1, 1, 1, 1])).tolist() == [-1, -1, -1, -1]
    net.thresholds = [0.0, 0.0, 0.0, 100.0]
    assert net.recall(np.array([1, 1, 1, 1])).tolist() == [1, 1, 1, -1]
    assert net.thresholds.tolist() == [0.0, 0.0, 0.0, 100.0]


def test_glauber_high_temperature_randomises_and_low_temperature_recalls():
    rng = np.random.default_rng(6)
    x = np.where(rng.random((2, 200)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(200, scale="1/N")
    net.store(x)
    hot = net.run(x[0], mode="glauber", temperature=10.0, max_sweeps=20, seed=2)
    assert hot.n_sweeps == 20 and abs(hot.overlaps[-1, 0]) < 0.4
    cold = net.run(x[0], mode="glauber", temperature=0.05, max_sweeps=20, seed=2)
    assert cold.n_sweeps == 20 and cold.overlaps[-1, 0] > 0.95


def test_same_seed_same_trajectory_and_different_seed_differs():
    rng = np.random.default_rng(7)
    x = np.where(rng.random((10, 150)) < 0.5, 1, -1).astype(np.int8)
    probe = np.where(rng.random(150) < 0.5, 1, -1).astype(np.int8)
    for mode, temperature in (("async", 0.0), ("energy", 0.0), ("glauber", 0.8)):
        runs = []
        for seed in (3, 3, 4):
            net = Hopfield(150, "storkey", seed=seed)
            net.store(x)
            runs.append(net.run(probe, mode=mode, temperature=temperature, max_sweeps=15))
        assert np.array_equal(runs[0].state, runs[1].state) and np.array_equal(runs[0].energies, runs[1].energies)
        assert not (np.array_equal(runs[0].energies, runs[2].energies)
                    and np.array_equal(runs[0].state, runs[2].state))


def test_recall_and_run_leave_the_probe_untouched():
    rng = np.random.default_rng(12)
    x = np.where(rng.random((3, 60)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(60)
    net.store(x)
    probes = np.where(rng.random((4, 60)) < 0.5, 1, -1).astype(np.int8)
    kept = probes.copy()
    net.recall(probes)
    net.recall(probes[0])
    net.run(probes[1])
    assert np.array_equal(probes, kept)


def test_batched_recall_equals_one_by_one_with_same_seeds():
    rng = np.random.default_rng(8)
    x = np.where(rng.random((12, 100)) < 0.5, 1, -1).astype(np.int8)
    probes = np.where(rng.random((16, 100)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(100, "hebbian", scale="1/N")
    net.store(x)
    seeds = list(range(50, 66))
    for mode, temperature in (("async", 0.0), ("energy", 0.0), ("sync", 0.0), ("glauber", 0.5)):
        batch = net.recall(probes, mode=mode, temperature=temperature, max_sweeps=30, seed=seeds)
        assert batch.shape == (16, 100) and batch.dtype == np.int8
        for b in range(16):
            one = net.recall(probes[b], mode=mode, temperature=temperature, max_sweeps=30, seed=seeds[b])
            assert np.array_equal(batch[b], one)
    # an int seed for a batch is deterministic too, and so is a seeded network's own generator
    assert np.array_equal(net.recall(probes, seed=9), net.recall(probes, seed=9))
    a, b = Hopfield(100, seed=1), Hopfield(100, seed=1)
    a.store(x)
    b.store(x)
    assert np.array_equal(a.recall(probes), b.recall(probes))


def test_binary_coding_outputs_uint8_and_patterns_in_coding():
    net = Hopfield(9, coding="binary")
    net.store([T, U])
    assert net.patterns.dtype == np.uint8 and net.patterns.tolist() == [T, U]
    binary_weights = net.weights.copy()
    net.coding = "bipolar"
    assert net.patterns.dtype == np.int8 and net.patterns.tolist() == bip([T, U]).tolist()
    assert np.array_equal(net.weights, binary_weights)  # weights come from 2s − 1 in both codings
    assert net.recall(bip(T_CORRUPT), seed=0).tolist() == bip(T).tolist()


def test_rule_change_restores_and_clear_forgets():
    rng = np.random.default_rng(9)
    x = np.where(rng.random((4, 40)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(40)
    net.store(x)
    hebb = net.weights.copy()
    net.rule = "storkey"
    ref = Hopfield(40, "storkey")
    ref.store(x)
    assert np.array_equal(net.weights, ref.weights) and not np.array_equal(hebb, ref.weights)
    net.clear()
    assert net.n_patterns == 0 and not net.weights.any()
    assert net.recall(x[0]).tolist() == x[0].tolist()  # W = 0, U = 0: every state is fixed


# --------------------------------------------------------------------------- bad input
def make_net():
    net = Hopfield(6)
    net.store(np.array([[1, -1, 1, -1, 1, -1]]))
    return net


@pytest.mark.parametrize("call, name", [
    (lambda: Hopfield(0), "n_neurons"),
    (lambda: Hopfield(2.5), "n_neurons"),
    (lambda: Hopfield(True), "n_neurons"),
    (lambda: Hopfield(5, "oja"), "rule"),
    (lambda: Hopfield(5, coding="ternary"), "coding"),
    (lambda: Hopfield(5, scale="1/M"), "scale"),
    (lambda: Hopfield(5, thresholds=float("nan")), "thresholds"),
    (lambda: Hopfield(5, thresholds=[0.0, 1.0]), "thresholds"),
    (lambda: Hopfield(5, seed=-1), "seed"),
    (lambda: make_net().store(np.zeros((0, 6))), "patterns"),
    (lambda: make_net().store(np.ones((2, 5))), "patterns"),
    (lambda: make_net().store(np.ones(6)), "patterns"),
    (lambda: make_net().store(np.array([[1, 0, 1, -1, 1, -1]])), "patterns"),
    (lambda: make_net().store(np.array([[1, 2, 1, -1, 1, -1]])), "patterns"),
    (lambda: make_net().store(np.array([[1, np.nan, 1, -1, 1, -1]])), "patterns"),
    (lambda: make_net().store([["a"] * 6]), "patterns"),
    (lambda: make_net().recall(np.ones(5)), "probe"),
    (lambda: make_net().recall(np.array([1, 0, 1, 1, 1, 1])), "probe"),
    (lambda: make_net().recall(np.array([1, 2, 1, 1, 1, 1])), "probe"),
    (lambda: make_net().recall(np.array([1, np.inf, 1, 1, 1, 1])), "probe"),
    (lambda: make_net().recall(np.ones((2, 2, 6))), "probe"),
    (lambda: make_net().recall(np.ones((0, 6))), "probe"),
    (lambda: make_net().recall(np.ones(6), mode="fast"), "mode"),
    (lambda: make_net().recall(np.ones(6), max_sweeps=0), "max_sweeps"),
    (lambda: make_net().recall(np.ones(6), max_sweeps=2.0), "max_sweeps"),
    (lambda: make_net().recall(np.ones(6), temperature=-0.1), "temperature"),
    (lambda: make_net().recall(np.ones(6), temperature=float("nan")), "temperature"),
    (lambda: make_net().recall(np.ones((3, 6)), seed=[1, 2]), "seed"),
    (lambda: make_net().run(np.ones((2, 6))), "probe"),
    (lambda: make_net().run(np.ones(6), seed="x"), "seed"),
    (lambda: make_net().energy(np.ones(7)), "state"),
    (lambda: make_net().energy(np.zeros(6)), "state"),
    (lambda: setattr(make_net(), "rule", "hebb"), "rule"),
    (lambda: setattr(make_net(), "thresholds", np.ones(3)), "thresholds"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_binary_coding_rejects_bipolar_values():
    net = Hopfield(4, coding="binary")
    with pytest.raises(ValueError, match="patterns.*0/1"):
        net.store(np.array([[1, -1, 1, -1]]))
    with pytest.raises(ValueError, match="probe"):
        net.recall(np.array([1, -1, 1, -1]))


def test_too_large_network_is_refused_with_the_memory_needed():
    with pytest.raises(ValueError, match=r"n_neurons=10000000 needs 800000\.0 GB"):
        Hopfield(10_000_000)
    check_weight_memory(784)  # a normal size passes


# --------------------------------------------------------------------------- the public entry points the GUI model uses
def test_sweep_advances_state_and_field_in_place_like_run():
    rng = np.random.default_rng(13)
    x = np.where(rng.random((4, 80)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(80, "storkey")
    net.store(x)
    probe = x[2] * np.where(rng.random(80) < 0.2, -1, 1).astype(np.int8)
    for mode, temperature in (("async", 0.0), ("sync", 0.0), ("energy", 0.0), ("glauber", 0.4)):
        state = probe.copy()
        field = net.local_field(state)
        done = net.sweep(state, field, 12, mode=mode, temperature=temperature, seed=5, record=True)
        ref = net.run(probe, mode=mode, temperature=temperature, max_sweeps=12, seed=5)
        assert np.array_equal(state, ref.state) and done.n_sweeps == ref.n_sweeps
        assert done.fixed_point == ref.converged == net.is_fixed_point(state)
        assert np.array_equal(done.energies, ref.energies) and np.array_equal(done.overlaps, ref.overlaps)
        assert np.allclose(field, net.weights @ state, rtol=0, atol=1e-9)  # the field was kept up to date
        assert net.energy(state, field=field) == pytest.approx(net.energy(state), abs=1e-9)
    # without records, and going on: the state carries over, the records are empty
    quiet = net.sweep(state, field, 3, seed=1)
    assert quiet.energies.shape == (0,) and quiet.overlaps.shape == (0, 4)


def test_sweep_refuses_what_it_cannot_update_in_place():
    net = make_net()
    good_state, good_field = np.ones(6, dtype=np.int8), np.zeros(6)
    read_only = np.ones(6, dtype=np.int8)
    read_only.flags.writeable = False
    for state, field, name in ((np.ones(6), good_field, "state"), (np.ones(5, np.int8), good_field, "state"),
                               (read_only, good_field, "state"), (np.full(6, 2, np.int8), good_field, "state"),
                               (good_state, np.zeros(6, np.float32), "field"), (good_state, [0.0] * 6, "field")):
        with pytest.raises(ValueError, match=name):
            net.sweep(state, field, 1)
    for kwargs, name in (({"mode": "x"}, "mode"), ({"temperature": -1}, "temperature"), ({"seed": 1.5}, "seed"),
                         ({"record": "yes"}, "record")):
        with pytest.raises(ValueError, match=name):
            net.sweep(good_state, good_field, 1, **kwargs)
    with pytest.raises(ValueError, match="n_sweeps"):
        net.sweep(good_state, good_field, 0)


def test_bipolar_patterns_coding_conversions_and_set_memory():
    net = Hopfield(9, coding="binary")
    net.store([T, U])
    view = net.bipolar_patterns
    assert view.dtype == np.int8 and view.tolist() == bip([T, U]).tolist()
    with pytest.raises(ValueError):
        view[0, 0] = 1  # read-only: the network's memory changes only through store/clear/set_memory
    assert net.state_dtype == np.uint8 and net.from_bipolar(bip(T)).tolist() == T
    assert net.to_bipolar(np.array(T, np.uint8)).tolist() == bip(T).tolist()
    other = Hopfield(9, "storkey", coding="binary")
    other.set_memory(net.bipolar_patterns, net.weights)
    assert np.array_equal(other.weights, net.weights) and np.array_equal(other.patterns, net.patterns)
    asym = net.weights.copy()
    asym[0, 1] += 1
    for pats, w, name in ((bip([T]), asym, "symmetric"), (np.array([T]), net.weights, "patterns"),
                          (bip([T]), np.zeros((8, 8)), "weights")):
        with pytest.raises(ValueError, match=name):
            other.set_memory(pats, w)


def test_local_field_is_summed_as_recall_sums_it():
    rng = np.random.default_rng(14)
    x = np.where(rng.random((5, 70)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(70, "pseudoinverse")
    net.store(x)
    states = np.where(rng.random((3, 70)) < 0.7, 1, -1).astype(np.int8)
    h = net.local_field(states)
    assert h.shape == (3, 70) and np.array_equal(h[1], net.local_field(states[1]))
    assert np.allclose(h, states @ net.weights, rtol=0, atol=1e-12)
    assert np.array_equal(net.is_fixed_point(states, field=h), net.is_fixed_point(states))


def test_batch_with_one_seed_gives_each_probe_its_own_stream():
    """recall(probes, seed=s) draws consecutive streams from s (kernels.random.seed_states): the first
    probe ends as recall(probes[0], seed=s), and a longer batch does not change the first probes."""
    rng = np.random.default_rng(15)
    x = np.where(rng.random((8, 90)) < 0.5, 1, -1).astype(np.int8)
    net = Hopfield(90)
    net.store(x)
    probes = np.where(rng.random((6, 90)) < 0.5, 1, -1).astype(np.int8)
    for mode, temperature in (("async", 0.0), ("glauber", 0.6)):
        batch = net.recall(probes, mode=mode, temperature=temperature, max_sweeps=20, seed=11)
        assert np.array_equal(batch[0], net.recall(probes[0], mode=mode, temperature=temperature,
                                                   max_sweeps=20, seed=11))
        assert np.array_equal(batch[:4], net.recall(probes[:4], mode=mode, temperature=temperature,
                                                    max_sweeps=20, seed=11))
