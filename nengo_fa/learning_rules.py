r"""Learning rule types that learn an ensemble's encoders and biases from an error.

Every rule sits on a connection into a `nengo.Ensemble` (the *post*
ensemble, whose encoders and biases it changes) and forms each step a
per-neuron local error

.. math:: \delta_i = (M \mathbf{e})_i \, f'(J_i)

from an error :math:`\mathbf{e}`, a teaching matrix :math:`M` that differs
between the rules, and the slope :math:`f'` (Hz per unit current, from
`nengo_fa.derivatives`) of the neuron type's rate curve at the current
:math:`J_i` the neurons received this step.

Where the error comes from
--------------------------
A rule names the ``downstream`` connection leaving the post ensemble (decoded
from it, or from its ``.neurons``) that the error is sent back through:

* If ``downstream`` carries no encoder rule (typically it learns its weights
  with `nengo.PES`), the error is the error of its output, actual minus
  target, connected into ``conn.learning_rule`` as for PES.
* If ``downstream`` carries an encoder rule itself (it is the input of the
  next hidden layer), the error is that rule's local error, taken directly:
  nothing is connected into ``conn.learning_rule``. Chaining rules this way
  trains a network layer by layer.

Parameterization
----------------
Nengo computes each neuron's input current as

.. math:: J_i = E_i \cdot \mathbf{x} + b_i = \hat{E}_i \cdot \frac{\mathbf{x}}{r} + b_i

with scaled encoders :math:`E_i = g_i \mathbf{e}_i / r` (gain :math:`g_i`,
unit encoder :math:`\mathbf{e}_i`, radius :math:`r`), biases :math:`b_i`, and
the decoded input :math:`\mathbf{x}` summed over all connections into the
ensemble. The rules do gradient descent on the radius-normalized scaled
encoders :math:`\hat{E}_i = r E_i` and the biases :math:`b_i`, all neurons
with one step size. One step of length :math:`\Delta t` changes Nengo's
scaled encoders and biases by

.. math::

   \Delta E_i = -C \, \delta_i \, \frac{\mathbf{x}}{r^2}, \qquad
   \Delta b_i = -C \, \delta_i, \qquad
   C = \kappa \, \Delta t \, n \, s_J^2

which is :math:`-C` times the gradient of :math:`\frac{1}{2}|\mathbf{e}|^2`
with respect to :math:`(\hat{E}_i, b_i)` when :math:`M` is the exact
backpropagation matrix. Here :math:`n` is the number of neurons and
:math:`s_J` the ensemble's *current scale*: the RMS firing rate :math:`s_r`
divided by the RMS slope :math:`f'`, over the ensemble's evaluation points at
build time (units of current). Decoders scale as :math:`1/(n s_r)`, so this
normalization makes a decoded output change by about :math:`-\kappa \Delta t
\, \mathbf{e}` per step whatever the neuron type, gains, firing rates and
ensemble size: one learning rate :math:`\kappa` (per second) works across
them. (:math:`\kappa \Delta t` is the fraction of the error corrected per
step: about 1/s suits inputs that change over seconds, hundreds per second
suit a new sample every step.)

For a chained error the same criterion, applied through the next layer,
gives :math:`C = \kappa \, C_1^{(k+1)} / (n \, s_F^2 \, \text{RMS}(f')^2)`,
with :math:`C_1^{(k+1)}` the next rule's step size at :math:`\kappa = 1`
and :math:`s_F` the RMS entry of the forward matrix :math:`E_{k+1} W` at build
time; for an external error :math:`s_F = 1 / (n s_r)` recovers the formula
above. All of these are reported in ``sim.data[conn.learning_rule]``.
"""

import numbers
import warnings

import numpy as np
from nengo.connection import Connection
from nengo.dists import DistOrArrayParam, Distribution, Gaussian
from nengo.ensemble import Ensemble, Neurons
from nengo.exceptions import ValidationError
from nengo.learning_rules import LearningRuleType
from nengo.params import BoolParam, Default, IntParam, NumberParam, Parameter
from nengo.utils.numpy import is_number

