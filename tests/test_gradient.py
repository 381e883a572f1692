"""BackpropEncoder's update equals the documented gradient (finite differences)."""

import nengo
import numpy as np
import pytest
from conftest import assert_applied_in_place, numerical_gradient

import nengo_fa
from nengo_fa.derivatives import derivative_function, rate_curve

DT = 0.001
LEARNING_RATE = 0.7


def one_step_updates(
    Simulator,
    neuron_type,
    radius=1.0,
    explicit_gain_bias=False,
    input_function=None,
    output_transform=1.0,
    second_input=False,
    n=7,
    seed=3,
):
    """Build a static rate network, run one step; return the model pieces and updates."""
    d_in, d_out = 2, 3
    stim_value = np.array([0.45, -0.3]) * radius
    target_value = np.array([0.2, -0.5, 0.1])
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(stim_value)
        target = nengo.Node(target_value)
        kwargs = {}
        if explicit_gain_bias:
            rng = np.random.RandomState(seed)
            kwargs = dict(gain=rng.uniform(0.5, 1.0, n), bias=rng.uniform(2.2, 3.0, n))
        hidden = nengo.Ensemble(n, d_in, radius=radius, neuron_type=neuron_type, **kwargs)
        out = nengo.Node(size_in=d_out)
        error = nengo.Node(size_in=d_out)
        layer2 = nengo.Connection(
            hidden,
            out,
            function=lambda x: [x[0] * x[1], np.sin(x[0]), x[1] ** 2],
            transform=output_transform,
            synapse=None,
        )
        rule = nengo_fa.BackpropEncoder(layer2, learning_rate=LEARNING_RATE)
        layer1 = nengo.Connection(
            stim, hidden, function=input_function, synapse=None, learning_rule_type=rule
        )
        if second_input:
            other = nengo.Node([0.1 * radius, 0.2 * radius])
            nengo.Connection(other, hidden, synapse=None)
        nengo.Connection(out, error, synapse=None)
        nengo.Connection(target, error, transform=-1, synapse=None)
        nengo.Connection(error, layer1.learning_rule, synapse=None)
        probes = {
            attr: nengo.Probe(layer1.learning_rule, attr)
            for attr in ("delta", "bias_delta", "error", "scaled_encoders", "bias")
        }
    with Simulator(net, dt=DT) as sim:
        sim.run_steps(2)
    x = (input_function or (lambda v: v))(stim_value)
    if second_input:
        x = x + np.array([0.1, 0.2]) * radius
    return sim, hidden, layer2, x, target_value, probes


def loss_function(sim, layer2, x, target, radius, neuron_type):
    """0.5 |e|^2 as a function of radius-normalized scaled encoders and biases."""
    weights = sim.data[layer2].weights

    def loss(encoders_hat, bias):
        current = encoders_hat @ x / radius + bias
        return 0.5 * np.sum((weights @ rate_curve(neuron_type, current) - target) ** 2)

    return loss


CASES = {
    "relu": dict(neuron_type=nengo.RectifiedLinear()),
    "relu_radius": dict(neuron_type=nengo.RectifiedLinear(), radius=2.5),
    "lifrate_explicit": dict(neuron_type=nengo.LIFRate(), explicit_gain_bias=True),
    "tanh_functions": dict(
        neuron_type=nengo.Tanh(),
        input_function=lambda v: [np.tanh(v[0] + v[1]), v[0] * v[1]],
        output_transform=np.array([[1.0, 0.5, 0], [0, -2.0, 0], [0.3, 0, 1.0]]),
    ),
    "sigmoid_two_inputs": dict(neuron_type=nengo.Sigmoid(), radius=0.8, second_input=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_update_is_scaled_negative_gradient(Simulator, case):
    sim, hidden, layer2, x, target, probes = one_step_updates(Simulator, **CASES[case])
    radius = hidden.radius
    encoders = sim.data[hidden].scaled_encoders
    bias = sim.data[hidden].bias
    if isinstance(hidden.neuron_type, nengo.LIFRate):
        current = encoders @ x + bias
        assert np.min(np.abs(current - 1)) > 0.5, "keep clear of the smoothed threshold"

    loss = loss_function(sim, layer2, x, target, radius, hidden.neuron_type)
    grad_e = numerical_gradient(lambda e: loss(e, bias), radius * encoders)
    grad_b = numerical_gradient(lambda b: loss(radius * encoders, b), bias)
    assert np.abs(grad_e).max() > 1e-6, "degenerate case: zero gradient"

    step_size = sim.data[probes["delta"].target].step_size
    # E = E_hat / r, so dE = -C dL/dE_hat / r
    expected_delta = -step_size * grad_e / radius
    expected_bias_delta = -step_size * grad_b
    tol = dict(rtol=1e-5, atol=1e-6 * np.abs(expected_delta).max())
    Simulator.assert_close(sim.data[probes["delta"]][0], expected_delta, **tol)
    Simulator.assert_close(sim.data[probes["bias_delta"]][0], expected_bias_delta, **tol)

    # each step's update is applied once, in place
    assert_applied_in_place(
        sim.data[probes["scaled_encoders"]],
        encoders,
        sim.data[probes["delta"]],
        simulator=Simulator,
    )
    assert_applied_in_place(
        sim.data[probes["bias"]], bias, sim.data[probes["bias_delta"]], simulator=Simulator
    )


@pytest.mark.parametrize("neuron_type", [nengo.RectifiedLinear(), nengo.LIF(), nengo.Tanh()])
def test_step_size_normalization(neuron_type):
    """C = kappa dt n s_J^2, s_J = RMS rate / RMS slope over the eval points."""
    sim, hidden, _, _, _, probes = one_step_updates(nengo.Simulator, neuron_type, radius=1.7, n=30)
    built = sim.data[hidden]
    current = built.eval_points @ built.scaled_encoders.T + built.bias
    rate_scale = np.sqrt(np.mean(rate_curve(neuron_type, current) ** 2))
    slope = derivative_function(neuron_type)(current)
    current_scale = rate_scale / np.sqrt(np.mean(slope**2))

    data = sim.data[probes["delta"].target]
    assert data.rate_scale == pytest.approx(rate_scale, rel=1e-12)
    assert data.current_scale == pytest.approx(current_scale, rel=1e-12)
    assert data.step_size == pytest.approx(LEARNING_RATE * DT * 30 * current_scale**2)
    assert data.feedback is None
