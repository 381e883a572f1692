"""What a network has learned: current parameters, and outputs with learning frozen."""

import numpy as np

from nengo_fa.derivatives import rate_curve
from nengo_fa.learning_rules import EncoderRule, as_list


def learned_encoders(sim, ens):
    """Copies of the scaled encoders and biases of ``ens`` in ``sim`` now (as learned).

    ``sim.data[ens]`` keeps the values the ensemble was built with. Includes
    a pending update of rules whose encoder change Nengo applies at the start
    of the next step (`.WeightPerturbation`, `nengo.Voja`), as
    `learned_weights` does for weights.
    """
    model = sim.model
    encoders = np.array(sim.signals[model.sig[ens]["encoders"]], dtype=float)
    for rule in _rules_into(model, ens):
        rule_type = rule.learning_rule_type
        pending = rule_type.modifies == "encoders" and not (
            isinstance(rule_type, EncoderRule) and not rule_type.dense_update
        )
        if pending:
            encoders += sim.signals[model.sig[rule]["delta"]]
    return encoders, np.array(sim.signals[model.sig[ens.neurons]["bias"]], dtype=float)


def _rules_into(model, ens):
    """The learning rules on connections into ``ens`` in the model's network."""
    if model.toplevel is None:
        return []
    return [
        rule
        for conn in model.toplevel.all_connections
        if conn.post_obj is ens
        for rule in as_list(conn.learning_rule)
    ]


def learned_rates(sim, ens, x):
    """Rates (Hz) of ``ens`` for decoded inputs ``x`` (n_points x dims) right now.

    Uses the ensemble's `learned_encoders` and the rate approximation of its
    neuron type, as if learning were frozen and each input held until the
    neurons settled.
    """
    encoders, bias = learned_encoders(sim, ens)
    current = np.atleast_2d(x) @ encoders.T + bias
    return rate_curve(ens.neuron_type, current)


def learned_weights(sim, conn):
    """The weights of ``conn`` in ``sim`` now, including a pending weight update.

    Nengo adds the ``delta`` a rule such as `nengo.PES` computes in one step
    to the weights at the start of the next, so after a run the last step's
    delta is still pending; it is included here.
    """
    weights = np.array(sim.signals[sim.model.sig[conn]["weights"]], dtype=float)
    for rule in as_list(conn.learning_rule):
        if rule.learning_rule_type.modifies in ("weights", "decoders"):
            weights += sim.signals[sim.model.sig[rule]["delta"]]
    return weights


def frozen_output(sim, conn, x):
    """Output of decoded connection ``conn`` for inputs ``x`` to its pre ensemble, frozen.

    Combines `learned_rates` with the connection's `learned_weights`, e.g.
    the decoders PES has learned so far. Synapses do not matter at steady state.
    """
    return learned_rates(sim, conn.pre_obj, x) @ learned_weights(sim, conn).T
