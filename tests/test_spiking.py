"""Spiking learning goes where rate learning goes (small: scikit-learn's 8x8 digits)."""

import nengo
import numpy as np
import pytest

from nengo_fa.datasets import load_standardized
from nengo_fa.networks import DataFeed, FeedForward


def accuracy(neuron_type, rule, n_train=400, n_test=200, presentation=0.01, seed=0):
    """64-100-10, one epoch over ``n_train`` digits, LIF synapses 2 ms, the benchmark protocol."""
    x_train, y_train, x_test, y_test = load_standardized("digits", n_train, n_test)
    spiking = neuron_type.spiking
    net = FeedForward(
        64,
        [100],
        10,
        rule=rule,
        neuron_type=neuron_type,
        learning_rate=100.0,
        readout_learning_rate=0.01,
        synapse=nengo.Lowpass(0.002),
        init_inputs=x_train,
        seed=seed,
    )
    feed = DataFeed(
        x_train,
        np.eye(10)[y_train],
        x_test,
        np.eye(10)[y_test],
        presentation_time=presentation,
        learn_after=0.4,
        seed=seed,
    ).connect(net)
    with net:
        probe = nengo.Probe(net.output, synapse=None)
    with nengo.Simulator(net, progress_bar=False) as sim:
        feed.train(sim, 1, learning_rate=1.0 / feed.learning_steps(sim.dt))
        predicted = feed.test(sim, probe)
    assert spiking == isinstance(neuron_type, nengo.LIF)
    return np.mean(predicted == y_test)


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_spiking_learns_like_its_rate_twin(rule):
    spiking, rate = accuracy(nengo.LIF(), rule), accuracy(nengo.LIFRate(), rule)
    assert spiking > 0.6 and rate > 0.6, (spiking, rate)  # chance is 0.1
    assert abs(spiking - rate) < 0.1, (spiking, rate)
    untrained = accuracy(nengo.LIF(), rule, n_train=10)
    assert spiking > untrained + 0.2, (spiking, untrained)