#: Probeable comparisons with backpropagation, available when the rule has a
#: ``reference`` path (see `EncoderRule`).
METRICS = ("backprop_local_error", "update_angle", "feedback_angle", "feedback_norm_ratio")


def as_list(rules):
    """A connection's ``learning_rule`` or ``learning_rule_type`` as a list.

    Nengo allows one, a list, a dict or None.
    """
    if rules is None:
        return []
    if isinstance(rules, dict):
        return list(rules.values())
    return list(rules) if isinstance(rules, (list, tuple)) else [rules]


def encoder_rules_on(conn):
    """The nengo-fa encoder rule types on connection ``conn`` (a list, maybe empty)."""
    return [r for r in as_list(conn.learning_rule_type) if isinstance(r, EncoderRule)]


def chained_error_size(downstream):
    """Number of neurons whose local error a rule on ``downstream`` provides, or 0.

    Non-zero when ``downstream`` carries an encoder rule of its own: a rule
    sending its error back through ``downstream`` then takes that rule's
    local error (one value per neuron of ``downstream``'s post ensemble).
    """
    if encoder_rules_on(downstream) and isinstance(downstream.post_obj, Ensemble):
        return downstream.post_obj.n_neurons
    return 0


class FiniteNumberParam(NumberParam):
    """A number parameter that refuses NaN, infinities and booleans."""

    def coerce(self, instance, num):  # pylint: disable=arguments-renamed
        if isinstance(num, (bool, np.bool_)):
            raise ValidationError(
                f"must be a number, not the boolean {num}", attr=self.name, obj=instance
            )
        if is_number(num) and not np.isfinite(num):
            raise ValidationError(f"must be finite (got {num})", attr=self.name, obj=instance)
        return super().coerce(instance, num)


class CountParam(IntParam):
    """An integer parameter that refuses booleans."""

    def coerce(self, instance, num):  # pylint: disable=arguments-renamed
        if isinstance(num, (bool, np.bool_)):
            raise ValidationError(
                f"must be an integer, not the boolean {num}", attr=self.name, obj=instance
            )
        return super().coerce(instance, num)


class FeedbackParam(DistOrArrayParam):
    """A distribution or a finite 2-D array: a feedback matrix."""

    def coerce(self, instance, value):  # pylint: disable=arguments-renamed
        value = super().coerce(instance, value)
        if isinstance(value, np.ndarray) and not np.all(np.isfinite(value)):
            raise ValidationError(
                "must be finite (the array contains NaN or infinite entries)",
                attr=self.name,
                obj=instance,
            )
        return value


class BalancedSigns(Distribution):
    r"""Random :math:`\pm 1` entries, balanced: every column has as many +1 as -1.

    Each column of an ``(n, d)`` sample is an independent random permutation
    of :math:`\lfloor n/2 \rfloor` entries +1 and as many -1 (plus one random
    sign if :math:`n` is odd). Entries have RMS 1, like ``Gaussian(0, 1)``.

    The default feedback of `FeedbackAlignment`: with feedback :math:`B` a
    hidden layer learns as if its readout were :math:`s_B B`. In a small
    ensemble Gaussian entries make that readout lean towards one sign (for
    10 neurons the column mean is typically 0.23 of its RMS, and one draw in
    three splits the signs 7:3 or worse) and make the steps very unequal (the
    largest of 10 magnitudes is typically 21 times the smallest); balanced
    signs remove both. In large ensembles the two behave alike.
    """

    def sample(self, n, d=None, rng=np.random):
        half, columns = n // 2, 1 if d is None else d
        samples = np.empty((n, columns))
        for j in range(columns):
            signs = np.r_[np.ones(half), -np.ones(half), rng.choice([-1.0, 1.0], n - 2 * half)]
            samples[:, j] = rng.permutation(signs)
        return samples[:, 0] if d is None else samples


