"""Issue 15, your own data as a training set: a data-trained model (SOM, competitive learning) takes an
imported set as ``dataset = "imported"`` — from a CSV, an image folder, IDX or .npz through
engine.user_data — trains on it, keeps it in a saved session and a replayed run; a set it cannot use
is refused with what it needs, and the model stays as it was."""
import numpy as np
import pytest
from PIL import Image

from engine import io, registry, replay, user_data
from engine.model import IMPORTED

MODELS = {"som": {"preset": "blobs", "rows": 6, "cols": 6}, "competitive": {}}


def _csv(tmp_path, n=30):
    rng = np.random.default_rng(0)
    rows = ["a,b,c,kind"] + [f"{x:.3f},{y:.3f},{z:.3f},{'cat' if k else 'dog'}"
                             for (x, y, z), k in zip(rng.random((n, 3)), rng.integers(0, 2, n))]
    path = tmp_path / "animals.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", MODELS)
def test_an_imported_csv_is_trained_on_and_saved_with_the_session(name, tmp_path):
    data = user_data.load(_csv(tmp_path), label_column="kind")
    model = registry.create(name, MODELS[name], seed=3)
    model.set_training_data(data.x, data.y)
    assert model.params.dataset == IMPORTED
    np.testing.assert_array_equal(model.X, data.x)
    np.testing.assert_array_equal(model.y, data.y)
    model.step(4)
    io.save(model, tmp_path / "session.npz")
    again = io.load(tmp_path / "session.npz")
    assert again.params.dataset == IMPORTED and again.t == model.t
    np.testing.assert_array_equal(again.X, data.x)
    assert replay.state_digest(again.state()) == replay.state_digest(model.state())
    model.step(3)
    again.step(3)
    assert replay.state_digest(again.state()) == replay.state_digest(model.state())


@pytest.mark.parametrize("name", MODELS)
def test_an_image_folder_keeps_its_picture_shape(name, tmp_path):
    folder = tmp_path / "drawings"
    folder.mkdir()
    for k in range(6):
        img = np.full((10, 10), 255, np.uint8)
        img[:, k:k + 3] = 0
        Image.fromarray(img).save(folder / f"d{k}.png")
    data = user_data.load(folder, size=(10, 10))
    model = registry.create(name, MODELS[name], seed=0)
    model.set_training_data(data.x)
    assert model.image_shape == (10, 10) and model.X.shape == (6, 100)
    model.step(2)
    model.snapshot()


@pytest.mark.parametrize("name", MODELS)
def test_a_recorded_run_on_an_imported_set_replays_exactly(name, tmp_path):
    rec = replay.Recorder(registry.create(name, MODELS[name], seed=1))
    rec.step(2)
    rec.call("set_training_data", np.random.default_rng(2).random((25, 4)))
    rec.step(5)
    rec.set_params(n_data=20)
    rec.step(2)
    rec.save(tmp_path / "run.json")
    again = replay.replay(tmp_path / "run.json")
    assert replay.state_digest(again.state()) == replay.state_digest(rec.model.state())


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("bad, match", [
    (lambda m: m.set_training_data(np.array([[0.0, np.nan], [1.0, 2.0]])), "x"),
    (lambda m: m.set_training_data(np.ones((1, 3))), "at least 2 examples"),
    (lambda m: m.set_training_data(np.ones((5, 3)), np.arange(4)), "one label per example"),
    (lambda m: m.set_training_data(np.ones((5, 3)), -np.ones(5)), "labels ≥ 0"),
    (lambda m: m.with_params(dataset=IMPORTED), "import one first"),
])
def test_a_set_the_model_cannot_use_is_refused_and_the_model_kept(name, bad, match):
    model = registry.create(name, MODELS[name], seed=0)
    model.step(3)
    before = replay.state_digest(model.state())
    params = model.params
    with pytest.raises(ValueError, match=match):
        bad(model)
    assert model.params == params and replay.state_digest(model.state()) == before


