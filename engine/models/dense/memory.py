"""``DenseAssociativeMemory``: the auto-associative Dense Associative Memory of eqs. (2)–(4) (seed 004).

E(σ) = −Σ_μ F(ξ^μ·σ) over K stored ±1 patterns ξ^μ of N units; a unit takes the sign of the energy
it saves (eq. 4). F(x) = xⁿ ("polynomial": n = 2 is the classical Hopfield network with Hebbian
weights T_ij = Σ_μ ξ_i^μ ξ_j^μ, eq. 1), (x)_+ⁿ ("rectified", eq. 3) or eˣ ("exponential",
Demircigil et al. 2017). Higher n holds far more patterns: about N^(n−1) / (2 (2n−3)!! ln N) are
stored without error (Krotov & Hopfield 2016) against Hopfield's 0.14 N.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.kernels import dense as K
from engine.kernels import random as R
from engine.validation import check_array, check_choice, check_int, check_seed

ENERGIES = tuple(K.KINDS)
_MAX_SEED = 2**63 - 1


def krotov_capacity(n_neurons: int, power: int) -> float:
    """N^(n−1) / (2 (2n−3)!! ln N): the patterns a polynomial DAM stores without error (Krotov & Hopfield 2016)."""
    n_neurons = check_int("n_neurons", n_neurons, 2)
    power = check_int("power", power, 2)
    double_factorial = math.prod(range(2 * power - 3, 0, -2))
    return n_neurons ** (power - 1) / (2.0 * double_factorial * math.log(n_neurons))


def _bipolar(name: str, value: Any, n: int) -> tuple[np.ndarray, bool]:
    """(B, N) int8 ±1 rows of ±1 or 0/1 states given as (N,) or (B, N); whether a batch was given."""
    arr = check_array(name, value, dtype=None, ndim=(1, 2), non_empty=True, values="spins")
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} units (the memory's n_neurons), got shape {arr.shape}")
    units = arr.reshape(-1, n).astype(np.int8)
    if (units == 0).any():
        units = (2 * units - 1).astype(np.int8)
    return np.ascontiguousarray(units), arr.ndim == 2


class DenseAssociativeMemory:
    """K patterns of ``n_neurons`` ±1 units recalled by the asynchronous dynamics of eq. (4).

    power: n of F(x) = xⁿ (ignored by "exponential"); energy: "polynomial", "rectified" or
    "exponential"; seed: the generator of update orders when a recall is given none.
    """

    def __init__(self, n_neurons: int, power: int = 3, energy: str = "polynomial", seed: int | None = None):
        self._n = check_int("n_neurons", n_neurons, 1)
        self._energy = check_choice("energy", energy, ENERGIES)
        self._power = self._checked_power(power)
        self._rng = np.random.default_rng(check_seed(seed))
        self._xi_t = np.zeros((self._n, 0), dtype=np.int8)  # patterns as columns: a unit's K weights are contiguous

    def _checked_power(self, power: Any) -> int:
        # Σ_μ F(ξ·σ) must stay finite in float64: |ξ·σ| ≤ N, so Nⁿ < 1e300
        top = max(2, int(300 / math.log10(max(self._n, 2))))
        return check_int("power", power, 1 if self._energy == "exponential" else 2, top)

    # -- configuration -------------------------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        """N, the number of units."""
        return self._n

    @property
    def power(self) -> int:
        """n of F(x) = xⁿ (settable; the stored patterns stay)."""
        return self._power

    @power.setter
    def power(self, value: int) -> None:
        self._power = self._checked_power(value)

    @property
    def energy_kind(self) -> str:
        """"polynomial", "rectified" or "exponential" (settable)."""
        return self._energy

    @energy_kind.setter
    def energy_kind(self, value: str) -> None:
        self._energy = check_choice("energy", value, ENERGIES)

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns (K, N) int8 ±1 (a copy)."""
        return np.ascontiguousarray(self._xi_t.T)

    @property
    def n_patterns(self) -> int:
        """K, the number of stored patterns."""
        return int(self._xi_t.shape[1])

    def capacity(self) -> float:
        """Krotov & Hopfield's error-free capacity N^(n−1) / (2 (2n−3)!! ln N) at this N and n."""
        return krotov_capacity(max(self._n, 2), self._power)

    def store(self, patterns) -> None:
        """Replace what is stored by ``patterns`` (K, N) of ±1 or 0/1 values (an empty (0, N) clears)."""
        arr = check_array("patterns", patterns, dtype=None, ndim=2)
        if arr.shape[1] != self._n:
            raise ValueError(f"patterns must have shape (K, {self._n}), got {arr.shape}")
        if arr.shape[0] == 0:
            self._xi_t = np.zeros((self._n, 0), dtype=np.int8)
            return
        units, _ = _bipolar("patterns", arr, self._n)
        self._xi_t = np.ascontiguousarray(units.T)

    # -- dynamics ------------------------------------------------------------------------------
    def _kind(self) -> int:
        return K.KINDS[self._energy]

    def _generator_states(self, seed, count: int) -> np.ndarray:
        if seed is None:
            seed = int(self._rng.integers(0, _MAX_SEED))
        return R.seed_states(check_seed(seed), count)

    def recall(self, probe, max_sweeps: int = 100, seed: int | None = None) -> np.ndarray:
        """Run eq. (4) asynchronously (a fresh random order each sweep) from ``probe`` (N,) or each row
        of (B, N) (±1 or 0/1) to a fixed point or ``max_sweeps``; returns the final ±1 state(s), int8.
        Batches run in parallel; row b ends as a single recall with the b-th stream of ``seed``."""
        max_sweeps = check_int("max_sweeps", max_sweeps, 1)
        states, batched = _bipolar("probe", probe, self._n)
        self.run_batch(states, max_sweeps, seed)
        return states if batched else states[0]

    def run_batch(self, states: np.ndarray, max_sweeps: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Advance checked int8 ±1 states (B, N) in place; returns (sweeps done, converged) per row."""
        n_sweeps = np.zeros(states.shape[0], dtype=np.int64)
        converged = np.zeros(states.shape[0], dtype=np.bool_)
        if self.n_patterns == 0:  # no memories: every state is a fixed point (every drive is 0)
            n_sweeps[:] = 1
            converged[:] = True
            return n_sweeps, converged
        K.recall_batch(self._xi_t, states, self._power, self._kind(), max_sweeps,
                       self._generator_states(seed, states.shape[0]), n_sweeps, converged)
        return n_sweeps, converged

    def is_fixed_point(self, state) -> bool | np.ndarray:
        """True where no unit of the state (N,) or of each row of (B, N) would change under eq. (4)."""
        states, batched = _bipolar("state", state, self._n)
        out = np.ones(states.shape[0], dtype=np.bool_)
        if self.n_patterns:
            K.fixed_points(self._xi_t, states, self._power, self._kind(), out)
        return out if batched else bool(out[0])

    def overlaps(self, state) -> np.ndarray:
        """m_μ = (1/N) ξ^μ·σ with each stored pattern: (K,) or (B, K)."""
        states, batched = _bipolar("state", state, self._n)
        m = states.astype(np.float64) @ self._xi_t.astype(np.float64) / self._n
        return m if batched else m[0]

    def energy(self, state) -> float | np.ndarray:
        """E = −Σ_μ F(ξ^μ·σ) of a state (N,) or of each row of (B, N) (eq. 2).

        "exponential" returns −log Σ_μ exp(ξ^μ·σ) = −log(−E): E itself overflows float64 past N ≈ 709,
        and this falls exactly when E falls."""
        states, batched = _bipolar("state", state, self._n)
        x = states.astype(np.float64) @ self._xi_t.astype(np.float64)
        if self.n_patterns == 0:
            e = np.zeros(states.shape[0])
        elif self._energy == "exponential":
            top = x.max(axis=1)
            e = -(top + np.log(np.exp(x - top[:, None]).sum(axis=1)))
        else:
            if self._energy == "rectified":
                x = np.maximum(x, 0.0)
            e = -(x ** self._power).sum(axis=1)
        return e if batched else float(e[0])

    def __repr__(self) -> str:
        return (f"DenseAssociativeMemory(n_neurons={self._n}, power={self._power}, energy={self._energy!r}, "
                f"n_patterns={self.n_patterns})")