class ErrorSize(int):
    """A rule's ``size_in`` (its error's length) that says where it comes from.

    Nengo checks the size of a connection into ``conn.learning_rule`` when the
    connection is made and reports "connection output size (N)"; formatted
    there, this size names the rule, the parameter it comes from and the fix.
    """

    def __new__(cls, value, source):
        size = super().__new__(cls, value)
        size.source = source
        return size

    def __str__(self):
        return f"{int(self)}: {self.source}"

    def __reduce__(self):
        return ErrorSize, (int(self), self.source)


#: Learning rates from which a step corrects the whole error or more at Nengo's
#: default dt of 1 ms (kappa dt >= 1): certainly unstable.
UNSTABLE_LEARNING_RATE = 1000.0


class ConnectionParam(Parameter):
    """A parameter holding a `nengo.Connection` that leaves an ensemble."""

    equatable = True

    def coerce(self, instance, conn):  # pylint: disable=arguments-renamed
        if conn is not None and not (
            isinstance(conn, Connection) and isinstance(conn.pre_obj, (Ensemble, Neurons))
        ):
            raise ValidationError(
                f"must be a nengo.Connection leaving the learning ensemble (decoded "
                f"from it, or from its .neurons), got {conn!r}",
                attr=self.name,
                obj=instance,
            )
        return super().coerce(instance, conn)


class EncoderRule(LearningRuleType):
    """Base class of the error-driven encoder and bias rules (see the module docstring).

    Subclasses define how the local error is formed (for most, a teaching
    signal :math:`M \\mathbf{e}` times :math:`f'(J)`); everything after it is
    shared.

    Every rule with a ``reference`` connection (its ``downstream``, or the
    ``reference`` argument of the rules that take the error directly) can be
    compared with exact backpropagation while it runs, by probing:

    * ``backprop_local_error``: the local error backpropagation would use
      at the same state (through ``reference`` and, chained, the next
      layers' own references);
    * ``update_angle``: the angle (degrees) between this step's encoder and
      bias update and backpropagation's (the angle between the two local
      errors, for the rank-one rules);
    * ``feedback_angle`` and ``feedback_norm_ratio``: the angle (degrees)
      between the teaching matrix :math:`M` and the transposed live forward
      matrix :math:`F^T`, and :math:`|M| / |F^T|` (Frobenius), for rules with
      a teaching matrix of that shape.

    These are computed only when probed.
    """

    modifies = "encoders"
    probeable = (
        "error",
        "teaching",
        "local_error",
        "delta",
        "bias_delta",
        "scaled_encoders",
        "bias",
        "skipped_updates",
    ) + METRICS

    learning_rate = FiniteNumberParam("learning_rate", low=0, readonly=True, default=1.0)
    learn_bias = BoolParam("learn_bias", default=True, readonly=True)
    error_size = CountParam("error_size", low=1, default=None, optional=True, readonly=True)
    downstream = ConnectionParam("downstream", default=None, optional=True, readonly=True)
    reference = ConnectionParam("reference", default=None, optional=True, readonly=True)

    #: Whether the rule's encoder update is a dense ``delta`` that Nengo adds to
    #: the encoders (as for its own rules), rather than a rank-one step applied
    #: in place.
    dense_update = False

    #: What a subclass needs when neither ``downstream`` nor ``error_size`` is given.
    _needs = "the downstream connection to send the error back through"

    def __init__(
        self, learning_rate, learn_bias, downstream=None, error_size=None, reference=None
    ):
        if downstream is None and error_size is None:
            raise ValidationError(
                f"{type(self).__name__} needs {self._needs}", attr="downstream", obj=self
            )
        self.error_size = error_size
        self.downstream = downstream
        self.reference = reference if reference is not None else downstream
        name = type(self).__name__
        if downstream is not None and chained_error_size(downstream):
            size_in = ErrorSize(
                0,
                f"{name} takes the local error of the encoder rule on its downstream "
                f"{downstream} and accepts no error connection",
            )
        elif downstream is not None:
            size_in = ErrorSize(
                downstream.size_out,
                f"the output size of {name}'s downstream {downstream}; connect the error "
                "of that connection's output",
            )
        else:
            size_in = error_size
            if isinstance(error_size, numbers.Integral) and not isinstance(error_size, bool):
                size_in = ErrorSize(
                    error_size,
                    f"{name}(error_size={error_size}); connect an error of that size, or "
                    "give the rule the error_size of your error",
                )
        super().__init__(learning_rate, size_in=size_in)
        self.learn_bias = learn_bias
        if self.learning_rate >= UNSTABLE_LEARNING_RATE:
            warnings.warn(
                f"{type(self).__name__}: learning_rate={self.learning_rate:g} is unstable: "
                "learning_rate * dt is the fraction of the error each step corrects "
                "(normalized over the ensemble's evaluation points), the whole error or "
                "more at Nengo's default dt of 1 ms. Choose a learning rate below "
                f"{UNSTABLE_LEARNING_RATE:g} (1/s; 1 to 300 is typical).",
                stacklevel=3,
            )

    @property
    def error_source_size(self):
        """Length of the error this rule sends back: external or chained."""
        if self.downstream is not None and chained_error_size(self.downstream):
            return chained_error_size(self.downstream)
        return int(self.size_in)


