"""Rate-curve derivatives against finite differences of Nengo's ``rates``."""

import warnings

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_fa
from nengo_fa import derivatives
from nengo_fa.derivatives import (
    LIF_SMOOTHING,
    derivative_function,
    lif_derivative,
    rate_curve,
)

CURRENTS = np.linspace(-4, 12, 801)
NEURON_TYPES = [
    nengo.RectifiedLinear(amplitude=0.7),
    nengo.SpikingRectifiedLinear(),
    nengo.Sigmoid(tau_ref=0.003),
    nengo.Tanh(),
    nengo.LIFRate(tau_rc=0.03, tau_ref=0.001, amplitude=2),
    nengo.LIF(),
    nengo.AdaptiveLIFRate(),
    nengo.AdaptiveLIF(),
    nengo.RegularSpiking(nengo.LIFRate()),
    nengo.StochasticSpiking(nengo.RectifiedLinear()),
    nengo.PoissonSpiking(nengo.Tanh(), amplitude=0.5),
]


def finite_difference(neuron_type, J, eps=1e-6):
    """Central difference of the mean output: wrappers scale `rates` by amplitude."""
    scale = getattr(neuron_type, "amplitude", 1.0)
    if not isinstance(neuron_type, nengo.neurons.RatesToSpikesNeuronType):
        scale = 1.0
    difference = rate_curve(neuron_type, J + eps) - rate_curve(neuron_type, J - eps)
    return scale * difference / (2 * eps)


def away_from_kinks(neuron_type, J):
    base = getattr(neuron_type, "base_type", neuron_type)
    if isinstance(base, nengo.LIFRate):
        return J[np.abs(J - 1) > 0.75]  # smoothing; its accuracy is tested below
    if isinstance(base, nengo.RectifiedLinear):
        return J[np.abs(J) > 0.01]
    return J


@pytest.mark.parametrize("neuron_type", NEURON_TYPES, ids=lambda nt: repr(nt))
def test_derivative_matches_finite_difference(neuron_type):
    J = away_from_kinks(neuron_type, CURRENTS)
    expected = finite_difference(neuron_type, J)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # registered types never fall back
        actual = derivative_function(neuron_type)(J)
    scale = np.abs(expected).max()
    assert scale > 0
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6 * scale)


def test_lif_smoothing_is_finite_and_exact_above_threshold():
    nt = nengo.LIF()
    J = np.array([1 - 1e-9, 1.0, 1 + 1e-12, 0.99, 0.5, -100.0, 1e4])
    slope = lif_derivative(nt, J)
    assert np.all(np.isfinite(slope)) and np.all(slope >= 0)
    assert slope[1] > 0 and slope[2] > 0  # finite and positive at threshold

    above = 1 + np.linspace(10 * LIF_SMOOTHING, 20, 200)
    j = above - 1
    period = nt.tau_ref + nt.tau_rc * np.log1p(1 / j)
    exact = nt.amplitude * nt.tau_rc / (j * (j + 1) * period**2)
    np.testing.assert_allclose(lif_derivative(nt, above), exact, rtol=1e-3)

    smoother = lif_derivative(nt, np.array([1.0]), smoothing=0.2)
    assert smoother[0] < slope[1]  # more smoothing, lower peak


def test_tabulated_fallback_for_izhikevich():
    nt = nengo.Izhikevich()
    with pytest.warns(UserWarning, match="no analytic derivative registered for Izhikevich"):
        fn = derivative_function(nt, current_range=(0, 30))
    # rates are whole spike counts: compare with the staircase's trend
    J = np.linspace(8, 20, 7)
    trend = np.polyfit(J, rate_curve(nt, J), 1)[0]
    assert 1.5 < trend < 2.5
    np.testing.assert_allclose(fn(J), trend, rtol=0.3)
    with pytest.raises(BuildError, match="No derivative is registered for Izhikevich"):
        derivative_function(nt)


class DoubledReLU(nengo.RectifiedLinear):
    """A subclass with a different rate curve: twice RectifiedLinear."""

    def step(self, dt, J, output):
        output[...] = 2 * self.amplitude * np.maximum(0.0, J)


@pytest.fixture
def clean_registry():
    yield
    derivatives._registry.pop(DoubledReLU, None)


def test_subclasses_do_not_inherit_derivatives(clean_registry):
    J = np.array([0.5, 2.0, 5.0])
    with pytest.warns(UserWarning, match="DoubledReLU"):
        fn = derivative_function(DoubledReLU(), current_range=(-1, 6))
    np.testing.assert_allclose(fn(J), 2.0, rtol=1e-6)

    @nengo_fa.register_derivative(DoubledReLU)
    def doubled(neuron_type, J):
        return 2.0 * neuron_type.amplitude * (J > 0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(derivative_function(DoubledReLU())(J), 2.0)

    nengo_fa.register_derivative(DoubledReLU, lambda nt, J: 3.0 * (J > 0))
    np.testing.assert_array_equal(derivative_function(DoubledReLU())(J), 3.0)
    with pytest.raises(TypeError, match="needs a class and a callable"):
        nengo_fa.register_derivative(DoubledReLU(), doubled)


def test_direct_has_no_derivative():
    with pytest.raises(BuildError, match="Direct neurons have no rate curve"):
        derivative_function(nengo.Direct())


def test_feedback_alignment_runs_on_izhikevich():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node([0.5])
        ens = nengo.Ensemble(8, 1, neuron_type=nengo.Izhikevich())
        out = nengo.Node(size_in=1)
        nengo.Connection(ens, out)
        conn = nengo.Connection(
            stim, ens, learning_rule_type=nengo_fa.FeedbackAlignment(error_size=1)
        )
        nengo.Connection(nengo.Node([1.0]), conn.learning_rule)
        probe = nengo.Probe(conn.learning_rule, "bias_delta")
    with pytest.warns(UserWarning, match="Izhikevich"):
        sim = nengo.Simulator(net, progress_bar=False)
    with sim:
        sim.run_steps(50)
    assert np.all(np.isfinite(sim.data[probe])) and np.any(sim.data[probe] != 0)


def test_spiking_wrapper_of_an_unregistered_type_uses_the_tabulated_fallback(clean_registry):
    wrapped = nengo.RegularSpiking(DoubledReLU(), amplitude=0.5)
    with pytest.warns(UserWarning, match="DoubledReLU"):
        fn = derivative_function(wrapped, current_range=(-1, 6))
    np.testing.assert_allclose(fn(np.array([0.5, 2.0, 5.0])), 0.5 * 2.0, rtol=1e-6)
    with pytest.raises(BuildError, match="No derivative is registered for DoubledReLU"):
        derivative_function(wrapped)
