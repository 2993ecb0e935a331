"""Issue 14.14: no silent acceptance, no silent divergence — every model checks its memory before
allocating, names a wrong-shaped array argument, and stops training at the first diverged chunk
with its last finite state kept."""
import numpy as np
import pytest

import engine.validation as validation
from engine.models.competitive import CompetitiveLayer, CompetitiveModel
from engine.models.rbm import DBN, RBM
from engine.models.som import SOM
from engine.models.som.model import SOMModel

GB = 1e9


@pytest.fixture
def ram_16gb(monkeypatch):
    """A 16 GB machine, whatever runs the tests (the refusals and their hints then read the same)."""
    import engine.models.competitive as competitive
    import engine.models.rbm.estimator as rbm_estimator
    import engine.models.som.estimator as som_estimator
    for module in (validation, competitive, rbm_estimator, som_estimator):
        monkeypatch.setattr(module, "physical_memory_bytes", lambda: int(16 * GB))


def binary_data(n=20, f=784):
    return (np.random.default_rng(0).random((n, f)) < 0.5).astype(np.float64)


# --------------------------------------------------------------------------- memory
@pytest.mark.parametrize("make", [lambda: RBM(n_hidden=10**7).fit, lambda: RBM(n_hidden=10**7).partial_fit,
                                  lambda: RBM(n_hidden=10**7).initialize])
def test_rbm_refuses_weights_that_do_not_fit(ram_16gb, make):
    fn = make()
    arg = 784 if fn.__name__ == "initialize" else binary_data()
    with pytest.raises(ValueError, match=r"n_hidden=10000000 .*needs 94\.2 GB.*n_hidden ≤ 850340 for 784 inputs"):
        fn(arg)


def test_rbm_float64_halves_what_fits(ram_16gb):
    with pytest.raises(ValueError, match=r"n_hidden ≤ 425170 for 784 inputs"):
        RBM(n_hidden=10**6, dtype="float64").initialize(784)
    assert RBM(n_hidden=1000, dtype="float64").initialize(784).weights_.shape == (784, 1000)


def test_dbn_refuses_layers_that_do_not_fit(ram_16gb):
    with pytest.raises(ValueError, match=r"layers=\(10000000,\).*needs 94\.2 GB.*layer 1 is the largest"):
        DBN(layers=(10**7,)).fit(binary_data())
    # each layer alone fits, together they do not: the sum is checked, the largest layer named
    with pytest.raises(ValueError, match=r"layers=\(500, 700000, 500\).*layer 2 is the largest"
                                         r" \(n_hidden ≤ 1333333 for 500 inputs here\)"):
        DBN(layers=(500, 700000, 500)).initialize(784)


@pytest.mark.parametrize("fit", ["fit", "partial_fit"])
def test_som_refuses_a_map_that_does_not_fit(ram_16gb, fit):
    som = SOM(rows=10**5, cols=10**5)
    with pytest.raises(ValueError, match=r"rows=100000, cols=100000 needs .* GB.*rows × cols ≤ 100000000 for 1 features"):
        getattr(som, fit)(np.zeros((5, 1)))
    assert not som.__sklearn_is_fitted__()


def test_competitive_refuses_units_that_do_not_fit(ram_16gb):
    with pytest.raises(ValueError, match=r"n_units=10000000000 needs .*n_units ≤ 166666666 for 2 features"):
        CompetitiveLayer(n_units=10**10).fit(np.zeros((5, 2)))


def test_sizes_that_fit_still_train(ram_16gb):
    assert RBM(n_hidden=8, n_epochs=1, random_state=0).fit(binary_data()).weights_.shape == (784, 8)
    assert DBN(layers=(8, 4), n_epochs=1, random_state=0).fit(binary_data()).rbms_[1].weights_.shape == (8, 4)
    assert SOM(4, 4, n_epochs=1, random_state=0).fit(np.random.default_rng(0).random((30, 3))).weights_.shape == (4, 4, 3)


def test_rbm_refuses_1d_data():
    with pytest.raises(ValueError, match="2D array"):
        RBM(n_hidden=4).fit(np.zeros(784))
    with pytest.raises(ValueError, match="2D array"):
        RBM(n_hidden=4).partial_fit(np.zeros(784))


# --------------------------------------------------------------------------- divergence
def gaussian(n=200, f=3):
    return np.random.default_rng(0).normal(size=(n, f))


@pytest.mark.parametrize("make, rate", [(lambda: CompetitiveLayer(3, learning_rate=5, random_state=0), 5),
                                        (lambda: SOM(5, 5, learning_rate=50, random_state=0), 50)])
def test_training_stops_at_the_first_diverged_epoch(make, rate):
    est = make()
    with pytest.raises(ValueError, match=rf"weights diverged at epoch 1 .*learning_rate={rate} is too large "
                                         r"for this rule; try ≤ 1"):
        est.fit(gaussian())
    # the prototypes from before the failing epoch: finite and of the data's size
    assert np.all(np.isfinite(est.weights_)) and np.abs(est.weights_).max() < 10
    assert est.epoch_ == 0


