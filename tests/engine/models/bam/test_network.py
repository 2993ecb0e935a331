"""Seed 001's linear associator (exact for orthonormal keys, crosstalk otherwise), the eigenvector
automaton (ends at the dominant eigenvector) and Kosko's BAM (recalls stored pairs from noisy probes,
its energy never rising)."""
import numpy as np
import pytest

from engine.models.bam import BAM, LinearAssociator, eigenvector_automaton


def bipolar(rng, m, n):
    return np.where(rng.random((m, n)) < 0.5, 1.0, -1.0)


def flipped(rng, x, fraction):
    out = x.copy()
    idx = rng.choice(x.size, size=int(round(fraction * x.size)), replace=False)
    out[idx] = -out[idx]
    return out


# ---------------------------------------------------------------- linear associator
def test_orthonormal_keys_recall_exactly_with_zero_crosstalk():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    keys = q[:5]                               # 5 orthonormal keys in 12-d
    values = rng.normal(size=(5, 3))
    la = LinearAssociator("hebbian").store(keys, values)
    np.testing.assert_allclose(la.recall(keys), values, atol=1e-12)
    np.testing.assert_allclose(la.crosstalk_, 0.0, atol=1e-12)
    np.testing.assert_allclose(la.weights_, values.T @ keys)   # W = YᵀX


def test_correlated_keys_show_the_crosstalk_the_seed_derives():
    rng = np.random.default_rng(1)
    keys = bipolar(rng, 4, 16)
    values = bipolar(rng, 4, 5)
    la = LinearAssociator().store(keys, values)
    # x^p W = y^p (x^p·x^p) + Σ_{l≠p} y^l (x^l·x^p)
    g = keys @ keys.T
    want = (g - np.diag(np.diag(g))) @ values
    np.testing.assert_allclose(la.crosstalk_, want)
    d = la.recall(keys[2], detail=True)
    assert d.key == 2
    np.testing.assert_allclose(d.signal, 16 * values[2])
    np.testing.assert_allclose(d.crosstalk, want[2])
    np.testing.assert_allclose(d.signal + d.crosstalk, la.recall(keys[2]))


def test_pseudoinverse_recalls_linearly_independent_keys_exactly():
    rng = np.random.default_rng(2)
    keys = bipolar(rng, 6, 10)                 # correlated, but independent
    values = rng.normal(size=(6, 4))
    la = LinearAssociator("pseudoinverse").store(keys, values)
    np.testing.assert_allclose(la.recall(keys), values, atol=1e-10)
    np.testing.assert_allclose(la.crosstalk_, 0.0, atol=1e-10)
    assert np.array_equal(la.recall(keys, sign=True), np.where(values >= 0, 1.0, -1.0))


