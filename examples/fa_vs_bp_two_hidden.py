"""Feedback alignment against backprop in a network with two hidden layers (Fashion-MNIST).

The study of the FA-vs-BP notebook, in Nengo: two `nengo_fa.networks.FeedForward`
networks, 784-200-100-10 with `nengo.Sigmoid` rate units and a linear readout
learned with PES, one learning its hidden layers with backprop (``rule="bp"``)
and one with layer-wise feedback alignment (``rule="fa"``), start from
identical parameters (same seed) and learn online, one image per simulation
step, from the same shuffled Fashion-MNIST training images (the notebook used
MNIST). Measured:

* the angle between FA's update of each hidden layer and the exact backprop
  update at the same state, probed in the FA network (``update_angle``);
* running training accuracy (each image classified before its update) and
  test accuracy after each epoch, with learning frozen (`DataFeed.test`);
* receptive fields: the first hidden layer's scaled encoders as 28x28 images;
* t-SNE of both hidden layers' activities for test images (`learned_rates`).

    nengo examples/fa_vs_bp_two_hidden.py          # Nengo GUI: BP and FA side by side
    python examples/fa_vs_bp_two_hidden.py         # full experiment, table and figures
"""

import argparse
import pathlib
import time

import nengo
import numpy as np

from nengo_fa.datasets import FASHION_MNIST_CLASSES, DatasetNotFoundError, load_standardized
from nengo_fa.metrics import moving_average, running_accuracy, tail_mean
from nengo_fa.networks import DataFeed, FeedForward, learned_encoders, learned_rates

HIDDEN = (200, 100)
#: Encoder learning rate (kappa, 1/s) per rule for one image per step, PES rate of the
#: readout and the decay of the learning gate per epoch (as in benchmarks/classify.py).
LEARNING_RATES = {"bp": 100.0, "fa": 30.0}
READOUT_RATE = 0.003
DECAY = 0.75
LABELS = {"bp": "BP", "fa": "FA"}
#: Feedback alignment as Lillicrap et al. ran it: Gaussian feedback, no sign gate.
RULE_OPTIONS = {"fa": {"feedback": nengo.dists.Gaussian(0, 1), "sign_gate": False}}


def load_data(n_train=None, n_test=None, dataset="fashion-mnist"):
    """Fashion-MNIST (or the 8x8 ``"digits"``), standardized with the training statistics."""
    return load_standardized(dataset, n_train, n_test)


def build_learner(rule, data, seed=0, angle_every=None, init_samples=2000):
    """A 784-200-100-10 learner with its `DataFeed` (``net.feed``) and output probe.

    The same ``seed`` gives the same initial parameters for every rule (data
    dependent initialization from the same sample). For ``rule="fa"`` with
    ``angle_every`` (seconds), ``net.angle_probes`` probe each hidden layer's
    ``update_angle``.
    """
    x_train, y_train, x_test, y_test = data
    rng = np.random.RandomState(seed)
    sample = x_train[rng.choice(len(x_train), min(init_samples, len(x_train)), replace=False)]
    net = FeedForward(
        x_train.shape[1],
        HIDDEN,
        10,
        rule=rule,
        neuron_type=nengo.Sigmoid(),
        learning_rate=LEARNING_RATES[rule],
        readout_learning_rate=READOUT_RATE,
        rule_options=RULE_OPTIONS.get(rule),
        init_inputs=sample,
        seed=seed,
        label=f"784-200-100-10 {LABELS[rule]}",
    )
    net.feed = DataFeed(
        x_train, np.eye(10)[y_train], x_test, np.eye(10)[y_test], seed=seed
    ).connect(net)
    with net:
        net.output_probe = nengo.Probe(net.output, synapse=None)
        net.angle_probes = []
        if rule == "fa" and angle_every is not None:
            net.angle_probes = [
                nengo.Probe(conn.learning_rule, "update_angle", sample_every=angle_every)
                for conn in net.hidden_connections
            ]
    return net


