"""Learn x0 * x1 with 10 neurons: PES alone, feedback alignment and backprop.

Three copies of the same network learn side by side from the input
(sin(pi t), sin(0.7 pi t)). All learn their decoders with PES; two also learn
the hidden ensemble's encoders and biases, with `nengo_fa.FeedbackAlignment`
and `nengo_fa.BackpropEncoder`, from the same error.

    nengo examples/learn_product.py              # explore in Nengo GUI
    python examples/learn_product.py --time 200  # train, save a figure
"""

import argparse

import nengo
import numpy as np

from nengo_fa.networks import FUNCTION_RULES as RULES
from nengo_fa.networks import FunctionLearner

LABELS = {"pes": "PES only", "fa": "FeedbackAlignment", "bp": "BackpropEncoder"}


def product_input(t):
    """The task's input, (sin(pi t), sin(0.7 pi t)): it covers [-1, 1]^2 slowly."""
    return np.sin(np.pi * t), np.sin(0.7 * np.pi * t)


def product(x):
    return x[0] * x[1]


def product_grid(points=41):
    """The test set: a ``points`` x ``points`` grid over [-1, 1]^2 and x0 * x1 on it."""
    grid = np.linspace(-1, 1, points)
    x = np.array([(a, b) for a in grid for b in grid])
    return x, x[:, 0] * x[:, 1]


def product_learner(rule, n_neurons=10, neuron_type=None, seed=None, label=None, **rates):
    """A `nengo_fa.networks.FunctionLearner` of x0 * x1 on `product_input`.

    ``rates``: ``learning_rate`` (the encoder rule's) and ``pes_learning_rate``.
    """
    return FunctionLearner(
        product,
        product_input,
        2,
        n_neurons,
        rule,
        neuron_type=neuron_type,
        seed=seed,
        label=label or f"product ({rule})",
        **rates,
    )


def frozen_product_rmse(sim, learner, points=41):
    """RMSE of a product learner's frozen output on the `product_grid`."""
    return learner.frozen_rmse(sim, *product_grid(points))


def build_model(n_neurons=10, seed=0):
    """One network holding a product learner per rule, with error probes."""
    with nengo.Network(label="learn x0 * x1", seed=seed) as model:
        model.learners = {
            rule: product_learner(rule, n_neurons, seed=seed, label=LABELS[rule]) for rule in RULES
        }
    return model


model = build_model()


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=float, default=100.0, help="training time (s)")
    parser.add_argument("--neurons", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="learn_product.png")
    args = parser.parse_args()

    net = build_model(args.neurons, args.seed)
    with net:
        squared = {}
        for rule, learner in net.learners.items():
            square = nengo.Node(lambda t, e: e**2, size_in=1)
            nengo.Connection(learner.error, square, synapse=None)
            squared[rule] = nengo.Probe(square, synapse=nengo.Lowpass(2.0), sample_every=0.1)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(args.time)
        frozen = {
            rule: frozen_product_rmse(sim, learner) for rule, learner in net.learners.items()
        }

    fig, ax = plt.subplots(figsize=(7, 4))
    t = sim.trange(sample_every=0.1)
    for rule in RULES:
        rms = np.sqrt(np.maximum(sim.data[squared[rule]][:, 0], 0))
        ax.semilogy(t, rms, label=f"{LABELS[rule]} (frozen grid RMSE {frozen[rule]:.3f})")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("online RMS error (2 s window)")
    ax.set_title(f"Learning x0 * x1 with {args.neurons} ReLU neurons")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    for rule in RULES:
        print(f"{LABELS[rule]:>18}: frozen grid RMSE {frozen[rule]:.4f}")
    print(f"saved {args.output}")


if __name__ == "__main__":
    main()
