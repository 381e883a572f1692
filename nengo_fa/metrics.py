"""Metrics for probed or saved simulation data: alignment, gradient noise, accuracy.

All functions are pure NumPy and take plain arrays. The alignment metrics
(`cosine_similarity`, `angle_degrees`, `norm_ratio`) treat each array as one
flattened vector, or, given ``axis``, as one vector per entry along that axis.
The student-teacher functions give the order parameters and the exact
generalization error of the soft committee machine (Saad & Solla 1995).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "angle_degrees",
    "confusion_matrix",
    "cosine_similarity",
    "gradient_snr",
    "snr_from_moments",
    "norm_ratio",
    "running_accuracy",
    "moving_average",
    "tail_mean",
]


def _as_vectors(x, axis):
    """``x`` as a 2-D array with one flattened vector per row.

    With ``axis=None`` the whole array is the single row; otherwise each entry
    along ``axis`` is a row.
    """
    x = np.asarray(x, dtype=float)
    if axis is None:
        return x.reshape(1, -1)
    x = np.moveaxis(x, axis, 0)
    return x.reshape(x.shape[0], -1)


def _unbatch(values, axis):
    """A float for ``axis=None``, else the 1-D array ``values``."""
    return float(values[0]) if axis is None else values


def cosine_similarity(a, b, axis=None):
    r"""Cosine of the angle between two arrays, each taken as one flat vector.

    .. math:: \cos\theta = \frac{\langle a, b \rangle}{\|a\| \, \|b\|}

    Parameters
    ----------
    a, b : array_like
        Arrays of the same shape.
    axis : int, optional
        A batch axis: if given, one cosine is computed per entry along this axis,
        over all remaining axes (e.g. ``axis=0`` on probed ``(n_steps, ...)`` data
        gives one value per time step).

    Returns
    -------
    float or ndarray
        The cosine, NaN where either norm is 0; an array of shape
        ``(a.shape[axis],)`` if ``axis`` is given.
    """
    if np.shape(a) != np.shape(b):
        raise ValueError(f"shapes differ: {np.shape(a)} and {np.shape(b)}")
    a, b = _as_vectors(a, axis), _as_vectors(b, axis)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosines = np.where(norms > 0, dots / norms, np.nan)
    return _unbatch(cosines, axis)


def angle_degrees(a, b, axis=None):
    r"""Angle between two arrays, each taken as one flat vector, in degrees.

    .. math:: \theta = \frac{180}{\pi} \arccos\left(\mathrm{clip}(\cos\theta, -1, 1)\right)

    The cosine is that of `cosine_similarity`; the clip only removes rounding
    errors. Parameters are as for `cosine_similarity`.

    Returns
    -------
    float or ndarray
        The angle in [0, 180], NaN where either norm is 0.
    """
    angles = np.degrees(np.arccos(np.clip(cosine_similarity(a, b, axis=axis), -1.0, 1.0)))
    return float(angles) if axis is None else angles


def norm_ratio(a, b, axis=None):
    r"""Ratio of the Frobenius norms of two arrays, :math:`\|a\| / \|b\|`.

    Parameters
    ----------
    a, b : array_like
        Arrays; their shapes may differ, but with ``axis`` given both must have
        the same length along it.
    axis : int, optional
        A batch axis: if given, one ratio is computed per entry along this axis,
        over all remaining axes.

    Returns
    -------
    float or ndarray
        The ratio, NaN where :math:`\|b\| = 0`; an array of shape
        ``(a.shape[axis],)`` if ``axis`` is given.
    """
    norm_a = np.linalg.norm(_as_vectors(a, axis), axis=1)
    norm_b = np.linalg.norm(_as_vectors(b, axis), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(norm_b > 0, norm_a / norm_b, np.nan)
    return _unbatch(ratios, axis)


def gradient_snr(samples, eps=1e-3):
    r"""Signal-to-noise ratio of per-sample updates, averaged over parameters.

    For per-sample updates :math:`g_{s,p}` of parameters :math:`p`,

    .. math:: \mathrm{SNR} = \frac{1}{P} \sum_p
              \frac{|\mathrm{mean}_s\, g_{s,p}|}{\mathrm{std}_s\, g_{s,p} + \epsilon}

    with the population standard deviation (``ddof=0``). This is the unsquared
    definition of the tutorial the project reproduces; other authors use the
    ratio of squares.

    Parameters
    ----------
    samples : array_like
        Shape ``(n_samples, ...)``: one update of the same parameters per sample.
    eps : float
        Added to the standard deviation, so noiseless parameters give
        :math:`|\mathrm{mean}| / \epsilon` instead of infinity.

    Returns
    -------
    float
    """
    samples = np.asarray(samples, dtype=float)
    return snr_from_moments(samples.mean(axis=0), samples.std(axis=0), eps)


def snr_from_moments(mean, std, eps=1e-3):
    """`gradient_snr` from the per-parameter mean and standard deviation over samples.

    For updates too large to hold for every sample at once: accumulate sums
    and sums of squares, then call this.
    """
    return float(np.mean(np.abs(np.asarray(mean)) / (np.asarray(std) + eps)))


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts of (true, predicted) label pairs.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Labels in ``range(n_classes)``, of the same length.
    n_classes : int

    Returns
    -------
    ndarray of int, shape (n_classes, n_classes)
        Entry ``[i, j]`` counts the samples of true class ``i`` predicted as ``j``.
    """
    y_true = np.asarray(y_true, dtype=int).ravel()
    y_pred = np.asarray(y_pred, dtype=int).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.size} true labels but {y_pred.size} predictions")
    for labels in (y_true, y_pred):
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"labels must lie in range({n_classes})")
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def running_accuracy(correct, window):
    r"""Moving average of a 0/1 (or boolean) sequence over the last ``window`` samples.

    .. math:: a_t = \frac{1}{\min(t + 1, W)} \sum_{s = \max(0, t - W + 1)}^{t} c_s

    so the first ``window - 1`` entries average over the samples seen so far.

    Parameters
    ----------
    correct : array_like, shape (n,)
    window : int
        Window length :math:`W \ge 1`.

    Returns
    -------
    ndarray of float, shape (n,)
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    correct = np.asarray(correct, dtype=float).ravel()
    totals = np.concatenate([[0.0], np.cumsum(correct)])
    ends = np.arange(1, correct.size + 1)
    starts = np.maximum(ends - window, 0)
    return (totals[ends] - totals[starts]) / (ends - starts)


def moving_average(values, window):
    """Mean of every ``window`` consecutive values, NaNs ignored (``'valid'`` length).

    A window of only NaNs gives NaN; a window longer than ``values`` gives
    an empty array.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    values = np.asarray(values, dtype=float)
    if window > len(values):
        return np.empty(0)
    finite = np.isfinite(values)
    sums = np.convolve(np.where(finite, values, 0.0), np.ones(window), "valid")
    counts = np.convolve(finite.astype(float), np.ones(window), "valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def tail_mean(values, fraction=0.1):
    """Mean (NaNs ignored) of the last ``fraction`` of ``values`` (at least one value)."""
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values[-max(1, int(round(fraction * len(values)))) :]))


#: Names that served only the student-teacher example and moved into it.
MOVED = {
    "overlaps": "overlaps",
    "soft_committee_generalization_error": "soft_committee_generalization_error",
}


def __getattr__(name):
    if name in MOVED:
        raise AttributeError(
            f"nengo_fa.metrics.{name} served only the student-teacher experiment and moved "
            f"to examples/student_teacher.py (as {MOVED[name]})"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
