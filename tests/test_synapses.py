"""ErrorPathSynapse makes PES multiply each error by the activities that produced it."""

import nengo
import numpy as np
import pytest
from conftest import product_learner

from nengo_fa import ErrorPathSynapse


@pytest.mark.parametrize(
    "output_synapse, error_synapse",
    [(nengo.Lowpass(0.005), None), (nengo.Lowpass(0.01), nengo.Lowpass(0.003)), (None, None)],
    ids=["default", "two-filters", "direct"],
)
def test_pes_activities_reproduce_the_output_the_error_comes_from(output_synapse, error_synapse):
    """With fixed decoders: error[t] = decoders . activities[t] - target[t], exactly."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: np.sin(8 * t))
        ens = nengo.Ensemble(20, 1, neuron_type=nengo.LIF())
        out = nengo.Node(size_in=1)
        error = nengo.Node(size_in=1)
        nengo.Connection(stim, ens)
        pes = nengo.PES(
            learning_rate=0.0, pre_synapse=ErrorPathSynapse(output_synapse, error_synapse)
        )
        conn = nengo.Connection(
            ens, out, function=lambda x: x, synapse=output_synapse, learning_rule_type=pes
        )
        nengo.Connection(out, error, synapse=None)
        nengo.Connection(error, conn.learning_rule, synapse=error_synapse)
        activities = nengo.Probe(conn.learning_rule, "activities")
        received = nengo.Probe(conn.learning_rule, "error")
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
        decoders = sim.data[conn].weights
    expected = sim.data[activities] @ decoders.T
    assert np.abs(sim.data[received]).max() > 0.1
    np.testing.assert_allclose(sim.data[received], expected, atol=1e-10)


def test_unsupported_synapses_are_refused():
    with pytest.raises(ValueError, match="supports linear filters"):
        ErrorPathSynapse(nengo.synapses.Triangle(0.01))


def test_matched_pes_learns_the_product_without_drifting():
    """10 LIF neurons, PES alone, matched wiring: the decoder norm settles."""
    norms = {}
    for matched in (False, True):
        net = product_learner("pes", 10, neuron_type=nengo.LIF(), seed=0, matched_pes=matched)
        with nengo.Simulator(net, progress_bar=False) as sim:
            sim.run(60.0)
            d60 = np.linalg.norm(sim.signals[sim.model.sig[net.layer2]["weights"]])
            sim.run(120.0)
            norms[matched] = (
                np.linalg.norm(sim.signals[sim.model.sig[net.layer2]["weights"]]) / d60
            )
    assert norms[True] < 1.15, norms
