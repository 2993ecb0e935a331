"""ModernHopfield: Ramsauer et al.'s update retrieves MNIST digits from their top half at large β,
returns the mean of the stored patterns as β → 0, never raises its energy, and refuses bad input."""
import numpy as np
import pytest

from engine import datasets
from engine.models import modern
from engine.models.modern import ModernHopfield


@pytest.fixture(scope="module")
def digits():
    x, _ = datasets.load_mnist("train", 1000)
    return x.reshape(1000, -1).astype(np.float64) * (2.0 / 255.0) - 1.0


def top_halves(x):
    probe = x.copy()
    probe[:, x.shape[1] // 2:] = 0.0   # the bottom half unknown
    return probe


def test_large_beta_retrieves_the_right_digit_from_its_top_half(digits):
    net = ModernHopfield(beta=1.0)
    net.store(digits)
    out = net.retrieve(top_halves(digits))
    right = net.nearest(out) == np.arange(len(digits))
    assert right.mean() >= 0.95
    # and what comes back is the digit itself, bottom half included
    err = np.abs(out[right] - digits[right]).mean(axis=1)
    assert np.median(err) < 1e-3


def test_beta_to_zero_returns_the_mean_of_the_stored_patterns(digits):
    net = ModernHopfield(beta=1e-9)
    net.store(digits)
    out = net.retrieve(top_halves(digits[:20]))
    np.testing.assert_allclose(out, np.broadcast_to(digits.mean(axis=0), out.shape), atol=1e-5)
    np.testing.assert_allclose(net.attention(digits[0]), np.full(len(digits), 1 / len(digits)), rtol=1e-5)


@pytest.mark.parametrize("beta", [0.003, 0.03, 0.1, 1.0])
def test_energy_never_rises_under_retrieval(digits, beta):
    net = ModernHopfield(beta=beta)
    net.store(digits[:300])
    state = top_halves(digits[300:310])
    energies = [net.energy(state)]
    for _ in range(8):
        state = net.retrieve(state)
        energies.append(net.energy(state))
    e = np.array(energies)
    assert np.all(np.diff(e, axis=0) <= 1e-9 * np.abs(e[:-1]).max())
    assert np.all(e >= -1e-9)   # the constant β⁻¹ log P + ½M² makes E ≥ 0


def test_energy_matches_the_formula_and_survives_large_beta():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7))
    xi = rng.normal(size=7)
    net = ModernHopfield(beta=0.7)
    net.store(x)
    s = 0.7 * x @ xi
    want = -np.log(np.exp(s).sum()) / 0.7 + 0.5 * xi @ xi + np.log(5) / 0.7 + 0.5 * max(np.sum(x * x, axis=1))
    assert net.energy(xi) == pytest.approx(want, rel=1e-12)
    net.beta = 1e4   # exp(β xᵀξ) would overflow without the shift
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is the point
        assert np.isfinite(net.energy(xi))
        w = net.attention(xi)
        assert np.isfinite(net.retrieve(xi)).all()
    assert w.sum() == pytest.approx(1.0) and w.max() == pytest.approx(1.0)


def test_batched_equals_one_by_one_across_chunks_and_float32_agrees(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 30))
    probes = rng.normal(size=(23, 30))
    net = ModernHopfield(beta=0.5)
    net.store(x)
    one_by_one = np.array([net.retrieve(p, n_steps=3) for p in probes])
    monkeypatch.setattr(modern, "CHUNK_BYTES", 7 * 50 * 8)   # 7 rows per chunk: 4 chunks
    np.testing.assert_allclose(net.retrieve(probes, n_steps=3), one_by_one, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(net.attention(probes), [net.attention(p) for p in probes], rtol=1e-12)
    net32 = ModernHopfield(beta=0.5, dtype="float32")
    net32.store(x)
    out32 = net32.retrieve(probes, n_steps=3)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, one_by_one, atol=1e-4)


def test_retrieval_leaves_the_probe_alone_and_is_deterministic():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 6))
    probe = rng.normal(size=(4, 6))
    kept = probe.copy()
    a, b = ModernHopfield(2.0), ModernHopfield(2.0)
    a.store(x)
    b.store(x)
    np.testing.assert_array_equal(a.retrieve(probe, 5), b.retrieve(probe, 5))
    np.testing.assert_array_equal(probe, kept)


@pytest.mark.parametrize("kwargs, word", [
    (dict(beta=0.0), "beta"), (dict(beta=-1), "beta"), (dict(beta=float("nan")), "beta"),
    (dict(beta="1"), "beta"), (dict(dtype="float16"), "dtype"),
])
def test_bad_construction_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ModernHopfield(**kwargs)


def test_bad_input_names_the_argument():
    net = ModernHopfield()
    with pytest.raises(ValueError, match="store"):
        net.retrieve(np.zeros(4))
    for bad in (np.zeros(4), np.zeros((0, 4)), [[1, np.nan]], np.zeros((2, 2, 2)), [["a", "b"]]):
        with pytest.raises(ValueError, match="patterns"):
            net.store(bad)
    net.store(np.eye(4))
    with pytest.raises(ValueError, match="probe.*4 values"):
        net.retrieve(np.zeros(5))
    with pytest.raises(ValueError, match="probe"):
        net.attention([np.inf, 0, 0, 0])
    with pytest.raises(ValueError, match="n_steps"):
        net.retrieve(np.zeros(4), n_steps=0)
    with pytest.raises(ValueError, match="state"):
        net.energy(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="beta"):
        net.beta = 0


def test_the_sparse_product_at_large_beta_equals_the_dense_one(digits, monkeypatch):
    net = ModernHopfield(beta=5.0)
    net.store(digits[:200])
    probes = top_halves(digits[:50])
    sparse = net.retrieve(probes, n_steps=2)
    monkeypatch.setattr(modern, "SPARSE_FRACTION", -1.0)   # always the dense product
    dense = net.retrieve(probes, n_steps=2)
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-12)
    assert np.count_nonzero(net.attention(probes) >= np.finfo(np.float64).eps / 200) < 0.02 * 50 * 200


def test_one_update_is_ramsauers_formula():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(9, 5))
    xi = rng.normal(size=5)
    net = ModernHopfield(beta=1.3)
    net.store(x)
    s = 1.3 * x @ xi
    p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    np.testing.assert_allclose(net.attention(xi), p, rtol=1e-12)
    np.testing.assert_allclose(net.retrieve(xi), x.T @ p, rtol=1e-12)
    np.testing.assert_allclose(net.retrieve(xi, n_steps=2), net.retrieve(net.retrieve(xi)), rtol=1e-12)


def test_probes_with_unknown_features_score_over_the_known_ones_alone(digits, monkeypatch):
    """Top halves leave 392 features at zero: the scores come from the other 392 columns (half the
    product), and retrieval and attention equal the full product's to rounding."""
    net = ModernHopfield(beta=0.05)   # a soft softmax: every weight counts in the second product
    net.store(digits[:300])
    probes = top_halves(digits[:40])
    used = []
    gather = np.ascontiguousarray
    monkeypatch.setattr(modern.np, "ascontiguousarray", lambda a: used.append(a.shape) or gather(a))
    part, weights = net.retrieve(probes, n_steps=2), net.attention(probes)
    assert (300, 392) in used                          # the known half, gathered
    monkeypatch.setattr(modern, "PARTIAL_FEATURES", -1.0)   # always the full product
    np.testing.assert_allclose(part, net.retrieve(probes, n_steps=2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(weights, net.attention(probes), rtol=1e-10, atol=1e-15)
