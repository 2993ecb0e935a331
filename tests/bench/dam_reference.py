"""A plain numpy transcription of seed 004's equations (Krotov & Hopfield's DAM notebook), written
for the benchmark and the tests: the data as columns, the V and U states of eq. (15) built as full
(N + Nc, Nc·B) matrices, the rectified powers of eq. (16) taken of the raw drives, the un-scaled
gradient of eq. (17) (its 2mβn factor cancels in eq. (13)'s normalisation), momentum, the
normalised update, ε₀fᵗ and the temperature ramp, clip to [−1, 1]. Not part of hebbgui: the yardstick
``DAMClassifier`` is measured against (same process, same data, same epochs).
"""
from __future__ import annotations

import numpy as np

SEED_CONFIG = dict(K=100, n=20, m=30, eps0=4.0e-2, f=0.998, p=0.6, Temp_in=540.0, Temp_f=540.0,
                   thresh_pret=200, Num=1000, mu=-0.3, sigma=0.3, prec=1.0e-30)


def one_hot_columns(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Lab (Nc, samples): +1 at the label's classification neuron, −1 elsewhere (the seed's table)."""
    lab = -np.ones((n_classes, labels.shape[0]))
    lab[labels, np.arange(labels.shape[0])] = 1.0
    return lab


def init_memories(rng: np.random.Generator, n_visible: int, n_classes: int, cfg: dict) -> np.ndarray:
    """KS (K, N + Nc) ~ N(mu, sigma²)."""
    return rng.normal(cfg["mu"], cfg["sigma"], (cfg["K"], n_visible + n_classes))


def minibatch_update(KS, VKS, v, t_R, eps, beta, cfg):
    """One minibatch of the notebook: v (N, Num) pixels ±1, t_R (Nc, Num) ±1 targets. Updates KS and
    VKS in place; returns Y_R (Nc, Num), the outputs of eq. (16)."""
    N, Num = v.shape
    Nc = t_R.shape[0]
    n, m, p, prec = cfg["n"], cfg["m"], cfg["p"], cfg["prec"]
    aux = -np.ones((Nc, Num * Nc))
    for d in range(Nc):
        aux[d, d * Num:(d + 1) * Num] = 1.0
    t = np.reshape(t_R, (1, Nc * Num))
    u = np.concatenate((v, -np.ones((Nc, Num))), axis=0)
    uu = np.tile(u, (1, Nc))
    vv = np.concatenate((uu[:N, :], aux), axis=0)
    KSvv = np.maximum(np.dot(KS, vv), 0)
    KSuu = np.maximum(np.dot(KS, uu), 0)
    Y = np.tanh(beta * np.sum(KSvv ** n - KSuu ** n, axis=0))
    Y_R = np.reshape(Y, (Nc, Num))
    coef = (Y - t) ** (2 * m - 1) * (1 - Y) * (1 + Y)
    d_KS = np.dot(np.multiply(coef, KSvv ** (n - 1)), vv.T) - np.dot(np.multiply(coef, KSuu ** (n - 1)), uu.T)
    VKS *= p
    VKS += d_KS
    nc = np.amax(np.absolute(VKS), axis=1).reshape(KS.shape[0], 1)
    nc[nc < prec] = prec
    KS += -eps * VKS / nc
    np.clip(KS, -1.0, 1.0, out=KS)
    return Y_R


def epoch_schedule(nep: int, cfg: dict) -> tuple[float, float]:
    """(ε, β) of epoch nep: ε₀fⁿᵉᵖ and β = 1/Tⁿ with T on the ramp."""
    eps = cfg["eps0"] * cfg["f"] ** nep
    if nep <= cfg["thresh_pret"]:
        T = cfg["Temp_in"] + (cfg["Temp_f"] - cfg["Temp_in"]) * nep / cfg["thresh_pret"]
    else:
        T = cfg["Temp_f"]
    return eps, 1.0 / T ** cfg["n"]


def train_epoch(KS, VKS, M, Lab, nep, rng, cfg) -> float:
    """One epoch over M (N, Ns) ±1 and Lab (Nc, Ns); returns the training error counted on the way."""
    eps, beta = epoch_schedule(nep, cfg)
    Ns, Num = M.shape[1], cfg["Num"]
    perm = rng.permutation(Ns)
    M, Lab = M[:, perm], Lab[:, perm]
    correct = 0
    for k in range(Ns // Num):
        v, t_R = M[:, k * Num:(k + 1) * Num], Lab[:, k * Num:(k + 1) * Num]
        Y_R = minibatch_update(KS, VKS, v, t_R, eps, beta, cfg)
        correct += int(np.sum(np.argmax(Y_R, axis=0) == np.argmax(t_R, axis=0)))
    return 1.0 - correct / Ns


def test_error(KS, MT, LabT, nep, cfg, NumT: int = 5000) -> float:
    """The notebook's test error: argmax of eq. (16)'s outputs, in test minibatches of NumT."""
    _, beta = epoch_schedule(nep, cfg)
    N, Ns = MT.shape
    Nc = LabT.shape[0]
    n = cfg["n"]
    correct = 0
    for k in range(0, Ns, NumT):
        v = MT[:, k:k + NumT]
        b = v.shape[1]
        aux = -np.ones((Nc, b * Nc))
        for d in range(Nc):
            aux[d, d * b:(d + 1) * b] = 1.0
        uu = np.tile(np.concatenate((v, -np.ones((Nc, b))), axis=0), (1, Nc))
        vv = np.concatenate((uu[:N, :], aux), axis=0)
        Y = np.tanh(beta * np.sum(np.maximum(KS @ vv, 0) ** n - np.maximum(KS @ uu, 0) ** n, axis=0))
        correct += int(np.sum(np.argmax(Y.reshape(Nc, b), axis=0) == np.argmax(LabT[:, k:k + NumT], axis=0)))
    return 1.0 - correct / Ns
