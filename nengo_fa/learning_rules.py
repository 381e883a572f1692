r"""Learning rule types that learn an ensemble's encoders and biases from an error.

Both rules sit on a decoded connection into a `nengo.Ensemble` (the *post*
ensemble, whose encoders and biases they change) and take the same error as
`nengo.PES`: actual minus target, connected into ``conn.learning_rule``.

Parameterization
----------------
Nengo computes each neuron's input current as

.. math:: J_i = \frac{g_i}{r} \mathbf{e}_i \cdot \mathbf{x} + b_i

(gain :math:`g_i`, radius :math:`r`, encoder :math:`\mathbf{e}_i`, unit length
at build time, decoded input :math:`\mathbf{x}` summed over all connections
into the ensemble, bias :math:`b_i`). The rules do gradient descent on the
unit-free encoders :math:`\mathbf{e}_i` and normalized biases
:math:`\beta_i = b_i / g_i`, with the gains held fixed, i.e. on
:math:`J_i = g_i (\mathbf{e}_i \cdot \mathbf{x}/r + \beta_i)`. With the local
error :math:`\delta_i = (M \mathbf{e})_i \, f'(J_i)` (error :math:`\mathbf{e}`,
rate-curve slope :math:`f'` from `nengo_fa.derivatives`), one step of length
:math:`\Delta t` changes Nengo's scaled encoders
:math:`E_i = g_i \mathbf{e}_i / r` and biases by

.. math::

   \Delta E_i = -\kappa \Delta t \, \frac{n g_i^2}{r^2} \, \delta_i \, \mathbf{x},
   \qquad
   \Delta b_i = -\kappa \Delta t \, n g_i^2 \, \delta_i

which is :math:`-\kappa n \Delta t` times the gradient of
:math:`\frac{1}{2}|\mathbf{e}|^2` with respect to
:math:`(\mathbf{e}_i, \beta_i)` when :math:`M` is the transposed decoder
matrix. The factor :math:`n` (number of neurons) cancels the :math:`1/n` scale
of decoders and :math:`g_i^2` cancels the scale of gains and firing rates, so
one learning rate :math:`\kappa` (per second) works across neuron types and
ensemble sizes.
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
    :math:`-\kappa n \Delta t` times the gradient of :math:`\frac{1}{2}|\mathbf{e}|^2`
    with respect to the unit-free encoders and normalized biases; with spiking
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

    .. math:: \delta_i = \frac{(B \mathbf{e})_i}{n \bar{a}} \, f'(J_i)

    where :math:`\bar{a}` is the mean of the ensemble's ``max_rates``. The
    division by :math:`n \bar{a}` gives :math:`B` the scale of decoders, so
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
