"""Kolen-Pollack, sign symmetry, node and weight perturbation, and the alignment probes."""

import nengo
import numpy as np
import pytest
from conftest import NO_SIGNALS, build
from nengo.exceptions import BuildError

import nengo_fa
from nengo_fa.builder.operators import forward_matrix
from nengo_fa.metrics import angle_degrees, cosine_similarity, norm_ratio
from nengo_fa.networks import learned_weights

STIM = [0.5, -0.3]


def two_layer(make_rule, seed=0, stim=None, n=12, neuron_type=None, pes_rate=1e-4, probes=()):
    """stim -> hidden (rule) -> out (PES decoders); error = out - x0 * x1, no synapses."""
    with nengo.Network(seed=seed) as net:
        net.stim = nengo.Node(stim if stim is not None else STIM)
        net.hidden = nengo.Ensemble(n, 2, neuron_type=neuron_type or nengo.RectifiedLinear())
        net.out = nengo.Node(size_in=1)
        net.error = nengo.Node(size_in=1)
        net.readout = nengo.Connection(
            net.hidden,
            net.out,
            function=lambda x: x[0] * x[1] + 0.3,
            synapse=None,
            learning_rule_type=nengo.PES(pes_rate, pre_synapse=None),
        )
        net.layer = nengo.Connection(
            net.stim, net.hidden, synapse=None, learning_rule_type=make_rule(net.readout)
        )
        nengo.Connection(net.out, net.error, synapse=None)
        nengo.Connection(net.stim, net.error, function=lambda x: -x[0] * x[1], synapse=None)
        for conn in (net.readout, net.layer):
            nengo.Connection(net.error, conn.learning_rule, synapse=None)
        net.rule_probes = {a: nengo.Probe(net.layer.learning_rule, a) for a in probes}
    return net