def test_partial_fit_keeps_the_last_good_epoch():
    X = gaussian()
    est = CompetitiveLayer(3, learning_rate=0.5, random_state=0).fit(X)
    good = est.weights_.copy()
    est.update_params(learning_rate=1e3)
    with pytest.raises(ValueError, match=r"weights diverged at epoch 11 "):
        est.partial_fit(X)
    np.testing.assert_array_equal(est.weights_, good)
    assert est.epoch_ == 10


def test_som_batch_rule_checks_too(monkeypatch):
    X = gaussian()
    som = SOM(4, 4, mode="batch", n_epochs=3, random_state=0).fit(X)
    good = som.weights_.copy()
    qe = som.quantization_error(X)
    with pytest.raises(ValueError, match="sums contains NaN or infinite values"):
        som.apply_batch(np.full((16, 3), np.inf), np.ones(16), 0.5, 3)
    # the batch rule moves prototypes to weighted means of the data (rate capped at 1): it cannot run
    # away from finite statistics; a non-finite result is still caught and undone
    import engine.kernels.som as kernels
    real_update = kernels.som_batch_update

    def poisoned(*args):
        done = real_update(*args)
        args[2][0, 0] = np.nan   # the prototypes
        return done
    monkeypatch.setattr(kernels, "som_batch_update", poisoned)
    with pytest.raises(ValueError, match="weights diverged at epoch 4 .*NaN or infinite"):
        som.apply_batch(np.ones((16, 3)), np.ones(16), 0.5, 3)
    np.testing.assert_array_equal(som.weights_, good)
    assert som.quantization_error(X) == qe     # the cached norms were restored with the prototypes


def test_som_model_step_fails_and_keeps_its_last_good_map():
    model = SOMModel(SOMModel.Params(preset="blobs"), seed=0)
    model.step(3)
    before = model.som.weights_.copy()
    t = model.t
    model.som.learning_rate = 50.0   # what the form cannot set: the estimator's own check must catch it
    with pytest.raises(ValueError, match="weights diverged at epoch 1 .*learning_rate=50 is too large"):
        model.step(20)
    assert model.t == t or np.all(np.isfinite(model.som.weights_))
    assert np.all(np.isfinite(model.som.weights_)) and np.abs(model.som.weights_).max() < 1e3
    assert model.snapshot() is not None
    del before


def test_competitive_model_step_fails_and_keeps_its_last_good_prototypes():
    model = CompetitiveModel(seed=0)
    model.step(2)
    t = model.t
    model.layer.learning_rate = 5.0
    with pytest.raises(ValueError, match="weights diverged at epoch 1 .*learning_rate=5 is too large"):
        model.step(200)
    assert model.t == t
    assert np.all(np.isfinite(model.layer.weights_))
    model.layer.learning_rate = 0.01
    model.step(2)                    # and goes on from there
    assert model.t == t + 2


# --------------------------------------------------------------------------- array arguments
@pytest.fixture(scope="module")
def fitted():
    X = binary_data(20, 6)
    return dict(X=X, rbm=RBM(3, n_epochs=1, random_state=0).fit(X),
                dbn=DBN((4, 3), n_epochs=1, random_state=0).fit(X),
                som=SOM(3, 3, n_epochs=1, random_state=0).fit(X),
                layer=CompetitiveLayer(3, random_state=0).fit(X))


@pytest.mark.parametrize("known", [np.ones(5, bool), np.ones((3, 6), bool), np.ones(6)])
def test_rbm_complete_names_a_wrong_mask(fitted, known):
    with pytest.raises(ValueError, match=r"known must be a boolean mask of shape \(2, 6\) or \(6,\)"):
        fitted["rbm"].complete(fitted["X"][:2], known)
    assert fitted["rbm"].complete(fitted["X"][:2], np.ones(6, bool)).shape == (2, 6)


def test_dbn_down_names_a_wrong_width(fitted):
    with pytest.raises(ValueError, match="v_top must have 4 features"):
        fitted["dbn"].down(np.ones((2, 5)))
    assert fitted["dbn"].down(np.ones((2, 4))).shape == (2, 6)


