"""nengo-fa: error-driven learning of encoders and biases for Nengo ensembles.

The rule types are used like `nengo.PES`, on a decoded connection into the
ensemble whose encoders and biases should learn::

    layer1 = nengo.Connection(stim, hidden,
                              learning_rule_type=nengo_fa.BackpropEncoder(layer2))
    nengo.Connection(error, layer1.learning_rule)

Importing this package registers the builders with Nengo.
"""

from nengo_fa import builder as _builder  # noqa: F401  (registers builders)
from nengo_fa.derivatives import register_derivative
from nengo_fa.learning_rules import (
    BackpropEncoder,
    BalancedSigns,
    DirectFeedbackAlignment,
    EncoderRule,
    FeedbackAlignment,
    KolenPollack,
    NodePerturbation,
    SignSymmetry,
    WeightPerturbation,
)
from nengo_fa.synapses import ErrorPathSynapse

__version__ = "0.1.0"
__all__ = [
    "BackpropEncoder",
    "BalancedSigns",
    "DirectFeedbackAlignment",
    "EncoderRule",
    "ErrorPathSynapse",
    "FeedbackAlignment",
    "KolenPollack",
    "NodePerturbation",
    "SignSymmetry",
    "WeightPerturbation",
    "register_derivative",
]