def chained(make_rule, seed=1, probes=()):
    """stim -> h1 -> h2 -> out, rate neurons; the rule on h1 chains from BP on h2."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: [np.sin(7 * t), np.cos(5 * t)])
        h1 = nengo.Ensemble(15, 2, neuron_type=nengo.LIFRate())
        h2 = nengo.Ensemble(10, 15, neuron_type=nengo.LIFRate(), radius=2.0)
        out = nengo.Node(size_in=1)
        error = nengo.Node(size_in=1)
        net.top = nengo.Connection(h2, out, function=lambda x: 0.1 * x[0], synapse=None)
        net.layer2 = nengo.Connection(
            h1.neurons,
            h2,
            transform=1 / 300,
            synapse=None,
            learning_rule_type=nengo_fa.BackpropEncoder(net.top, learning_rate=3.0),
        )
        net.layer1 = nengo.Connection(
            stim, h1, synapse=None, learning_rule_type=make_rule(net.layer2)
        )
        nengo.Connection(out, error, synapse=None)
        nengo.Connection(stim, error, function=lambda x: -x[0] * x[1], synapse=None)
        nengo.Connection(error, net.layer2.learning_rule, synapse=None)
        net.h1, net.h2 = h1, h2
        net.rule_probes = {a: nengo.Probe(net.layer1.learning_rule, a) for a in probes}
    return net


@pytest.mark.skip_simulator("dl", reason=NO_SIGNALS)
def test_kolen_pollack_feedback_converges_to_the_transposed_decoders(Simulator):
    net = two_layer(
        lambda down: nengo_fa.KolenPollack(down, learning_rate=2.0, weight_decay=4.0),
        stim=lambda t: [np.sin(3 * t), np.cos(2 * t)],
        pes_rate=3e-4,
        probes=("feedback", "feedback_angle", "feedback_norm_ratio"),
    )
    with Simulator(net) as sim:
        sim.run(2.0)
        forward = learned_weights(sim, net.readout)
        start = (
            sim.data[net.layer.learning_rule].feedback_scale
            * sim.data[net.layer.learning_rule].feedback
        )
    feedback = sim.data[net.rule_probes["feedback"]]
    initial_gap = np.linalg.norm(start - sim.data[net.readout].weights.T)
    final_gap = np.linalg.norm(feedback[-1] - forward.T)
    assert initial_gap > 0.5 * np.linalg.norm(forward)
    # B - W^T shrinks by (1 - lambda dt) per step: exp(-8) after 2 s
    assert final_gap < 2 * np.exp(-8) * initial_gap + 1e-3 * np.linalg.norm(forward)
    angles = sim.data[net.rule_probes["feedback_angle"]]
    assert angles[0] > 30 and angles[-1] < 1.0
    assert sim.data[net.rule_probes["feedback_norm_ratio"]][-1] == pytest.approx(1, abs=0.01)


def test_kolen_pollack_chained_feedback_converges_to_the_transposed_forward_matrix(Simulator):
    decay = 1 - 3.0 * 0.001
    net = chained(
        lambda down: nengo_fa.KolenPollack(down, learning_rate=2.0, weight_decay=3.0),
        probes=("feedback",),
    )
    with net:
        encoders = nengo.Probe(net.h2, "scaled_encoders")
    with Simulator(net) as sim:
        sim.run(2.0)
        data = sim.data[net.layer1.learning_rule]
    initial = data.feedback_scale * data.feedback - (sim.data[net.h2].scaled_encoders / 300).T
    gaps = sim.data[net.rule_probes["feedback"]] - np.transpose(
        sim.data[encoders] / 300, (0, 2, 1)
    )
    # B - F^T shrinks by exactly (1 - lambda dt) per step
    steps = np.arange(1, len(gaps) + 1)
    Simulator.assert_close(gaps, decay ** steps[:, None, None] * initial, atol=1e-15)
    assert np.linalg.norm(gaps[-1]) < 0.01 * np.linalg.norm(initial)
    assert not np.allclose(sim.data[encoders][-1], sim.data[net.h2].scaled_encoders * decay**2000)


def test_sign_symmetry_sends_the_error_through_the_signs_of_the_live_weights(Simulator):
    net = chained(
        lambda down: nengo_fa.SignSymmetry(down),
        probes=("teaching", "local_error", "feedback_angle", "feedback_norm_ratio"),
    )
    with net:
        delta2 = nengo.Probe(net.layer2.learning_rule, "local_error")
        encoders2 = nengo.Probe(net.h2, "scaled_encoders")
    with Simulator(net) as sim:
        sim.run_steps(50)
    data = sim.data[net.layer1.learning_rule]
    # encoders used at step k are the end-of-step values of step k - 1
    used = np.concatenate([sim.data[net.h2].scaled_encoders[None], sim.data[encoders2][:-1]])
    signs = np.sign(used / 300)
    expected = data.feedback_scale * np.einsum("kji,kj->ki", signs, sim.data[delta2])
    Simulator.assert_close(sim.data[net.rule_probes["teaching"]], expected, rtol=1e-10)
    assert data.feedback_scale == pytest.approx(
        np.sqrt(np.mean((sim.data[net.h2].scaled_encoders / 300) ** 2))
    )
    last = used[-1] / 300
    Simulator.assert_close(
        sim.data[net.rule_probes["feedback_angle"]][-1],
        angle_degrees(np.sign(last).T, last.T),
        rtol=1e-9,
    )
    Simulator.assert_close(
        sim.data[net.rule_probes["feedback_norm_ratio"]][-1],
        norm_ratio(data.feedback_scale * np.sign(last).T, last.T),
        rtol=1e-9,
    )


@pytest.mark.parametrize(
    "make_rule",
    [
        lambda down: nengo_fa.NodePerturbation(1, learning_rate=0.0, reference=down),
        lambda down: nengo_fa.WeightPerturbation(1, learning_rate=0.0, reference=down),
    ],
    ids=["node", "weight"],
)
def test_perturbation_updates_point_along_the_gradient_on_average(Simulator, make_rule):
    """Parameters held fixed (rate 0): the mean estimate is the backpropagated gradient."""
    net = two_layer(
        make_rule,
        seed=2,
        pes_rate=0.0,
        probes=("local_error", "backprop_local_error", "update_angle"),
    )
    with Simulator(net) as sim:
        sim.run_steps(20000)
    estimates = sim.data[net.rule_probes["local_error"]][100:]
    exact = sim.data[net.rule_probes["backprop_local_error"]][100:].mean(axis=0)
    mean = estimates.mean(axis=0)
    assert cosine_similarity(mean, exact) > 0.9
    assert np.linalg.norm(mean) / np.linalg.norm(exact) == pytest.approx(1, abs=0.2)
    # single steps are far noisier than their average
    assert np.nanmean(sim.data[net.rule_probes["update_angle"]][100:]) > 45


def test_weight_perturbation_dense_update_matches_backprop_on_average(Simulator):
    net = two_layer(
        lambda down: nengo_fa.WeightPerturbation(1, learning_rate=1e-3, reference=down),
        seed=3,
        pes_rate=0.0,
        probes=("delta", "backprop_local_error"),
    )
    with Simulator(net) as sim:
        sim.run_steps(20000)
        step_size = sim.data[net.layer.learning_rule].step_size
    mean = sim.data[net.rule_probes["delta"]][100:].mean(axis=0)
    local = sim.data[net.rule_probes["backprop_local_error"]][100:].mean(axis=0)
    exact = -step_size * np.outer(local, STIM)
    assert cosine_similarity(mean, exact) > 0.9


@pytest.mark.parametrize("learn_bias", [True, False])
def test_weight_perturbation_update_angle(Simulator, learn_bias):
    """The angle between the dense update (and bias update, if learned) and backprop's."""
    net = two_layer(
        lambda down: nengo_fa.WeightPerturbation(1, learn_bias=learn_bias, reference=down),
        seed=3,
        probes=("delta", "bias_delta", "backprop_local_error", "update_angle"),
    )
    with Simulator(net) as sim:
        sim.run_steps(20)
        step_size = sim.data[net.layer.learning_rule].step_size
    data = {key: sim.data[probe][2:] for key, probe in net.rule_probes.items()}
    update = data["delta"].reshape(len(data["delta"]), -1)
    local = data["backprop_local_error"]
    exact = -step_size * np.einsum("ti,j->tij", local, STIM).reshape(len(local), -1)
    if learn_bias:
        update = np.hstack([update, data["bias_delta"]])
        exact = np.hstack([exact, -step_size * local])
    else:
        assert not np.any(data["bias_delta"])
    Simulator.assert_close(data["update_angle"], angle_degrees(update, exact, axis=0), atol=1e-6)