def build_model(n_train=1000, n_test=200, seed=0, angle_every=0.01):
    """BP and FA learners side by side on a Fashion-MNIST subset (for Nengo GUI and tests).

    Uses the 8x8 digits when Fashion-MNIST is not installed.
    """
    try:
        data = load_data(n_train, n_test)
    except DatasetNotFoundError:
        data = load_data(n_train, n_test, dataset="digits")
    with nengo.Network(label="FA vs BP, two hidden layers", seed=seed) as model:
        model.learners = {
            rule: build_learner(rule, data, seed=seed, angle_every=angle_every)
            for rule in LEARNING_RATES
        }
    return model


def train(net, data, epochs, tsne_samples=1000):
    """Train epoch by epoch, testing with learning frozen after each; return the results.

    Keys: ``correct`` (training images classified correctly before their
    update, in order), ``test`` (test accuracy per epoch), ``angles`` (per
    hidden layer, the probed angles during training only), ``encoders`` and
    ``initial_encoders`` (first hidden layer), ``hidden`` (activities of each
    hidden layer for the first ``tsne_samples`` test images), ``wall`` (s).
    """
    x_train, y_train, x_test, y_test = data
    feed, output = net.feed, net.output_probe
    result = {"correct": [], "test": [], "angles": [[] for _ in net.angle_probes]}
    start = time.perf_counter()
    with nengo.Simulator(net, progress_bar=False) as sim:
        result["initial_encoders"] = sim.data[net.layers[0]].scaled_encoders.copy()
        for epoch in range(epochs):
            first = len(sim.data[output])
            angle_first = [len(sim.data[p]) for p in net.angle_probes]
            feed.train(sim, 1, learning_rate=DECAY**epoch)
            predicted = np.argmax(sim.data[output][first:], axis=1)
            result["correct"].append(predicted == y_train[feed.order])
            for angles, probe, i in zip(
                result["angles"], net.angle_probes, angle_first, strict=True
            ):
                angles.append(np.asarray(sim.data[probe][i:]).ravel())
            result["test"].append(float(np.mean(feed.test(sim, output) == y_test)))
            print(
                f"  {net.label}: epoch {epoch + 1} test accuracy {result['test'][-1]:.4f}",
                flush=True,
            )
        result["encoders"] = learned_encoders(sim, net.layers[0])[0]
        activities, result["hidden"] = x_test[:tsne_samples], []
        for ens in net.layers:
            activities = learned_rates(sim, ens, activities)
            result["hidden"].append(activities)
    result["correct"] = np.concatenate(result["correct"])
    result["angles"] = [np.concatenate(a) for a in result["angles"]]
    result["wall"] = time.perf_counter() - start
    return result


