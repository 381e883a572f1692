"""Nengo behaviours users rely on: reset, seeds, optimizer, dt, several rules."""

import nengo
import numpy as np
import pytest
from conftest import assert_applied_in_place, product_learner

import nengo_fa
from nengo_fa.derivatives import derivative_function

ATTRS = ("scaled_encoders", "bias", "local_error", "bias_delta", "error")


def probed_product(rule, seed=0, n_neurons=20, **kwargs):
    """The product learner with probes on the encoder rule and the output."""
    net = product_learner(rule, n_neurons, seed=seed, **kwargs)
    with net:
        net.rule_probes = {a: nengo.Probe(net.layer1.learning_rule, a) for a in ATTRS}
        net.rule_probes["output"] = nengo.Probe(net.output)
    return net


def run(net, steps=300, Simulator=nengo.Simulator, **kwargs):
    with Simulator(net, progress_bar=False, **kwargs) as sim:
        sim.run_steps(steps)
    return sim


def probe_data(sim, net):
    return {key: sim.data[probe] for key, probe in net.rule_probes.items()}


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_reset_restores_initial_encoders_and_biases(Simulator, rule):
    net = probed_product(rule)
    with Simulator(net) as sim:
        sim.run_steps(300)
        first = {key: data.copy() for key, data in probe_data(sim, net).items()}
        assert not np.allclose(first["bias"][-1], sim.model.params[net.hidden].bias)
        sim.reset()
        sim.run_steps(300)
        for key, data in probe_data(sim, net).items():
            np.testing.assert_array_equal(data, first[key], err_msg=key)


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_same_seed_gives_identical_runs(Simulator, rule):
    net_a, net_b = probed_product(rule, seed=4), probed_product(rule, seed=4)
    data_a = probe_data(run(net_a, Simulator=Simulator), net_a)
    data_b = probe_data(run(net_b, Simulator=Simulator), net_b)
    for key in data_a:
        np.testing.assert_array_equal(data_a[key], data_b[key], err_msg=key)


def test_feedback_comes_from_the_seed_or_the_array():
    def feedback(net, steps=1):
        return run(net, steps).data[net.layer1.learning_rule].feedback

    seed4, seed5 = (
        feedback(product_learner("fa", 20, seed=4)),
        feedback(product_learner("fa", 20, seed=5)),
    )
    assert seed4.shape == (20, 1)
    assert not np.allclose(seed4, seed5)
    np.testing.assert_array_equal(seed4, feedback(product_learner("fa", 20, seed=4)))

    explicit = np.linspace(-1, 1, 20)[:, None]
    with nengo.Network(seed=1) as net:
        ens = nengo.Ensemble(20, 1)
        conn = nengo.Connection(
            nengo.Node([0.2]),
            ens,
            learning_rule_type=nengo_fa.FeedbackAlignment(error_size=1, feedback=explicit),
        )
        uniform = nengo.Connection(
            nengo.Node([0.2]),
            ens,
            learning_rule_type=nengo_fa.FeedbackAlignment(
                error_size=1, feedback=nengo.dists.Uniform(2, 3)
            ),
        )
    with nengo.Simulator(net, progress_bar=False) as sim:
        np.testing.assert_array_equal(sim.data[conn.learning_rule].feedback, explicit)
        sampled = sim.data[uniform.learning_rule].feedback
        assert sampled.shape == (20, 1) and np.all((sampled >= 2) & (sampled <= 3))


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_optimizer_does_not_change_results(rule):
    net = probed_product(rule, neuron_type=nengo.LIF())
    optimized, plain = run(net), run(net, optimize=False)
    for key in net.rule_probes:
        np.testing.assert_allclose(
            optimized.data[net.rule_probes[key]],
            plain.data[net.rule_probes[key]],
            rtol=1e-10,
            atol=1e-12,
            err_msg=key,
        )


def test_learners_side_by_side_match_learners_alone(Simulator):
    """The optimizer merges operators and signals across networks; nothing may leak.

    Regression: a transposed view of the decoders read by `BackpropEncoder`
    was remapped with wrong strides once the PES signals of several learners
    were merged, so BP learned from garbage when other learners were present.
    """
    rules = ("bp", "fa", "bp")
    with nengo.Network(seed=3) as side_by_side:
        product_learner("pes", 20, seed=0)
        learners = [probed_product(rule) for rule in rules]
    together = run(side_by_side, Simulator=Simulator)
    for learner, rule in zip(learners, rules, strict=True):
        alone = probed_product(rule)
        expected = probe_data(run(alone, Simulator=Simulator), alone)
        for key, data in probe_data(together, learner).items():
            Simulator.assert_close(
                data, expected[key], rtol=1e-10, atol=1e-12, err_msg=f"{rule} {key}"
            )


def static_network(dt_rule=nengo_fa.BackpropEncoder):
    """Static input, no synapses: the state is the same at the first step for any dt."""
    with nengo.Network(seed=7) as net:
        stim = nengo.Node([0.4, -0.2])
        hidden = nengo.Ensemble(15, 2, neuron_type=nengo.RectifiedLinear())
        out = nengo.Node(size_in=1)
        error = nengo.Node(size_in=1)
        layer2 = nengo.Connection(hidden, out, function=lambda x: x[0] + 0.3, synapse=None)
        rule = dt_rule(layer2) if dt_rule is nengo_fa.BackpropEncoder else dt_rule(error_size=1)
        layer1 = nengo.Connection(stim, hidden, synapse=None, learning_rule_type=rule)
        nengo.Connection(out, error, synapse=None)
        nengo.Connection(error, layer1.learning_rule, synapse=None)
        probe = nengo.Probe(layer1.learning_rule, "bias_delta")
    return net, probe


