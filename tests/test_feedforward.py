"""FeedForward networks: wiring, data-dependent init, and exact agreement with NumPy."""

import nengo
import numpy as np
import pytest
from reference import ReferenceLearner

import nengo_fa
from nengo_fa.derivatives import rate_curve
from nengo_fa.learning_rules import as_list
from nengo_fa.networks import (
    DEEP_RULES,
    DataFeed,
    FeedForward,
    current_for_rate,
    data_init,
    learned_weights,
)

N_IN, HIDDEN, N_OUT = 12, (16, 9), 3


def samples(n, seed=0):
    rng = np.random.RandomState(seed)
    inputs = np.abs(rng.standard_normal((n, N_IN)))
    targets = np.eye(N_OUT)[rng.randint(N_OUT, size=n)]
    return inputs, targets


def presented(net, inputs, targets, learning=None):
    """Present one sample per step (rate networks with no synapses learn each step)."""
    with net:
        stim = nengo.Node(lambda t: inputs[int(round(t / 0.001)) - 1 % len(inputs)])
        label = nengo.Node(lambda t: targets[int(round(t / 0.001)) - 1 % len(targets)])
        nengo.Connection(stim, net.input, synapse=None)
        nengo.Connection(label, net.target, synapse=None)
        if learning is not None:
            net.learning.output = learning
        probe = nengo.Probe(net.output, synapse=None)
    return probe


@pytest.mark.parametrize("rule", ReferenceLearner.RULES)
def test_network_learns_exactly_like_numpy(rule):
    inputs, targets = samples(60)
    net = FeedForward(
        N_IN,
        HIDDEN,
        N_OUT,
        rule=rule,
        neuron_type=nengo.LIFRate(),
        learning_rate=[0.5, 2.0],
        readout_learning_rate=3e-3,
        init_inputs=inputs,
        seed=1,
    )
    probe = presented(net, inputs, targets)
    with nengo.Simulator(net, progress_bar=False) as sim:
        reference = ReferenceLearner.from_simulator(sim, net)
        sim.run_steps(len(inputs))
        learned = [
            (
                sim.signals[sim.model.sig[ens]["encoders"]],
                sim.signals[sim.model.sig[ens.neurons]["bias"]],
            )
            for ens in net.layers
        ]
        weights = learned_weights(sim, net.readout)
        frozen = net.frozen_outputs(sim, inputs)
    expected = np.array([reference.step(x, t) for x, t in zip(inputs, targets, strict=True)])
    np.testing.assert_allclose(sim.data[probe], expected, rtol=1e-9, atol=1e-12)
    for k, (encoders, bias) in enumerate(learned):
        changed = not np.allclose(encoders, sim.data[net.layers[k]].scaled_encoders)
        assert changed == (rule != "pes")
        np.testing.assert_allclose(encoders, reference.encoders[k], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bias, reference.biases[k], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weights, reference.readout, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(frozen, reference.predict(inputs), rtol=1e-9, atol=1e-12)


def test_learning_zero_freezes_and_frozen_outputs_match_the_simulation():
    inputs, targets = samples(30, seed=2)
    net = FeedForward(N_IN, HIDDEN, N_OUT, rule="fa", init_inputs=inputs, seed=3)
    probe = presented(net, inputs, targets, learning=0.0)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(inputs))
        np.testing.assert_array_equal(
            sim.signals[sim.model.sig[net.layers[0]]["encoders"]],
            sim.data[net.layers[0]].scaled_encoders,
        )
        np.testing.assert_allclose(sim.data[probe], net.frozen_outputs(sim, inputs))


