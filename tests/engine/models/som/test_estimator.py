"""SOM estimator: the seeds' examples, learning properties, MiniSom agreement, validation."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.estimator import NotFittedError
from engine.models.shared import load_training_data, schedule
from engine.models.som import SOM, find_neighbors, grid_adjacent


@pytest.fixture(scope="module")
def iris():
    X, y, _ = load_training_data("iris", 150)
    return X, y


def test_public_names_are_exported():
    import engine
    assert engine.SOM is SOM


def test_find_neighbors_matches_the_seeds():
    assert find_neighbors(11, 2).tolist() == [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]
    assert find_neighbors(75, 1).tolist() == [64, 65, 66, 74, 75, 76, 84, 85, 86]
    som = SOM(10, 10, neighborhood="bubble", sigma=1.0)
    assert som.neighbors(75).tolist() == [64, 65, 66, 74, 75, 76, 84, 85, 86]


def test_hexagonal_bubble_of_radius_one_is_the_six_neighbours():
    som = SOM(5, 5, topology="hexagonal", neighborhood="bubble", sigma=1.0)
    got = som.neighbors(2 * 5 + 2)          # even row: neighbours above/below sit to the left
    assert got.tolist() == [6, 7, 11, 12, 13, 16, 17]
    got = som.neighbors(1 * 5 + 2)          # odd row: shifted right
    assert got.tolist() == [2, 3, 6, 7, 8, 12, 13]


def test_scripting_api_from_the_issue(iris):
    X, y = iris
    som = SOM(rows=8, cols=9, topology="hexagonal", neighborhood="gaussian", sigma=3.0, learning_rate=0.5,
              n_epochs=5, mode="batch", random_state=0)
    som.fit(X)
    assert som.weights_.shape == (8, 9, 4)
    qe, te = som.quantization_error(X), som.topographic_error(X)
    assert 0 < qe < 1.0 and 0 <= te <= 1
    bmu = som.predict(X)
    assert bmu.shape == (150,) and bmu.min() >= 0 and bmu.max() < 72
    coords = som.transform(X)
    np.testing.assert_array_equal(coords[:, 0] * 9 + coords[:, 1], bmu)
    assert som.umatrix().shape == (8, 9)
    assert som.hit_map(X).sum() == 150
    labels = som.label_map(X, y)
    assert labels.shape == (8, 9) and set(np.unique(labels)) <= {-1, 0, 1, 2}
    assert som.component_planes().shape == (4, 8, 9)
    assert som.score(X) == pytest.approx(-qe)
    assert som.get_params()["rows"] == 8


def test_quantization_error_falls_on_iris(iris):
    X, _ = iris
    initial = SOM(10, 10, init="normal", random_state=1).initialize(X).quantization_error(X)
    som = SOM(10, 10, sigma=3.0, learning_rate=0.5, init="normal", n_epochs=10, random_state=1).fit(X, measure=True)
    qe = som.qe_history_
    assert len(qe) == 10 and len(som.te_history_) == 10
    assert qe[0] < 0.5 * initial
    # online with α = 0.5 is noisy epoch to epoch; the trend falls and ends at its lowest
    assert np.mean(qe[-3:]) < 0.75 * np.mean(qe[:3]) and qe[-1] == min(qe) and qe[-1] < 0.35
    batch = SOM(10, 10, sigma=3.0, learning_rate=0.5, init="normal", mode="batch", n_epochs=10,
                random_state=1).fit(X, measure=True)
    assert np.all(np.diff(batch.qe_history_) < 0)
    # measured only when asked: a best-unit pass per epoch cost more than training on small data
    plain = SOM(10, 10, init="normal", n_epochs=3, random_state=1).fit(X)
    assert plain.qe_history_ == [] and plain.te_history_ == []


def test_seeds_iris_map_separates_setosa(iris):
    """The seeds' recipe (bubble radius stepped down, α = 0.05) on a smaller grid: setosa gets its own units."""
    X, y = iris
    som = SOM(15, 15, neighborhood="bubble", sigma=6.0, sigma_decay="step", step_every=3, learning_rate=0.05,
              lr_decay="constant", init="normal", n_epochs=30, random_state=0).fit(X)
    bmu = som.predict(X)
    setosa, others = set(bmu[y == 0]), set(bmu[y != 0])
    assert not setosa & others