@pytest.mark.parametrize("rule_type", [nengo_fa.BackpropEncoder, nengo_fa.FeedbackAlignment])
def test_step_scales_with_dt(Simulator, rule_type):
    net, probe = static_network(rule_type)
    coarse = run(net, steps=1, dt=0.001, Simulator=Simulator).data[probe][0]
    fine = run(net, steps=1, dt=0.0005, Simulator=Simulator).data[probe][0]
    assert np.any(coarse != 0)
    Simulator.assert_close(fine, 0.5 * coarse, rtol=1e-12)


def test_learning_works_with_a_smaller_dt():
    def late_mse(rule):
        net = product_learner(rule, 20, seed=3)
        with net:
            probe = nengo.Probe(net.error, synapse=0.05)
        with nengo.Simulator(net, dt=0.0005, progress_bar=False) as sim:
            sim.run(20.0)
        return np.mean(sim.data[probe][sim.trange() > 15.0] ** 2)

    assert late_mse("bp") < 0.8 * late_mse("pes")


def test_several_rules_into_one_ensemble_add_up(Simulator):
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(lambda t: [np.sin(3 * t), np.cos(2 * t)])
        hidden = nengo.Ensemble(12, 2, neuron_type=nengo.LIFRate())
        out = nengo.Node(size_in=1)
        error = nengo.Node(size_in=1)
        layer2 = nengo.Connection(hidden, out, function=lambda x: x[0] * x[1])
        nengo.Connection(out, error)
        nengo.Connection(stim, error, function=lambda x: -x[0] * x[1])
        rules = [
            nengo.Connection(stim, hidden, transform=0.5, learning_rule_type=rule_type)
            for rule_type in (
                nengo_fa.BackpropEncoder(layer2),
                nengo_fa.FeedbackAlignment(error_size=1),
            )
        ]
        for conn in rules:
            nengo.Connection(error, conn.learning_rule)
        deltas = [nengo.Probe(c.learning_rule, "delta") for c in rules]
        bias_deltas = [nengo.Probe(c.learning_rule, "bias_delta") for c in rules]
        encoders = nengo.Probe(hidden, "scaled_encoders")
        bias = nengo.Probe(rules[0].learning_rule, "bias")
    sim = run(net, steps=200, Simulator=Simulator)
    assert all(np.any(sim.data[p] != 0) for p in deltas + bias_deltas)
    assert_applied_in_place(
        sim.data[encoders],
        sim.data[hidden].scaled_encoders,
        *(sim.data[p] for p in deltas),
        simulator=Simulator,
    )
    assert_applied_in_place(
        sim.data[bias],
        sim.data[hidden].bias,
        *(sim.data[p] for p in bias_deltas),
        simulator=Simulator,
    )


def test_learn_bias_false_keeps_biases(Simulator):
    """The rule may sit on any input connection (here one with transform 0)."""
    net = product_learner("pes", 20, seed=1)
    with net:
        conn = nengo.Connection(
            net.stim,
            net.hidden,
            transform=0,
            learning_rule_type=nengo_fa.BackpropEncoder(net.layer2, learn_bias=False),
        )
        nengo.Connection(net.error, conn.learning_rule)
        bias = nengo.Probe(conn.learning_rule, "bias")
        bias_delta = nengo.Probe(conn.learning_rule, "bias_delta")
        encoders = nengo.Probe(conn.learning_rule, "scaled_encoders")
    sim = run(net, steps=500, Simulator=Simulator)
    Simulator.assert_close(sim.data[bias], np.tile(sim.data[net.hidden].bias, (500, 1)))
    assert not np.any(sim.data[bias_delta])
    assert not np.allclose(sim.data[encoders][-1], sim.data[net.hidden].scaled_encoders)


@pytest.mark.parametrize("rule", ["fa", "bp"])
def test_local_error_is_teaching_signal_times_slope(Simulator, rule):
    net = probed_product(rule, n_neurons=15, neuron_type=nengo.LIF())
    with net:
        current = nengo.Probe(net.hidden.neurons, "input")
        weights = nengo.Probe(net.layer2, "weights")
        output = nengo.Probe(net.hidden.neurons, "output")
    sim = run(net, steps=400, Simulator=Simulator)
    data = sim.data[net.layer1.learning_rule]
    error, local = sim.data[net.rule_probes["error"]], sim.data[net.rule_probes["local_error"]]
    slope = derivative_function(nengo.LIF())(sim.data[current])
    if rule == "bp":
        # PES's delta from step k - 1 is added to the weights at the start of
        # step k, so the weights probed at (the end of) step k are those used
        used = sim.data[weights]
        teaching = np.einsum("kon,ko->kn", used, error)
    else:  # the default sign gate: B_i is used while B_i T_i >= 0, T = -sum dt a e (before)
        matrix = (data.feedback / (15 * data.rate_scale))[:, 0]
        trace = -np.cumsum(sim.dt * sim.data[output] * error, axis=0)
        trace = np.vstack([np.zeros((1, 15)), trace[:-1]])
        teaching = error * matrix * (matrix * trace >= 0)
    assert np.any(local != 0)
    Simulator.assert_close(local, teaching * slope, rtol=1e-9, atol=1e-15)