@pytest.mark.parametrize("train", ["som", "layer"])
@pytest.mark.parametrize("args, message", [
    (("X", [0, 50], [0.1, 0.2]), r"order must hold row indices in \[0, 20\), got values in \[0, 50\]"),
    (("X5", [0], [0.1]), "X must have 6 features"),
    (("X32", [0], [0.1]), "X must be a C-contiguous float64"),
    (("X", [0, 1], [0.1]), r"progress must hold one value per index of order \(2\)"),
    (("X", [0.5], [0.1]), "order must hold integer row indices"),
])
def test_per_chunk_training_names_a_bad_argument(fitted, train, args, message):
    # before issue 14.14 the kernels read past the arrays' ends (numba checks no bounds)
    X = fitted["X"]
    data = {"X": X, "X5": np.ascontiguousarray(X[:, :5]), "X32": X.astype(np.float32)}[args[0]]
    est = fitted[train]
    before = est.weights_.copy()
    with pytest.raises(ValueError, match=message):
        if train == "som":
            est.train_online_samples(data, np.array(args[1]), np.array(args[2]), 0)
        else:
            est.train_samples(data, np.array(args[1]), np.array(args[2]))
    np.testing.assert_array_equal(est.weights_, before)


def test_one_progress_for_a_whole_chunk(fitted):
    som = SOM(3, 3, n_epochs=1, random_state=0).fit(fitted["X"])
    bmu, _, _ = som.train_online_samples(fitted["X"], np.arange(20), 0.5, 0)
    assert bmu.shape == (20,)


def test_som_apply_batch_and_winners_name_wrong_shapes(fitted):
    with pytest.raises(ValueError, match=r"sums must have shape \(9, 6\), got \(9, 5\)"):
        fitted["som"].apply_batch(np.zeros((9, 5)), np.zeros(9), 0.1, 0)
    with pytest.raises(ValueError, match=r"counts must have shape \(9,\)"):
        fitted["som"].apply_batch(np.zeros((9, 6)), np.zeros(8), 0.1, 0)
    with pytest.raises(ValueError, match=r"X must be a checked \(n_samples, 6\) array"):
        fitted["layer"].winners(fitted["X"][:, :2])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the simulated inf/NaN weights in matmul
@pytest.mark.parametrize("fit", ["fit", "partial_fit"])
def test_rbm_training_stops_at_the_first_diverged_epoch(monkeypatch, fit):
    # finite data in [0, 1] keep the RBM's gradient bounded, so its weights only run away slowly
    # (lr 100, momentum 0.999: 7e4 after 30 epochs); an update that breaks them is simulated here
    X = binary_data(50, 8)
    rbm = RBM(4, n_epochs=3, batch_size=10, random_state=0)
    rbm.fit(X) if fit == "partial_fit" else None
    real = RBM._apply_update
    calls = []

    def poisoned(self, grad_w):
        real(self, grad_w)
        calls.append(1)
        if len(calls) == 7:          # in the second epoch of fit, the second partial_fit
            self.weights_[0, 0] = np.inf
    monkeypatch.setattr(RBM, "_apply_update", poisoned)
    if fit == "fit":
        with pytest.raises(ValueError, match=r"weights diverged at epoch 2 \(NaN or infinite values\): "
                                             r"learning_rate=0.05 \(momentum=0.5\) is too large"):
            rbm.fit(X)
        assert rbm.epoch_ == 1 and len(rbm.reconstruction_errors_) == 1
    else:
        rbm.partial_fit(X)
        before = rbm.weights_.copy()
        with pytest.raises(ValueError, match=r"weights diverged at epoch 4 "):
            rbm.partial_fit(X)
        np.testing.assert_array_equal(rbm.weights_, before)
    assert np.all(np.isfinite(rbm.weights_))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # the simulated inf/NaN weights in matmul
def test_rbm_model_step_fails_and_keeps_finite_weights(monkeypatch):
    from engine.models.rbm.models import RBMModel
    model = RBMModel(RBMModel.Params(n_train=200, batch_size=50), seed=0)
    model.step(2)
    real = RBM._apply_update

    def poisoned(self, grad_w):
        real(self, grad_w)
        self.weights_[:, 0] = np.nan
    monkeypatch.setattr(RBM, "_apply_update", poisoned)
    before = model.rbm.weights_.copy()
    with pytest.raises(ValueError, match=r"weights diverged at epoch 1 \(NaN or infinite values\): learning_rate="):
        model.step(1)
    # before issue 14.14 the weights stayed NaN: the engine thread reports a failed step, restores nothing;
    # train_batch itself puts back the weights from before the failing minibatch
    np.testing.assert_array_equal(model.rbm.weights_, before)
    monkeypatch.setattr(RBM, "_apply_update", real)
    model.step(3)
    assert np.all(np.isfinite(model.rbm.weights_))


def test_hebbian_pca_refuses_components_that_do_not_fit(monkeypatch):
    import engine.models.hebb.pca as pca
    monkeypatch.setattr(validation, "physical_memory_bytes", lambda: int(16 * GB))
    monkeypatch.setattr(pca, "physical_memory_bytes", lambda: int(16 * GB))
    X = np.zeros((1, 1_000_000))       # one 8 MB row would have asked for 10000 × 1e6 components (80 GB)
    with pytest.raises(ValueError, match=r"n_components=10000 needs 320\.0 GB.*n_components ≤ 250 for 1000000 features"):
        pca.HebbianPCA(n_components=10000).fit(X)
