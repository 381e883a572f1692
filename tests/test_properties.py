"""Property-based: any rule, parameters and wiring either run finitely or fail clearly.

Hypothesis draws a rule type, its parameters (valid and invalid: NaN,
infinities, negatives, booleans, wrong shapes), an ensemble (sizes, neuron
types including `nengo.Direct`, slices) and a downstream connection of every
kind. Each case must either build and run with finite encoders and biases,
or raise a Nengo `ValidationError` or `BuildError` whose message names the
offending object. No other exception may escape.
"""

import warnings

import nengo
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nengo.exceptions import BuildError, ValidationError

import nengo_fa
from nengo_fa.networks import learned_encoders

NEURON_TYPES = {
    "relu": nengo.RectifiedLinear(),
    "lif": nengo.LIF(),
    "lifrate": nengo.LIFRate(),
    "sigmoid": nengo.Sigmoid(),
    "spiking_relu": nengo.SpikingRectifiedLinear(),
    "direct": nengo.Direct(),
}
RULES = {
    "bp": nengo_fa.BackpropEncoder,
    "fa": nengo_fa.FeedbackAlignment,
    "dfa": nengo_fa.DirectFeedbackAlignment,
    "kp": nengo_fa.KolenPollack,
    "ss": nengo_fa.SignSymmetry,
    "np": nengo_fa.NodePerturbation,
    "wp": nengo_fa.WeightPerturbation,
}
DOWNSTREAMS = ("decoded_pes", "decoded_fixed", "neurons", "neurons_slice", "neurons_fancy")
DOWNSTREAMS += ("other_ensemble", "none")

numbers = st.one_of(
    st.floats(min_value=-10.0, max_value=500.0),
    st.sampled_from([0.0, 1.0, np.nan, np.inf, -np.inf, 1e30, True]),
)
sizes = st.one_of(st.integers(min_value=-1, max_value=3), st.sampled_from([True, None]))