def test_one_dimensional_chain_ends_ordered():
    rng = np.random.default_rng(0)
    X = rng.random((400, 1))
    som = SOM(1, 20, sigma=4.0, learning_rate=0.5, init="normal", n_epochs=20, random_state=3).fit(X)
    w = som.weights_[0, :, 0]
    d = np.diff(w)
    assert np.all(d > 0) or np.all(d < 0)
    assert w.min() < 0.1 and w.max() > 0.9


def test_batch_and_online_reach_similar_quantization_error(iris):
    X, _ = iris
    online = SOM(10, 10, sigma=2.0, mode="online", n_epochs=20, random_state=0).fit(X).quantization_error(X)
    batch = SOM(10, 10, sigma=2.0, learning_rate=1.0, mode="batch", n_epochs=20, random_state=0).fit(X).quantization_error(X)
    assert abs(online - batch) / online < 0.25


def test_same_seed_same_map_different_seed_different_map(iris):
    X, _ = iris
    a = SOM(6, 6, init="normal", n_epochs=3, random_state=5).fit(X).weights_
    b = SOM(6, 6, init="normal", n_epochs=3, random_state=5).fit(X).weights_
    c = SOM(6, 6, init="normal", n_epochs=3, random_state=6).fit(X).weights_
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_partial_fit_continues_the_schedule(iris):
    X, _ = iris
    som = SOM(6, 6, n_epochs=4, random_state=0)
    for _ in range(4):
        som.partial_fit(X)
    assert som.epoch_ == 4 and som.n_epochs == 4
    full = SOM(6, 6, n_epochs=4, random_state=0).fit(X, measure=False)
    np.testing.assert_allclose(som.weights_, full.weights_)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_quality_matches_minisom(iris, mode):
    """Same data, grid, schedule (asymptotic) and initial weights (PCA) → QE within 5 % of MiniSom's."""
    minisom = pytest.importorskip("minisom")
    X, _ = iris
    ours, theirs = [], []
    for seed in range(3):
        som = SOM(10, 10, sigma=2.0, learning_rate=0.5, init="pca", mode=mode, n_epochs=20, random_state=seed)
        som.fit(X, measure=False)
        ref = minisom.MiniSom(10, 10, 4, sigma=2.0, learning_rate=0.5, random_seed=seed)
        ref.pca_weights_init(X)
        np.testing.assert_allclose(ref.get_weights(), SOM(10, 10, init="pca").initialize(X).weights_, atol=1e-12)
        if mode == "online":
            ref.train(X, 20 * len(X), random_order=True)
        else:
            ref.train_batch_offline(X, 20)
        ours.append(som.quantization_error(X))
        theirs.append(ref.quantization_error(X))
    assert abs(np.mean(ours) - np.mean(theirs)) / np.mean(theirs) < 0.05


def test_measures_equal_minisom_on_the_same_weights(iris):
    minisom = pytest.importorskip("minisom")
    X, _ = iris
    som = SOM(7, 9, sigma=2.0, n_epochs=3, random_state=0).fit(X, measure=False)
    ref = minisom.MiniSom(7, 9, 4)
    ref._weights = np.array(som.weights_)
    assert som.quantization_error(X) == pytest.approx(ref.quantization_error(X), rel=1e-10)
    assert som.topographic_error(X) == pytest.approx(ref.topographic_error(X))
    np.testing.assert_array_equal(som.transform(X).astype(int), np.array([ref.winner(x) for x in X]))


