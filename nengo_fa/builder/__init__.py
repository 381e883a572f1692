r"""Build the encoder learning rules into a Nengo model.

One step of a rule on a connection into ensemble ``post`` (stock Nengo
operators unless marked *new*; each rule's build function in `.rules` reads
in this order):

1. ``error`` :math:`\mathbf{e}`: from connections into ``conn.learning_rule``
   (`~nengo.builder.operator.Reset`), or, chained, the ``local_error`` of the
   encoder rule on ``downstream``.
2. ``teaching`` :math:`M \mathbf{e}`: `~nengo.builder.operator.DotInc` with
   a fixed or learned feedback matrix (feedback alignment's sign gate:
   *new* `.SimSignGatedFeedback`); backpropagation through the live
   transposed weights (*new* `.TransposedDotInc`); sign symmetry through
   *new* `.SimForwardMatrix`; perturbation rules from the loss and their noise
   (*new* `.SimGaussianNoise`, `.SimPerturbationLoss`).
3. ``local_error`` :math:`\delta = f'(J) \odot M \mathbf{e}`
   (`~nengo.builder.operator.ElementwiseInc`), with :math:`f'(J)` of the
   current the neurons received this step from *new* `.SimRateSlope`, once
   per ensemble.
4. ``step`` :math:`-C \delta` (`~nengo.builder.operator.ElementwiseInc`),
   added (`~nengo.builder.operator.Copy`) into the ensemble's encoder and
   bias steps, which *new* `.SimEncoderUpdate` applies in place once per
   ensemble: :math:`E \mathrel{+}= \mathbf{u} \mathbf{x}^T / r^2`,
   :math:`\mathbf{b} \mathrel{+}= \mathbf{v}` (`.update`).

Modules: `.operators` (the new operators), `.update` (the per-ensemble
record), `.flow` (the shared steps), `.rules` (one build function per rule),
`.comparisons` (diagnostics built only when probed) and `.learning_rule`
(Nengo's learning-rule builder without the dense ``delta`` for rules that
update in place).
"""

from nengo_fa.builder import learning_rule, rules  # noqa: F401  (register the builders)
from nengo_fa.builder.flow import BuiltEncoderRule
from nengo_fa.builder.operators import (
    SimDenseUpdateAngle,
    SimEncoderUpdate,
    SimFeedbackUpdate,
    SimForwardMatrix,
    SimGatedDecay,
    SimGaussianNoise,
    SimMatrixComparison,
    SimOuter,
    SimPerturbationLoss,
    SimRateSlope,
    SimScaledNoise,
    SimSignGatedFeedback,
    SimVectorAngle,
    TransposedDotInc,
)
from nengo_fa.builder.update import EnsembleLearning, ensemble_learning

#: Every operator nengo-fa adds: what another simulator must implement.
OPERATORS = (
    SimRateSlope,
    SimEncoderUpdate,
    TransposedDotInc,
    SimForwardMatrix,
    SimSignGatedFeedback,
    SimFeedbackUpdate,
    SimGatedDecay,
    SimGaussianNoise,
    SimPerturbationLoss,
    SimScaledNoise,
    SimOuter,
    SimVectorAngle,
    SimDenseUpdateAngle,
    SimMatrixComparison,
)

__all__ = ["BuiltEncoderRule", "EnsembleLearning", "OPERATORS", "ensemble_learning"] + [
    op.__name__ for op in OPERATORS
]
