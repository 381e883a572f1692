"""What a network has learned: current parameters, and outputs with learning frozen."""

import numpy as np

from nengo_fa.derivatives import rate_curve
from nengo_fa.learning_rules import EncoderRule, as_list


def learned_encoders(sim, ens):
    """Copies of the scaled encoders and biases of ``ens`` in ``sim`` now (as learned).

    ``sim.data[ens]`` keeps the values the ensemble was built with. Includes
    a pending update of rules whose encoder change Nengo applies at the start
    of the next step (`.WeightPerturbation`, `nengo.Voja`), as
    `learned_weights` does for weights. On `nengo_dl.Simulator`, whose
    ``sim.data`` reads the live values (`nengo_fa.dl`), it returns those.
    """
    if not hasattr(sim, "signals"):  # nengo_dl.Simulator: nengo_fa.dl makes sim.data live
        encoders, bias = sim.data.get_params((ens, "scaled_encoders"), (ens, "bias"))
        sig = sim.model.sig
        return (
            _single_item(encoders, sig[ens]["encoders"]),
            _single_item(bias, sig[ens.neurons]["bias"]),
        )
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


def _single_item(value, sig):
    """``value`` from ``sim.data`` as a float copy shaped like ``sig``: one minibatch item."""
    value = np.array(value, dtype=float)
    if value.shape == (1,) + sig.shape:
        return value[0]
    if value.shape != sig.shape:
        raise ValueError(
            f"{sig.name}: the simulator runs {len(value)} minibatch items, each learning on "
            "its own; read item k from sim.data (e.g. sim.data[ens].scaled_encoders[k])"
        )
    return value


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
    if not hasattr(sim, "signals"):  # nengo_dl.Simulator: the live weights
        (weights,) = sim.data.get_params((conn, "weights"))
        return _single_item(weights, sim.model.sig[conn]["weights"])
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


def _learned_signals(model, network):
    """``{key: signal}`` of everything learning changes in ``network``, with stable keys.

    Keys name objects by their position in ``network.all_ensembles`` and
    among the connections that learn (the same in every build of the same
    network code, whatever nodes, probes or other connections are added):
    every ensemble's scaled encoders and biases, the weights of connections
    that learn, and each learning rule's state (a pending
    ``delta``, a learned ``feedback`` matrix, a perturbation ``baseline``, a
    feedback alignment ``sign_trace``).
    """
    signals = {}
    for i, ens in enumerate(network.all_ensembles):
        if ens in model.sig and "encoders" in model.sig[ens]:
            signals[f"ensemble{i}.encoders"] = model.sig[ens]["encoders"]
            signals[f"ensemble{i}.bias"] = model.sig[ens.neurons]["bias"]
    learning = [conn for conn in network.all_connections if conn.learning_rule is not None]
    for i, conn in enumerate(learning):
        rules = as_list(conn.learning_rule)
        if model.sig[conn].get("weights") is not None:
            signals[f"connection{i}.weights"] = model.sig[conn]["weights"]
        for k, rule in enumerate(rules):
            for name in ("delta", "feedback", "baseline", "sign_trace"):
                if model.sig[rule].get(name) is not None:
                    signals[f"connection{i}.rule{k}.{name}"] = model.sig[rule][name]
    return signals


def save_learned(sim, path, network=None):
    """Save what ``sim`` has learned (see `restore_learned`) to ``path`` (a ``.npz`` file).

    ``network`` defaults to the network the simulator was built from.
    """
    network = sim.model.toplevel if network is None else network
    arrays = {
        key: np.array(sim.signals[sig])
        for key, sig in _learned_signals(sim.model, network).items()
    }
    np.savez(path, **arrays)


def restore_learned(sim, path, network=None):
    """Load what `save_learned` saved into ``sim``, a simulator of the same network code.

    Restores every ensemble's encoders and biases, the learning connections'
    weights and the learning rules' state, so learning continues where it
    stopped (e.g. a long run resumed after an interruption). Raises
    ``ValueError`` naming the entry if the saved network does not match.
    """
    network = sim.model.toplevel if network is None else network
    signals = _learned_signals(sim.model, network)
    with np.load(path) as saved:
        if set(saved.files) != set(signals):
            raise ValueError(
                f"{path} was saved from a different network: it has "
                f"{sorted(set(saved.files) ^ set(signals))} where this one does not, or "
                "the other way round"
            )
        for key, sig in signals.items():
            if saved[key].shape != sig.shape:
                raise ValueError(
                    f"{path}: {key} has shape {saved[key].shape}, but {sig.shape} here"
                )
            sim.signals[sig] = saved[key]
