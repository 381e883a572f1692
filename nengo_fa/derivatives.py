r"""Derivatives of neuron rate curves with respect to input current.

Every encoder rule needs :math:`f'(J)`, the slope of a neuron type's rate curve
:math:`r = f(J)` (Hz) with respect to its input current :math:`J` (Nengo's
dimensionless current, the ``J`` that ``NeuronType.step`` receives). This module
is the single source of that math.

* Analytic derivatives are registered per neuron type with
  `register_derivative`, keyed on the *exact* type so that a user subclass
  with a different rate curve never silently inherits the wrong slope.
* Spiking types use the derivative of their rate approximation (the curve
  Nengo's ``rates`` returns). The `~nengo.RegularSpiking`,
  `~nengo.StochasticSpiking` and `~nengo.PoissonSpiking` wrappers use the
  derivative of their ``base_type`` times their ``amplitude`` (their mean
  output is ``amplitude`` times the base rate).
* Adaptive LIF types use the LIF curve, as their ``rates`` does (adaptation is
  not part of the static rate curve).
* Any other type with a working ``rates`` (e.g. `~nengo.Izhikevich`) gets a
  tabulated numerical derivative (see `tabulated_derivative`) and a warning
  suggesting an analytic one. `~nengo.Direct` has no neurons and is rejected.
"""

import warnings

import numpy as np
from nengo.exceptions import BuildError
from nengo.neurons import (
    LIF,
    AdaptiveLIF,
    AdaptiveLIFRate,
    Direct,
    LIFRate,
    RatesToSpikesNeuronType,
    RectifiedLinear,
    Sigmoid,
    SpikingRectifiedLinear,
    Tanh,
)
from scipy.signal import savgol_filter

#: Width (in units of input current) of the softplus that smooths the LIF
#: threshold; see `lif_derivative`.
LIF_SMOOTHING = 0.05

_registry = {}


def register_derivative(neuron_type_cls, fn=None):
    """Register ``fn(neuron_type, J) -> dr/dJ`` for exactly ``neuron_type_cls``.

    Can be used as a decorator::

        @nengo_fa.register_derivative(MyNeuron)
        def my_neuron_derivative(neuron_type, J):
            return neuron_type.amplitude * (J > 0)

    ``fn`` receives the neuron type instance and an array of input currents
    and returns an array of the same shape: the slope of the rate curve in Hz
    per unit current. Registering a type again replaces its derivative.
    """
    if fn is None:
        return lambda f: register_derivative(neuron_type_cls, f)
    if not (isinstance(neuron_type_cls, type) and callable(fn)):
        raise TypeError("register_derivative(neuron_type_cls, fn) needs a class and a callable")
    _registry[neuron_type_cls] = fn
    return fn


def rectified_linear_derivative(neuron_type, J):
    r""":math:`r = A \max(J, 0)`, so :math:`r' = A` for :math:`J > 0`, else 0."""
    return np.where(J > 0, float(neuron_type.amplitude), 0.0)


def sigmoid_derivative(neuron_type, J):
    r""":math:`r = \sigma(J) / \tau_{ref}`, so :math:`r' = \sigma(J)(1-\sigma(J))/\tau_{ref}`."""
    s = 0.5 * (1.0 + np.tanh(0.5 * J))  # overflow-free logistic
    return s * (1.0 - s) / neuron_type.tau_ref


def tanh_derivative(neuron_type, J):
    r""":math:`r = \tanh(J) / \tau_{ref}`, so :math:`r' = (1 - \tanh^2 J)/\tau_{ref}`."""
    return (1.0 - np.tanh(J) ** 2) / neuron_type.tau_ref


def lif_derivative(neuron_type, J, smoothing=LIF_SMOOTHING):
    r"""Slope of the LIF rate curve with a softplus-smoothed threshold.

    The LIF rate is :math:`r = A / (\tau_{ref} + \tau_{rc} \log(1 + 1/j))` with
    :math:`j = J - 1 > 0`; its slope
    :math:`r' = A \tau_{rc} / (j (j + 1) (\tau_{ref} + \tau_{rc}\log(1 + 1/j))^2)`
    diverges at threshold. Following the "soft LIF" of Hunsberger & Eliasmith
    (2015), :math:`j` is replaced by :math:`\rho(j) = s \log(1 + e^{j/s})`
    (``smoothing`` :math:`s`, in units of current), and the resulting finite
    slope is gated by :math:`\sigma(j/s)^2` (logistic :math:`\sigma`):
    :math:`r'(\rho(j)) \, \sigma(j/s)^2`. The square makes the slope fall off
    exponentially below threshold (with :math:`\sigma` alone it decays only
    like :math:`(s/j)^2`, giving silent neurons a spurious slope of ~2 Hz per
    unit current one unit below threshold). More than :math:`10 s` above
    threshold this equals the exact slope to within 0.1%.
    """
    s = smoothing
    z = np.asarray(J, dtype=float) - 1.0
    rho = s * np.logaddexp(0.0, z / s)
    rho = np.maximum(rho, np.finfo(float).tiny)
    period = neuron_type.tau_ref + neuron_type.tau_rc * np.log1p(1.0 / rho)
    slope = neuron_type.amplitude * neuron_type.tau_rc / (rho * (rho + 1.0) * period**2)
    gate = 0.5 * (1.0 + np.tanh(0.5 * z / s))  # logistic(z / s), overflow-free
    return slope * gate**2


for _cls, _fn in [
    (RectifiedLinear, rectified_linear_derivative),
    (SpikingRectifiedLinear, rectified_linear_derivative),
    (Sigmoid, sigmoid_derivative),
    (Tanh, tanh_derivative),
    (LIFRate, lif_derivative),
    (LIF, lif_derivative),
    (AdaptiveLIFRate, lif_derivative),
    (AdaptiveLIF, lif_derivative),
]:
    register_derivative(_cls, _fn)


