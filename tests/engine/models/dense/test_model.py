"""DAMModel (registered "dam"): training steps, recall mode with a live n, the pattern editor, save → load."""
import numpy as np
import pytest

from engine import io, registry
from engine.models.dense import DAMModel


@pytest.fixture
def small_train():
    return DAMModel({"n_train": 1000, "n_test": 200, "batch_size": 500}, seed=3)


def test_constructs_without_loading_mnist_and_snapshots_copies(small_train):
    snap = small_train.snapshot()
    assert snap.data["memories"].shape == (100, 28, 28) and snap.data["class_part"].shape == (100, 10)
    assert snap.data["learning_rate"] == pytest.approx(0.04) and snap.data["temperature"] == 540.0
    assert not np.shares_memory(snap.data["memories"], small_train.clf.memories_)
    assert registry.get("dam") is DAMModel and registry.names().index("dam") > registry.names().index("dbn")


def test_training_steps_close_epochs_with_errors(small_train):
    m = small_train
    m.step(1)
    assert m.snapshot().data["epoch"] == 0.5 and m.snapshot().data["train_error"].size == 0
    m.step(1)
    data = m.snapshot().data
    assert data["train_error"].size == 1 and data["test_error"].size == 1 and 0 <= data["test_error"][0] <= 1
    assert data["errors"].shape == (2, 1) and data["batch_error"].size == 2
    status = dict(zip(data["status_labels"], data["status"][:, 0]))   # what the window shows of ε and T
    assert status["temperature T"] == 540.0 and status["learning rate ε = ε₀fᵗ"] == pytest.approx(0.04 * 0.998)
    assert status["test error (last epoch)"] == data["test_error"][0]
    m.with_params(learning_rate=0.01, temperature=600.0, temperature_final=600.0)
    assert m.snapshot().data["learning_rate"] == pytest.approx(0.01 * 0.998) and m.clf.temperature == 600.0


def test_the_test_error_is_the_classifiers_on_every_test_digit():
    """The epoch's test error, scored in chunks of TEST_CHUNK images (the last one partial), is the
    classifier's own score on the whole test set."""
    from engine.datasets import load_mnist
    from engine.models.dense.model import TEST_CHUNK
    m = DAMModel({"n_train": 1000, "n_test": TEST_CHUNK + 500, "batch_size": 1000}, seed=3)
    m.step(1)
    xt, yt = load_mnist("test", TEST_CHUNK + 500)
    assert m.clf.history_["test_error"] == [pytest.approx(1.0 - m.clf.score(xt.reshape(len(xt), -1) / 255.0, yt))]


def test_save_load_resumes_identically(small_train, tmp_path):
    m = small_train
    m.step(1)
    io.save(m, tmp_path / "dam.npz")
    back = io.load(tmp_path / "dam.npz")
    m.step(2)
    back.step(2)
    np.testing.assert_array_equal(back.clf.memories_, m.clf.memories_)
    np.testing.assert_array_equal(back.snapshot().data["errors"], m.snapshot().data["errors"])


def test_a_fresh_session_saves_and_reopens(small_train, tmp_path):
    """Before the first update the memories are the seed's unclipped Gaussian start (values below −1):
    a session saved then must reopen, and a trained one holding values outside [−1, 1] is refused."""
    m = small_train
    assert m.clf.memories_.min() < -1.0
    io.save(m, tmp_path / "fresh.npz")
    np.testing.assert_array_equal(io.load(tmp_path / "fresh.npz").clf.memories_, m.clf.memories_)
    state = m.clf.get_state()
    state["counters"][1] = 1   # one update done: every update clips to [−1, 1]
    with pytest.raises(ValueError, match=r"memories.*\[-1, 1\]"):
        m.clf.set_state(state)


def test_recall_mode_changes_n_live_and_holds_more_than_hopfield(tmp_path):
    m = DAMModel({"mode": "recall", "n_random": 40}, seed=1)  # 40 random patterns, N = 100: 3× Hopfield's 0.14 N
    assert m.unit == "sweep" and m.pattern_shape == (10, 10)
    m.recall_probe()
    data = m.snapshot().data
    energy = data["energy"]
    assert np.all(np.diff(energy) <= 0) and data["overlaps"].shape == (40,) and data["overlaps"].max() == 1.0
    labels = data["capacity_labels"]
    table = dict(zip(labels, data["capacity"][:, 0]))
    assert table["stored K"] == 40 and table["stored patterns that are fixed points"] == 40
    assert table["Hopfield 0.14 N"] == pytest.approx(14.0) and table["N^(n−1) = 100^2"] == 1e4
    m.with_params(recall_power=2)   # the Hopfield network: 40 patterns are far too many
    fixed = dict(zip(m.snapshot().data["capacity_labels"], m.snapshot().data["capacity"][:, 0]))
    assert fixed["stored patterns that are fixed points"] < 10
    assert np.isnan(m.snapshot().data["energy"][-2])   # a new energy function: a gap in the curve
    io.save(m, tmp_path / "r.npz")
    back = io.load(tmp_path / "r.npz")
    np.testing.assert_array_equal(back.recall_state, m.recall_state)
    np.testing.assert_array_equal(back.memory.patterns, m.memory.patterns)


def test_pattern_editor_patterns_and_probe():
    m = DAMModel({"mode": "recall", "rows": 5, "cols": 6}, seed=0)
    P = np.zeros((3, 5, 6), dtype=np.int8)
    P[0, :2], P[1, :, :3], P[2, 3:] = 1, 1, 1
    m.set_patterns(P)
    probe = P[1].copy()
    probe[0, 0] = 0
    m.set_probe(probe)
    m.recall_probe()
    np.testing.assert_array_equal(m.snapshot().data["state"], 2 * P[1].astype(int) - 1)
    m.paint("state", np.array([0, 1]), 1)
    assert m.snapshot().data["state"].flat[0] == 1
    with pytest.raises(ValueError, match="patterns"):
        m.set_patterns(np.ones((2, 7)))
    with pytest.raises(ValueError, match="x"):
        m.set_probe(np.full(30, 0.5))
    with pytest.raises(ValueError, match="patterns"):
        DAMModel({"n_train": 1000}).set_patterns(P)


def test_bad_params_are_refused_by_name():
    with pytest.raises(ValueError, match="recall_power"):
        DAMModel({"recall_power": 1})
    with pytest.raises(ValueError, match="mode"):
        DAMModel({"mode": "dream"})
