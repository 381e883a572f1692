"""Ready-made learning networks, input processes and tools to evaluate what they learned.

* `FeedForward`: multi-layer learners of any depth with any encoder rule,
  with data-dependent initialization (`data_init`).
* `FunctionLearner`: one hidden ensemble learning a function online.
* `DataFeed`: presents a dataset to a network epoch by epoch, gating learning.
* `GaussianInput`: white Gaussian input, a pure function of seed and step;
  `SpikeTrains`: a vector (e.g. an image's pixels) as signed spike trains.
* `learned_encoders`, `learned_weights`, `learned_rates`, `frozen_output`:
  what a simulator has learned, and outputs with learning frozen;
  `save_learned` and `restore_learned` keep it across runs.
"""

import warnings

from nengo_fa.networks.feedforward import DEEP_RULES, FeedForward, current_for_rate, data_init
from nengo_fa.networks.function import FUNCTION_RULES, FunctionLearner
from nengo_fa.networks.learned import (
    frozen_output,
    learned_encoders,
    learned_rates,
    learned_weights,
    restore_learned,
    save_learned,
)
from nengo_fa.networks.processes import GaussianInput, SpikeTrains
from nengo_fa.networks.training import DataFeed

__all__ = [
    "DEEP_RULES",
    "FUNCTION_RULES",
    "DataFeed",
    "FeedForward",
    "FunctionLearner",
    "GaussianInput",
    "SpikeTrains",
    "current_for_rate",
    "data_init",
    "frozen_output",
    "learned_encoders",
    "learned_rates",
    "learned_weights",
    "restore_learned",
    "save_learned",
]

#: Names of the product task, which moved to examples/learn_product.py.
_PRODUCT_TASK = ("RULES", "learn_product", "product_input", "product_grid", "frozen_product_rmse")


def __getattr__(name):
    if name in _PRODUCT_TASK:
        from nengo_fa.networks import product_task

        warnings.warn(
            f"nengo_fa.networks.{name} is deprecated: the product task is defined in "
            "examples/learn_product.py on top of nengo_fa.networks.FunctionLearner.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(product_task, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
