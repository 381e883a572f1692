"""Draw the classification figures in docs/ from the JSON saved by benchmarks/classify.py.

    python benchmarks/figures.py docs/results/classify_rate_*.json --out docs/figures

For each results file: running training accuracy over samples for every
network (one panel per architecture), and the confusion matrix of each
network's final test predictions (learning frozen).
"""

import argparse
import json
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nengo_fa import plots  # noqa: E402
from nengo_fa.datasets import FASHION_MNIST_CLASSES, MNIST_CLASSES  # noqa: E402


def slug(text):
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def draw(results, out, stem, classes):
    runs = [r for r in results if "curve" in r]
    networks = list(dict.fromkeys(r["network"] for r in runs))
    fig, axes = plt.subplots(1, len(networks), figsize=(6 * len(networks), 4), squeeze=False)
    for ax, network in zip(axes[0], networks, strict=True):
        curves = {}
        for r in runs:
            if r["network"] == network:
                samples = (np.arange(len(r["curve"])) + 1) * r["curve_every"]
                curves[r["rule"]] = (samples, np.asarray(r["curve"]))
        plots.learning_curves(curves, ax=ax, xlabel="training samples")
        ax.set_title(network)
        per_epoch = runs[0]["samples_per_epoch"]
        last = max(samples[-1] for samples, _ in curves.values())
        for boundary in range(per_epoch, int(last) + 1, per_epoch):
            ax.axvline(boundary, color="0.85", lw=0.8, zorder=0)
    fig.tight_layout()
    path = out / f"{stem}_learning_curves.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written = [path]
    for r in runs:
        fig = plots.confusion(np.asarray(r["confusion"]), class_names=classes)
        fig.axes[0].set_title(f"{r['network']} {r['rule']}: {100 * r['test_accuracy']:.2f}%")
        path = out / f"{stem}_confusion_{slug(r['network'] + ' ' + r['rule'])}.png"
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="JSON files written by classify.py --out")
    parser.add_argument("--out", default="docs/figures")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.results:
        saved = json.loads(pathlib.Path(name).read_text())
        classes = MNIST_CLASSES if saved["args"]["what"] == "digits" else FASHION_MNIST_CLASSES
        for path in draw(saved["results"], out, pathlib.Path(name).stem, classes):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
