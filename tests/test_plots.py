"""Plots: each function returns a figure with the expected artists and renders to PNG."""

import sys

import matplotlib
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nengo_fa import plots  # noqa: E402


@pytest.fixture
def save(tmp_path):
    """Render a figure to PNG, check the file, and close the figure."""

    def save(fig):
        assert isinstance(fig, Figure)
        path = tmp_path / "figure.png"
        fig.savefig(path)
        assert path.stat().st_size > 0
        plt.close(fig)

    return save


def test_learning_curves(save):
    x = np.arange(10)
    fig = plots.learning_curves({"BP": (x, x / 10), "FA": (x, x / 20)}, ylabel="error")
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert ax.get_xlabel() == "samples"
    assert ax.get_ylabel() == "error"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["BP", "FA"]
    save(fig)


def test_learning_curves_draws_into_given_axes(save):
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.learning_curves({"a": ([0, 1], [0, 1])}, ax=right) is fig
    assert len(right.lines) == 1
    assert len(left.lines) == 0
    save(fig)


def test_angle_over_time(save):
    times = np.linspace(0, 1, 20)
    fig = plots.angle_over_time(times, {"FA": np.linspace(90, 20, 20), "DFA": np.full(20, 60)})
    (ax,) = fig.axes
    assert len(ax.lines) == 3
    reference = ax.lines[-1]
    assert reference.get_linestyle() == "--"
    np.testing.assert_array_equal(reference.get_ydata(), [90, 90])
    save(fig)


def test_cosine_per_epoch(save):
    fig = plots.cosine_per_epoch({"FA": [0.1, 0.5, 0.7], "BP": [1.0, 1.0, 1.0]})
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    save(fig)


@pytest.mark.parametrize("log", [True, False])
def test_snr_bars(save, log):
    fig = plots.snr_bars({"BP": 3.0, "FA": 0.5, "DFA": 0.05}, log=log)
    (ax,) = fig.axes
    assert len(ax.patches) == 3
    assert [p.get_height() for p in ax.patches] == [3.0, 0.5, 0.05]
    assert ax.get_yscale() == ("log" if log else "linear")
    assert not ax.lines
    save(fig)
    fig = plots.snr_bars({"BP": 3.0, "NP": 0.01}, noise_floor=0.02)
    (line,) = fig.axes[0].lines
    np.testing.assert_array_equal(line.get_ydata(), [0.02, 0.02])


@pytest.mark.parametrize(
    "n_neurons, n, grid", [(50, 36, (6, 6)), (10, 36, (3, 4)), (7, 5, (2, 3))]
)
def test_receptive_fields(save, n_neurons, n, grid):
    height, width = 4, 3
    weights = np.random.RandomState(0).standard_normal((n_neurons, height * width))
    fig = plots.receptive_fields(weights, (height, width), n=n)
    (ax,) = fig.axes
    (image,) = ax.images
    rows, cols = grid
    tiled = image.get_array()
    assert tiled.shape == (rows * (height + 1) - 1, cols * (width + 1) - 1)
    assert not ax.axison
    assert np.nanmax(np.abs(tiled)) == pytest.approx(1.0)
    np.testing.assert_allclose(
        tiled[:height, :width], weights[0].reshape(height, width) / np.abs(weights[0]).max()
    )
    save(fig)


def test_tsne(save):
    rng = np.random.RandomState(0)
    labels = np.repeat([0, 1, 2], 20)
    activities = rng.standard_normal((60, 8)) + 5 * np.eye(8)[labels]
    # One OpenMP thread: on a busy machine, OpenMP threads spinning for each other make this
    # tiny embedding take up to a minute instead of 0.1 s. The limit only reaches runtimes
    # already loaded, so scikit-learn is imported first.
    pytest.importorskip("sklearn.manifold")
    with threadpool_limits(1, user_api="openmp"):
        fig = plots.tsne(activities, labels, perplexity=5, class_names=["zero", "one", "two"])
    (ax,) = fig.axes
    assert len(ax.collections) == 3
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "one", "two"]
    save(fig)


def test_tsne_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        plots.tsne(np.zeros((10, 2)), np.zeros(10), perplexity=2)


@pytest.mark.parametrize("normalize", [True, False])
def test_confusion(save, normalize):
    matrix = np.array([[8, 2, 0], [1, 3, 0], [0, 0, 0]])
    fig = plots.confusion(matrix, class_names=["a", "b", "c"], normalize=normalize)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9
    if normalize:
        assert texts[:3] == ["0.80", "0.20", "0.00"]
        assert texts[6:] == ["0.00"] * 3
    else:
        assert texts[:3] == ["8", "2", "0"]
    save(fig)


def test_confusion_default_names(save):
    fig = plots.confusion(np.eye(4, dtype=int))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "1", "2", "3"]
    save(fig)
