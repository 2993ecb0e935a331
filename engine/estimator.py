"""scikit-learn parameter plumbing shared by the estimator-style models (SOM, competitive layer)."""
from __future__ import annotations


class ParamsMixin:
    """``get_params`` / ``set_params`` over ``_PARAM_NAMES``, validated by ``_validate`` with rollback.

    A class overrides ``_params_changed`` to drop state that no longer fits (e.g. weights of another size).
    """

    _PARAM_NAMES: tuple[str, ...] = ()

    def _validate(self) -> None:
        raise NotImplementedError

    def _params_changed(self, old: dict) -> None:
        """Called after a successful set_params with the previous parameters."""

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments, as scikit-learn expects."""
        return {k: getattr(self, k) for k in self._PARAM_NAMES}

    def set_params(self, **params):
        """Change constructor arguments; validated, and nothing changes when one is refused."""
        unknown = set(params) - set(self._PARAM_NAMES)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; accepts {list(self._PARAM_NAMES)}")
        old = self.get_params()
        for k, v in params.items():
            setattr(self, k, v)
        try:
            self._validate()
        except ValueError:
            for k, v in old.items():
                setattr(self, k, v)
            raise
        self._params_changed(old)
        return self