def test_too_many_samples_for_the_imported_set_keeps_it():
    model = registry.create("competitive", seed=0)
    model.set_training_data(np.random.default_rng(0).random((30, 2)))
    model.step(2)
    before = replay.state_digest(model.state())
    with pytest.raises(ValueError, match="n_data"):
        model.with_params(n_data=31)
    assert replay.state_digest(model.state()) == before


def test_a_failed_rebuild_restores_the_model_exactly(monkeypatch):
    """A rebuild that fails halfway (here: the estimator refuses the new set) leaves the model as it was."""
    import engine.models.competitive as competitive
    model = registry.create("competitive", seed=0)
    model.set_training_data(np.random.default_rng(0).random((30, 2)))
    model.step(2)
    before, X = replay.state_digest(model.state()), model.X.copy()
    initialize = competitive.CompetitiveLayer.initialize

    def refuse_40(self, X, *args, **kwargs):
        if len(X) == 40:
            raise ValueError("refused")
        return initialize(self, X, *args, **kwargs)
    monkeypatch.setattr(competitive.CompetitiveLayer, "initialize", refuse_40)
    with pytest.raises(ValueError, match="refused"):
        model.set_training_data(np.random.default_rng(1).random((40, 2)))
    np.testing.assert_array_equal(model.X, X)
    assert replay.state_digest(model.state()) == before


def test_models_without_a_data_choice_say_so():
    with pytest.raises(ValueError, match="trains on no data set of yours"):
        registry.create("hopfield", seed=0).set_training_data(np.ones((3, 4)))


IMAGE_MODELS = {"rbm": {"n_hidden": 16, "n_train": 100, "batch_size": 10},
                "dbn": {"n_hidden_1": 16, "n_hidden_2": 8, "n_train": 100, "batch_size": 10}}


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_the_rbm_and_dbn_learn_imported_28x28_images_and_a_session_keeps_them(name, tmp_path):
    """The RBM and the DBN take a set of 28×28 images (e.g. a folder of drawings read at 28×28),
    scaled to MNIST's 0…255, every example used; another size is refused with the size they need."""
    x = np.random.default_rng(0).random((30, 28, 28))
    model = registry.create(name, IMAGE_MODELS[name], seed=2)
    model.set_training_data(x)
    assert model.params.data == IMPORTED and model.data_u8.shape == (30, 784)
    assert model.data_u8.min() == 0 and model.data_u8.max() == 255
    model.step(4)
    io.save(model, tmp_path / "s.npz")
    again = io.load(tmp_path / "s.npz")
    assert again.params.data == IMPORTED and replay.state_digest(again.state()) == replay.state_digest(model.state())
    before = replay.state_digest(model.state())
    with pytest.raises(ValueError, match=r"learns 28×28 images \(784 values an example\).* has 5×5"):
        model.set_training_data(np.ones((6, 5, 5)))
    assert replay.state_digest(model.state()) == before and model.params.data == IMPORTED


CLASSIFIERS = {"chl": {"n_hidden": 16, "n_test": 100, "batch_size": 10},
               "dam": {"n_memories": 10, "n_test": 100, "batch_size": 10},
               "hebb": {"preset": "mnist", "n_data": 100, "eval_every": 10}}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_the_digit_classifiers_need_labels_0_to_9_and_learn_an_imported_set(name, tmp_path):
    """CHL, the dense memory and Hebb's MNIST example classify into ten digits: an imported set needs labels 0…9 (none,
    or a label 12, is refused saying so, the model kept); a good one is trained on, saved and replayed."""
    rng = np.random.default_rng(0)
    model = registry.create(name, CLASSIFIERS[name], seed=1)
    before = replay.state_digest(model.state())
    with pytest.raises(ValueError, match="needs labels"):
        model.set_training_data(rng.random((30, 28, 28)))
    with pytest.raises(ValueError, match="labels must be 0…9, got up to 11"):
        model.set_training_data(rng.random((30, 28, 28)), np.arange(30) % 12)
    assert replay.state_digest(model.state()) == before and model.params.data == "mnist"
    model.set_training_data(rng.random((30, 28, 28)), rng.integers(0, 10, 30))
    model.step(4)
    io.save(model, tmp_path / "s.npz")
    again = io.load(tmp_path / "s.npz")
    assert again.params.data == IMPORTED and replay.state_digest(again.state()) == replay.state_digest(model.state())
    model.step(2)
    again.step(2)
    assert replay.state_digest(again.state()) == replay.state_digest(model.state())