model = build_model()


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nengo_fa import plots

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=None, help="first n training images")
    parser.add_argument("--n-test", type=int, default=None, help="first n test images")
    parser.add_argument("--angle-every", type=int, default=10, help="steps between angles")
    parser.add_argument("--angle-window", type=int, default=100, help="moving average, samples")
    parser.add_argument("--window", type=int, default=200, help="running accuracy window")
    parser.add_argument("--tsne", type=int, default=1000, help="test images in the t-SNE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs/figures")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    data = load_data(args.n_train, args.n_test)
    n_train = len(data[0])
    results = {}
    for rule in ("bp", "fa"):
        net = build_learner(rule, data, seed=args.seed, angle_every=args.angle_every * 0.001)
        results[rule] = train(net, data, args.epochs, args.tsne)

    # (a) update angle of FA against backprop, per hidden layer
    angles = results["fa"]["angles"]
    samples = args.angle_every * (np.arange(len(angles[0])) + 1)
    smooth_at = samples[args.angle_window - 1 :]
    fig = plots.angle_over_time(
        smooth_at,
        {
            f"hidden layer {k + 1} ({n} units)": moving_average(a, args.angle_window)
            for k, (a, n) in enumerate(zip(angles, HIDDEN, strict=True))
        },
    )
    ax = fig.axes[0]
    for epoch in range(1, args.epochs):
        ax.axvline(epoch * n_train, color="lightgray", linewidth=0.8)
    ax.set_xlabel("training images seen")
    ax.set_ylim(0, 100)
    ax.set_title(
        f"FA vs. exact backprop update, same state (moving average of {args.angle_window} "
        f"samples, one every {args.angle_every} images)",
        fontsize="small",
    )
    fig.tight_layout()
    fig.savefig(out / "fa_vs_bp_angles.png", dpi=120)
    plt.close(fig)

    # (b) running training accuracy and test accuracy
    fig, (ax_run, ax_test) = plt.subplots(1, 2, figsize=(11, 4))
    every = max(1, args.window // 4)
    curves = {}
    for rule, r in results.items():
        running = running_accuracy(r["correct"], args.window)
        curves[LABELS[rule]] = (np.arange(1, len(running) + 1)[::every], running[::every])
    plots.learning_curves(
        curves,
        ax=ax_run,
        xlabel="training images seen",
        ylabel=f"running training accuracy ({args.window})",
    )
    epochs = np.arange(1, args.epochs + 1)
    for rule, r in results.items():
        ax_test.plot(epochs, r["test"], marker="o", label=LABELS[rule])
    ax_test.set_xlabel("epoch")
    ax_test.set_ylabel("test accuracy (learning frozen)")
    ax_test.set_xticks(epochs)
    ax_test.legend()
    fig.tight_layout()
    fig.savefig(out / "fa_vs_bp_accuracy.png", dpi=120)
    plt.close(fig)

    # (c) receptive fields of the first hidden layer
    fig, axes = plt.subplots(2, 2, figsize=(9, 9))
    for col, (rule, r) in enumerate(results.items()):
        plots.receptive_fields(r["encoders"], (28, 28), n=36, ax=axes[0, col])
        axes[0, col].set_title(f"{LABELS[rule]}: learned scaled encoders")
        change = r["encoders"] - r["initial_encoders"]
        plots.receptive_fields(change, (28, 28), n=36, ax=axes[1, col])
        axes[1, col].set_title(f"{LABELS[rule]}: change from the (shared) start")
    fig.suptitle("First hidden layer, units 1-36 (each tile scaled to its largest |value|)")
    fig.tight_layout()
    fig.savefig(out / "fa_vs_bp_receptive_fields.png", dpi=120)
    plt.close(fig)

    # (d) t-SNE of the hidden activities
    labels = data[3][: args.tsne]
    names = [name.split("/")[0] for name in FASHION_MNIST_CLASSES]
    fig, axes = plt.subplots(2, 2, figsize=(12, 11))
    for col, (rule, r) in enumerate(results.items()):
        for row, activities in enumerate(r["hidden"]):
            ax = axes[row, col]
            plots.tsne(activities, labels, ax=ax, seed=args.seed, class_names=names)
            ax.set_title(f"{LABELS[rule]}, hidden layer {row + 1}")
            if (row, col) != (0, 1):
                ax.get_legend().remove()
    fig.tight_layout()
    fig.savefig(out / "fa_vs_bp_tsne.png", dpi=120)
    plt.close(fig)

    print(
        f"\n784-200-100-10, Sigmoid rate units, PES readout, Fashion-MNIST "
        f"{n_train} training / {len(data[2])} test images, one image per step, "
        f"{args.epochs} epochs, learning gate {DECAY}^epoch; kappa BP "
        f"{LEARNING_RATES['bp']:g}, FA {LEARNING_RATES['fa']:g}, readout {READOUT_RATE:g}; "
        f"seed {args.seed}\n"
    )
    head = "".join(f" test e{e} |" for e in epochs)
    print(
        f"| rule |{head} running train acc, last epoch | angle hidden 1, last 10% "
        "| angle hidden 2, last 10% | wall s |"
    )
    print("|---|" + "---|" * len(epochs) + "---|---|---|---|")
    for rule, r in results.items():
        cells = "".join(f" {a:.4f} |" for a in r["test"])
        train_acc = np.mean(r["correct"][-n_train:])
        if r["angles"]:
            angle_cells = " | ".join(f"{tail_mean(a):.1f}" for a in r["angles"])
        else:
            angle_cells = "- (the reference) | - (the reference)"
        print(f"| {LABELS[rule]} |{cells} {train_acc:.4f} | {angle_cells} | {r['wall']:.0f} |")
    print(
        "\nAngles (degrees): FA network's update of each hidden layer vs. the exact "
        "backprop update at the same state (update_angle, per sample), mean over the last "
        "10% of training."
    )


if __name__ == "__main__":
    main()
