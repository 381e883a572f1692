"""Assertions shared by the tests."""

import numpy as np


def assert_applied_in_place(probed, initial, *deltas):
    """``probed[k] == initial + sum of every delta up to and including step k``.

    Nengo probes record end-of-step values, and the encoder rules apply each
    step's update at the end of that step.
    """
    np.testing.assert_allclose(
        probed, initial + np.cumsum(sum(deltas), axis=0), rtol=1e-10, atol=1e-10
    )
