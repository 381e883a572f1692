r"""Learning rule types that learn an ensemble's encoders and biases from an error.

Both rules sit on a decoded connection into a `nengo.Ensemble` (the *post*
ensemble, whose encoders and biases they change) and take the same error as
`nengo.PES`: actual minus target, connected into ``conn.learning_rule``.

Parameterization
----------------
Nengo computes each neuron's input current as

.. math:: J_i = E_i \cdot \mathbf{x} + b_i = \hat{E}_i \cdot \frac{\mathbf{x}}{r} + b_i

with scaled encoders :math:`E_i = g_i \mathbf{e}_i / r` (gain :math:`g_i`,
unit encoder :math:`\mathbf{e}_i`, radius :math:`r`), biases :math:`b_i`, and
the decoded input :math:`\mathbf{x}` summed over all connections into the
ensemble. The rules do gradient descent on the radius-normalized scaled
encoders :math:`\hat{E}_i = r E_i` and the biases :math:`b_i`, all neurons
with one step size. With the local error
:math:`\delta_i = (M \mathbf{e})_i \, f'(J_i)` (error :math:`\mathbf{e}`,
rate-curve slope :math:`f'` in Hz per unit current, from
`nengo_fa.derivatives`), one step of length :math:`\Delta t` changes Nengo's
scaled encoders and biases by

.. math::

   \Delta E_i = -C \, \delta_i \, \frac{\mathbf{x}}{r^2}, \qquad
   \Delta b_i = -C \, \delta_i, \qquad
   C = \kappa \, \Delta t \, n \, s_J^2

which is :math:`-C` times the gradient of :math:`\frac{1}{2}|\mathbf{e}|^2`
with respect to :math:`(\hat{E}_i, b_i)` when :math:`M` is the transposed
decoder matrix. Here :math:`n` is the number of neurons and :math:`s_J` the
ensemble's *current scale*: the RMS firing rate divided by the RMS slope
:math:`f'`, over the ensemble's evaluation points at build time (units of
current). Decoders scale as :math:`1/(n \, \text{rate})`, so this
normalization makes the output change by about :math:`-\kappa \Delta t \,
\mathbf{e}` per step whatever the neuron type, gains, firing rates and
ensemble size: one learning rate :math:`\kappa` (per second) works across
them. Both scales are reported in ``sim.data[conn.learning_rule]``.
"""

import numpy as np
from nengo.connection import Connection
from nengo.dists import DistOrArrayParam, Gaussian
from nengo.exceptions import ValidationError
from nengo.learning_rules import LearningRuleType
from nengo.params import BoolParam, Default, IntParam, NumberParam, Parameter


class _EncoderRule(LearningRuleType):
    """Shared parameters of the error-driven encoder rules."""

    modifies = "encoders"
    probeable = (
        "error",
        "local_error",
        "delta",
        "bias_delta",
        "scaled_encoders",
        "bias",
    )

    learning_rate = NumberParam("learning_rate", low=0, readonly=True, default=1.0)
    learn_bias = BoolParam("learn_bias", default=True, readonly=True)

    def __init__(self, learning_rate, size_in, learn_bias):
        super().__init__(learning_rate, size_in=size_in)
        self.learn_bias = learn_bias


class ConnectionParam(Parameter):
    """A parameter holding a `nengo.Connection`."""

    equatable = True

    def coerce(self, instance, conn):  # pylint: disable=arguments-renamed
        if not isinstance(conn, Connection):
            raise ValidationError(
                f"must be a nengo.Connection (the decoded connection leaving the "
                f"learning ensemble), got {conn!r}",
                attr=self.name,
                obj=instance,
            )
        return super().coerce(instance, conn)


