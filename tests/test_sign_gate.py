"""FeedbackAlignment's balanced default feedback and its sign gate."""

import nengo
import numpy as np
import pytest
from conftest import product_learner

import nengo_fa


@pytest.mark.parametrize("n, d", [(10, 1), (11, 3), (1, 2), (1000, 10)])
def test_balanced_signs_are_plus_minus_one_with_balanced_columns(n, d):
    rng = np.random.RandomState(0)
    sample = nengo_fa.BalancedSigns().sample(n, d, rng=rng)
    assert sample.shape == (n, d)
    assert set(np.unique(sample)) <= {-1.0, 1.0}
    assert np.all(np.abs(sample.sum(axis=0)) == n % 2)
    again = nengo_fa.BalancedSigns().sample(n, d, rng=np.random.RandomState(0))
    np.testing.assert_array_equal(sample, again)
    assert nengo_fa.BalancedSigns().sample(n, rng=np.random.RandomState(0)).shape == (n,)


def test_feedback_alignment_defaults_to_balanced_signs():
    assert isinstance(nengo_fa.FeedbackAlignment(error_size=1).feedback, nengo_fa.BalancedSigns)
    assert isinstance(nengo_fa.DirectFeedbackAlignment(2).feedback, nengo_fa.BalancedSigns)
    assert nengo_fa.FeedbackAlignment(error_size=1).sign_gate
    assert not nengo_fa.FeedbackAlignment(error_size=1, sign_gate=False).sign_gate
    net = product_learner("fa", 10, seed=1)
    with nengo.Simulator(net, progress_bar=False) as sim:
        feedback = sim.data[net.layer1.learning_rule].feedback
    assert feedback.shape == (10, 1) and feedback.sum() == 0 and np.all(np.abs(feedback) == 1)


def gated_product(seed=2, n_neurons=12, sign_gate=True):
    """The product learner with a sign-gated FA rule and probes to check it."""
    net = product_learner("pes", n_neurons, seed=seed)
    with net:
        rule = nengo_fa.FeedbackAlignment(error_size=1, sign_gate=sign_gate)
        net.layer1.learning_rule_type = rule  # before building; "pes" left it empty
        nengo.Connection(net.error, net.layer1.learning_rule)
        net.gate_probes = {
            key: nengo.Probe(net.layer1.learning_rule, key) for key in ("error", "teaching")
        }
        net.gate_probes["out"] = nengo.Probe(net.hidden.neurons, "output")
    return net


def test_sign_gate_uses_feedback_only_where_it_agrees_with_the_local_trace():
    net = gated_product()
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(2.0)
        final = sim.signals[sim.model.sig[net.layer1.learning_rule]["sign_trace"]].copy()
    data = sim.data[net.layer1.learning_rule]
    matrix = data.feedback_scale * data.feedback  # (n, 1)
    error, out = sim.data[net.gate_probes["error"]], sim.data[net.gate_probes["out"]]
    # the trace used at step k sums -dt * out * error over the steps before k
    trace = -np.cumsum(sim.dt * out * error, axis=0)
    trace = np.vstack([np.zeros((1, trace.shape[1])), trace[:-1]])
    gate = matrix[:, 0] * trace >= 0
    expected = gate * matrix[:, 0] * error
    teaching = sim.data[net.gate_probes["teaching"]]
    np.testing.assert_allclose(teaching, expected, rtol=1e-9, atol=1e-18)
    assert 0 < gate[-1].sum() < len(gate[-1])  # some entries gated off by now
    np.testing.assert_allclose(final[:, 0], -np.sum(sim.dt * out * error, axis=0), rtol=1e-9)


def test_sign_gate_is_ignored_for_a_chained_error():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node([0.3, -0.2])
        h1 = nengo.Ensemble(8, 2, neuron_type=nengo.RectifiedLinear())
        h2 = nengo.Ensemble(6, 8, neuron_type=nengo.RectifiedLinear(), radius=3)
        out = nengo.Node(size_in=1)
        readout = nengo.Connection(h2, out, function=lambda x: 0, learning_rule_type=nengo.PES())
        c2 = nengo.Connection(
            h1.neurons,
            h2,
            transform=1 / 200,
            learning_rule_type=nengo_fa.FeedbackAlignment(downstream=readout, sign_gate=True),
        )
        c1 = nengo.Connection(
            stim, h1, learning_rule_type=nengo_fa.FeedbackAlignment(downstream=c2, sign_gate=True)
        )
    with nengo.Simulator(net, progress_bar=False) as sim:
        assert "sign_trace" in sim.model.sig[c2.learning_rule]  # external error: gated
        assert "sign_trace" not in sim.model.sig[c1.learning_rule]  # chained: plain FA