@st.composite
def cases(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    return dict(
        rule=draw(st.sampled_from(sorted(RULES))),
        neuron=draw(st.sampled_from(sorted(NEURON_TYPES))),
        n_neurons=n,
        dimensions=draw(st.integers(min_value=1, max_value=3)),
        post_slice=draw(st.booleans()),
        downstream=draw(st.sampled_from(DOWNSTREAMS)),
        learning_rate=draw(numbers),
        error_size=draw(sizes),
        error_into_rule=draw(st.booleans()),
        feedback=draw(
            st.one_of(
                st.none(),
                st.tuples(
                    st.integers(min_value=1, max_value=9),
                    st.integers(min_value=1, max_value=3),
                    st.booleans(),
                ),
            )
        ),
        option=draw(numbers),
    )


def make_rule(case, downstream):
    """The rule type for ``case`` (may raise ValidationError)."""
    kind, kwargs = case["rule"], {}
    if case["learning_rate"] is not None:
        kwargs["learning_rate"] = case["learning_rate"]
    if case["feedback"] is not None and kind in ("fa", "dfa", "kp"):
        rows, columns, poisoned = case["feedback"]
        feedback = np.ones((rows, columns))
        if poisoned:
            feedback[0, 0] = np.nan
        kwargs["feedback"] = feedback
    if kind in ("np", "wp"):
        kwargs["noise"] = case["option"]
    if kind == "kp":
        kwargs["weight_decay"] = case["option"]
    if kind in ("bp", "kp", "ss"):
        return RULES[kind](downstream, **kwargs)
    if kind == "fa" and downstream is not None:
        return RULES[kind](downstream, **kwargs)
    if kind == "fa":
        return RULES[kind](error_size=case["error_size"], **kwargs)
    return RULES[kind](case["error_size"], **kwargs)


def build_case(case):
    """Build the network of ``case``; returns (network, hidden, learned connection)."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: np.full(3, np.sin(10 * t)), label="stim")
        hidden = nengo.Ensemble(
            case["n_neurons"],
            case["dimensions"],
            neuron_type=NEURON_TYPES[case["neuron"]],
            label="hidden",
        )
        other = nengo.Ensemble(4, 1, label="other")
        out = nengo.Node(size_in=2, label="out")
        kind = case["downstream"]
        downstream = None
        if kind in ("decoded_pes", "decoded_fixed"):
            rule = nengo.PES() if kind == "decoded_pes" else None
            downstream = nengo.Connection(
                hidden, out, function=lambda x: [0, 0], learning_rule_type=rule
            )
        elif kind == "neurons":
            downstream = nengo.Connection(
                hidden.neurons, out, transform=np.ones((2, case["n_neurons"])) * 1e-3
            )
        elif kind == "neurons_slice":
            downstream = nengo.Connection(hidden.neurons[:1], out[:1], transform=1e-3)
        elif kind == "neurons_fancy":
            downstream = nengo.Connection(hidden.neurons[[0]], out[:1], transform=1e-3)
        elif kind == "other_ensemble":
            downstream = nengo.Connection(other, out[:1])
        post = hidden[0] if case["post_slice"] else hidden
        conn = nengo.Connection(
            stim[: post.size_in], post, learning_rule_type=make_rule(case, downstream)
        )
        if case["error_into_rule"] and conn.learning_rule.size_in:
            error = nengo.Node(lambda t: np.full(2, 0.1 * np.cos(t)), label="error")
            nengo.Connection(error[: conn.learning_rule.size_in], conn.learning_rule)
    return net, hidden, conn


def names_the_object(message, case):
    """Whether an error message names a rule, an ensemble, a connection or a parameter."""
    names = list(RULES.values()) + [nengo.Connection, nengo.Ensemble, nengo.Node]
    words = [cls.__name__ for cls in names] + ["hidden", "Direct", "error_size"]
    return any(word in message for word in words)


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(cases())
def test_any_case_runs_finitely_or_fails_clearly(case):
    # Nengo itself cannot slice the (zero) neurons of a Direct ensemble
    assume(not (case["neuron"] == "direct" and case["downstream"].startswith("neurons")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unstable rates warn; that is tested elsewhere
        try:
            net, hidden, _ = build_case(case)
            with nengo.Simulator(net, progress_bar=False) as sim:
                sim.run_steps(20)
                encoders, bias = learned_encoders(sim, hidden)
        except (ValidationError, BuildError) as error:
            assert names_the_object(str(error), case), f"{type(error).__name__}: {error}"
            return
    assert np.all(np.isfinite(encoders)) and np.all(np.isfinite(bias)), case


def test_the_cases_cover_both_outcomes():
    """The strategy reaches both valid models and every kind of refusal."""
    outcomes = set()
    for downstream in DOWNSTREAMS:
        for rule in RULES:
            case = dict(
                rule=rule,
                neuron="relu",
                n_neurons=3,
                dimensions=1,
                post_slice=False,
                downstream=downstream,
                learning_rate=1.0,
                error_size=2,
                error_into_rule=True,
                feedback=None,
                option=0.1,
            )
            try:
                net, _, _ = build_case(case)
                with nengo.Simulator(net, progress_bar=False) as sim:
                    sim.run_steps(2)
                outcomes.add("ran")
            except (ValidationError, BuildError) as error:
                outcomes.add(type(error).__name__)
    assert outcomes == {"ran", "ValidationError", "BuildError"}


@pytest.mark.parametrize("neuron", ["direct"])
def test_direct_neurons_are_refused_by_every_rule(neuron):
    for rule in RULES:
        case = dict(
            rule=rule,
            neuron=neuron,
            n_neurons=3,
            dimensions=1,
            post_slice=False,
            downstream="decoded_fixed",  # (Nengo refuses PES from Direct ensembles)
            learning_rate=1.0,
            error_size=2,
            error_into_rule=True,
            feedback=None,
            option=0.1,
        )
        with pytest.raises(BuildError, match="Direct"):
            net, _, _ = build_case(case)
            with nengo.Simulator(net, progress_bar=False):
                pass