def test_topographic_error_counts_non_adjacent_pairs():
    assert grid_adjacent(np.array([0]), np.array([11]), 10, 10, "rectangular", False).all()       # diagonal
    assert not grid_adjacent(np.array([0]), np.array([2]), 10, 10, "rectangular", False).any()
    assert grid_adjacent(np.array([0]), np.array([9]), 10, 10, "rectangular", True).all()          # wrapped
    assert grid_adjacent(np.array([12]), np.array([6]), 10, 10, "hexagonal", False).all() is np.False_ \
        or not grid_adjacent(np.array([12]), np.array([6]), 10, 10, "hexagonal", False).any()
    # odd row 1 (shifted right): unit 12 = (1, 2) touches (0, 2), (0, 3), not (0, 1)
    assert grid_adjacent(np.array([12, 12]), np.array([2, 3]), 10, 10, "hexagonal", False).all()
    assert not grid_adjacent(np.array([12]), np.array([1]), 10, 10, "hexagonal", False).any()


def test_schedules():
    p = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(schedule("asymptotic", 0.6, p), [0.6, 0.3, 0.2])
    np.testing.assert_allclose(schedule("linear", 0.6, p), [0.6, 0.3, 0.0])
    np.testing.assert_allclose(schedule("linear", 5.0, p, is_sigma=True), [5.0, 3.0, 1.0])
    np.testing.assert_allclose(schedule("exponential", 1.0, p), [1.0, 0.1, 0.01])
    # the seeds' step-down: 20 during epoch 0, 19 during epochs 1–3, 18 from epoch 4 (every 3 epochs)
    assert [float(schedule("step", 20.0, 0.0, e, 3, is_sigma=True)) for e in (0, 1, 3, 4, 100)] == [20, 19, 19, 18, 0]
    with pytest.raises(ValueError, match="step"):
        schedule("step", 0.1, 0.0)


def test_toroidal_hexagonal_map_trains(iris):
    X, _ = iris
    som = SOM(6, 7, topology="hexagonal", toroidal=True, neighborhood="mexican_hat", sigma=1.5,
              learning_rate=0.05, n_epochs=3, random_state=0).fit(X)
    assert np.isfinite(som.weights_).all()
    assert som.umatrix().min() > 0


def test_mexican_hat_at_a_large_rate_stops_with_a_reason(iris):
    # the negative ring pushes prototypes apart: at the default rate 0.5 they reached 7.8e8 in one
    # pass over standardised Iris (the test above passed that as "finite" before issue 14.14)
    X, _ = iris
    som = SOM(6, 7, topology="hexagonal", toroidal=True, neighborhood="mexican_hat", sigma=1.5,
              n_epochs=3, random_state=0)
    with pytest.raises(ValueError, match=r"weights diverged at epoch 1 .*mexican hat.*try learning_rate ≤ 0\.05, "
                                         r"a smaller sigma or neighborhood='gaussian'"):
        som.fit(X)
    assert np.abs(som.weights_).max() < 10


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,name", [
    (dict(rows=1, cols=1), "rows × cols"), (dict(rows=0), "rows"), (dict(cols=2.5), "cols"),
    (dict(sigma=0.0), "sigma"), (dict(sigma=-1.0), "sigma"), (dict(sigma=float("nan")), "sigma"),
    (dict(learning_rate=0.0), "learning_rate"), (dict(learning_rate=-0.1), "learning_rate"),
    (dict(topology="triangular"), "topology"), (dict(neighborhood="cone"), "neighborhood"),
    (dict(init="zeros"), "init"), (dict(lr_decay="step"), "lr_decay"), (dict(random_state=-1), "random_state"),
    (dict(toroidal=True, topology="hexagonal", rows=5), "rows must be even"), (dict(n_epochs=0), "n_epochs"),
    (dict(mode="minibatch"), "mode"), (dict(shuffle=None), "shuffle"),
    (dict(mode="batch", neighborhood="mexican_hat"), "mexican_hat"),
])
def test_bad_parameters_raise_naming_them(kwargs, name, iris):
    """Checked by fit (scikit-learn's constructors only store) and by update_params, which then changes nothing."""
    X, _ = iris
    with pytest.raises(ValueError, match=name):
        SOM(**kwargs).fit(X)
    som = SOM()
    with pytest.raises(ValueError, match=name):
        som.update_params(**kwargs)
    assert som.get_params() == SOM().get_params()