def test_linear_associator_bad_input():
    with pytest.raises(ValueError, match="rule"):
        LinearAssociator("oja")
    la = LinearAssociator()
    with pytest.raises(ValueError, match="store"):
        la.recall(np.ones(3))
    with pytest.raises(ValueError, match="same number of pairs"):
        la.store(np.ones((3, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="X"):
        la.store(np.ones(4), np.ones((1, 4)))
    la.store(np.eye(3), np.eye(3))
    with pytest.raises(ValueError, match="x must have 3"):
        la.recall(np.ones(4))
    with pytest.raises(ValueError, match="detail"):
        la.recall(np.eye(3), detail=True)


# ---------------------------------------------------------------- eigenvector automaton
def test_eigenvector_automaton_ends_at_eighs_dominant_eigenvector():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(8, 8))
    w = a @ a.T                                # symmetric positive semi-definite
    vals, vecs = np.linalg.eigh(w)
    top = vecs[:, np.argmax(np.abs(vals))]
    run = eigenvector_automaton(w, rng.normal(size=8), n_steps=500, tol=1e-10)
    assert run.converged
    assert abs(run.x @ top) == pytest.approx(1.0, abs=1e-10)
    assert run.gains[-1] == pytest.approx(np.max(np.abs(vals)), rel=1e-10)
    assert run.history.shape == (501, 8)
    np.testing.assert_allclose(np.linalg.norm(run.history, axis=1), 1.0)


def test_eigenvector_automaton_seed_example_and_a_negative_dominant_eigenvalue():
    # seed 001: W = diag(2, 1) pulls any (x1 ≠ 0, x2) onto (1, 0)
    run = eigenvector_automaton(np.diag([2.0, 1.0]), [0.1, 5.0], n_steps=80)
    np.testing.assert_allclose(run.x, [1.0, 0.0], atol=1e-12)
    # λ₁ = −3: the state flips sign every step, still the eigenvector up to sign
    run = eigenvector_automaton(np.diag([-3.0, 1.0]), [1.0, 1.0], n_steps=80)
    assert run.converged and abs(run.x[0]) == pytest.approx(1.0)


def test_eigenvector_automaton_bad_input():
    with pytest.raises(ValueError, match="W must be square"):
        eigenvector_automaton(np.ones((2, 3)), [1, 1])
    with pytest.raises(ValueError, match="x0"):
        eigenvector_automaton(np.eye(2), [1, 1, 1])
    with pytest.raises(ValueError, match="x0 must be a non-zero"):
        eigenvector_automaton(np.eye(2), [0, 0])
    with pytest.raises(ValueError, match="n_steps"):
        eigenvector_automaton(np.eye(2), [1, 0], n_steps=0)
    with pytest.raises(ValueError, match="W x became 0"):
        eigenvector_automaton(np.diag([1.0, 0.0]), [0, 1])


# ---------------------------------------------------------------- BAM
def test_bam_recalls_stored_pairs_from_ten_percent_flipped_probes():
    rng = np.random.default_rng(4)
    n, k, m = 200, 150, 5                      # well below capacity
    X, Y = bipolar(rng, m, n), bipolar(rng, m, k)
    bam = BAM().store(X, Y)
    for p in range(m):
        for _ in range(5):
            r = bam.recall(x=flipped(rng, X[p], 0.1))
            assert np.array_equal(r.x, X[p]) and np.array_equal(r.y, Y[p]) and r.converged
            assert np.all(np.diff(r.energies) <= 0)
            r = bam.recall(y=flipped(rng, Y[p], 0.1))
            assert np.array_equal(r.x, X[p]) and np.array_equal(r.y, Y[p])
            assert np.all(np.diff(r.energies) <= 0)
    assert bam.is_stable(X[0], Y[0])


def test_bam_energy_never_rises_even_far_beyond_capacity():
    rng = np.random.default_rng(5)
    X, Y = bipolar(rng, 40, 30), bipolar(rng, 40, 20)
    bam = BAM().store(X, Y)
    r = bam.recall(x=bipolar(rng, 50, 30), max_bounces=200)
    assert r.converged.all()
    assert np.all(np.diff(r.energies, axis=1) <= 0)
    for b in range(50):   # each settled pair is a fixed point
        assert bam.is_stable(r.x[b], r.y[b])
    # a batch ends as one-by-one recall does
    probes = bipolar(np.random.default_rng(6), 7, 30)
    batch = bam.recall(x=probes)
    for b in range(7):
        one = bam.recall(x=probes[b])
        assert np.array_equal(one.x, batch.x[b]) and np.array_equal(one.y, batch.y[b])
        assert one.n_half_bounces == batch.n_half_bounces[b]
        np.testing.assert_array_equal(one.energies, batch.energies[b, :len(one.energies)])


def test_bam_energy_and_half_bounce():
    rng = np.random.default_rng(7)
    X, Y = bipolar(rng, 3, 6), bipolar(rng, 3, 4)
    bam = BAM().store(X, Y)
    np.testing.assert_allclose(bam.weights_, X.T @ Y)
    x, y = X[0].copy(), np.zeros(4)
    assert bam.energy(x, y) == 0.0
    assert bam.half_bounce(x, y, "y")
    assert bam.energy(x, y) == pytest.approx(-x @ bam.weights_ @ y)


def test_bam_bad_input_names_the_argument():
    bam = BAM()
    with pytest.raises(ValueError, match="store"):
        bam.recall(x=np.ones(3))
    with pytest.raises(ValueError, match="X must hold only ±1"):
        bam.store([[0.5, 1]], [[1, -1]])
    bam.store([[1, -1, 1]], [[1, -1]])
    with pytest.raises(ValueError, match="exactly one"):
        bam.recall()
    with pytest.raises(ValueError, match="exactly one"):
        bam.recall(x=[1, 1, 1], y=[1, 1])
    with pytest.raises(ValueError, match="y must have 2"):
        bam.recall(y=[1, 1, 1])
    with pytest.raises(ValueError, match="max_bounces"):
        bam.recall(x=[1, 1, 1], max_bounces=0)
    with pytest.raises(ValueError, match="layer"):
        bam.half_bounce(np.ones(3), np.ones(2), "z")