class BackpropEncoder(EncoderRule):
    r"""Learn encoders and biases by backpropagating the error through live weights.

    The teaching matrix is the transpose of the current forward weights from
    the post ensemble's activities to where the error is measured:

    * ``downstream`` without an encoder rule (e.g. decoders learned with
      `nengo.PES`): :math:`M = W^T`, with :math:`W` (``downstream.size_out``
      x ``n_neurons``) its weights, and :math:`\mathbf{e}` the error of its
      output connected into this rule.
    * ``downstream`` with an encoder rule into ensemble :math:`k+1`:
      :math:`M = (E_{k+1} W)^T` with :math:`E_{k+1}` that ensemble's scaled
      encoders, and :math:`\mathbf{e} = \delta_{k+1}` that rule's local
      error, so :math:`\delta = \partial \frac{1}{2}|\mathbf{e}|^2 /
      \partial J` is backpropagated exactly through every layer.

    All weights are read every step, so they follow PES and the other rules.
    Encoders and biases then change as in the module docstring. For rate
    neurons with no synapses between this layer and the error, the update is
    exactly :math:`-C` times the gradient of :math:`\frac{1}{2}|\mathbf{e}|^2`
    with respect to the radius-normalized scaled encoders and biases; with
    spiking neurons or synapses it follows that gradient through the rate
    approximation.

    Parameters
    ----------
    downstream : nengo.Connection
        Connection leaving the post ensemble (decoded from it or from its
        ``.neurons``) that the error is sent back through. It must be
        created before the connection carrying this rule (Python needs it to
        exist anyway, except across subnetworks, which are built first).
    learning_rate : float, optional
        :math:`\kappa`, in 1/s (normalized as in the module docstring).
    learn_bias : bool, optional
        Whether to learn biases as well as encoders.

    Notes
    -----
    Probeable: ``error`` (:math:`\mathbf{e}`), ``teaching``
    (:math:`M \mathbf{e}`), ``local_error`` (:math:`\delta`), ``delta``
    (encoder change :math:`\Delta E` per step), ``bias_delta``
    (:math:`\Delta b` per step), ``scaled_encoders`` and ``bias`` (the post
    ensemble's current values), ``skipped_updates`` (steps of the post
    ensemble skipped because their update was not finite, e.g. a NaN in the
    error or the input; see `nengo_fa.builder.SimEncoderUpdate`).
    """

    def __init__(self, downstream, learning_rate=Default, learn_bias=Default):
        super().__init__(learning_rate, learn_bias, downstream=downstream)


