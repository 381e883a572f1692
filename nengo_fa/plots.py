"""Matplotlib figures: learning curves, alignment, gradient SNRs, receptive fields, confusion.

Matplotlib (and, for `tsne`, scikit-learn) is imported only when a function is
called, so this module imports without them. Every function draws into ``ax``
if given, otherwise into a new figure, and returns the figure.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "angle_over_time",
    "confusion",
    "cosine_per_epoch",
    "learning_curves",
    "raster",
    "receptive_fields",
    "snr_bars",
    "tsne",
]


def _figure_and_axes(ax):
    """``ax`` and its figure, or a new figure with one axes if ``ax`` is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        return plt.subplots()
    return ax.figure, ax


def learning_curves(curves, ax=None, xlabel="samples", ylabel="running accuracy"):
    """Plot one curve per run, e.g. running accuracy against samples seen.

    Parameters
    ----------
    curves : dict
        Label -> ``(x, y)``.
    ax : matplotlib.axes.Axes, optional
    xlabel, ylabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure_and_axes(ax)
    for label, (x, y) in curves.items():
        ax.plot(x, y, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def raster(times, spikes, ax=None, boundaries=(), xlabel="time (s)"):
    """Spike raster: a tick per spike, one row per neuron.

    Parameters
    ----------
    times : array_like, shape (n_steps,)
    spikes : array_like, shape (n_steps, n_neurons)
        Nonzero where a neuron spiked (e.g. probed ``ens.neurons`` output).
    ax : matplotlib.axes.Axes, optional
    boundaries : sequence of float
        Times to mark with vertical lines (e.g. where a new input starts).
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure_and_axes(ax)
    times, spikes = np.asarray(times), np.asarray(spikes)
    events = [times[spikes[:, i] != 0] for i in range(spikes.shape[1])]
    ax.eventplot(events, colors="k", linelengths=0.8, linewidths=0.6)
    for boundary in boundaries:
        ax.axvline(boundary, color="tab:red", lw=0.6, alpha=0.6)
    ax.set_xlim(times[0], times[-1])
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("neuron")
    return fig


def angle_over_time(times, angles, ax=None, xlabel="time (s)"):
    """Plot angles (degrees) against time, with a dashed line at 90 degrees.

    Parameters
    ----------
    times : array_like, shape (n_times,)
    angles : dict
        Label -> angles in degrees, shape ``(n_times,)``, e.g. from
        `nengo_fa.metrics.angle_degrees` with ``axis=0``.
    ax : matplotlib.axes.Axes, optional
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure_and_axes(ax)
    for label, angle in angles.items():
        ax.plot(times, angle, label=label)
    ax.axhline(90, color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("angle (degrees)")
    ax.legend()
    return fig


def cosine_per_epoch(cosines, ax=None):
    """Plot cosine similarities per epoch, epochs numbered from 1.

    Parameters
    ----------
    cosines : dict
        Label -> one cosine per epoch.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure_and_axes(ax)
    for label, values in cosines.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("cosine similarity")
    ax.legend()
    return fig


