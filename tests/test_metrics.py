"""Metrics: analytic values, batch axes, and the soft committee machine error."""

import numpy as np
import pytest

from nengo_fa.metrics import (
    angle_degrees,
    confusion_matrix,
    cosine_similarity,
    gradient_snr,
    moving_average,
    norm_ratio,
    running_accuracy,
    snr_from_moments,
    tail_mean,
)


@pytest.mark.parametrize(
    "b, cosine, angle",
    [
        ([[0.0, 3.0], [0.0, 0.0]], 0.0, 90.0),
        ([[2.0, 0.0], [0.0, 0.0]], 1.0, 0.0),
        ([[-0.5, 0.0], [0.0, 0.0]], -1.0, 180.0),
        ([[1.0, 1.0], [0.0, 0.0]], np.sqrt(0.5), 45.0),
    ],
)
def test_cosine_and_angle_of_flattened_arrays(b, cosine, angle):
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert isinstance(cosine_similarity(a, b), float)
    assert cosine_similarity(a, b) == pytest.approx(cosine, abs=1e-12)
    assert isinstance(angle_degrees(a, b), float)
    assert angle_degrees(a, b) == pytest.approx(angle, abs=1e-6)


def test_parallel_angle_is_zero_despite_rounding():
    a = np.full(1000, 0.1)
    assert angle_degrees(a, 3 * a) == pytest.approx(0.0, abs=1e-5)
    assert angle_degrees(a, -3 * a) == pytest.approx(180.0, abs=1e-5)


def test_zero_vector_gives_nan():
    a, zero = np.ones(3), np.zeros(3)
    assert np.isnan(cosine_similarity(a, zero))
    assert np.isnan(cosine_similarity(zero, a))
    assert np.isnan(angle_degrees(zero, a))
    assert np.isnan(norm_ratio(a, zero))
    assert norm_ratio(zero, a) == 0.0


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shapes differ"):
        cosine_similarity(np.ones(3), np.ones(4))


def test_batch_axis():
    rng = np.random.RandomState(0)
    a = rng.standard_normal((5, 4, 2))
    b = rng.standard_normal((5, 4, 2))
    b[1] = 2 * a[1]
    b[2] = 0.0

    cosines = cosine_similarity(a, b, axis=0)
    assert cosines.shape == (5,)
    for k in (0, 3, 4):
        assert cosines[k] == pytest.approx(cosine_similarity(a[k], b[k]))
    assert cosines[1] == pytest.approx(1.0)
    assert np.isnan(cosines[2])

    angles = angle_degrees(a, b, axis=0)
    assert angles.shape == (5,)
    np.testing.assert_allclose(angles, np.degrees(np.arccos(np.clip(cosines, -1, 1))), atol=1e-6)

    ratios = norm_ratio(a, b, axis=0)
    assert ratios.shape == (5,)
    assert ratios[1] == pytest.approx(0.5)
    assert np.isnan(ratios[2])

    along_last = cosine_similarity(a, b, axis=2)
    assert along_last.shape == (2,)
    assert along_last[1] == pytest.approx(cosine_similarity(a[..., 1], b[..., 1]))


def test_norm_ratio_is_frobenius():
    a = np.array([[3.0, 0.0], [0.0, 4.0]])
    assert norm_ratio(a, np.ones(4)) == pytest.approx(5.0 / 2.0)


def test_snr_of_constant_samples_is_mean_over_eps():
    samples = np.tile([[1.0, -2.0], [0.5, 0.0]], (7, 1, 1))
    assert gradient_snr(samples, eps=1e-3) == pytest.approx((1 + 2 + 0.5 + 0) / 4 / 1e-3)


def test_snr_of_known_distribution():
    # Each parameter takes the values mu - s and mu + s equally often: mean mu, std s.
    mu = np.array([1.0, -3.0, 0.0])
    s = np.array([0.5, 1.0, 2.0])
    samples = np.stack([mu - s, mu + s, mu + s, mu - s])
    expected = np.mean(np.abs(mu) / (s + 0.01))
    assert gradient_snr(samples, eps=0.01) == pytest.approx(expected)


def test_snr_uses_population_std():
    samples = np.array([0.0, 2.0])  # mean 1, std (ddof=0) 1
    assert gradient_snr(samples, eps=0.0) == pytest.approx(1.0)


def test_confusion_matrix():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    matrix = confusion_matrix(y_true, y_pred, n_classes=4)
    expected = np.zeros((4, 4), dtype=int)
    expected[0, 0] = expected[0, 1] = expected[1, 1] = expected[2, 0] = 1
    expected[2, 2] = 2
    np.testing.assert_array_equal(matrix, expected)
    assert np.issubdtype(matrix.dtype, np.integer)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="range"):
        confusion_matrix([0, 3], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="predictions"):
        confusion_matrix([0, 1], [0], n_classes=3)


def test_running_accuracy():
    correct = np.array([True, False, True, True, False, False])
    accuracy = running_accuracy(correct, window=3)
    np.testing.assert_allclose(accuracy, [1, 1 / 2, 2 / 3, 2 / 3, 2 / 3, 1 / 3])
    assert accuracy.dtype == float
    np.testing.assert_array_equal(running_accuracy(correct, window=1), correct)
    np.testing.assert_allclose(
        running_accuracy(correct, window=100), np.cumsum(correct) / np.arange(1, 7)
    )


def test_snr_from_moments_matches_gradient_snr():
    samples = np.random.RandomState(0).standard_normal((50, 4, 3)) + np.arange(3)
    assert snr_from_moments(samples.mean(0), samples.std(0)) == pytest.approx(
        gradient_snr(samples)
    )


def test_moving_average_ignores_nans_and_tail_mean():
    values = np.array([1.0, np.nan, 3.0, 5.0])
    np.testing.assert_allclose(moving_average(values, 2), [1.0, 3.0, 4.0])
    assert np.isnan(moving_average([np.nan, np.nan, 1.0], 2)[0])
    assert moving_average(values, 5).shape == (0,)
    with pytest.raises(ValueError, match="window"):
        moving_average(values, 0)
    assert tail_mean(np.arange(10.0), 0.2) == 8.5
    assert tail_mean([np.nan, 2.0, 4.0], 0.7) == 3.0
