"""The phase diagram of the stochastic Hopfield network (1/N Hebbian weights, Glauber dynamics): the
retrieval and paramagnetic phases where Amit, Gutfreund & Sompolinsky put them, and their boundary line."""
from __future__ import annotations

import numpy as np
import pytest

from engine import experiments
from engine.experiments.phase_diagram import ags_boundary, ags_overlap


def test_the_ags_boundary_meets_its_known_ends():
    alpha, temp = ags_boundary()
    assert temp[0] == 0.0 and alpha[0] == pytest.approx(0.138, abs=0.002)     # α_c at T = 0
    assert temp[-1] == 1.0 and alpha[-1] == 0.0                               # T_c = 1 without load
    assert np.all(np.diff(alpha[2:]) < 0)       # falls with T past the replica-symmetric re-entrance
    # the retrieval overlap: m = tanh(m/T) without load; 0.904 at (0.05, 0.5); none at T = 1.2
    assert ags_overlap(1e-6, 0.5)[0] == pytest.approx(0.9575, abs=1e-3)
    np.testing.assert_allclose(ags_overlap([0.05, 0.05], [0.5, 1.2]), [0.904, 0.0], atol=2e-3)


def _median_overlap(res, alpha, temp):
    t = res.table
    return float(np.median(t["overlap"][(t["alpha"] == alpha) & (t["T"] == temp)]))


@pytest.mark.slow
def test_retrieval_at_the_ags_overlap_and_its_loss_at_2000_units():
    # The "above 0.9 at α = 0.05, T = 0.5" is AGS's own value there (0.904, N → ∞). Finite networks
    # scatter around it set by set (measured, 12–16 sets each: medians 0.894 and 0.909 at N = 2000, 0.892–0.909
    # at N = 4000; pooled mean 0.900), so a one-sided "> 0.9" fails for about half the seeds. The test holds
    # the median over 12 pattern sets to the theory from both sides instead: within 0.015 of m_AGS.
    warm = experiments.run("phase-diagram", {"n_neurons": 2000, "alphas": [0.05], "temperatures": [0.5, 1.2],
                                             "n_seeds": 12, "n_sweeps": 40, "n_measure": 20}, seed=0, n_jobs=2)
    theory = float(ags_overlap(0.05, 0.5)[0])
    assert abs(_median_overlap(warm, 0.05, 0.5) - theory) < 0.015
    assert _median_overlap(warm, 0.05, 1.2) < 0.3           # paramagnetic
    cold = experiments.run("phase-diagram", {"n_neurons": 2000, "alphas": [0.12, 0.16], "temperatures": [0.1],
                                             "n_seeds": 3, "n_sweeps": 40, "n_measure": 10}, seed=0, n_jobs=2)
    assert _median_overlap(cold, 0.12, 0.1) > 0.9            # retrieval at T = 0.1 up to α = 0.12 …
    assert _median_overlap(cold, 0.16, 0.1) < 0.6            # … lost by α = 0.16 (α_c ≈ 0.138)
    assert cold.data["overlap"].shape == (1, 2) and cold.data["ags"].shape[0] == 2
