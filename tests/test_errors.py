"""Bad input gives a clear error that names the object and the fix."""

import warnings

import nengo
import numpy as np
import pytest
from conftest import build
from nengo.exceptions import BuildError, ValidationError

import nengo_fa


@pytest.fixture
def layers():
    """A hidden ensemble with a decoded output connection, inside a network."""
    with nengo.Network(seed=0) as net:
        net.stim = nengo.Node([0.5])
        net.hidden = nengo.Ensemble(10, 1, label="hidden")
        net.out = nengo.Node(size_in=2, label="out")
        net.layer2 = nengo.Connection(net.hidden, net.out, function=lambda x: [x[0], 0])
    return net


def test_post_must_be_an_ensemble(layers):
    with layers:
        with pytest.raises(ValidationError, match="'post' must be of type 'Ensemble'.*Node"):
            nengo.Connection(
                layers.stim,
                layers.out[0],
                learning_rule_type=nengo_fa.FeedbackAlignment(error_size=1),
            )
        with pytest.raises(ValidationError, match="'post' must be of type 'Ensemble'.*Neurons"):
            nengo.Connection(
                layers.stim,
                layers.hidden.neurons,
                transform=np.ones((10, 1)),
                learning_rule_type=nengo_fa.BackpropEncoder(layers.layer2),
            )


def test_direct_neurons_are_rejected():
    with nengo.Network() as net:
        ens = nengo.Ensemble(1, 1, neuron_type=nengo.Direct(), label="direct ens")
        conn = nengo.Connection(
            nengo.Node([0.1]), ens, learning_rule_type=nengo_fa.FeedbackAlignment(error_size=1)
        )
    with pytest.raises(BuildError, match=r"direct ens.*Direct neurons.*nengo\.LIF"):
        build(net)
    assert conn.learning_rule is not None


def test_downstream_must_be_a_connection_leaving_an_ensemble():
    with pytest.raises(ValidationError, match="downstream.*must be a nengo.Connection leaving"):
        nengo_fa.BackpropEncoder("layer2")
    with nengo.Network():
        from_node = nengo.Connection(nengo.Node([0]), nengo.Node(size_in=1))
    with pytest.raises(ValidationError, match="downstream.*must be a nengo.Connection leaving"):
        nengo_fa.BackpropEncoder(from_node)


@pytest.mark.parametrize(
    "rule_type, needs",
    [
        (nengo_fa.BackpropEncoder, "the downstream connection"),
        (nengo_fa.KolenPollack, "the downstream connection"),
        (nengo_fa.SignSymmetry, "the downstream connection"),
        (nengo_fa.NodePerturbation, "error_size"),
        (nengo_fa.WeightPerturbation, "error_size"),
    ],
)
def test_a_missing_downstream_or_error_size_is_named(rule_type, needs):
    with pytest.raises(ValidationError, match=f"{rule_type.__name__} needs {needs}"):
        rule_type(None)


def test_decoders_must_leave_the_learning_ensemble(layers):
    with layers:
        other = nengo.Ensemble(10, 1, label="other")
        elsewhere = nengo.Connection(other, layers.out[0])
        nengo.Connection(
            layers.stim, layers.hidden, learning_rule_type=nengo_fa.BackpropEncoder(elsewhere)
        )
    with pytest.raises(
        BuildError, match=r"downstream=.*other.*must leave.*hidden.*decoded.*or from its neurons"
    ):
        build(layers)


def test_downstream_with_advanced_indexing_is_rejected(layers):
    with layers:
        neuron_conn = nengo.Connection(
            layers.hidden.neurons[[0, 2, 4]], layers.out, transform=np.ones((2, 3))
        )
        nengo.Connection(
            layers.stim, layers.hidden, learning_rule_type=nengo_fa.BackpropEncoder(neuron_conn)
        )
    with pytest.raises(BuildError, match=r"advanced indexing.*\[0, 2, 4\].*Use a slice"):
        build(layers)


def test_decoders_built_later_are_reported(layers):
    with layers:
        with nengo.Network(label="sub"):  # subnetworks are built before parent connections
            nengo.Connection(
                layers.stim,
                layers.hidden,
                learning_rule_type=nengo_fa.BackpropEncoder(layers.layer2),
            )
    with pytest.raises(BuildError, match="built later.*Create that connection before this one"):
        build(layers)


