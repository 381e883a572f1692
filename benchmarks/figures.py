"""Draw the classification figures in docs/ from what benchmarks/classify.py saved.

    python benchmarks/figures.py docs/results/classify_rate_*.json --out docs/figures
    python benchmarks/figures.py --raster CHECKPOINT_DIR --network 784-1000-10 --rule FA

For each results file: running training accuracy over samples for every
network (one panel per architecture; spiking networks beside their LIFRate
twins), and the confusion matrix of each network's final test predictions
(learning frozen). With ``--raster``: the spikes of hidden neurons while the
spiking network classifies a few test images, before learning and with what
it learned (`nengo_fa.networks.restore_learned` from the ``--checkpoint``
directory of ``classify.py spiking``).
"""

import argparse
import json
import pathlib
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nengo_fa import plots  # noqa: E402
from nengo_fa.datasets import FASHION_MNIST_CLASSES, MNIST_CLASSES  # noqa: E402


def slug(text):
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def draw(results, out, stem, classes, confusions=True):
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
    for r in runs if confusions else []:
        fig = plots.confusion(np.asarray(r["confusion"]), class_names=classes)
        fig.axes[0].set_title(f"{r['network']} {r['rule']}: {100 * r['test_accuracy']:.2f}%")
        path = out / f"{stem}_confusion_{slug(r['network'] + ' ' + r['rule'])}.png"
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def raster(checkpoint, network, rule, out, images=6, neurons=60):
    """Hidden spikes on ``images`` test images, before learning and after (from ``checkpoint``)."""
    import nengo

    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    import classify

    from nengo_fa.networks import DataFeed, restore_learned

    args = classify.main_parser().parse_args(["spiking"])
    args.readout_rate = classify.READOUT_RATE["spiking"]
    config = classify.SPIKING_NETWORKS[(network, rule)]
    x_train, y_train, x_test, y_test = classify.fashion(args)
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for ax, learned in zip(axes, (False, True), strict=True):
        net = classify.build(
            config, x_train, args, nengo.LIF(), synapse=classify.lowpass(args.synapse)
        )
        feed = DataFeed(
            x_train[:1],
            classify.one_hot(y_train[:1]),
            x_test[:images],
            classify.one_hot(y_test[:images]),
            presentation_time=args.presentation,
            learn_after=args.learn_after,
        ).connect(net)
        with net:
            spikes = nengo.Probe(net.layers[0].neurons[:neurons])
            output = nengo.Probe(net.output, synapse=None)
        with nengo.Simulator(net, progress_bar=False) as sim:
            if learned:
                path = (
                    pathlib.Path(checkpoint) / f"{classify.slug((network, rule + ' spiking'))}.npz"
                )
                restore_learned(sim, path)
            guesses = feed.test(sim, output)
            times = sim.trange()
            plots.raster(
                times, sim.data[spikes], ax=ax, boundaries=np.arange(1, images) * args.presentation
            )
        right = int(np.sum(guesses == y_test[:images]))
        state = "after learning" if learned else "before learning"
        ax.set_title(
            f"{network} {rule}, {neurons} neurons of the first hidden layer, {state} "
            f"({right} of {images} classified correctly)",
            fontsize="medium",
        )
        if not learned:
            ax.set_xlabel("")
    truth = ", ".join(FASHION_MNIST_CLASSES[y] for y in y_test[:images])
    fig.suptitle(f"Test images: {truth}", fontsize="medium")
    fig.tight_layout()
    path = out / f"classify_spiking_raster_{slug(network + ' ' + rule)}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="*", help="JSON files written by classify.py --out")
    parser.add_argument("--out", default="docs/figures")
    parser.add_argument("--raster", default=None, help="a classify.py spiking --checkpoint dir")
    parser.add_argument("--network", default="784-1000-10")
    parser.add_argument("--rule", default="FA")
    parser.add_argument(
        "--no-confusion", action="store_true", help="learning curves only, no confusion matrices"
    )
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.raster:
        for path in raster(args.raster, args.network, args.rule, out):
            print(f"wrote {path}")
    for name in args.results:
        saved = json.loads(pathlib.Path(name).read_text())
        classes = MNIST_CLASSES if saved["args"]["what"] == "digits" else FASHION_MNIST_CLASSES
        stem = pathlib.Path(name).stem
        for path in draw(saved["results"], out, stem, classes, not args.no_confusion):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