def test_perturbation_noise_is_reproducible_and_reset():
    """The noise comes from the connection's seed, like a feedback matrix."""

    def run(seed=0, sim_seed=None):
        net = two_layer(
            lambda down: nengo_fa.NodePerturbation(1), seed=seed, probes=("noise", "bias")
        )
        with nengo.Simulator(net, seed=sim_seed, progress_bar=False) as sim:
            sim.run_steps(30)
            first = sim.data[net.rule_probes["noise"]].copy()
            sim.reset(seed=5)
            sim.run_steps(30)
            np.testing.assert_array_equal(sim.data[net.rule_probes["noise"]], first)
            return first, sim.data[net.rule_probes["bias"]]

    noise, bias = run()
    assert np.std(noise) > 0 and not np.allclose(bias[-1], bias[0])
    np.testing.assert_array_equal(run()[0], noise)
    np.testing.assert_array_equal(run(sim_seed=123)[0], noise)
    assert not np.allclose(run(seed=1)[0], noise)


@pytest.mark.parametrize(
    "make_rule, angle_is_zero",
    [
        (lambda down: nengo_fa.BackpropEncoder(down), True),
        (lambda down: nengo_fa.FeedbackAlignment(downstream=down), False),
        (lambda down: nengo_fa.KolenPollack(down), False),
    ],
    ids=["bp", "fa", "kp"],
)
def test_update_angle_against_backprop(Simulator, make_rule, angle_is_zero):
    net = chained(make_rule, probes=("local_error", "backprop_local_error", "update_angle"))
    with Simulator(net) as sim:
        sim.run_steps(200)
    local = sim.data[net.rule_probes["local_error"]]
    exact = sim.data[net.rule_probes["backprop_local_error"]]
    expected = angle_degrees(local[1:], exact[1:], axis=0)
    angles = sim.data[net.rule_probes["update_angle"]][1:]
    Simulator.assert_close(angles, expected, atol=1e-5)  # arccos is ill-conditioned near 0
    if angle_is_zero:
        Simulator.assert_close(local, exact, rtol=1e-12, atol=1e-15)
        assert np.nanmax(angles) < 1e-5
    else:
        assert np.nanmean(angles) > 1