class BackpropEncoder(_EncoderRule):
    r"""Learn encoders and biases by backpropagating the error through live decoders.

    The teaching signal is the error sent back through the current weights of
    ``decoders``, a decoded connection leaving the ensemble this rule changes
    (typically learning its decoders with `nengo.PES`); the weights are read
    every step, so they follow PES:

    .. math:: \delta_i = (W^T \mathbf{e})_i \, f'(J_i)

    where :math:`W` (``decoders.size_out`` x ``n_neurons``) maps the
    ensemble's activities to the output of ``decoders``, :math:`\mathbf{e}`
    (size ``decoders.size_out``) is that output's error (actual minus
    target) and :math:`J_i` the current the neurons received this step.
    Encoders and biases then change as in the module docstring. For rate
    neurons with no synapse on ``decoders``, the update is exactly
    :math:`-C` times the gradient of :math:`\frac{1}{2}|\mathbf{e}|^2`
    with respect to the radius-normalized scaled encoders and biases; with spiking
    neurons or synapses it follows that gradient through the rate
    approximation.

    Parameters
    ----------
    decoders : nengo.Connection
        Decoded connection from the post ensemble whose weights carry the
        error back. It must be created before the connection with this rule.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s (normalized as in the module docstring).
    learn_bias : bool, optional
        Whether to learn biases as well as encoders.

    Attributes
    ----------
    decoders : nengo.Connection
    learning_rate : float
    learn_bias : bool

    Notes
    -----
    Probeable: ``error`` (:math:`\mathbf{e}`), ``local_error``
    (:math:`\delta`), ``delta`` (encoder change :math:`\Delta E` per step),
    ``bias_delta`` (:math:`\Delta b` per step), ``scaled_encoders`` and
    ``bias`` (the post ensemble's current values).
    """

    decoders = ConnectionParam("decoders", readonly=True)

    def __init__(self, decoders, learning_rate=Default, learn_bias=Default):
        self.decoders = decoders
        super().__init__(learning_rate, size_in=decoders.size_out, learn_bias=learn_bias)


class FeedbackAlignment(_EncoderRule):
    r"""Learn encoders and biases from an error sent back through fixed random weights.

    Like `BackpropEncoder`, but the teaching signal uses a fixed random matrix
    :math:`B` (``n_neurons`` x ``error_size``) in place of the transposed
    decoders (Lillicrap et al., 2016), so no weight transport is needed:

    .. math:: \delta_i = \frac{(B \mathbf{e})_i}{n \, s_r} \, f'(J_i)

    where :math:`s_r` is the ensemble's RMS firing rate over its evaluation
    points. The division by :math:`n s_r` gives :math:`B` the scale of decoders, so
    entries of order one (the default, standard normal) work with the default
    learning rate. Encoders and biases then change as in the module docstring.
    Driving every hidden layer with the output error through its own
    :math:`B` is direct feedback alignment (Nokland, 2016).

    Parameters
    ----------
    error_size : int
        Dimensionality of the error signal.
    learning_rate : float, optional
        :math:`\kappa`, in 1/s (normalized as in the module docstring).
    feedback : Distribution or (n_neurons, error_size) array_like, optional
        :math:`B`. A distribution is sampled at build time from the
        connection's seed; the result is in ``sim.data[conn.learning_rule].feedback``.
    learn_bias : bool, optional
        Whether to learn biases as well as encoders.

    Attributes
    ----------
    error_size : int
    feedback : Distribution or ndarray
    learning_rate : float
    learn_bias : bool

    Notes
    -----
    Probeable as `BackpropEncoder`.
    """

    error_size = IntParam("error_size", low=1, readonly=True)
    feedback = DistOrArrayParam("feedback", default=Gaussian(0, 1), readonly=True)

    def __init__(self, error_size, learning_rate=Default, feedback=Default, learn_bias=Default):
        self.error_size = error_size
        super().__init__(learning_rate, size_in=error_size, learn_bias=learn_bias)
        self.feedback = feedback
        if isinstance(self.feedback, np.ndarray) and (
            self.feedback.ndim != 2 or self.feedback.shape[1] != error_size
        ):
            raise ValidationError(
                f"feedback array must have shape (n_neurons, error_size={error_size}), "
                f"got {self.feedback.shape}",
                attr="feedback",
                obj=self,
            )
