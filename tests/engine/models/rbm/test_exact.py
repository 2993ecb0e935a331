"""Exact tables of tiny RBMs: the seeds' 3×2 machine, conditionals and gradients by enumeration."""
from __future__ import annotations

import numpy as np
import pytest

from engine.models.rbm import RBM, exact
from engine.models.shared import all_binary_states
from tests.engine.models.rbm.helpers import random_rbm, seed_rbm


def test_seed_3x2_energy_partition_function_and_conditionals():
    rbm = seed_rbm()
    assert rbm.energy([1, 0, 1], [0, 1])[0] == pytest.approx(-0.3)
    V, H, p, Z = rbm.exact_distribution()
    assert Z == pytest.approx(57.684, abs=5e-4)
    assert round(Z, 2) == 57.68
    assert rbm.transform([[0, 0, 1]])[0, 0] == pytest.approx(0.5987, abs=5e-5)
    assert rbm.prob_v_given_h([[0, 1]])[0, 0] == pytest.approx(0.5744, abs=5e-5)
    # the seed's table: p(v=[1,0,1], h=[0,1]) = exp(0.3)/Z = 0.023 and p(v=[1,1,1]) = 0.17
    iv = int(np.flatnonzero((V == [1, 0, 1]).all(1))[0])
    ih = int(np.flatnonzero((H == [0, 1]).all(1))[0])
    assert p[iv, ih] == pytest.approx(np.exp(0.3) / Z)
    assert round(p[iv, ih], 3) == 0.023
    # the seed sums its rounded table entries (0.03 + 0.03 + 0.05 + 0.06); the exact value is 0.1621
    assert p[7].round(2).sum() == pytest.approx(0.17)
    assert p[7].sum() == pytest.approx(0.16213, abs=1e-5)
    assert p.sum() == pytest.approx(1.0)
    # a few rows of the seed's energy table, v|h → E
    for v, h, e in (([0, 1, 0], [1, 1], -1.1), ([1, 1, 0], [1, 1], -1.3), ([0, 0, 1], [0, 1], 0.0),
                    ([1, 1, 1], [1, 1], -1.2)):
        assert rbm.energy(v, h)[0] == pytest.approx(e)


def test_seed_conditionals_by_enumeration_match_the_seed_worked_example():
    V, H, p, _ = seed_rbm().exact_distribution()
    iv = int(np.flatnonzero((V == [0, 0, 1]).all(1))[0])
    p_h_given_v = p[iv] / p[iv].sum()
    assert p_h_given_v == pytest.approx([0.2107, 0.1906, 0.3143, 0.2844], abs=5e-5)
    ih = int(np.flatnonzero((H == [0, 1]).all(1))[0])
    p_v_given_h = p[:, ih] / p[:, ih].sum()
    assert p_v_given_h[V[:, 0] == 1].sum() == pytest.approx(0.5744, abs=5e-5)


@pytest.mark.parametrize("nv,nh", [(4, 3), (3, 5), (6, 2)])
def test_closed_form_conditionals_equal_enumeration(nv, nh):
    rbm = random_rbm(nv, nh, seed=nv * 10 + nh)
    V, H, p, Z = rbm.exact_distribution()
    p_h1_given_v = (p @ H) / p.sum(axis=1, keepdims=True)      # E[h | v] by enumeration
    np.testing.assert_allclose(rbm.transform(V), p_h1_given_v, rtol=1e-10)
    p_v1_given_h = (p.T @ V) / p.sum(axis=0)[:, None]
    np.testing.assert_allclose(rbm.prob_v_given_h(H), p_v1_given_h, rtol=1e-10)
    # p(v) from the free energy equals the joint's marginal; Z from either side of the machine
    _, pv = rbm.marginal_visible()
    np.testing.assert_allclose(pv, p.sum(axis=1), rtol=1e-10)
    e = np.array([[rbm.energy(v, h)[0] for h in H] for v in V])
    assert np.exp(-e).sum() == pytest.approx(Z, rel=1e-12)


def test_exact_gradient_matches_finite_differences():
    rbm = random_rbm(4, 3, seed=3)
    X = all_binary_states(4)[[1, 3, 3, 6, 9, 14]]
    dW, db, dc = rbm.exact_gradient(X)
    W, b, c = (a.astype(np.float64) for a in (rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_))
    Xf = X.astype(np.float64)
    eps = 1e-6
    for i, j in ((0, 0), (2, 1), (3, 2)):
        up, down = W.copy(), W.copy()
        up[i, j] += eps
        down[i, j] -= eps
        numeric = (exact.log_likelihood(Xf, up, b, c) - exact.log_likelihood(Xf, down, b, c)) / (2 * eps)
        assert numeric == pytest.approx(dW[i, j], abs=1e-6)
    step = np.array([eps, 0, 0, 0])
    numeric = (exact.log_likelihood(Xf, W, b + step, c) - exact.log_likelihood(Xf, W, b - step, c)) / (2 * eps)
    assert numeric == pytest.approx(db[0], abs=1e-6)
    assert dc.shape == (3,)
    assert rbm.exact_log_likelihood(X) == pytest.approx(exact.log_likelihood(Xf, W, b, c))


def test_state_codes_invert_the_counting_order():
    V = exact.states(5)
    np.testing.assert_array_equal(exact.state_codes(V), np.arange(32))


def test_enumeration_refuses_machines_too_large():
    big = RBM(30, dtype="float64").initialize(30)
    with pytest.raises(ValueError, match="min"):
        big.log_partition_function()
    with pytest.raises(ValueError, match="n_visible \\+ n_hidden"):
        RBM(15, dtype="float64").initialize(6).exact_distribution()
    with pytest.raises(ValueError, match="n_visible"):
        RBM(2, dtype="float64").initialize(25).marginal_visible()