def test_direct_feedback_alignment_comparison_chains_through_the_references(Simulator):
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(lambda t: [np.sin(7 * t), np.cos(5 * t)])
        h1 = nengo.Ensemble(15, 2, neuron_type=nengo.LIFRate())
        h2 = nengo.Ensemble(10, 15, neuron_type=nengo.LIFRate(), radius=2.0)
        out = nengo.Node(size_in=1)
        error = nengo.Node(size_in=1)
        top = nengo.Connection(h2, out, function=lambda x: 0.1 * x[0], synapse=None)
        layer2 = nengo.Connection(
            h1.neurons,
            h2,
            transform=1 / 300,
            synapse=None,
            learning_rule_type=nengo_fa.DirectFeedbackAlignment(1, reference=top),
        )
        layer1 = nengo.Connection(
            stim,
            h1,
            synapse=None,
            learning_rule_type=nengo_fa.DirectFeedbackAlignment(1, reference=layer2),
        )
        nengo.Connection(out, error, synapse=None)
        nengo.Connection(stim, error, function=lambda x: -x[0] * x[1], synapse=None)
        for conn in (layer1, layer2):
            nengo.Connection(error, conn.learning_rule, synapse=None)
        exact1 = nengo.Probe(layer1.learning_rule, "backprop_local_error")
        exact2 = nengo.Probe(layer2.learning_rule, "backprop_local_error")
        current1 = nengo.Probe(h1.neurons, "input")
        encoders2 = nengo.Probe(h2, "scaled_encoders")
    with Simulator(net) as sim:
        sim.run_steps(30)
    used = np.concatenate([sim.data[h2].scaled_encoders[None], sim.data[encoders2][:-1]]) / 300
    slope = nengo_fa.derivatives.derivative_function(h1.neuron_type)(sim.data[current1])
    expected = np.einsum("kji,kj->ki", used, sim.data[exact2]) * slope
    Simulator.assert_close(sim.data[exact1], expected, rtol=1e-9, atol=1e-14)


def test_forward_matrix_shapes():
    encoders = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(forward_matrix(None, np.ones((2, 3)), 3), np.ones((2, 3)))
    np.testing.assert_array_equal(forward_matrix(encoders, np.array(2.0), 3), 2 * encoders)
    np.testing.assert_array_equal(forward_matrix(None, np.array([1.0, 2.0]), 2), np.diag([1, 2]))
    np.testing.assert_array_equal(
        forward_matrix(encoders, np.ones((3, 4)), 4), encoders @ np.ones((3, 4))
    )


def test_comparison_without_a_reference_is_an_error():
    net = two_layer(lambda down: nengo_fa.NodePerturbation(1), probes=("update_angle",))
    with pytest.raises(BuildError, match="give the rule reference="):
        build(net)