class FeedbackAlignment(EncoderRule):
    r"""Learn encoders and biases from an error sent back through fixed random weights.

    Like `BackpropEncoder`, but the teaching matrix is a fixed random matrix
    in place of the transposed forward weights (Lillicrap et al., 2016), so
    no weight transport is needed: :math:`M = s_B B`, with :math:`B`
    (``n_neurons`` x error size) drawn from ``feedback`` and the scale
    :math:`s_B` that of the forward weights it stands in for:

    * an external error (``error_size``, or ``downstream`` without an encoder
      rule): :math:`s_B = 1 / (n \, s_r)`, the scale of decoders, with
      :math:`s_r` the post ensemble's RMS firing rate over its evaluation
      points;
    * a chained error (``downstream`` with an encoder rule into ensemble
      :math:`k+1`, :math:`\mathbf{e} = \delta_{k+1}`): :math:`s_B` is the
      RMS entry of the forward matrix :math:`E_{k+1} W` at build time.

    So entries of order one (the default, `BalancedSigns`: :math:`\pm 1`,
    as many of each sign in every column) work with the default learning
    rate.

    With an external error, a ``sign_gate`` (on by default) uses entry
    :math:`B_{ij}` only while it agrees in sign with a local trace
    :math:`T_{ij}`, :math:`\dot T = -\mathbf{a} \mathbf{e}^T` from
    :math:`T = 0` (:math:`\mathbf{a}` the post neurons' output):
    :math:`M = s_B \, B \odot [B \odot T \ge 0]`. :math:`T` is, up to a
    positive factor, the readout `nengo.PES` learns from zero from the same
    activities and error, so with a scalar error each neuron moves along
    backpropagation's direction or not at all, never against it. Without the
    gate, a neuron whose readout weight takes the other sign than its
    feedback climbs the loss, and in small ensembles such neurons end up
    silenced or saturated (10 ReLU neurons learning a product: feedback
    alignment was worse than PES alone on some seeds). The gate uses only the
    neuron's own output and the error it already receives: no weight
    transport. It costs one ``n x error size`` outer product per step.

    Driving every hidden layer with the output error through its own
    :math:`B` is direct feedback alignment (Nokland, 2016); see
    `DirectFeedbackAlignment`.

    Parameters
    ----------
    downstream : nengo.Connection, optional
        Connection leaving the post ensemble whose error (external, or the
        local error of its own encoder rule) this rule sends back through
        :math:`B`. Give this or ``error_size``.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s (normalized as in the module docstring).
    feedback : Distribution or (n_neurons, error size) array_like, optional
        :math:`B`. A distribution is sampled at build time from the
        connection's seed; the result is in ``sim.data[conn.learning_rule].feedback``.
    learn_bias : bool, optional
        Whether to learn biases as well as encoders.
    error_size : int, optional
        Dimensionality of an error connected into this rule. Give this or
        ``downstream``.
    reference : nengo.Connection, optional
        For the comparison with backpropagation when the error is given by
        ``error_size``: the connection the exact gradient goes through.
        Defaults to ``downstream``.
    sign_gate : bool, optional
        Gate the feedback by the sign of the local trace (see above); for an
        external error only, ignored for a chained one. The trace is
        probeable as ``sign_trace``.

    Notes
    -----
    Probeable as `BackpropEncoder`.
    """

    probeable = EncoderRule.probeable + ("sign_trace",)
    feedback = FeedbackParam("feedback", default=BalancedSigns(), readonly=True)
    sign_gate = BoolParam("sign_gate", default=True, readonly=True)

    def __init__(
        self,
        downstream=None,
        learning_rate=Default,
        feedback=Default,
        learn_bias=Default,
        error_size=None,
        reference=None,
        sign_gate=Default,
    ):
        if isinstance(downstream, numbers.Integral) and not isinstance(downstream, bool):
            warnings.warn(
                "FeedbackAlignment's first argument is now downstream, as for every rule; "
                f"pass the error size by name: FeedbackAlignment(error_size={downstream})",
                DeprecationWarning,
                stacklevel=2,
            )
            downstream, error_size = None, downstream
        if (error_size is None) == (downstream is None):
            raise ValidationError(
                "give exactly one of error_size (an error connected into the rule) and "
                "downstream (the connection whose error is sent back)",
                attr="error_size",
                obj=self,
            )
        super().__init__(
            learning_rate,
            learn_bias,
            downstream=downstream,
            error_size=error_size,
            reference=reference,
        )
        self.feedback = feedback
        self.sign_gate = sign_gate
        columns = self.error_source_size
        if isinstance(self.feedback, np.ndarray) and (
            self.feedback.ndim != 2 or self.feedback.shape[1] != columns
        ):
            raise ValidationError(
                f"feedback array must have shape (n_neurons, error size={columns}), "
                f"got {self.feedback.shape}",
                attr="feedback",
                obj=self,
            )