def snr_bars(snrs, ax=None, log=True, noise_floor=None):
    """Bar chart of gradient signal-to-noise ratios.

    Parameters
    ----------
    snrs : dict
        Label -> SNR, e.g. from `nengo_fa.metrics.gradient_snr`.
    ax : matplotlib.axes.Axes, optional
    log : bool
        Use a logarithmic y axis.
    noise_floor : float, optional
        Drawn as a dashed line: the SNR pure noise gives with as many samples.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure_and_axes(ax)
    ax.bar(list(snrs), list(snrs.values()))
    if noise_floor is not None:
        ax.axhline(noise_floor, color="0.4", ls="--", label="pure noise")
        ax.legend()
    if log:
        ax.set_yscale("log")
    ax.set_ylabel("gradient SNR")
    ax.tick_params(axis="x", labelrotation=20)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return fig


def receptive_fields(weights, image_shape, n=36, ax=None, cmap="RdBu_r"):
    """Show the first ``n`` weight vectors as images tiled in a square-ish grid.

    Each tile is divided by its largest absolute value, so it spans [-1, 1] with
    0 at the centre of ``cmap``. Tiles are separated by a one-pixel gap and
    drawn with a single ``imshow``.

    Parameters
    ----------
    weights : array_like, shape (n_neurons, prod(image_shape))
    image_shape : tuple of int
        ``(height, width)`` of one image.
    n : int
        Number of neurons to show (at most ``n_neurons``).
    ax : matplotlib.axes.Axes, optional
    cmap : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    height, width = image_shape
    weights = np.asarray(weights, dtype=float)
    images = weights[:n].reshape(-1, height, width)
    n = len(images)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    gap = 1
    tiled = np.full((rows * (height + gap) - gap, cols * (width + gap) - gap), np.nan)
    for k, image in enumerate(images):
        scale = np.abs(image).max()
        row, col = divmod(k, cols)
        top, left = row * (height + gap), col * (width + gap)
        tiled[top : top + height, left : left + width] = image / scale if scale > 0 else image

    fig, ax = _figure_and_axes(ax)
    ax.imshow(tiled, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    return fig


def tsne(activities, labels, ax=None, perplexity=30, seed=0, class_names=None):
    """Scatter a 2-D t-SNE embedding of activity vectors, coloured by label.

    Parameters
    ----------
    activities : array_like, shape (n_samples, n_neurons)
    labels : array_like of int, shape (n_samples,)
    ax : matplotlib.axes.Axes, optional
    perplexity : float
        t-SNE perplexity; must be less than ``n_samples``.
    seed : int
        Random state of the embedding.
    class_names : sequence of str, optional
        Legend entry for each label value; the label values themselves by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    try:
        from sklearn.manifold import TSNE
    except ImportError as error:
        raise ImportError("tsne needs scikit-learn: pip install scikit-learn") from error

    embedding = TSNE(
        n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed
    ).fit_transform(np.asarray(activities, dtype=float))
    labels = np.asarray(labels)
    fig, ax = _figure_and_axes(ax)
    for label in np.unique(labels):
        points = embedding[labels == label]
        name = str(label) if class_names is None else class_names[label]
        ax.scatter(points[:, 0], points[:, 1], s=8, label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(markerscale=2)
    return fig


def confusion(matrix, class_names=None, ax=None, normalize=True):
    """Heat map of a confusion matrix, with each cell's value written in it.

    Parameters
    ----------
    matrix : array_like, shape (n_classes, n_classes)
        Counts, rows true and columns predicted classes, as from
        `nengo_fa.metrics.confusion_matrix`.
    class_names : sequence of str, optional
        Tick labels; the class indices by default.
    ax : matplotlib.axes.Axes, optional
    normalize : bool
        Show each row as fractions of its total (rows without samples stay 0).

    Returns
    -------
    matplotlib.figure.Figure
    """
    matrix = np.asarray(matrix)
    n_classes = len(matrix)
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        values = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
        text_format = "{:.2f}"
    else:
        values = matrix
        text_format = "{:.0f}"
    if class_names is None:
        class_names = [str(k) for k in range(n_classes)]

    fig, ax = _figure_and_axes(ax)
    ax.imshow(values, cmap="Blues", vmin=0)
    threshold = values.max() / 2
    for (i, j), value in np.ndenumerate(values):
        color = "white" if value > threshold else "black"
        ax.text(j, i, text_format.format(value), ha="center", va="center", color=color)
    ticks = np.arange(n_classes)
    ax.set_xticks(ticks, class_names)
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return fig


#: Names that served only the student-teacher example and moved into it.
MOVED = {"student_teacher": "order_parameter_panels"}


def __getattr__(name):
    if name in MOVED:
        raise AttributeError(
            f"nengo_fa.plots.{name} served only the student-teacher experiment and moved "
            f"to examples/student_teacher.py (as {MOVED[name]})"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