def test_feedback_angle_of_a_rule_without_teaching_matrix_is_an_error():
    net = two_layer(
        lambda down: nengo_fa.NodePerturbation(1, reference=down), probes=("update_angle",)
    )
    build(net)
    with pytest.raises(nengo.exceptions.ValidationError, match="feedback_angle"):
        two_layer(
            lambda down: nengo_fa.NodePerturbation(1, reference=down), probes=("feedback_angle",)
        )


@pytest.mark.parametrize("second_decay", [0.1, 0.0])
def test_two_kolen_pollack_rules_may_not_both_decay_one_ensemble(second_decay):
    with nengo.Network(seed=0) as net:
        stim = nengo.Node([0.3, -0.2])
        top = nengo.Ensemble(6, 4, radius=300, label="top")
        out = nengo.Node(size_in=1)
        readout = nengo.Connection(top, out, function=lambda x: 0, learning_rule_type=nengo.PES())
        into_top = []
        for k, decay in enumerate([0.1, second_decay]):
            hidden = nengo.Ensemble(5, 2, neuron_type=nengo.RectifiedLinear())
            into_top.append(
                nengo.Connection(
                    hidden.neurons,
                    top[2 * k : 2 * k + 2],
                    transform=np.ones((2, 5)),
                    learning_rule_type=nengo_fa.BackpropEncoder(readout),
                )
            )
            nengo.Connection(
                stim,
                hidden,
                learning_rule_type=nengo_fa.KolenPollack(into_top[-1], weight_decay=decay),
            )
        for conn in [readout] + into_top:
            nengo.Connection(out, conn.learning_rule)
    if second_decay:
        with pytest.raises(BuildError, match="only one KolenPollack rule"):
            build(net)
    else:
        build(net)


def test_kolen_pollack_needs_pes_or_an_encoder_rule_downstream():
    with nengo.Network() as net:
        hidden = nengo.Ensemble(10, 1, label="hidden")
        fixed = nengo.Connection(hidden, nengo.Node(size_in=1))
        nengo.Connection(
            nengo.Node([0.1]), hidden, learning_rule_type=nengo_fa.KolenPollack(fixed)
        )
    with pytest.raises(BuildError, match="must learn its weights with one nengo.PES rule"):
        build(net)


def learned_state(sim, net):
    """Copies of every learned signal of a `FeedForward` network."""
    owners = [(layer, "encoders") for layer in net.layers] + [
        (layer, "bias") for layer in net.layers
    ]
    owners += [(net.readout, "weights")]
    owners += [(conn.learning_rule, "feedback") for conn in net.hidden_connections]
    sig = sim.model.sig
    return [np.array(sim.signals[sig[obj][key]]) for obj, key in owners if key in sig[obj]]


@pytest.mark.skip_simulator("dl", reason=NO_SIGNALS)
@pytest.mark.parametrize("rule", ["kp", "np", "wp"])
@pytest.mark.parametrize("depth", [1, 2])
def test_a_zero_error_freezes_decay_and_noise(Simulator, rule, depth):
    """With the learning gate at 0, nothing decays and no noise reaches the neurons."""
    inputs = lambda t: [np.sin(9 * t), np.cos(5 * t), 0.3]  # noqa: E731
    net = nengo_fa.networks.FeedForward(
        3,
        [8] * depth,
        2,
        rule=rule,
        learning_rate=10.0 if rule == "kp" else 0.1,
        init_inputs=[inputs(t) for t in np.linspace(0, 1, 50)],
        seed=0,
    )
    with net:
        nengo.Connection(nengo.Node(inputs), net.input)
        nengo.Connection(nengo.Node([0.5, -0.2]), net.target)
        gate = [1.0]
        net.learning.output = lambda t: gate[0]
    with Simulator(net) as sim:
        initial = learned_state(sim, net)
        sim.run(0.05)
        gate[0] = 0.0
        sim.run_steps(1)
        frozen = learned_state(sim, net)
        sim.run_steps(20)
        for start, learned, now in zip(initial, frozen, learned_state(sim, net), strict=True):
            assert np.any(start != learned)
            np.testing.assert_array_equal(learned, now)
        noises = [
            sim.model.sig[conn.learning_rule].get("noise") for conn in net.hidden_connections
        ]
        noises = [noise for noise in noises if noise is not None]
        assert len(noises) == (0 if rule == "kp" else depth)
        assert not any(np.any(sim.signals[noise]) for noise in noises)
        gate[0] = 1.0
        sim.run_steps(2)
        assert all(np.all(sim.signals[noise] != 0) for noise in noises)


