"""Layer-wise rules: exact backprop through three hidden layers, chained FA, DFA, gating."""

import nengo
import numpy as np
import pytest
from conftest import assert_applied_in_place, numerical_gradient
from nengo.exceptions import BuildError

import nengo_fa
from nengo_fa.derivatives import derivative_function, rate_curve

STIM = np.array([0.3, -0.5, 0.2])
TARGET = np.array([0.4, -0.1])


def deep_rate_network(rule="bp", seed=1):
    """stim -> h1 -> h2 -> h3 -> out, rate neurons, no synapses, fixed output decoders.

    Each hidden layer's input connection carries the rule; layer k's rule
    sends its error back through layer k+1's input connection.
    """
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        net.stim = nengo.Node(STIM)
        net.target = nengo.Node(TARGET)
        net.h1 = nengo.Ensemble(8, 3, neuron_type=nengo.Tanh(), radius=1.5)
        net.h2 = nengo.Ensemble(
            7,
            8,
            neuron_type=nengo.LIFRate(),
            gain=rng.uniform(0.8, 1.2, 7),
            bias=rng.uniform(2.5, 3.0, 7),
        )
        net.h3 = nengo.Ensemble(6, 5, neuron_type=nengo.Sigmoid(), radius=0.7)
        net.out = nengo.Node(size_in=2)
        net.error = nengo.Node(size_in=2)
        net.c_out = nengo.Connection(
            net.h3, net.out, function=lambda x: [x[0] * x[1], x[2] - x[4]], synapse=None
        )
        make = {
            "bp": lambda down: nengo_fa.BackpropEncoder(down, learning_rate=0.6),
            "fa": lambda down: nengo_fa.FeedbackAlignment(downstream=down, learning_rate=0.6),
        }[rule]
        net.c3 = nengo.Connection(
            net.h2.neurons,
            net.h3,
            transform=rng.standard_normal((5, 7)) / 300,
            synapse=None,
            learning_rule_type=make(net.c_out),
        )
        net.c2 = nengo.Connection(
            net.h1.neurons,
            net.h2,
            transform=1 / 500,
            synapse=None,
            learning_rule_type=make(net.c3),
        )
        net.c1 = nengo.Connection(net.stim, net.h1, synapse=None, learning_rule_type=make(net.c2))
        nengo.Connection(net.out, net.error, synapse=None)
        nengo.Connection(net.target, net.error, transform=-1, synapse=None)
        nengo.Connection(net.error, net.c3.learning_rule, synapse=None)
        net.rules = [net.c1.learning_rule, net.c2.learning_rule, net.c3.learning_rule]
        net.rule_probes = {
            (k, attr): nengo.Probe(rule_, attr)
            for k, rule_ in enumerate(net.rules)
            for attr in ("delta", "bias_delta", "local_error", "teaching", "error")
        }
    return net


def forward_loss(sim, net):
    """0.5 |e|^2 as a function of every layer's radius-normalized encoders and biases."""
    layers = [net.h1, net.h2, net.h3]
    transforms = [None, sim.data[net.c2].weights, sim.data[net.c3].weights]
    decoders = sim.data[net.c_out].weights

    def loss(params):
        x = STIM
        for ens, transform, (encoders_hat, bias) in zip(layers, transforms, params, strict=True):
            if transform is not None:  # previous layer's activities through the transform
                x = transform @ x if transform.ndim else transform * x
            x = rate_curve(ens.neuron_type, encoders_hat @ x / ens.radius + bias)
        return 0.5 * np.sum((decoders @ x - TARGET) ** 2)

    initial = [
        (ens.radius * sim.data[ens].scaled_encoders, sim.data[ens].bias.copy()) for ens in layers
    ]
    return loss, initial


def layer_gradient(loss, params, k):
    """Numerical gradients of ``loss`` with respect to layer ``k``'s encoders and biases."""

    def with_layer(j, value):
        changed = [list(layer) for layer in params]
        changed[k][j] = value
        return loss(changed)

    return [
        numerical_gradient(lambda v, j=j: with_layer(j, v), params[k][j], 1e-6) for j in (0, 1)
    ]


def test_every_layer_gets_the_exact_gradient(Simulator):
    net = deep_rate_network("bp")
    with Simulator(net) as sim:
        sim.run_steps(1)
    loss, params = forward_loss(sim, net)
    assert loss(params) > 1e-3
    for k, (rule, ens) in enumerate(zip(net.rules, [net.h1, net.h2, net.h3], strict=True)):
        grad_e, grad_b = layer_gradient(loss, params, k)
        assert np.abs(grad_b).max() > 1e-7, f"layer {k + 1}: degenerate case"
        step_size = sim.data[rule].step_size
        expected_delta = -step_size * grad_e / ens.radius
        expected_bias = -step_size * grad_b
        tol = dict(rtol=1e-4, atol=1e-5 * np.abs(expected_bias).max())
        probed = {attr: sim.data[net.rule_probes[k, attr]][0] for attr in ("delta", "bias_delta")}
        Simulator.assert_close(probed["delta"], expected_delta, **tol)
        Simulator.assert_close(probed["bias_delta"], expected_bias, **tol)


