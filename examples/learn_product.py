"""Learn x0 * x1 with 10 neurons: PES alone, feedback alignment and backprop.

Three copies of the same network learn side by side from the input
(sin(pi t), sin(0.7 pi t)). All learn their decoders with PES; two also learn
the hidden ensemble's encoders and biases, with `nengo_fa.FeedbackAlignment`
and `nengo_fa.BackpropEncoder`, from the same error.

    nengo examples/learn_product.py              # explore in Nengo GUI
    python examples/learn_product.py --time 200  # train, save a figure
    python examples/learn_product.py --simulator ocl  # on nengo-ocl (or dl: nengo-dl)

In Nengo GUI (laid out by ``learn_product.py.cfg``) each learner's output is
plotted against the target, the ``RMS error`` plot compares the three online
errors, and the ``learning`` slider multiplies the error all three learners
receive: at 0 nothing learns (the plots go on showing how the frozen networks
do), at 1 they learn as in the script.
"""

import argparse
import pathlib
import tempfile

import nengo
import numpy as np

from nengo_fa.networks import FUNCTION_RULES as RULES
from nengo_fa.networks import FunctionLearner

LABELS = {"pes": "PES only", "fa": "FeedbackAlignment", "bp": "BackpropEncoder"}
#: Time constant (s) of the online RMS error.
RMS_TAU = 2.0


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


def product_learner(rule, n_neurons=10, neuron_type=None, seed=None, label=None, **options):
    """A `nengo_fa.networks.FunctionLearner` of x0 * x1 on `product_input`.

    ``options``: ``learning_rate`` (the encoder rule's), ``pes_learning_rate``,
    ``matched_pes`` (see `nengo_fa.networks.FunctionLearner`).
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
        **options,
    )


def frozen_product_rmse(sim, learner, points=41):
    """RMSE of a product learner's frozen output on the `product_grid`."""
    return learner.frozen_rmse(sim, *product_grid(points))


def gate(t, x):
    """The ``gate`` node: ``(x[0] - 1) * x[1:]``, with ``x[0]`` the learning slider.

    ``x[1:]`` are the learners' errors (output - target). Each learner's error
    node already sums ``output - target``; adding this makes it
    ``learning * (output - target)``, so every rule's step is multiplied by
    ``learning`` (exactly unchanged at 1, nothing learns at 0).
    """
    return (x[0] - 1.0) * x[1:]


def squares(t, x):
    """Squared errors, and a 1 that `root_mean` filters alongside them."""
    return np.append(np.square(x), 1.0)


def root_mean(t, x):
    """Filtered squares over the filtered 1: the RMS of the last seconds, also at the start."""
    return np.sqrt(np.maximum(x[:-1], 0.0) / max(x[-1], 1e-12))


def build_model(n_neurons=10, seed=0):
    """One network holding a product learner per rule, a learning gate and the signals to plot.

    Attributes: ``learners`` (rule -> `FunctionLearner`), ``learning`` (the
    gate's input, a slider in Nengo GUI), ``gate``, and in ``monitor``:
    ``error`` (output - target per rule, ungated), ``rms_error`` (its RMS over
    the last ``RMS_TAU`` seconds) and ``versus_target`` (per rule, a node of
    ``[output, target]`` to plot together).
    """
    with nengo.Network(label="learn x0 * x1", seed=seed) as model:
        model.learners = {
            rule: product_learner(rule, n_neurons, seed=seed, label=LABELS[rule]) for rule in RULES
        }
        model.learning = nengo.Node(1.0, label="learning")
        model.gate = nengo.Node(gate, size_in=1 + len(RULES), label="gate")
        nengo.Connection(model.learning, model.gate[0], synapse=None)
        with nengo.Network(label="monitor") as model.monitor:
            error = nengo.Node(size_in=len(RULES), label="error")
            squared = nengo.Node(squares, size_in=len(RULES), label="squared error")
            rms = nengo.Node(root_mean, size_in=len(RULES) + 1, label="RMS error")
            nengo.Connection(error, squared, synapse=None)
            nengo.Connection(squared, rms, synapse=nengo.Lowpass(RMS_TAU))
            model.monitor.error, model.monitor.rms_error = error, rms
            model.monitor.versus_target = [
                nengo.Node(size_in=2, label=f"{LABELS[rule]} vs target") for rule in RULES
            ]
        for i, learner in enumerate(model.learners.values()):
            for post in (model.gate[1 + i], error[i]):  # output - target
                nengo.Connection(learner.output, post, synapse=None)
                nengo.Connection(learner.target, post, transform=-1, synapse=None)
            nengo.Connection(model.gate[i], learner.error, synapse=None)
            shown = model.monitor.versus_target[i]
            nengo.Connection(learner.output, shown[0], synapse=None)
            nengo.Connection(learner.target, shown[1], synapse=None)
    return model


model = build_model()


def simulator_class(name):
    """The simulator called ``name``: ``nengo``, ``ocl`` (nengo-ocl) or ``dl`` (nengo-dl)."""
    if name == "ocl":
        import nengo_fa.ocl

        return nengo_fa.ocl.Simulator
    if name == "dl":
        import nengo_dl

        return nengo_dl.Simulator
    return nengo.Simulator


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=float, default=100.0, help="training time (s)")
    parser.add_argument("--neurons", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output",
        default=str(pathlib.Path(tempfile.gettempdir()) / "learn_product.png"),
        help="figure file (default: learn_product.png in the temporary directory)",
    )
    parser.add_argument(
        "--simulator",
        choices=("nengo", "ocl", "dl"),
        default="nengo",
        help="nengo.Simulator, nengo_fa.ocl.Simulator or nengo_dl.Simulator",
    )
    args = parser.parse_args()

    net = build_model(args.neurons, args.seed)
    with net:
        rms = nengo.Probe(net.monitor.rms_error, synapse=None, sample_every=0.1)
    with simulator_class(args.simulator)(net, progress_bar=False) as sim:
        sim.run(args.time)
        frozen = {
            rule: frozen_product_rmse(sim, learner) for rule, learner in net.learners.items()
        }

    fig, ax = plt.subplots(figsize=(7, 4))
    t = sim.trange(sample_every=0.1)
    for i, rule in enumerate(RULES):
        label = f"{LABELS[rule]} (frozen grid RMSE {frozen[rule]:.3f})"
        ax.semilogy(t, sim.data[rms][:, i], label=label)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"online RMS error ({RMS_TAU:g} s window)")
    ax.set_title(f"Learning x0 * x1 with {args.neurons} ReLU neurons")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    for rule in RULES:
        print(f"{LABELS[rule]:>18}: frozen grid RMSE {frozen[rule]:.4f}")
    print(f"saved {args.output}")


if __name__ == "__main__":
    main()