@pytest.mark.parametrize(
    "make_rule",
    [
        lambda readout: nengo_fa.BackpropEncoder(readout),
        lambda readout: nengo_fa.FeedbackAlignment(downstream=readout),
        lambda readout: nengo_fa.SignSymmetry(readout),
    ],
)
def test_feedback_comparison_through_a_slice_of_the_neurons(Simulator, make_rule):
    """A forward connection from ``post.neurons[2:7]`` is compared on those rows of M."""
    with nengo.Network(seed=3) as net:
        stim = nengo.Node([0.4, -0.7])
        hidden = nengo.Ensemble(10, 2, neuron_type=nengo.RectifiedLinear())
        out = nengo.Node(size_in=1)
        readout = nengo.Connection(
            hidden.neurons[2:7],
            out,
            transform=np.linspace(-1, 1, 5)[None, :] * 1e-3,
            synapse=None,
            learning_rule_type=nengo.PES(),
        )
        layer = nengo.Connection(stim, hidden, synapse=None, learning_rule_type=make_rule(readout))
        for conn in (readout, layer):
            nengo.Connection(out, conn.learning_rule, synapse=None)
        angle = nengo.Probe(layer.learning_rule, "feedback_angle")
        ratio = nengo.Probe(layer.learning_rule, "feedback_norm_ratio")
        weights = nengo.Probe(readout, "weights")
    with Simulator(net) as sim:
        sim.run_steps(3)
        forward = sim.data[weights][-1]
        built = sim.data[layer.learning_rule]
        if isinstance(layer.learning_rule_type, nengo_fa.FeedbackAlignment):
            teaching = built.feedback_scale * built.feedback[2:7]
        elif isinstance(layer.learning_rule_type, nengo_fa.SignSymmetry):
            teaching = built.feedback_scale * np.sign(forward.T)
        else:
            teaching = forward.T
    Simulator.assert_close(sim.data[angle][-1], angle_degrees(teaching, forward.T), atol=1e-5)
    Simulator.assert_close(sim.data[ratio][-1], norm_ratio(teaching, forward.T), rtol=1e-9)


@pytest.mark.parametrize("rule", ["np", "wp"])
def test_perturbation_rules_in_two_layers_keep_their_own_weights(rule):
    """Nengo's optimizer must not share one rule's scalar weight with the other's."""

    def local_errors(optimize):
        inputs = lambda t: [np.sin(9 * t), np.cos(5 * t), 0.3]  # noqa: E731
        net = nengo_fa.networks.FeedForward(
            3,
            [8, 6],
            2,
            rule=rule,
            learning_rate=0.1,
            init_inputs=[inputs(t) for t in np.linspace(0, 1, 50)],
            seed=0,
        )
        with net:
            nengo.Connection(nengo.Node(inputs), net.input)
            nengo.Connection(nengo.Node([0.5, -0.2]), net.target)
            probes = [nengo.Probe(c.learning_rule, "local_error") for c in net.hidden_connections]
        with nengo.Simulator(net, optimize=optimize, progress_bar=False) as sim:
            sim.run_steps(20)
        return [sim.data[p] for p in probes]

    for optimized, plain in zip(local_errors(True), local_errors(False), strict=True):
        assert np.abs(plain).max() > 0
        np.testing.assert_allclose(optimized, plain, rtol=1e-9, atol=1e-9 * np.abs(plain).max())
