"""Ready-made learning networks and tools to evaluate them with learning frozen."""

import nengo
import numpy as np

from nengo_fa.derivatives import rate_curve
from nengo_fa.learning_rules import BackpropEncoder, FeedbackAlignment

#: Encoder rules by the short names used in examples and benchmarks.
RULES = ("pes", "fa", "bp")


def product_input(t):
    """The product task's input, (sin(pi t), sin(0.7 pi t))."""
    return np.sin(np.pi * t), np.sin(0.7 * np.pi * t)


def learn_product(
    rule="bp",
    n_neurons=10,
    neuron_type=None,
    encoder_rate=None,
    pes_rate=None,
    seed=None,
    label=None,
):
    """A network learning x0 * x1 from online error with PES plus an encoder rule.

    ``stim -> hidden`` carries the encoder rule (``rule``: ``"pes"`` for none,
    ``"fa"`` for `.FeedbackAlignment`, ``"bp"`` for `.BackpropEncoder`) and
    ``hidden -> output`` learns its decoders with `nengo.PES`, starting from
    zero. One ``error`` node (output minus target) drives both rules.

    The returned network has attributes ``stim``, ``target``, ``hidden``,
    ``output``, ``error``, ``layer1`` and ``layer2``. ``None`` for a rate or
    neuron type means Nengo's default (or `nengo.RectifiedLinear` neurons).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    rates = {} if encoder_rate is None else {"learning_rate": encoder_rate}
    with nengo.Network(seed=seed, label=label or f"product ({rule})") as net:
        net.stim = nengo.Node(product_input, label="stim")
        net.target = nengo.Node(size_in=1, label="target")
        net.hidden = nengo.Ensemble(
            n_neurons, 2, neuron_type=neuron_type or nengo.RectifiedLinear(), label="hidden"
        )
        net.output = nengo.Node(size_in=1, label="output")
        net.error = nengo.Node(size_in=1, label="error")
        nengo.Connection(net.stim, net.target, function=lambda x: x[0] * x[1], synapse=None)
        nengo.Connection(net.output, net.error, synapse=None)
        nengo.Connection(net.target, net.error, transform=-1, synapse=None)

        pes = nengo.PES() if pes_rate is None else nengo.PES(learning_rate=pes_rate)
        net.layer2 = nengo.Connection(
            net.hidden, net.output, function=lambda x: 0, learning_rule_type=pes
        )
        nengo.Connection(net.error, net.layer2.learning_rule)
        encoder_rule = {
            "pes": None,
            "fa": lambda: FeedbackAlignment(error_size=1, **rates),
            "bp": lambda: BackpropEncoder(net.layer2, **rates),
        }[rule]
        net.layer1 = nengo.Connection(
            net.stim, net.hidden, learning_rule_type=encoder_rule and encoder_rule()
        )
        if encoder_rule is not None:
            nengo.Connection(net.error, net.layer1.learning_rule)
    return net


def learned_rates(sim, ens, x):
    """Rates (Hz) of ``ens`` for decoded inputs ``x`` (n_points x dims) right now.

    Uses the ensemble's current (learned) scaled encoders and biases in
    ``sim`` and the rate approximation of its neuron type, as if learning
    were frozen and each input held until the neurons settled.
    """
    encoders = sim.signals[sim.model.sig[ens]["encoders"]]
    bias = sim.signals[sim.model.sig[ens.neurons]["bias"]]
    current = np.atleast_2d(x) @ encoders.T + bias
    return rate_curve(ens.neuron_type, current)


def frozen_output(sim, conn, x):
    """Output of decoded connection ``conn`` for inputs ``x`` to its pre ensemble, frozen.

    Combines `learned_rates` with the connection's current weights, e.g. the
    decoders PES has learned so far. Synapses do not matter at steady state.
    """
    weights = sim.signals[sim.model.sig[conn]["weights"]]
    return learned_rates(sim, conn.pre_obj, x) @ weights.T


def frozen_product_rmse(sim, net, points=41):
    """RMSE of a `learn_product` network's frozen output against x0 * x1.

    Evaluated on a ``points`` x ``points`` grid over [-1, 1]^2 with the
    current encoders, biases and decoders (see `frozen_output`).
    """
    grid = np.linspace(-1, 1, points)
    x = np.array([(a, b) for a in grid for b in grid])
    output = frozen_output(sim, net.layer2, x)[:, 0]
    return float(np.sqrt(np.mean((output - x[:, 0] * x[:, 1]) ** 2)))