class DirectFeedbackAlignment(FeedbackAlignment):
    r"""Direct feedback alignment: a hidden layer learns from the output error directly.

    Exactly `FeedbackAlignment` with an external error: connect the
    network's output error (actual minus target) into the rule of *every*
    hidden layer, each with its own fixed random :math:`B` (Nokland, 2016).
    Provided under this name so that networks say what they do.

    Parameters
    ----------
    error_size : int
        Dimensionality of the output error.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s.
    feedback : Distribution or (n_neurons, error_size) array_like, optional
        :math:`B`, as for `FeedbackAlignment`.
    learn_bias : bool, optional
        Whether to learn biases as well as encoders.
    reference : nengo.Connection, optional
        Only for the comparison with backpropagation: the connection leaving
        the post ensemble that the exact gradient goes through.
    sign_gate : bool, optional
        As for `FeedbackAlignment` (on by default).
    """

    def __init__(
        self,
        error_size,
        learning_rate=Default,
        feedback=Default,
        learn_bias=Default,
        reference=None,
        sign_gate=Default,
    ):
        super().__init__(
            None,
            learning_rate,
            feedback,
            learn_bias,
            error_size=error_size,
            reference=reference,
            sign_gate=sign_gate,
        )


class KolenPollack(EncoderRule):
    r"""Feedback alignment whose feedback matrix learns to be the transposed forward weights.

    As `FeedbackAlignment` with ``downstream``, but :math:`M = B` is learned
    (Kolen & Pollack, 1994; Akrout et al., 2019): each step :math:`B`
    receives the transpose of the update the forward matrix :math:`F`
    receives (computed from the same local quantities: presynaptic activity
    times the downstream error), and both decay at rate :math:`\lambda`:

    .. math::

       \Delta F = A - \lambda \Delta t \, F, \qquad
       \Delta B = A^T - \lambda \Delta t \, B

    so :math:`B - F^T` shrinks by :math:`(1 - \lambda \Delta t)` every step.
    :math:`A` is `nengo.PES`'s update of ``downstream``'s weights (its
    learning rule must be PES), or for a chained error the next layer's
    encoder update carried through ``downstream``'s weights. This rule also
    applies the decay to :math:`F`: to ``downstream``'s weights, or to the
    next layer's encoders. :math:`B` starts as :math:`s_B` times a sample of
    ``feedback``, as for `FeedbackAlignment`; its current value is probeable
    as ``feedback``.

    Parameters
    ----------
    downstream : nengo.Connection
        Connection leaving the post ensemble, as for `BackpropEncoder`.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s.
    feedback : Distribution or (n_neurons, error size) array_like, optional
        Initial :math:`B` before scaling.
    weight_decay : float, optional
        :math:`\lambda`, in 1/s. The decay accompanies learning: it acts only
        on steps with a nonzero error, so gating the error to zero freezes
        :math:`B` and the forward weights too.
    learn_bias : bool, optional
    """

    probeable = EncoderRule.probeable + ("feedback",)
    feedback = FeedbackParam("feedback", default=Gaussian(0, 1), readonly=True)
    weight_decay = FiniteNumberParam("weight_decay", low=0, default=0.1, readonly=True)

    def __init__(
        self,
        downstream,
        learning_rate=Default,
        feedback=Default,
        weight_decay=Default,
        learn_bias=Default,
    ):
        super().__init__(learning_rate, learn_bias, downstream=downstream)
        self.feedback = feedback
        self.weight_decay = weight_decay