def test_chained_rules_take_the_next_local_error(Simulator):
    net = deep_rate_network("bp")
    with Simulator(net) as sim:
        sim.run_steps(3)
    for k in (0, 1):
        np.testing.assert_array_equal(
            sim.data[net.rule_probes[k, "error"]], sim.data[net.rule_probes[k + 1, "local_error"]]
        )
    assert net.c1.learning_rule.size_in == 0 and net.c3.learning_rule.size_in == 2


def test_chained_feedback_alignment_uses_fixed_scaled_random_matrix(Simulator):
    net = deep_rate_network("fa")
    with net:
        currents = nengo.Probe(net.h2.neurons, "input")
    with Simulator(net) as sim:
        sim.run_steps(20)
    data = sim.data[net.c2.learning_rule]
    assert data.feedback.shape == (7, 6)
    forward = sim.data[net.h3].scaled_encoders @ sim.data[net.c3].weights
    assert data.feedback_scale == pytest.approx(np.sqrt(np.mean(forward**2)), rel=1e-12)
    matrix = data.feedback_scale * data.feedback
    teaching = sim.data[net.rule_probes[2, "local_error"]] @ matrix.T
    Simulator.assert_close(sim.data[net.rule_probes[1, "teaching"]], teaching, rtol=1e-10)
    slope = derivative_function(net.h2.neuron_type)(sim.data[currents])
    Simulator.assert_close(
        sim.data[net.rule_probes[1, "local_error"]], teaching * slope, rtol=1e-10, atol=1e-14
    )


def dfa_network(gate=None, seed=3, sign_gate=True):
    """Two hidden LIFRate layers, each learning from the output error directly (DFA)."""
    with nengo.Network(seed=seed) as net:
        net.stim = nengo.Node(lambda t: [np.sin(5 * t), np.cos(3 * t)])
        net.h1 = nengo.Ensemble(30, 2, neuron_type=nengo.LIFRate())
        net.h2 = nengo.Ensemble(25, 30, neuron_type=nengo.LIFRate(), radius=3)
        net.out = nengo.Node(size_in=1)
        net.error = nengo.Node((lambda t, e: e * gate(t)) if gate else None, size_in=1)
        net.c_out = nengo.Connection(
            net.h2, net.out, function=lambda x: 0, learning_rule_type=nengo.PES()
        )
        net.c2 = nengo.Connection(
            net.h1.neurons,
            net.h2,
            transform=1 / 200,
            learning_rule_type=nengo_fa.DirectFeedbackAlignment(1, sign_gate=sign_gate),
        )
        net.c1 = nengo.Connection(
            net.stim,
            net.h1,
            learning_rule_type=nengo_fa.DirectFeedbackAlignment(1, sign_gate=sign_gate),
        )
        nengo.Connection(net.out, net.error)
        nengo.Connection(net.stim, net.error, function=lambda x: -x[0] * x[1])
        for conn in (net.c_out, net.c1, net.c2):  # one error drives every layer
            nengo.Connection(net.error, conn.learning_rule)
        net.bias = [nengo.Probe(c.learning_rule, "bias") for c in (net.c1, net.c2)]
        net.teaching = [nengo.Probe(c.learning_rule, "teaching") for c in (net.c1, net.c2)]
        net.errors = [nengo.Probe(c.learning_rule, "error") for c in (net.c1, net.c2)]
    return net


def test_direct_feedback_alignment_is_feedback_alignment_on_the_output_error(Simulator):
    net = dfa_network(sign_gate=False)  # the plain formula (tests/test_sign_gate.py: the gate)
    with Simulator(net) as sim:
        sim.run_steps(200)
    assert isinstance(net.c1.learning_rule_type, nengo_fa.FeedbackAlignment)
    for conn, teaching, error in zip((net.c1, net.c2), net.teaching, net.errors, strict=True):
        data = sim.data[conn.learning_rule]
        ens = conn.post_obj
        assert data.feedback_scale == pytest.approx(1 / (ens.n_neurons * data.rate_scale))
        Simulator.assert_close(
            sim.data[teaching], sim.data[error] @ (data.feedback_scale * data.feedback).T
        )
    first, second = (sim.data[conn.learning_rule].feedback for conn in (net.c1, net.c2))
    assert first.shape == (30, 1) and second.shape == (25, 1)


def test_learning_switched_off_and_on_during_a_run(Simulator):
    net = dfa_network(gate=lambda t: 0.0 if 0.1 <= t < 0.2 else 1.0)
    with Simulator(net) as sim:
        sim.run(0.3)
        t = sim.trange()
        for probe in net.bias:
            changes = np.abs(np.diff(sim.data[probe], axis=0)).max(axis=1)
            # gate at step k reaches the rule one error synapse later; allow 40 ms (8 tau) to
            # decay (with the default sign gate the largest change comes earlier and is smaller
            # than without, so 30 ms left 1.5e-3 of it)
            assert changes[(t[1:] > 0.14) & (t[1:] < 0.2)].max() < 1e-3 * changes.max()
            assert changes[t[1:] > 0.25].max() > 0.1 * changes.max()
        first = [sim.data[p].copy() for p in net.bias]
        sim.reset()
        sim.run(0.3)
        for probe, data in zip(net.bias, first, strict=True):
            np.testing.assert_array_equal(sim.data[probe], data)