def test_weight_solvers_are_rejected():
    with nengo.Network() as net:
        hidden = nengo.Ensemble(10, 1)
        post = nengo.Ensemble(10, 1)
        full = nengo.Connection(hidden, post, solver=nengo.solvers.LstsqL2(weights=True))
        nengo.Connection(
            nengo.Node([0.1]), hidden, learning_rule_type=nengo_fa.BackpropEncoder(full)
        )
    with pytest.raises(BuildError, match="weights=True"):
        build(net)


def test_error_connection_of_wrong_size(layers):
    with layers:
        conn = nengo.Connection(
            layers.stim, layers.hidden, learning_rule_type=nengo_fa.BackpropEncoder(layers.layer2)
        )
        assert conn.learning_rule.size_in == 2
        with pytest.raises(ValidationError, match="not equal to connection output size"):
            nengo.Connection(nengo.Node([0.0, 0.0, 0.0]), conn.learning_rule)


def test_feedback_of_wrong_shape(layers):
    with pytest.raises(ValidationError, match=r"shape \(n_neurons, error size=2\), got \(10, 3\)"):
        nengo_fa.FeedbackAlignment(error_size=2, feedback=np.ones((10, 3)))
    with layers:
        nengo.Connection(
            layers.stim,
            layers.hidden,
            learning_rule_type=nengo_fa.FeedbackAlignment(error_size=2, feedback=np.ones((7, 2))),
        )
    with pytest.raises(
        BuildError, match=r"feedback has shape \(7, 2\), but must be.*\(10, 2\).*hidden"
    ):
        build(layers)


def test_silent_ensemble_is_reported():
    with nengo.Network() as net:
        ens = nengo.Ensemble(5, 1, gain=np.ones(5), bias=-10 * np.ones(5), label="silent")
        nengo.Connection(
            nengo.Node([0.1]), ens, learning_rule_type=nengo_fa.FeedbackAlignment(error_size=1)
        )
    with pytest.raises(BuildError, match="silent.*is silent or flat"):
        build(net)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nengo_fa.FeedbackAlignment(error_size=1, learning_rate=-1.0),
        lambda: nengo_fa.BackpropEncoder(
            nengo.Connection(nengo.Ensemble(2, 1), nengo.Node(size_in=1)), learning_rate=-0.1
        ),
        lambda: nengo_fa.FeedbackAlignment(error_size=0),
    ],
    ids=["fa negative rate", "bp negative rate", "error_size 0"],
)
def test_invalid_parameters(make):
    with nengo.Network():
        with pytest.raises(ValidationError, match="learning_rate|error_size"):
            make()


def test_every_rule_takes_downstream_first(layers):
    for rule_type in (
        nengo_fa.BackpropEncoder,
        nengo_fa.FeedbackAlignment,
        nengo_fa.KolenPollack,
        nengo_fa.SignSymmetry,
    ):
        assert rule_type(layers.layer2).downstream is layers.layer2
    with pytest.warns(DeprecationWarning, match=r"FeedbackAlignment\(error_size=2\)"):
        rule = nengo_fa.FeedbackAlignment(2, learning_rate=0.5)
    assert rule.error_size == 2 and rule.downstream is None and rule.learning_rate == 0.5


def test_a_rule_without_an_error_connection_warns(layers):
    with layers:
        conn = nengo.Connection(
            layers.stim, layers.hidden, learning_rule_type=nengo_fa.FeedbackAlignment(error_size=2)
        )
    with pytest.warns(UserWarning, match=r"receives no error.*nengo.Connection\(error, conn"):
        build(layers)
    with layers:
        nengo.Connection(layers.out, conn.learning_rule)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        build(layers)


@pytest.mark.parametrize(
    "make_rule, expected",
    [
        (
            lambda net: nengo_fa.FeedbackAlignment(error_size=1),
            r"FeedbackAlignment\(error_size=1\)",
        ),
        (lambda net: nengo_fa.NodePerturbation(3), r"NodePerturbation\(error_size=3\)"),
        (lambda net: nengo_fa.BackpropEncoder(net.layer2), "output size of BackpropEncoder's"),
    ],
)
def test_an_error_of_the_wrong_size_names_the_rule(layers, make_rule, expected):
    with layers:
        conn = nengo.Connection(layers.stim, layers.hidden, learning_rule_type=make_rule(layers))
        wrong = nengo.Node(size_in=conn.learning_rule.size_in + 1)
        with pytest.raises(ValidationError, match=expected):
            nengo.Connection(wrong, conn.learning_rule)