def test_wiring_per_rule():
    nets = {rule: FeedForward(N_IN, HIDDEN, N_OUT, rule=rule) for rule in DEEP_RULES}
    assert all(c.learning_rule_type is None for c in nets["pes"].hidden_connections)
    bp = nets["bp"].hidden_connections
    assert bp[1].learning_rule_type.downstream is nets["bp"].readout
    assert bp[0].learning_rule_type.downstream is bp[1]
    assert [c.learning_rule.size_in for c in bp] == [0, N_OUT]  # chained, then the error
    fa = nets["fa"].hidden_connections
    assert isinstance(fa[0].learning_rule_type, nengo_fa.FeedbackAlignment)
    assert fa[0].learning_rule_type.downstream is fa[1]
    dfa = nets["dfa"].hidden_connections
    assert all(isinstance(c.learning_rule_type, nengo_fa.DirectFeedbackAlignment) for c in dfa)
    assert [c.learning_rule.size_in for c in dfa] == [N_OUT, N_OUT]
    assert nets["bp"].layers[1].dimensions == HIDDEN[0]
    for rule, cls in [
        ("kp", nengo_fa.KolenPollack),
        ("ss", nengo_fa.SignSymmetry),
        ("np", nengo_fa.NodePerturbation),
        ("wp", nengo_fa.WeightPerturbation),
    ]:
        conns = nets[rule].hidden_connections
        assert all(type(c.learning_rule_type) is cls for c in conns)
        chained = rule in ("kp", "ss")
        assert [c.learning_rule.size_in for c in conns] == ([0, N_OUT] if chained else [N_OUT] * 2)
        assert conns[0].learning_rule_type.reference is conns[1]
        assert conns[1].learning_rule_type.reference is nets[rule].readout
    assert nets["dfa"].hidden_connections[0].learning_rule_type.reference is dfa[1]
    options = FeedForward(N_IN, HIDDEN, N_OUT, rule="np", rule_options={"noise": 0.3})
    assert options.hidden_connections[0].learning_rule_type.noise == 0.3
    with pytest.raises(ValueError, match="ReferenceLearner implements"):
        with nengo.Simulator(nets["kp"], progress_bar=False) as sim:
            ReferenceLearner.from_simulator(sim, nets["kp"])
    with pytest.raises(ValueError, match="rule must be one of"):
        FeedForward(N_IN, HIDDEN, N_OUT, rule="sgd")
    with pytest.raises(ValueError, match="one value per hidden layer"):
        FeedForward(N_IN, HIDDEN, N_OUT, learning_rate=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="noise must reach the error within the step"):
        FeedForward(N_IN, HIDDEN, N_OUT, rule="wp", error_synapse=0.005)
    with pytest.raises(ValueError, match="not all zero"):
        FeedForward(N_IN, HIDDEN, N_OUT, init_inputs=np.zeros((5, N_IN)))


@pytest.mark.parametrize(
    "neuron_type", [nengo.RectifiedLinear(), nengo.LIFRate(), nengo.Tanh(), nengo.Sigmoid()]
)
def test_data_init_places_thresholds_inside_the_inputs(neuron_type):
    rng = np.random.RandomState(4)
    inputs = np.abs(rng.standard_normal((2000, 30))) * 5
    encoders, gain, bias, radius = data_init(neuron_type, inputs, 300, rng)
    np.testing.assert_allclose(np.linalg.norm(encoders, axis=1), 1)
    assert radius == pytest.approx(np.sqrt(np.mean(np.sum(inputs**2, axis=1))))
    assert np.all(gain > 0)
    rates = rate_curve(neuron_type, (inputs @ encoders.T / radius) * gain + bias)
    top = np.quantile(rates, 0.99, axis=0)
    assert np.all((top > 149) & (top < 251))
    # above threshold: firing (ReLU, LIF, tanh) or above a tenth of the top rate (sigmoid)
    threshold = 0.1 * top if isinstance(neuron_type, nengo.Sigmoid) else 1e-6 * top
    active = (rates > threshold).mean(axis=0)
    assert 0.18 < active.min() and active.max() < 0.82


def test_current_for_rate_inverts_the_rate_curve():
    for neuron_type in (nengo.LIFRate(), nengo.Sigmoid(), nengo.RectifiedLinear()):
        currents = current_for_rate(neuron_type, np.array([20.0, 100.0, 300.0]))
        np.testing.assert_allclose(
            rate_curve(neuron_type, currents), [20.0, 100.0, 300.0], rtol=1e-6
        )
    with pytest.raises(ValueError, match="only reaches rates"):
        current_for_rate(nengo.LIFRate(tau_ref=0.01), [150.0])