class SignSymmetry(EncoderRule):
    r"""Learn encoders and biases from an error sent back through the signs of the forward weights.

    :math:`M = s_F \, \mathrm{sign}(F)^T`, with :math:`F` the live forward
    matrix of `BackpropEncoder` (read every step) and :math:`s_F` its RMS
    entry at build time (the decoder scale :math:`1/(n s_r)` for an
    external error): only the signs of the forward weights are transported
    (Liao, Leibo & Poggio, 2016).

    Parameters
    ----------
    downstream : nengo.Connection
        Connection leaving the post ensemble, as for `BackpropEncoder`.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s.
    learn_bias : bool, optional
    """

    def __init__(self, downstream, learning_rate=Default, learn_bias=Default):
        super().__init__(learning_rate, learn_bias, downstream=downstream)


class NodePerturbation(EncoderRule):
    r"""Learn from random perturbations of the neurons' input currents (a three-factor rule).

    Each step zero-mean Gaussian noise :math:`\xi_i` of standard deviation
    :math:`\sigma = \nu s_J` (``noise`` :math:`\nu` times the ensemble's
    current scale) is added to each neuron's input current, and the loss
    :math:`L = \frac{1}{2}|\mathbf{e}|^2` of the error it receives is
    compared with a running baseline :math:`\bar{L}` (low-pass filtered
    :math:`L`, time constant ``baseline_tau``). The local error is the
    estimate

    .. math::

       \hat\delta_i = (L - \bar{L}) \, \xi_i / \sigma^2, \qquad
       E[\hat\delta_i] = \partial L / \partial J_i

    (to first order in :math:`\sigma`), the backpropagated local error, so
    encoders and biases change as for the other rules, with the same step
    size: on average along the gradient. The noise must reach the error in
    the same step: connect the error with ``synapse=None`` and use rate
    neurons without synapses for the unbiased estimate.

    Parameters
    ----------
    error_size : int
        Dimensionality of the error (the loss is computed from it).
    learning_rate : float, optional
        :math:`\kappa`, in 1/s.
    noise : float, optional
        :math:`\nu`, the noise standard deviation in units of :math:`s_J`.
    baseline_tau : float, optional
        Time constant (s) of the running baseline. The noise is off on the
        step after an error of exactly zero (learning gated off), and the
        baseline restarts at the noise-free loss when learning resumes.
    learn_bias : bool, optional
    reference : nengo.Connection, optional
        Only for the comparison with backpropagation (``backprop_local_error``
        and ``update_angle``): the connection leaving the post ensemble that
        the exact gradient goes through.
    """

    probeable = ("error", "local_error", "delta", "bias_delta", "scaled_encoders", "bias")
    probeable += ("skipped_updates",)
    probeable += ("noise", "baseline", "backprop_local_error", "update_angle")
    _needs = "error_size, the size of the error connected to it"
    noise = FiniteNumberParam("noise", low=0, low_open=True, default=0.1, readonly=True)
    baseline_tau = FiniteNumberParam(
        "baseline_tau", low=0, low_open=True, default=0.1, readonly=True
    )

    def __init__(
        self,
        error_size,
        learning_rate=Default,
        noise=Default,
        baseline_tau=Default,
        learn_bias=Default,
        reference=None,
    ):
        super().__init__(learning_rate, learn_bias, error_size=error_size, reference=reference)
        self.noise = noise
        self.baseline_tau = baseline_tau


class WeightPerturbation(NodePerturbation):
    r"""Learn from random perturbations of the encoders and biases themselves.

    Like `NodePerturbation`, but the noise perturbs every radius-normalized
    scaled encoder and bias by :math:`\Psi \sim N(0, \sigma_p^2)` with
    :math:`\sigma_p = \nu s_J / \sqrt{2}` (so the current noise is about
    :math:`\nu s_J` for inputs at the radius), and each parameter moves by
    :math:`-C (L - \bar{L}) \Psi / \sigma_p^2`, on average :math:`-C` times
    its gradient. The update is a dense matrix, not rank one, and drawing
    the noise costs one random number per encoder entry per step.

    Parameters
    ----------
    error_size, learning_rate, noise, baseline_tau, learn_bias, reference
        As for `NodePerturbation`.
    """

    dense_update = True
