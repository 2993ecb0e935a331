"""HebbianPCA: Oja on a 2-D Gaussian, Sanger on the 8×8 digits against scikit-learn's PCA; the live model."""
import warnings

import numpy as np
import pytest
from sklearn.decomposition import PCA

from engine import registry
from engine.models.hebb import HebbianPCA


def _cloud(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal([2.0, -1.0], [[3.0, 1.2], [1.2, 1.0]], size=n)


def test_oja_converges_to_the_first_principal_component_of_a_gaussian():
    X = _cloud()
    oja = HebbianPCA(1, "oja", learning_rate=0.01, n_epochs=10, random_state=0).fit(X)
    assert oja.angles_to(PCA(1).fit(X).components_)[0] < 2.0
    assert np.linalg.norm(oja.components_[0]) == pytest.approx(1.0, abs=0.01)   # Oja's decay normalises w
    np.testing.assert_allclose(oja.mean_, X.mean(axis=0))


def test_sanger_finds_the_first_three_components_of_the_digits():
    from sklearn.datasets import load_digits
    D = load_digits().data / 16.0
    ref = PCA(3).fit(D)
    gha = HebbianPCA(3, "sanger", learning_rate=0.01, n_epochs=30, random_state=0).fit(D)
    assert np.all(gha.angles_to(ref.components_) < 5.0)
    np.testing.assert_allclose(gha.explained_variance_, ref.explained_variance_, rtol=0.01)
    Y = gha.transform(D)
    assert Y.shape == (len(D), 3)
    np.testing.assert_allclose(np.abs(Y), np.abs(ref.transform(D)), atol=0.15)


def test_oja_subspace_rule_finds_the_subspace_not_the_axes():
    from sklearn.datasets import load_digits
    D = load_digits().data / 16.0
    sub = HebbianPCA(2, "oja", learning_rate=0.01, n_epochs=30, random_state=0).fit(D)
    ref = PCA(2).fit(D).components_
    # the learned rows span the top-2 subspace: projecting them onto it keeps their length
    inside = sub.components_ @ ref.T @ ref
    np.testing.assert_allclose(inside, sub.components_, atol=0.05)


def test_same_seed_same_components_and_partial_fit_anneals():
    X = _cloud(300)
    a = HebbianPCA(2, "sanger", random_state=1).fit(X)
    b = HebbianPCA(2, "sanger", random_state=1).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    c = HebbianPCA(2, "sanger", random_state=1)
    for _ in range(3):
        c.partial_fit(X)
    assert c.n_epochs_ == 3


@pytest.mark.parametrize("change, message", [
    (dict(learning_rate=0), "learning_rate"), (dict(rule="hebb"), "rule"), (dict(n_components=0), "n_components"),
    (dict(n_components=3), "n_components"), (dict(n_epochs=0), "n_epochs"),
])
def test_bad_parameters_are_refused_naming_them(change, message):
    with pytest.raises(ValueError, match=message):
        HebbianPCA(**change).fit(_cloud(50))


def test_bad_data_and_divergence_are_refused():
    pca = HebbianPCA(random_state=0).fit(_cloud(50))
    with pytest.raises(ValueError, match="2 features"):
        pca.transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        pca.partial_fit([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="0 sample"):
        HebbianPCA().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="diverged"):
        HebbianPCA(learning_rate=1.0, random_state=0).fit(_cloud(200) * 100)
    before = pca.components_.copy()
    with pytest.raises(ValueError, match="diverged"):
        pca.present(_cloud(200) * 100, 1.0)
    np.testing.assert_array_equal(pca.components_, before)    # the last good components stay
    with pytest.raises(ValueError, match="learning_rate"):
        pca.present(_cloud(5), 0.0)


def test_scikit_learn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(HebbianPCA(), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed, failed


def test_live_model_turns_onto_the_axes_and_round_trips():
    m = registry.create("hebbian-pca", seed=0)
    assert m.snapshot().data["angle"][:, -1].max() > 5          # random start
    m.step(400)
    s = m.snapshot()
    assert s.data["angle"][:, -1].max() < 3
    assert {v.key for v in m.views()} == {"data", "angle", "norm", "variance"}
    saved = m.state()
    other = registry.create("hebbian-pca", seed=7)
    other.load_state(saved)
    m.step(20)
    other.step(20)
    np.testing.assert_array_equal(m.snapshot().data["weights"], other.snapshot().data["weights"])
    assert not np.shares_memory(m.snapshot().data["data"], m.X)


def test_live_model_digits_shows_components_as_images():
    m = registry.create("hebbian-pca", {"dataset": "digits", "samples_per_step": 200}, seed=0)
    m.step(300)
    s = m.snapshot()
    assert s.data["components"].shape == (3, 8, 8)
    assert np.all(s.data["angle"][:, -1] < 5)
    with pytest.raises(ValueError, match="components"):
        bad = m.state()
        bad["components"] = np.ones((2, 64))
        m.load_state(bad)