def test_data_feed_trains_in_shuffled_epochs_and_tests_frozen():
    inputs, targets = samples(40, seed=5)
    net = FeedForward(N_IN, HIDDEN, N_OUT, rule="bp", init_inputs=inputs, seed=6)
    feed = DataFeed(inputs[:30], targets[:30], inputs[30:], targets[30:], seed=7).connect(net)
    with net:
        shown = nengo.Probe(net.input, synapse=None)
        gate = nengo.Probe(net.learning, synapse=None)
        output = nengo.Probe(net.output, synapse=None)
    with nengo.Simulator(net, progress_bar=False) as sim:
        feed.train(sim, epochs=2, learning_rate=0.5)
        np.testing.assert_array_equal(sim.data[shown][30:], inputs[:30][feed.order])
        assert sorted(feed.order) == list(range(30)) and list(feed.order) != list(range(30))
        np.testing.assert_array_equal(sim.data[gate], 0.5)
        frozen = np.argmax(net.frozen_outputs(sim, inputs[30:]), axis=1)
        predicted = feed.test(sim, output)
        np.testing.assert_array_equal(sim.data[gate][60:], 0)
        np.testing.assert_array_equal(sim.data[shown][60:], inputs[30:])
    np.testing.assert_array_equal(predicted, frozen)


def test_data_feed_presentation_time_and_learning_delay():
    inputs, targets = samples(4, seed=8)
    net = FeedForward(N_IN, HIDDEN, N_OUT, rule="pes", seed=9)
    feed = DataFeed(inputs, targets, presentation_time=0.01, learn_after=0.3).connect(net)
    with net:
        shown = nengo.Probe(net.input, synapse=None)
        gate = nengo.Probe(net.learning, synapse=None)
    with nengo.Simulator(net, progress_bar=False) as sim:
        feed.train(sim)
    assert len(sim.data[shown]) == 40
    np.testing.assert_array_equal(sim.data[shown], np.repeat(inputs[feed.order], 10, axis=0))
    np.testing.assert_array_equal(sim.data[gate][:, 0], np.tile([0.0] * 3 + [1.0] * 7, 4))


def test_init_inputs_are_each_layers_evaluation_points():
    inputs, _ = samples(50, seed=10)
    net = FeedForward(N_IN, HIDDEN, N_OUT, init_inputs=inputs, seed=11)
    with nengo.Simulator(net, progress_bar=False) as sim:
        layer_inputs = inputs
        for ens in net.layers:
            np.testing.assert_allclose(sim.data[ens].eval_points, layer_inputs)
            current = layer_inputs @ sim.data[ens].scaled_encoders.T + sim.data[ens].bias
            layer_inputs = rate_curve(ens.neuron_type, current)


def test_data_feed_rejects_mismatched_samples():
    inputs, targets = samples(10, seed=1)
    with pytest.raises(ValueError, match="one target per input.*10 inputs, 9 targets"):
        DataFeed(inputs, targets[:9])
    with pytest.raises(ValueError, match="test inputs and targets must both be given"):
        DataFeed(inputs, targets, inputs)


@pytest.mark.parametrize("as_dict", [False, True])
def test_learned_weights_of_several_rules(as_dict):
    """A pending delta of every weight-learning rule on the connection is included."""
    rules = [nengo.PES(1e-3), nengo.PES(3e-3)]
    rules = dict(enumerate(rules)) if as_dict else rules
    with nengo.Network(seed=2) as net:
        ens = nengo.Ensemble(5, 1)
        conn = nengo.Connection(ens, nengo.Node(size_in=1), learning_rule_type=rules)
        for rule in as_list(conn.learning_rule):
            nengo.Connection(nengo.Node([0.5]), rule)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(3)
        pending = sum(sim.signals[sim.model.sig[r]["delta"]] for r in as_list(conn.learning_rule))
        assert np.any(pending != 0)
        expected = sim.signals[sim.model.sig[conn]["weights"]] + pending
        np.testing.assert_allclose(learned_weights(sim, conn), expected)
        sim.step()
        np.testing.assert_allclose(sim.signals[sim.model.sig[conn]["weights"]], expected)
