"""Deprecated: the product task of earlier releases (see examples/learn_product.py)."""

import numpy as np

from nengo_fa.networks.function import FUNCTION_RULES as RULES
from nengo_fa.networks.function import FunctionLearner


def product_input(t):
    """The product task's input, (sin(pi t), sin(0.7 pi t))."""
    return np.sin(np.pi * t), np.sin(0.7 * np.pi * t)


def product(x):
    return x[0] * x[1]


def learn_product(
    rule="bp",
    n_neurons=10,
    neuron_type=None,
    encoder_rate=None,
    pes_rate=None,
    seed=None,
    label=None,
):
    """A `.FunctionLearner` of x0 * x1 on `product_input`."""
    return FunctionLearner(
        product,
        product_input,
        2,
        n_neurons,
        rule,
        neuron_type=neuron_type,
        learning_rate=encoder_rate,
        pes_learning_rate=pes_rate,
        seed=seed,
        label=label or f"product ({rule})",
    )


def product_grid(points=41):
    """A ``points`` x ``points`` grid over [-1, 1]^2 and x0 * x1."""
    grid = np.linspace(-1, 1, points)
    x = np.array([(a, b) for a in grid for b in grid])
    return x, x[:, 0] * x[:, 1]


def frozen_product_rmse(sim, net, points=41):
    """RMSE of a `learn_product` network's frozen output on the `product_grid`."""
    return net.frozen_rmse(sim, *product_grid(points))


__all__ = ["RULES", "frozen_product_rmse", "learn_product", "product_grid", "product_input"]
