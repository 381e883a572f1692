"""FunctionLearner, GaussianInput and the frozen evaluation helpers."""

import nengo
import numpy as np
import pytest

import nengo_fa
from nengo_fa.networks import (
    DataFeed,
    FunctionLearner,
    GaussianInput,
    SpikeTrains,
    frozen_output,
    learned_encoders,
    learned_rates,
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


def sine_input(t):
    return np.sin(2 * t), np.cos(3 * t)


def squares(x):
    return [x[0] ** 2, x[0] * x[1]]


def test_function_learner_wiring():
    net = FunctionLearner(squares, sine_input, 2, n_neurons=15, rule="fa", seed=1)
    rule = net.layer1.learning_rule_type
    assert isinstance(rule, nengo_fa.FeedbackAlignment) and rule.error_size == 2
    assert isinstance(net.layer2.learning_rule_type, nengo.PES)
    assert net.output.size_in == net.error.size_in == 2
    assert FunctionLearner(squares, sine_input, 2, rule="pes").layer1.learning_rule_type is None
    bp = FunctionLearner(squares, sine_input, 2, rule="bp", learning_rate=0.25)
    assert bp.layer1.learning_rule_type.downstream is bp.layer2
    assert bp.layer1.learning_rule_type.learning_rate == 0.25
    with pytest.raises(ValueError, match="rule must be one of"):
        FunctionLearner(squares, sine_input, 2, rule="sgd")


def test_backprop_beats_pes_only_on_the_grid():
    """Learning sanity (not a benchmark): 40 s of BP beats PES alone, frozen."""
    grid = np.linspace(-1, 1, 21)
    x = np.array([(a, b) for a in grid for b in grid])
    rmse = {}
    for rule in ("pes", "bp"):
        net = FunctionLearner(squares, sine_input, 2, n_neurons=10, rule=rule, seed=1)
        with nengo.Simulator(net, progress_bar=False) as sim:
            before = net.frozen_rmse(sim, x, [squares(p) for p in x])
            sim.run(40.0)
            rmse[rule] = net.frozen_rmse(sim, x, [squares(p) for p in x])
    assert before == pytest.approx(np.sqrt(np.mean(np.array([squares(p) for p in x]) ** 2)))
    assert rmse["bp"] < 0.85 * rmse["pes"], rmse


def test_the_product_task_moved_with_a_warning():
    with pytest.warns(DeprecationWarning, match="examples/learn_product.py"):
        learn_product = nengo_fa.networks.learn_product
    net = learn_product("bp", n_neurons=8, seed=2)
    with pytest.warns(DeprecationWarning):
        x, y = nengo_fa.networks.product_grid(3)
    assert x.shape == (9, 2) and isinstance(net, FunctionLearner)
    np.testing.assert_array_equal(y, x[:, 0] * x[:, 1])


def test_learned_encoders_are_current_copies():
    net = FunctionLearner(squares, sine_input, 2, n_neurons=8, rule="bp", seed=2)
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
    process = GaussianInput(4, normalized=normalized, seed=2, block=5)

    def make():
        return process.make_step((0,), (4,), 0.001, np.random.RandomState(0), {})

    source = make()
    steps = [source(0.001 * k) for k in range(12)]
    np.testing.assert_array_equal(make()(0.011), steps[11])  # across blocks, fresh step
    np.testing.assert_array_equal(source(0.003), steps[3])  # going back a block
    expected = np.random.default_rng([2, 2]).standard_normal((5, 4))[1]
    np.testing.assert_array_equal(steps[11], expected / 2 if normalized else expected)
    np.testing.assert_array_equal(process.samples(2)[1], steps[11])
    assert len({tuple(x) for x in steps}) == 12
    with nengo.Network() as net:  # in a node: the same samples, step by step
        probe = nengo.Probe(nengo.Node(process))
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(11)
    np.testing.assert_array_equal(sim.data[probe], steps[1:])


def test_gaussian_input_without_a_seed_follows_the_simulator_seed():
    with nengo.Network() as net:
        probe = nengo.Probe(nengo.Node(GaussianInput(3)))
    runs = []
    for seed in (1, 1, 2):
        with nengo.Simulator(net, seed=seed, progress_bar=False) as sim:
            sim.run_steps(4)
        runs.append(sim.data[probe])
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize("kind", ["poisson", "regular"])
def test_spike_trains_have_the_vector_as_their_mean(kind):
    x = np.array([0.5, -0.25, 0.0, 1.0, 2.0])
    process = SpikeTrains(5, max_rate=200.0, kind=kind, seed=3)
    with nengo.Network() as net:
        spikes = nengo.Node(process, size_in=5)
        nengo.Connection(nengo.Node(x), spikes, synapse=None)
        probe = nengo.Probe(spikes)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(5.0)
        output = sim.data[probe]
        sim.reset()
        sim.run(5.0)
        np.testing.assert_array_equal(sim.data[probe], output)  # reset restarts the state
    values = np.unique(output)
    assert set(np.round(values * 0.001 * 200, 9)) <= {-1.0, 0.0, 1.0}  # one spike = 1/200 s
    expected = np.clip(x, -1, 1)  # beyond the scale, the rate saturates
    tolerance = 0.002 if kind == "regular" else 0.05
    np.testing.assert_allclose(output.mean(axis=0), expected, atol=tolerance)
    rates = (output != 0).mean(axis=0) / 0.001
    np.testing.assert_allclose(rates, 200 * np.abs(expected), atol=0.2 * 200 * tolerance / 0.05)


def test_settled_averages_the_end_of_each_presentation():
    feed = DataFeed(np.zeros((2, 1)), np.zeros((2, 1)), presentation_time=0.005, learn_after=0.4)
    outputs = np.arange(20.0).reshape(10, 2)  # two presentations of 5 steps, 2 dims
    # learning steps: the last 3 of each presentation
    assert np.array_equal(feed.settled(outputs, 0.001), [[6.0, 7.0], [16.0, 17.0]])
    assert np.array_equal(feed.settled(outputs, 0.001, average=0.2), [[8.0, 9.0], [18.0, 19.0]])
