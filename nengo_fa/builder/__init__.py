r"""Build the encoder learning rules into a Nengo model.

One step of any encoder rule on a connection into ensemble ``post``, as built
here (stock Nengo operators unless marked *new*):

1. ``error`` :math:`\mathbf{e}`: from connections into ``conn.learning_rule``,
   or, chained, the ``local_error`` of the encoder rule on ``downstream``.
2. teaching signal :math:`M \mathbf{e}`: for `.BackpropEncoder` the live
   forward weights transposed (*new* `TransposedDotInc` through the next
   layer's encoders when chained, then through ``downstream``'s weights);
   for `.FeedbackAlignment` `~nengo.builder.operator.DotInc` with the fixed
   scaled feedback.
3. ``local_error`` :math:`\delta = M \mathbf{e} \odot f'(J)`
   (`~nengo.builder.operator.ElementwiseInc`; :math:`f'(J)` of the current
   the neurons received this step comes from *new* `SimRateSlope`, computed
   once per ensemble however many rules it has).
4. per-neuron step :math:`s = -C \delta`, :math:`C = \kappa \Delta t \, n s_J^2`
   (``bias_delta`` when biases are learned), summed over all rules on ``post``.
5. *new* `SimRankOneUpdate`, once per ensemble: scaled encoders
   :math:`E \mathrel{+}= s \mathbf{x}^T / r^2` in place (BLAS ``ger``) with
   :math:`\mathbf{x}` the ensemble's decoded input, and biases
   :math:`b \mathrel{+}= s`.

Nengo's generic learning-rule builder would add a dense ``delta`` signal and
``Copy(delta -> encoders)``, which costs two full passes over the encoder
matrix per step; this module removes that copy and fills the dense ``delta``
only when it is probed.
"""

from nengo_fa.builder import rules  # noqa: F401  (registers the builders)
from nengo_fa.builder.encoder import BuiltEncoderRule, build_encoder_rule
from nengo_fa.builder.operators import SimOuter, SimRankOneUpdate, SimRateSlope, TransposedDotInc

__all__ = [
    "BuiltEncoderRule",
    "SimOuter",
    "SimRankOneUpdate",
    "SimRateSlope",
    "TransposedDotInc",
    "build_encoder_rule",
]
