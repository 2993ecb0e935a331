"""engine/kernels/modern.py against its numpy reference: weights kept at or above a threshold."""
import numpy as np
import pytest

from engine.kernels.modern import weighted_sum_above, weighted_sum_above_reference


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weighted_sum_above_equals_the_masked_product(dtype):
    rng = np.random.default_rng(0)
    weights = rng.random((37, 50)).astype(dtype) ** 8        # most below the threshold, some rows none above
    weights[3] = 0.0                                          # a row that keeps nothing
    weights[5] = 1.0                                          # a row that keeps every pattern
    patterns = rng.normal(size=(50, 23)).astype(dtype)
    out = np.full((37, 23), np.nan, dtype=dtype)
    threshold = dtype(0.3)
    weighted_sum_above(weights, threshold, patterns, out)
    expected = weighted_sum_above_reference(weights, threshold, patterns)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)
    np.testing.assert_array_equal(out[3], 0.0)
    assert 0 < np.count_nonzero(weights >= threshold) < weights.size / 2
