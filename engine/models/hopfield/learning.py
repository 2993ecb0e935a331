"""How a ``Hopfield`` network turns patterns into weights: the storage rules (Hebbian with its
scales, pseudo-inverse, Storkey in passes, perceptron), the inverse update ``forget`` uses, and the
anti-Hebbian "dream" update of unlearning. Pure functions of arrays; network.py holds the state.

References: seed 000 §2 (Hebbian, pseudo-inverse, Storkey; §2-11 trains Storkey in 5 passes),
seed 001 ("perceptron learning in Hopfield networks": each unit is a perceptron; the symmetric
version learns one joint vector over w_ij, i < j, and the thresholds), seed 002 (Hebbian scaled by
λ = 1/p), Hopfield, Feinstein & Palmer, Nature 304:158 (1983) (unlearning: relax from random states,
subtract a small multiple of the state reached).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine import interrupt
from engine.kernels import hopfield as K
from engine.threads import small_linalg
from engine.validation import check_bool, check_choice, check_float, check_int

RULES = ("hebbian", "pseudoinverse", "storkey", "perceptron")
# Hebbian weight scales: "none" w = Σ_p ξξᵀ; "1/N" (seed 000, the usual mean-field scale); "1/P"
# (seed 002's λ = 1/p); "1/NP" both. Recall at zero thresholds is the same; thresholds, energies
# and the temperature compare against a different scale.
SCALES = ("none", "1/N", "1/P", "1/NP")
# Storkey's rule goes in kernel calls of about this many weight updates (N² per pattern; tens of ms),
# a stop check before each (engine/interrupt.py): 50 passes over a 64×64 network's patterns take seconds
STORKEY_UPDATES_PER_CALL = 1 << 24
TIES = ("keep", "plus")  # h_i = U_i: keep the state (today's rule) or go up, sgn(0) = +1 (seeds 001, 003)


@dataclass(frozen=True)
class LearningOptions:
    """The settings of the storage rules (each default is the network's historical behaviour).

    scale: Hebbian weight scale (SCALES). self_connections: keep w_ii (Hebbian: the diagonal of
    Σ ξξᵀ, P or its scaled value; pseudo-inverse: the diagonal of the projection X⁺X); Storkey and
    the perceptron have no self-connection in their rule and keep w_ii = 0 either way.
    storkey_passes: passes of Storkey's rule over the patterns. margin (κ ≥ 0), symmetric,
    max_epochs: the perceptron rule's (see ``perceptron``).
    """
    scale: str = "none"
    self_connections: bool = False
    storkey_passes: int = 1
    margin: float = 0.0
    symmetric: bool = True
    max_epochs: int = 1000

    @classmethod
    def checked(cls, **values) -> LearningOptions:
        """Options from keyword values, each checked (ValueError naming the argument)."""
        fields = cls.__dataclass_fields__
        unknown = set(values) - set(fields)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; accepts {sorted(fields)}")
        opts = cls(**values)
        return cls(scale=check_choice("scale", opts.scale, SCALES),
                   self_connections=check_bool("self_connections", opts.self_connections),
                   storkey_passes=check_int("storkey_passes", opts.storkey_passes, 1),
                   margin=check_float("margin", opts.margin, 0.0),
                   symmetric=check_bool("symmetric", opts.symmetric),
                   max_epochs=check_int("max_epochs", opts.max_epochs, 1))


class LearningReport(NamedTuple):
    """What the last learning did: ``epochs`` passes over the patterns (1 for the one-shot rules,
    ``storkey_passes`` for Storkey, the count done for the perceptron) and whether it ``converged``
    (the perceptron: every pattern stable with the margin; the one-shot rules always end)."""
    rule: str
    epochs: int
    converged: bool


class Learned(NamedTuple):
    """Weights W (N, N) (row i: the weights into unit i), learned thresholds θ (N,), the report."""
    weights: np.ndarray
    thresholds: np.ndarray
    report: LearningReport


def hebbian_factor(scale: str, n: int, p: int) -> float:
    """The factor c of one Hebbian imprint c·ξξᵀ at this scale, N units and P patterns (P ≥ 1)."""
    return {"none": 1.0, "1/N": 1.0 / n, "1/P": 1.0 / p, "1/NP": 1.0 / (n * p)}[scale]


def learn(rule: str, bipolar: np.ndarray, inputs: np.ndarray, thresholds: np.ndarray,
          options: LearningOptions) -> Learned:
    """Weights for ``bipolar`` patterns (P ≥ 1, N) int8 ±1 under ``rule``.

    ``inputs``: the same patterns in the network's coding (the perceptron learns the fields the
    network computes, so the patterns are stable in that coding); ``thresholds``: the network's U
    (the perceptron learns θ beside it, stable for h_i − U_i − θ_i).
    """
    p, n = bipolar.shape
    theta = np.zeros(n, dtype=np.float64)
    epochs, converged = 1, True
    if rule == "perceptron":
        w, theta, epochs, converged = perceptron(inputs, bipolar, thresholds, options.margin,
                                                 options.symmetric, options.max_epochs)
    elif rule == "storkey":
        w = np.zeros((n, n), dtype=np.float64)
        # the kernel takes the patterns one after another, so calls of a few patterns each are the
        # same learning; a stop request leaves w unfinished, a local the caller never gets
        per_call = max(1, STORKEY_UPDATES_PER_CALL // (n * n))
        for _ in range(options.storkey_passes):
            for start in range(0, p, per_call):
                interrupt.check()
                K.storkey_learn(w, bipolar[start:start + per_call])
        epochs = options.storkey_passes
    else:
        xf = bipolar.astype(np.float64)
        if rule == "hebbian":
            w = xf.T @ xf  # integer sums of ±1: exact, hence exactly symmetric
            if options.scale != "none":
                w *= hebbian_factor(options.scale, n, p)
        else:
            # X⁺X = Xᵀ(XXᵀ)⁺X, the orthogonal projection onto the span of the patterns;
            # averaging with the transpose makes the rounding symmetric too.
            with small_linalg():
                w = np.linalg.pinv(xf) @ xf
            w = 0.5 * (w + w.T)
        w = np.ascontiguousarray(w)
        if not options.self_connections:
            np.fill_diagonal(w, 0.0)
    return Learned(w, theta, LearningReport(rule, int(epochs), bool(converged)))


def perceptron(inputs: np.ndarray, targets: np.ndarray, thresholds: np.ndarray, margin: float,
               symmetric: bool, max_epochs: int) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Seed 001's perceptron learning: (W, θ, epochs, converged) with every unit stable by κ.

    Unit i is stable in pattern p when ξ_i (h_i − U_i − θ_i) > κ, h_i = Σ_{j≠i} w_ij s_j; each
    unstable unit steps w_ij += ξ_i s_j / N, θ_i −= ξ_i / N (the 1/N step makes the fields of the
    scale of 1/N Hebbian weights, so κ is measured against |h| ≈ 1 of one stored pattern).
    ``symmetric``: one joint step on w_ij = w_ji (seed 001's vector v); else each row learns alone.
    The strict ">" makes stable patterns fixed points under either tie convention.
    """
    p, n = targets.shape
    w = np.zeros((n, n), dtype=np.float64)
    theta = np.zeros(n, dtype=np.float64)
    # The kernel takes unit steps (exact integer sums for ±1 or 0/1 inputs); U and κ go in its units.
    # One epoch a call, and an epoch in calls of a few patterns, a stop check before each
    # (engine/interrupt.py): a 64×64 network that never converges would run its 100 000 epochs for
    # hours, and one epoch of many patterns costs ~15 ms a pattern there. The kernel keeps nothing but
    # W and θ between calls and takes the patterns in order, so the calls learn what one call would;
    # the epoch converged when none of its calls took a step.
    inputs = np.ascontiguousarray(inputs, dtype=np.float64)
    targets = np.ascontiguousarray(targets, dtype=np.int8)
    fixed = thresholds * n
    per_call = max(1, interrupt.PRODUCT_CHUNK // (n * n))
    epochs, converged = int(max_epochs), False
    for epoch in range(int(max_epochs)):
        converged = True
        for lo in range(0, p, per_call):
            interrupt.check()
            _, calm = K.perceptron_learn(w, theta, inputs[lo:lo + per_call], targets[lo:lo + per_call], fixed,
                                         float(margin) * n, bool(symmetric), 1)
            converged &= calm
        if converged:
            epochs = epoch + 1
            break
    w /= n
    theta /= n
    return w, theta, int(epochs), bool(converged)


def hebbian_forget(weights: np.ndarray, xi: np.ndarray, scale: str, p: int, self_connections: bool) -> np.ndarray:
    """Hebbian weights of P patterns less pattern ``xi`` (bipolar): the imprint subtracted.

    The 1/P scales rescale to P − 1 patterns: W' = (P·W − c_1 ξξᵀ)/(P − 1), c_1 the factor at one
    pattern; whatever else ``weights`` holds (dreams) is kept and rescaled alike.
    """
    n = weights.shape[0]
    x = xi.astype(np.float64)
    imprint = np.outer(x, x)
    if not self_connections:
        np.fill_diagonal(imprint, 0.0)
    if scale in ("none", "1/N"):
        return weights - hebbian_factor(scale, n, 1) * imprint
    if p <= 1:
        return np.zeros_like(weights)
    return (p * weights - hebbian_factor(scale, n, 1) * imprint) / (p - 1)


def dream_update(weights: np.ndarray, state: np.ndarray, amount: float, self_connections: bool) -> None:
    """Unlearning's anti-Hebbian step in place: W −= amount · s sᵀ (bipolar s; diagonal as the rule)."""
    s = state.astype(np.float64)
    weights -= amount * np.outer(s, s)
    if not self_connections:
        np.fill_diagonal(weights, 0.0)