def _registered(neuron_type):
    return _registry.get(type(neuron_type))


def rate_curve(neuron_type, J):
    """Firing rates (Hz) of ``neuron_type`` at input currents ``J`` (any shape).

    The curve Nengo's ``rates`` gives, i.e. the rate approximation of spiking types.
    """
    J = np.asarray(J, dtype=float)
    rates = neuron_type.rates(J.ravel(), 1.0, 0.0)
    return np.asarray(rates, dtype=float).reshape(J.shape)


def tabulated_derivative(neuron_type, current_range, n_points=2001, window=0.1):
    """Numerical derivative of ``neuron_type.rates`` tabulated over ``current_range``.

    ``rates`` is evaluated once on ``n_points`` evenly spaced currents in
    ``current_range = (J_min, J_max)`` and differentiated with a cubic
    Savitzky-Golay least-squares fit over a moving window of ``window`` times
    the range. The fit is exact for smooth curves and averages out rates that
    Nengo computes by counting spikes (e.g. `~nengo.Izhikevich`, whose
    ``rates`` are whole numbers of spikes in one second); kinks are blurred
    over the window. At run time the slopes are linearly interpolated, and held
    at the end values outside the range.
    """
    lo, hi = (float(v) for v in current_range)
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"current_range must be finite and increasing, got {current_range}")
    grid = np.linspace(lo, hi, n_points)
    length = max(5, int(window * n_points) // 2 * 2 + 1)
    slopes = savgol_filter(
        rate_curve(neuron_type, grid),
        length,
        polyorder=3,
        deriv=1,
        delta=grid[1] - grid[0],
        mode="interp",
    )

    return TabulatedDerivative(neuron_type, grid, slopes)


class Derivative:
    """``f'(J)`` of ``neuron_type`` from a registered ``fn(neuron_type, J)`` (picklable).

    Other simulators recognize the built-in derivatives by ``fn`` and compute
    them natively; anything else they run as it is, on the host.
    """

    def __init__(self, fn, neuron_type):
        self.fn = fn
        self.neuron_type = neuron_type

    def __call__(self, J):
        return self.fn(self.neuron_type, J)

    def __repr__(self):
        return f"Derivative({self.fn.__name__}, {self.neuron_type})"


class ScaledDerivative:
    """``amplitude * base(J)``: the slope of a spiking wrapper of a rate type.

    `~nengo.RegularSpiking`, `~nengo.StochasticSpiking` and
    `~nengo.PoissonSpiking` fire at ``amplitude`` times their
    ``base_type``'s rate on average.
    """

    def __init__(self, neuron_type, base):
        self.neuron_type = neuron_type
        self.amplitude = float(neuron_type.amplitude)
        self.base = base

    def __call__(self, J):
        return self.amplitude * self.base(J)

    def __repr__(self):
        return f"ScaledDerivative({self.neuron_type}, {self.base!r})"


def unscaled(derivative):
    """``(base, scale)`` with ``derivative = scale * base`` and ``base`` no `ScaledDerivative`.

    Backends use it to recognize a built-in derivative under spiking wrappers.
    """
    scale = 1.0
    while isinstance(derivative, ScaledDerivative):
        scale *= derivative.amplitude
        derivative = derivative.base
    return derivative, scale


class TabulatedDerivative:
    """Slopes tabulated on an even ``grid`` of currents, interpolated (`tabulated_derivative`)."""

    def __init__(self, neuron_type, grid, slopes):
        self.neuron_type = neuron_type
        self.grid = grid
        self.slopes = slopes

    def __call__(self, J):
        return np.interp(J, self.grid, self.slopes)

    def __repr__(self):
        return f"TabulatedDerivative({self.neuron_type}, [{self.grid[0]:g}, {self.grid[-1]:g}])"


def derivative_function(neuron_type, current_range=None):
    """Return a picklable ``fn(J) -> dr/dJ`` for ``neuron_type`` (an instance).

    Uses the registered analytic derivative if there is one; otherwise a
    `tabulated_derivative` over ``current_range`` (with a warning), and a
    `~nengo.exceptions.BuildError` if the type has no usable ``rates``.
    """
    if isinstance(neuron_type, Direct):
        raise BuildError(
            "Direct neurons have no rate curve, so encoder learning rules cannot "
            "use them; give the ensemble a neuron type such as nengo.LIF()."
        )
    fn = _registered(neuron_type)
    if fn is not None:
        return Derivative(fn, neuron_type)
    if isinstance(neuron_type, RatesToSpikesNeuronType):  # amplitude times the wrapped type's
        return ScaledDerivative(
            neuron_type, derivative_function(neuron_type.base_type, current_range)
        )

    name = type(neuron_type).__name__
    if current_range is None:
        raise BuildError(f"No derivative is registered for {name}")
    try:
        fn = tabulated_derivative(neuron_type, current_range)
    except Exception as err:
        raise BuildError(
            f"No derivative is registered for {name}, and tabulating its `rates` "
            f"failed ({type(err).__name__}: {err}). Register one with "
            f"nengo_fa.register_derivative({name}, fn)."
        ) from err
    warnings.warn(
        f"nengo_fa: no analytic derivative registered for {name}; using a "
        f"numerical derivative of its `rates` tabulated over currents "
        f"[{current_range[0]:.3g}, {current_range[1]:.3g}]. Register an analytic "
        f"one with nengo_fa.register_derivative({name}, fn).",
        stacklevel=2,
    )
    return fn
