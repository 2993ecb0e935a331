"""engine.estimator: the one base of the scikit-learn-style models, tested through a toy estimator
(the real ones run scikit-learn's check_estimator in their own tests)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import TransformerMixin, clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.estimator import Estimator, NotFittedError, choice, integer, real, seed


class Centering(TransformerMixin, Estimator):
    """Subtracts the (optionally trimmed) mean it learned; the smallest real estimator."""

    _constraints = {"n_epochs": integer(1, 100), "scale": real(0, lo_open=True),
                    "centre": choice("mean", "median"), "random_state": seed()}

    def __init__(self, n_epochs=1, scale=1.0, centre="mean", random_state=None):
        self.n_epochs = n_epochs
        self.scale = scale
        self.centre = centre
        self.random_state = random_state

    def fit(self, X, y=None):
        p = self._params()
        X = self._check_X(X, reset=True)
        self.centre_ = (np.mean if p["centre"] == "mean" else np.median)(X, axis=0)
        return self

    def transform(self, X):
        self._check_fitted()
        X = self._check_X(X, reset=False)
        return (X - self.centre_) * self.scale

    def _params_changed(self, old):
        if not (isinstance(self.centre, str) and self.centre == old["centre"]):
            # learned with the other rule: no longer the model's state
            for name in ("centre_", "n_features_in_"):
                self.__dict__.pop(name, None)


@parametrize_with_checks([Centering()])
def test_scikit_learn_accepts_the_base(estimator, check):
    check(estimator)


def test_init_only_stores_and_fit_checks():
    e = Centering(n_epochs=0)  # no error here: scikit-learn's clone relies on it
    assert e.get_params() == {"n_epochs": 0, "scale": 1.0, "centre": "mean", "random_state": None}
    with pytest.raises(ValueError, match=r"n_epochs must be an integer in \[1, 100\], got 0"):
        e.fit(np.ones((3, 2)))
    assert e.n_epochs == 0, "fit never changes a hyper-parameter"


def test_update_params_checks_at_once_and_rolls_back():
    e = Centering().fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"scale must be a finite number > 0, got -1"):
        e.update_params(n_epochs=5, scale=-1)
    assert e.get_params()["n_epochs"] == 1 and e.scale == 1.0, "nothing changes when one value is refused"
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['speed'\] for Centering"):
        e.update_params(speed=3)
    with pytest.raises(ValueError, match=r"n_epochs must be an integer ≥ 1 and ≤ 100, got 2.0"):
        e.update_params(n_epochs=2.0)
    e.update_params(n_epochs=np.int64(2))
    assert type(e._params()["n_epochs"]) is int
    e.update_params(centre="median")  # _params_changed drops what was learned with the old rule
    with pytest.raises(NotFittedError, match=r"this Centering is not fitted yet; call fit\(X\) first"):
        e.transform(np.ones((1, 2)))


def test_set_params_stores_like_scikit_learn_and_fit_refuses():
    e = Centering().fit(np.ones((2, 2)))
    e.set_params(scale=-1, centre="median")  # no error here: grid searches set values before fitting
    assert not e.__sklearn_is_fitted__(), "set_params also drops stale learned state"
    with pytest.raises(ValueError, match=r"scale must be a finite number > 0, got -1"):
        e.fit(np.ones((2, 2)))


def test_data_checked_with_scikit_learns_words():
    e = Centering().fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="X has 2 features, but Centering is expecting 4 features as input"):
        e.transform(np.ones((1, 2)))
    with pytest.raises(ValueError, match="Reshape your data"):
        e.transform(np.ones(4))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        e.fit(np.array([[1.0, np.nan]]))


def test_not_fitted_is_a_value_error_and_clone_is_unfitted():
    e = Centering()
    with pytest.raises(ValueError):
        e.transform(np.ones((1, 2)))
    fitted = Centering(scale=2.0).fit(np.ones((2, 2)))
    c = clone(fitted)
    assert c.get_params() == fitted.get_params() and not c.__sklearn_is_fitted__()


def test_a_subclass_must_constrain_every_parameter():
    class Forgetful(Centering):
        _constraints = {"n_epochs": integer(1)}
    with pytest.raises(TypeError, match=r"Forgetful._constraints has no entry for \['centre', 'random_state', 'scale'\]"):
        Forgetful().fit(np.ones((2, 2)))
