"""The one base of the scikit-learn-style models (RBM, DBN, SOM, CompetitiveLayer, Hebb classifiers…).

The conventions, the same for every estimator (scikit-learn's, checked by its check_estimator):
  * ``__init__`` and ``set_params`` only store their arguments, under their own names — never
    check or compute (``get_params``, ``clone``, grid searches and pipelines rely on it);
  * ``_constraints`` maps each hyper-parameter to a checker ``(name, value) -> coerced value``
    built from ``engine.validation`` (``integer(1)``, ``real(0, lo_open=True)``, ``choice(...)``…);
    ``fit`` / ``partial_fit`` call ``self._params()`` first and work with the checked values;
  * ``update_params(**changes)`` is the checked live change (the GUI models and scripts that want
    an error at once): every value is checked, nothing changes when one is refused;
  * data go through ``self._check_X(X, reset=…)`` (scikit-learn's ``validate_data``: its messages,
    ``n_features_in_``), plus the model's value range;
  * learned state lives in attributes ending in ``_`` and exists only after fitting;
    ``_check_fitted()`` raises ``NotFittedError``, which is a ``ValueError`` too;
  * ``fit`` never changes a hyper-parameter: the number of passes is ``n_epochs``;
  * ``_params_changed(old)`` drops learned state that no longer fits (a SOM of another size); it
    runs after ``set_params`` and ``update_params``.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError  # a ValueError and an AttributeError, as sklearn's checks expect

from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets

from engine.validation import check_bool, check_choice, check_estimator_data, check_float, check_int, check_seed

__all__ = ["Estimator", "EpochEstimator", "NotFittedError", "integer", "real", "choice", "boolean", "seed", "any_value"]

Checker = Callable[[str, Any], Any]


def integer(lo: int | None = None, hi: int | None = None) -> Checker:
    """A constraint: a whole number in [lo, hi]."""
    return lambda name, value: check_int(name, value, lo, hi)


def real(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False) -> Checker:
    """A constraint: a finite number within the bounds."""
    return lambda name, value: check_float(name, value, lo, hi, lo_open=lo_open, hi_open=hi_open)


def choice(*options) -> Checker:
    """A constraint: one of ``options``."""
    return lambda name, value: check_choice(name, value, options)


def boolean() -> Checker:
    """A constraint: True or False."""
    return check_bool


def seed() -> Checker:
    """A constraint: ``random_state`` — None or a non-negative integer."""
    return lambda name, value: check_seed(value, name)


def any_value() -> Checker:
    """A constraint that accepts anything (checked where it is used)."""
    return lambda name, value: value


class Estimator(BaseEstimator):
    """Base of every scikit-learn-style model; see the module docstring for the conventions."""

    _constraints: ClassVar[Mapping[str, Checker]] = {}

    def _params(self) -> dict[str, Any]:
        """Every hyper-parameter checked against ``_constraints`` and coerced (e.g. 3.0 → 3)."""
        values = self.get_params(deep=False)
        missing = set(values) - set(self._constraints)
        if missing:  # a coding error in the subclass, not a user's: say which
            raise TypeError(f"{type(self).__name__}._constraints has no entry for {sorted(missing)}")
        return {k: self._constraints[k](k, v) for k, v in values.items()}

    def set_params(self, **params):
        """scikit-learn's set_params (stores, never raises on a value); stale learned state is dropped."""
        old = self.get_params(deep=False)
        super().set_params(**params)
        self._params_changed(old)
        return self

    def update_params(self, **changes):
        """Change hyper-parameters, checked at once; nothing changes when one value is refused."""
        old = self.get_params(deep=False)
        unknown = set(changes) - set(old)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)} for {type(self).__name__}; accepts {sorted(old)}")
        for k, v in changes.items():
            setattr(self, k, v)
        try:
            self._params()
        except ValueError:
            for k, v in old.items():
                setattr(self, k, v)
            raise
        self._params_changed(old)
        return self

    def _check_X(self, X, *, reset: bool, values=None, dtype=np.float64):
        """Data for fit (``reset=True`` records ``n_features_in_``) or for use after fit."""
        return check_estimator_data(self, X, reset=reset, values=values, dtype=dtype)

    def _check_y(self, y: Any, n_samples: int) -> np.ndarray:
        """Class labels for a classifier: 1-D (a column is raveled, as scikit-learn does), one per sample."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim != 1 or y.shape[0] != n_samples:
            raise ValueError(f"y must be 1-D with one label per sample ({n_samples}), got shape {y.shape}")
        check_classification_targets(y)
        return y

    def _class_indices(self, y: np.ndarray) -> np.ndarray:
        """Indices of y's labels in ``classes_``; a label not among them is refused."""
        idx = np.minimum(np.searchsorted(self.classes_, y), self.classes_.shape[0] - 1)
        unseen = self.classes_[idx] != y
        if np.any(unseen):
            raise ValueError(f"y has labels {np.unique(y[unseen])[:6].tolist()} not seen in fit (not among "
                             f"classes_ {self.classes_.tolist()}); pass every class with classes= on the first "
                             "partial_fit")
        return idx.astype(np.int64)

    def _params_changed(self, old: dict) -> None:
        """Called after a successful ``set_params`` with the previous values; drop state that no longer fits."""

    def _check_fitted(self, what: str = "") -> None:
        """Raise NotFittedError (a ValueError) unless the estimator has been fitted."""
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet{(' (' + what + ')') if what else ''}; "
                                 f"call fit(X) first")

    def __sklearn_is_fitted__(self) -> bool:
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))


class EpochEstimator(Estimator):
    """An estimator trained in passes over the data: ``fit`` starts afresh and makes ``n_epochs``
    passes, ``partial_fit`` makes one (starting on its first call). A subclass writes ``_start``
    (fresh learned state for ``n_features``) and ``_pass`` (one pass), both given the checked params."""

    def _start(self, n_features: int, p: dict) -> None:
        raise NotImplementedError

    def _pass(self, X: np.ndarray, p: dict) -> None:
        raise NotImplementedError

    def fit(self, X, y=None):
        """Fresh learned state, then ``n_epochs`` passes over X."""
        p = self._params()
        X = self._check_X(X, reset=True)
        self._start(X.shape[1], p)
        for _ in range(p["n_epochs"]):
            self._pass(X, p)
        return self

    def partial_fit(self, X, y=None):
        """One pass over X (fresh learned state on the first call)."""
        p = self._params()
        first = not self.__sklearn_is_fitted__()
        X = self._check_X(X, reset=first)
        if first:
            self._start(X.shape[1], p)
        self._pass(X, p)
        return self
