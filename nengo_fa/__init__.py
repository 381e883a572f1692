"""nengo-fa: error-driven learning of encoders and biases for Nengo ensembles.

The rule types are used like `nengo.PES`, on a decoded connection into the
ensemble whose encoders and biases should learn::

    layer1 = nengo.Connection(stim, hidden,
                              learning_rule_type=nengo_fa.BackpropEncoder(layer2))
    nengo.Connection(error, layer1.learning_rule)

Importing this package registers the builders with Nengo, and with nengo-dl
(`nengo_fa.dl`) once ``nengo_dl`` is imported, before or after this package.
"""

import importlib.abc
import sys
import warnings

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


class _NengoDLHook(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `nengo_fa.dl` right after ``nengo_dl`` finishes importing.

    Importing nengo-dl takes seconds (it imports TensorFlow), so this package
    never imports it; this finder only wraps the loader of ``nengo_dl``
    itself, and removes itself once it has. Nothing happens if nengo-dl is
    not installed.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "nengo_dl":
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        sys.meta_path.remove(self)
        self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        try:
            import nengo_fa.dl  # noqa: F401
        except Exception as error:  # registration must not break importing nengo_dl
            warnings.warn(f"nengo_fa: nengo-dl builders not registered: {error!r}", stacklevel=2)


if sys.modules.get("nengo_dl") is not None:
    import nengo_fa.dl  # noqa: F401
elif not any(type(finder).__name__ == "_NengoDLHook" for finder in sys.meta_path):
    sys.meta_path.insert(0, _NengoDLHook())
