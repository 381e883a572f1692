"""Learn the 8x8 digits online and watch it: the current image, the guess and the error.

A `nengo_fa.networks.FeedForward` network (64-100-10, rate neurons) learns
scikit-learn's 8x8 digits one image at a time with feedback alignment (or
``--rule bp``, ``dfa``, ``pes``). In Nengo GUI (laid out by
``classify_digits.py.cfg``) the ``digit`` node draws the current image with the
network's guess, a plot shows the running accuracy rising and the squared
error falling (means over the last ``SCORE_TAU`` seconds, about 40 images),
and the ``learning`` slider scales learning (0 freezes it).

    nengo examples/classify_digits.py                 # Nengo GUI
    python examples/classify_digits.py --epochs 10    # train, print test accuracy
"""

import argparse

import nengo
import numpy as np

from nengo_fa.datasets import load_standardized
from nengo_fa.networks import DataFeed, FeedForward

#: Encoder learning rate per rule for one image per learning step.
LEARNING_RATES = {"bp": 300.0, "fa": 100.0, "dfa": 100.0, "pes": 1.0}
#: Time constant (s) of the running accuracy and squared error shown in Nengo GUI.
SCORE_TAU = 2.0


class DigitDisplay:
    """Node function drawing an image, the guess and the label for Nengo GUI's HTML view.

    Its input is ``[image pixels, network output, one-hot target]``.
    """

    def __init__(self, shape=(8, 8)):
        self.shape = shape
        self._nengo_html_ = ""

    def __call__(self, t, x):
        size = int(np.prod(self.shape))
        image, output, target = x[:size], x[size:-10], x[-10:]
        low, high = image.min(), image.max()
        shades = 255 - (255 * (image - low) / (high - low + 1e-12)).astype(int)
        rows, cols = self.shape
        cells = "".join(
            f'<rect x="{j}" y="{i}" width="1" height="1" fill="rgb({shade},{shade},{shade})"/>'
            for (i, j), shade in zip(np.ndindex(rows, cols), shades, strict=True)
        )
        guess, label = int(np.argmax(output)), int(np.argmax(target))
        colour = "green" if guess == label else "red"
        self._nengo_html_ = (
            f'<svg width="100%" height="80%" viewBox="0 0 {cols} {rows}">{cells}</svg>'
            f'<p style="text-align:center;color:{colour}">guess {guess} (label {label})</p>'
        )


def scores(t, x):
    """``[correct, squared error, 1]`` of the output ``x[:10]`` for the one-hot target ``x[10:]``.

    The 1 is filtered alongside the scores, for `running_mean`.
    """
    output, target = x[:10], x[10:]
    correct = float(np.argmax(output) == np.argmax(target))
    return [correct, float(np.sum((output - target) ** 2)), 1.0]


def running_mean(t, x):
    """Filtered scores over the filtered 1: their mean over the last seconds, also at the start."""
    return x[:-1] / max(x[-1], 1e-12)


def build_model(rule="fa", hidden=(100,), presentation_time=0.05, seed=0):
    """The learner, fed the training digits, with a display node and its running scores.

    Attributes as `FeedForward`, and ``feed`` (the `DataFeed`), ``digit`` (the
    display node) and ``monitor.progress`` (the running accuracy and squared
    error of the output, whether or not learning is on).
    """
    x_train, y_train, x_test, y_test = load_standardized("digits", seed=seed)
    targets, test_targets = np.eye(10)[y_train], np.eye(10)[y_test]
    net = FeedForward(
        64,
        hidden,
        10,
        rule=rule,
        learning_rate=LEARNING_RATES[rule],
        readout_learning_rate=0.01,
        init_inputs=x_train,
        seed=seed,
        label=f"classify digits ({rule})",
    )
    net.feed = DataFeed(
        x_train, targets, x_test, test_targets, presentation_time=presentation_time, seed=seed
    ).connect(net)
    # each image's learning steps add up to one step of online learning
    net.feed.learning_rate = 0.001 / presentation_time
    with net:
        net.digit = nengo.Node(DigitDisplay(), size_in=64 + 20, label="digit")
        nengo.Connection(net.input, net.digit[:64], synapse=None)
        nengo.Connection(net.output, net.digit[64:74], synapse=None)
        nengo.Connection(net.target, net.digit[74:], synapse=None)
        with nengo.Network(label="monitor") as net.monitor:
            score = nengo.Node(scores, size_in=20, label="scores")
            net.monitor.progress = nengo.Node(
                running_mean, size_in=3, label="running accuracy, squared error"
            )
            nengo.Connection(score, net.monitor.progress, synapse=nengo.Lowpass(SCORE_TAU))
        nengo.Connection(net.output, score[:10], synapse=None)
        nengo.Connection(net.target, score[10:], synapse=None)
    return net


model = build_model()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", default="fa", choices=sorted(LEARNING_RATES))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    net = build_model(args.rule, presentation_time=0.001, seed=args.seed)
    with net:
        output = nengo.Probe(net.output, synapse=None)
    labels = np.argmax(net.feed.data["test"][1], axis=1)
    with nengo.Simulator(net, progress_bar=False) as sim:
        for epoch in range(args.epochs):
            net.feed.train(sim, 1, learning_rate=0.8**epoch)
            accuracy = np.mean(net.feed.test(sim, output) == labels)
            print(f"epoch {epoch + 1}: test accuracy {accuracy:.3f} (learning frozen)")


if __name__ == "__main__":
    main()
