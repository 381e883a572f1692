"""The product network and the frozen evaluation helpers."""

import nengo
import numpy as np
import pytest

import nengo_fa
from nengo_fa.networks import (
    GaussianInput,
    frozen_output,
    frozen_product_rmse,
    learn_product,
    learned_encoders,
    learned_rates,
    product_grid,
)


def test_frozen_output_matches_simulated_rate_network():
    """A static input held with no synapses gives exactly the frozen output."""
    x = np.array([0.3, -0.6])
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(x)
        ens = nengo.Ensemble(12, 2, neuron_type=nengo.LIFRate(), radius=1.5)
        out = nengo.Node(size_in=2)
        nengo.Connection(stim, ens, synapse=None)
        conn = nengo.Connection(ens, out, function=lambda v: [v[0] * v[1], v[0]], synapse=None)
        probe = nengo.Probe(out)
        rates = nengo.Probe(ens.neurons)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(3)
        np.testing.assert_allclose(learned_rates(sim, ens, x[None])[0], sim.data[rates][-1])
        np.testing.assert_allclose(frozen_output(sim, conn, x[None])[0], sim.data[probe][-1])


def test_learn_product_wiring():
    net = learn_product("fa", n_neurons=15, seed=1)
    assert isinstance(net.layer1.learning_rule_type, nengo_fa.FeedbackAlignment)
    assert isinstance(net.layer2.learning_rule_type, nengo.PES)
    assert learn_product("pes").layer1.learning_rule_type is None
    bp = learn_product("bp", encoder_rate=0.25)
    assert bp.layer1.learning_rule_type.downstream is bp.layer2
    assert bp.layer1.learning_rule_type.learning_rate == 0.25
    with pytest.raises(ValueError, match="rule must be one of"):
        learn_product("sgd")


def test_backprop_beats_pes_only_on_the_grid():
    """Learning sanity (not a benchmark): 40 s of BP beats PES alone, frozen."""
    rmse = {}
    for rule in ("pes", "bp"):
        net = learn_product(rule, n_neurons=10, seed=1)
        with nengo.Simulator(net, progress_bar=False) as sim:
            before = frozen_product_rmse(sim, net)
            sim.run(40.0)
            rmse[rule] = frozen_product_rmse(sim, net)
    assert before == pytest.approx(np.sqrt(np.mean(np.linspace(-1, 1, 41) ** 2) ** 2))
    assert rmse["bp"] < 0.85 * rmse["pes"], rmse


def test_learned_encoders_are_current_copies():
    net = learn_product("bp", n_neurons=8, seed=2)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
        encoders, bias = learned_encoders(sim, net.hidden)
        assert not np.allclose(encoders, sim.data[net.hidden].scaled_encoders)
        np.testing.assert_array_equal(encoders, sim.signals[sim.model.sig[net.hidden]["encoders"]])
        encoders[...] = 0
        assert np.any(sim.signals[sim.model.sig[net.hidden]["encoders"]] != 0)
        assert bias.shape == (8,)


@pytest.mark.parametrize("normalized", [False, True])
def test_gaussian_input_is_a_pure_function_of_the_step(normalized):
    make = lambda: GaussianInput(4, normalized=normalized, seed=2, block=5)  # noqa: E731
    source = make()
    steps = [source(0.001 * k) for k in range(12)]
    np.testing.assert_array_equal(make()(0.011), steps[11])  # across blocks, fresh object
    np.testing.assert_array_equal(source(0.003), steps[3])  # going back a block
    expected = np.random.default_rng([2, 2]).standard_normal((5, 4))[1]
    np.testing.assert_array_equal(steps[11], expected / 2 if normalized else expected)
    assert len({tuple(x) for x in steps}) == 12


def test_product_grid():
    x, target = product_grid(3)
    assert x.shape == (9, 2) and set(x[:, 0]) == {-1.0, 0.0, 1.0}
    np.testing.assert_array_equal(target, x[:, 0] * x[:, 1])
