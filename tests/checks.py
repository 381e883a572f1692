"""Helpers shared by the tests."""

import importlib.util
import pathlib

import numpy as np

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


def load_example(name):
    """Import ``examples/<name>.py`` as Nengo GUI does: a module defining ``model``."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_applied_in_place(probed, initial, *deltas, simulator=None):
    """``probed[k] == initial + sum of every delta up to and including step k``.

    Nengo probes record end-of-step values, and the encoder rules apply each
    step's update at the end of that step. ``simulator`` (the ``Simulator``
    fixture) widens the tolerance to its precision.
    """
    expected = initial + np.cumsum(sum(deltas), axis=0)
    if simulator is None:
        np.testing.assert_allclose(probed, expected, rtol=1e-10, atol=1e-10)
    else:
        simulator.assert_close(probed, expected, rtol=1e-10, atol=1e-10)