def test_hebbs_letter_examples_take_no_training_set():
    model = registry.create("hebb", seed=0)
    with pytest.raises(ValueError, match="set preset='mnist' first"):
        model.set_training_data(np.ones((4, 784)), np.arange(4))
    assert model.params.data == "mnist" and model.params.preset == "tu"


def test_competing_units_learn_an_imported_labelled_digit_set(tmp_path):
    """Competing units take 28×28 images with labels 0…9 (the readout learns them); a set without labels
    is refused and the model kept; the session keeps the set."""
    rng = np.random.default_rng(0)
    model = registry.create("competing", {"n_hidden": 8, "batch_size": 10, "readout_samples": 100}, seed=1)
    before = replay.state_digest(model.state())
    with pytest.raises(ValueError, match="needs labels"):
        model.set_training_data(rng.random((30, 28, 28)))
    with pytest.raises(ValueError, match="import one first"):
        model.with_params(data=IMPORTED)
    assert replay.state_digest(model.state()) == before and model.params.data == "mnist"
    model.set_training_data(rng.random((30, 28, 28)), rng.integers(0, 10, 30))
    assert model.X.shape == (30, 784)
    model.step(4)                     # past one pass of 30: the readout is scored
    assert len(model.accuracy.array()) == 1
    io.save(model, tmp_path / "s.npz")
    again = io.load(tmp_path / "s.npz")
    assert again.params.data == IMPORTED and replay.state_digest(again.state()) == replay.state_digest(model.state())


def test_hebbian_pca_finds_the_principal_axes_of_an_imported_set(tmp_path):
    """Hebbian PCA on your own data: scaled to 0..1 by its range, components drawn in the images' shape,
    the learned axes turning onto the exact ones; one feature is refused."""
    rng = np.random.default_rng(0)
    axes = np.linalg.qr(rng.normal(size=(36, 3)))[0].T          # three strong directions, then weak noise
    x = (rng.normal(size=(400, 3)) * [6.0, 3.0, 1.5]) @ axes + 0.1 * rng.normal(size=(400, 36)) + 50.0
    x = x.reshape(400, 6, 6)
    model = registry.create("hebbian-pca", {"samples_per_step": 100}, seed=0)
    with pytest.raises(ValueError, match="at least 2 features"):
        model.set_training_data(np.ones((5, 1)))
    model.set_training_data(x)
    assert model.params.dataset == IMPORTED and 0.0 <= model.X.min() and model.X.max() <= 1.0
    assert model.snapshot().data["components"].shape == (3, 6, 6)
    first = model.snapshot().data["angle"][:, -1]
    model.step(200)
    assert np.all(model.snapshot().data["angle"][:, -1] < first) and model.snapshot().data["angle"][0, -1] < 10
    io.save(model, tmp_path / "s.npz")
    assert replay.state_digest(io.load(tmp_path / "s.npz").state()) == replay.state_digest(model.state())


@pytest.mark.parametrize("name, params", [
    ("rbm", {"n_hidden": 16, "n_train": 100}), ("dbn", {"n_hidden_1": 16, "n_hidden_2": 8, "n_train": 100}),
    ("chl", {"n_hidden": 16, "n_test": 100}), ("dam", {"n_memories": 10, "n_test": 100}),
    ("hebb", {"preset": "mnist", "n_data": 100}), ("competing", {"n_hidden": 8}), ("hebbian-pca", {}),
    ("som", MODELS["som"]), ("competitive", {})])
def test_choosing_imported_with_no_set_changes_nothing(name, params):
    """Model.with_params refuses the imported choice before any rebuild: the RBM and CHL used to reset
    (a new generator draw) before saying there was no set."""
    model = registry.create(name, params, seed=0)
    before = replay.state_digest(model.state())
    with pytest.raises(ValueError, match="import one first"):
        model.with_params(**{model.data_param: IMPORTED})
    assert replay.state_digest(model.state()) == before and getattr(model.params, model.data_param) != IMPORTED