def test_rules_on_a_shared_error_apply_their_own_updates(Simulator):
    net = dfa_network()
    with net:
        encoders = [nengo.Probe(ens, "scaled_encoders") for ens in (net.h1, net.h2)]
        deltas = [nengo.Probe(c.learning_rule, "delta") for c in (net.c1, net.c2)]
    with Simulator(net) as sim:
        sim.run_steps(100)
    for ens, probe, delta in zip((net.h1, net.h2), encoders, deltas, strict=True):
        assert np.any(sim.data[delta] != 0)
        assert_applied_in_place(
            sim.data[probe], sim.data[ens].scaled_encoders, sim.data[delta], simulator=Simulator
        )


def test_chaining_through_a_connection_without_a_rule_needs_an_external_error():
    with nengo.Network():
        h1 = nengo.Ensemble(10, 1)
        h2 = nengo.Ensemble(10, 10)
        fixed = nengo.Connection(h1.neurons, h2, transform=0.01)
        conn = nengo.Connection(
            nengo.Node([0.1]), h1, learning_rule_type=nengo_fa.BackpropEncoder(fixed)
        )
    assert conn.learning_rule.size_in == 10  # h2's decoded input: an external error


def test_chained_rule_built_before_the_next_layer_is_reported():
    with nengo.Network() as net:
        h1 = nengo.Ensemble(10, 1, label="h1")
        h2 = nengo.Ensemble(10, 10, label="h2")  # its input is h1's 10 neuron activities
        out = nengo.Node(size_in=1)
        top = nengo.Connection(h2, out, function=lambda x: 0)
        with nengo.Network():  # subnetworks are built before their parent's connections
            inner = nengo.Ensemble(5, 1)
        layer2 = nengo.Connection(
            h1.neurons, h2, transform=0.01, learning_rule_type=nengo_fa.BackpropEncoder(top)
        )
        with nengo.Network():
            nengo.Connection(inner, h1, learning_rule_type=nengo_fa.BackpropEncoder(layer2))
    with pytest.raises(BuildError, match="built later"):
        with nengo.Simulator(net, progress_bar=False):
            pass


def test_optimizer_keeps_deep_networks_exact_side_by_side():
    """Chained rules read views of the next layer's encoders (here a column slice)."""

    def side_by_side():
        with nengo.Network(seed=5) as model:
            nets = [deep_rate_network("bp", seed=1), deep_rate_network("fa", seed=2)]
            sliced = dfa_network()
            with sliced:
                h3 = nengo.Ensemble(12, 4, neuron_type=nengo.RectifiedLinear())
                top = nengo.Connection(h3, sliced.out, function=lambda x: x[0])
                into_h3 = nengo.Connection(
                    sliced.h2.neurons[5:20],
                    h3[1:3],
                    transform=np.full((2, 15), 1 / 400),
                    learning_rule_type=nengo_fa.BackpropEncoder(top),
                )
                nengo.Connection(sliced.error, into_h3.learning_rule)
                below = nengo.Connection(
                    sliced.stim,
                    sliced.h2[:2],
                    learning_rule_type=nengo_fa.BackpropEncoder(into_h3),
                )
                probes = [
                    nengo.Probe(c.learning_rule, attr)
                    for c in (into_h3, below)
                    for attr in ("teaching", "local_error", "bias")
                ]
            probes += [p for net in nets for p in net.rule_probes.values()]
        return model, probes

    results = []
    for optimize in (True, False):
        model, probes = side_by_side()
        with nengo.Simulator(model, optimize=optimize, progress_bar=False) as sim:
            sim.run_steps(50)
        results.append([sim.data[p] for p in probes])
    assert any(np.any(data != 0) for data in results[0])
    for optimized, plain in zip(*results, strict=True):
        np.testing.assert_allclose(optimized, plain, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("rule", ["bp", "fa"])
def test_chained_step_size_is_normalized_through_the_next_layer(rule):
    net = deep_rate_network(rule)
    with nengo.Simulator(net, progress_bar=False) as sim:
        data = [sim.data[r] for r in net.rules]
    assert data[2].base_step_size == pytest.approx(
        0.001 * 6 * data[2].current_scale ** 2, rel=1e-12
    )
    forward = {
        0: (sim.data[net.h2].scaled_encoders * sim.data[net.c2].weights),
        1: sim.data[net.h3].scaled_encoders @ sim.data[net.c3].weights,
    }
    for k, n in ((1, 7), (0, 8)):
        rms_slope = data[k].rate_scale / data[k].current_scale
        s_f = np.sqrt(np.mean(forward[k] ** 2))
        expected = data[k + 1].base_step_size / (n * s_f**2 * rms_slope**2)
        assert data[k].base_step_size == pytest.approx(expected, rel=1e-12)
        assert data[k].step_size == pytest.approx(0.6 * expected, rel=1e-12)