def test_bad_data_raises_naming_the_argument(iris):
    X, _ = iris
    som = SOM(5, 5, n_epochs=1, random_state=0).fit(X)
    before = np.array(som.weights_)
    with pytest.raises(ValueError, match="X has 3 features, but SOM is expecting 4 features"):
        som.predict(X[:, :3])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        som.partial_fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        som.quantization_error(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="Expected 2D array"):
        som.fit(X[0])
    with pytest.raises(ValueError, match="could not convert"):
        som.predict([["a", "b", "c", "d"]])
    with pytest.raises(ValueError, match="weights_ must have shape"):
        som.weights_ = np.zeros((4, 5, 4))
    with pytest.raises(NotFittedError, match="not fitted"):
        SOM(3, 3).predict(X)
    with pytest.raises(ValueError, match="sigma"):
        som.update_params(sigma=0)
    np.testing.assert_array_equal(som.weights_, before)
    assert som.sigma == 1.0
    with pytest.raises(ValueError, match="winner"):
        find_neighbors(100, 1)
    with pytest.raises(ValueError, match="y must hold"):
        som.label_map(X, -np.ones(150, dtype=int))


def test_works_with_scikit_learn_clone_and_pipeline(iris):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, _ = iris
    som = SOM(5, 6, sigma=2.0, random_state=0)
    twin = clone(som)
    assert twin.get_params() == som.get_params()
    pipe = make_pipeline(StandardScaler(), SOM(5, 6, sigma=2.0, random_state=0))
    coords = pipe.fit(X, som__measure=False).transform(X)
    assert coords.shape == (150, 2)
    assert pipe.set_params(som__n_epochs=2).fit(X)[-1].epoch_ == 2


@parametrize_with_checks([SOM(3, 4, n_epochs=2, random_state=0),
                          SOM(2, 3, topology="hexagonal", mode="batch", init="samples", n_epochs=2, random_state=0)])
def test_scikit_learn_accepts_the_som(estimator, check):
    check(estimator)


def test_a_new_grid_drops_the_old_map(iris):
    """After set_params(rows=…, cols=…) no prediction comes from the codebook of the old grid."""
    X, _ = iris
    for change in (dict(rows=8, cols=6), dict(rows=5)):      # the same number of units, and another
        som = SOM(6, 8, n_epochs=2, random_state=0).fit(X)
        som.set_params(**change)
        with pytest.raises(NotFittedError):
            som.predict(X)
        with pytest.raises(NotFittedError):
            som.umatrix()
        som.partial_fit(X)                                     # starts again at the new size
        assert som.weights_.shape == (som.rows, som.cols, 4) and som.epoch_ == 1
        assert som.predict(X).max() < som.rows * som.cols
    som = SOM(6, 8, n_epochs=2, random_state=0).fit(X)
    som.update_params(rows=4, cols=4)
    with pytest.raises(NotFittedError):
        som.predict(X)


def test_other_changes_keep_the_map(iris):
    X, _ = iris
    som = SOM(6, 8, n_epochs=2, random_state=0).fit(X)
    w = np.array(som.weights_)
    u = som.umatrix()
    som.set_params(sigma=2.0, topology="hexagonal", n_epochs=5)
    np.testing.assert_array_equal(som.weights_, w)
    assert not np.allclose(som.umatrix(), u)                  # hexagonal neighbours now
    som.partial_fit(X)
    assert som.epoch_ == 3


def test_the_pca_start_runs_on_one_blas_thread(iris, monkeypatch):
    """A small eigh with spinning BLAS threads took 10× longer than on one (a tenth of a small fit)."""
    from threadpoolctl import threadpool_info
    X, _ = iris
    seen = []
    eigh = np.linalg.eigh

    def spy(a):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return eigh(a)
    monkeypatch.setattr(np.linalg, "eigh", spy)
    SOM(5, 5, init="pca", n_epochs=1, random_state=0).fit(X)
    assert seen == [{1}]
