"""Shared fixtures: the simulator every rule test runs on.

Rule tests take a ``Simulator`` fixture instead of calling `nengo.Simulator`;
it runs them on every selected simulator: ``--simulator nengo|ocl|all`` (or
the environment variable ``NENGO_FA_SIMULATOR``; default ``all``, i.e. the
reference simulator and, where nengo-ocl and an OpenCL device are available,
`nengo_fa.ocl.Simulator`).
"""

import os
import warnings

import nengo
import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--simulator",
        default=os.environ.get("NENGO_FA_SIMULATOR", "all"),
        choices=("nengo", "ocl", "all"),
        help="simulator(s) for the rule tests (default: all available)",
    )


def _ocl_simulator():
    """`nengo_fa.ocl.Simulator` if nengo-ocl and an OpenCL device are available, else None."""
    try:
        import pyopencl as cl

        import nengo_fa.ocl
    except ImportError:
        return None
    os.environ.setdefault("PYOPENCL_CTX", "0")
    try:
        cl.create_some_context(interactive=False)
    except (cl.Error, RuntimeError, ValueError):
        return None
    return nengo_fa.ocl.Simulator


class SimulatorChoice:
    """A simulator class for the tests, with the precision its results can be held to.

    Call it like the class (``progress_bar=False`` is the default);
    `assert_close` widens a test's tolerances to the simulator's precision
    (float32 for nengo-ocl: relative 1e-4 of the data's scale).
    """

    def __init__(self, name, cls, rtol):
        self.name, self.cls, self.rtol = name, cls, rtol

    def __call__(self, network, **kwargs):
        kwargs.setdefault("progress_bar", False)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No context argument")
            return self.cls(network, **kwargs)

    @property
    def is_reference(self):
        return self.cls is nengo.Simulator

    def assert_close(self, actual, expected, rtol=1e-7, atol=0.0, err_msg=""):
        actual, expected = np.asarray(actual), np.asarray(expected)
        scale = np.max(np.abs(expected)) if expected.size else 0.0
        np.testing.assert_allclose(
            actual,
            expected,
            rtol=max(rtol, self.rtol),
            atol=max(atol, self.rtol * scale),
            err_msg=f"{self.name}: {err_msg}",
        )

    def __repr__(self):
        return self.name


def selected_simulators(config):
    choice = config.getoption("--simulator")
    simulators = []
    if choice in ("nengo", "all"):
        simulators.append(SimulatorChoice("nengo", nengo.Simulator, rtol=0.0))
    if choice in ("ocl", "all"):
        ocl = _ocl_simulator()
        if ocl is None and choice == "ocl":
            raise pytest.UsageError("--simulator ocl: nengo-ocl or an OpenCL device is missing")
        if ocl is not None:
            simulators.append(SimulatorChoice("ocl", ocl, rtol=1e-4))
    return simulators


def pytest_generate_tests(metafunc):
    if "Simulator" in metafunc.fixturenames:
        simulators = selected_simulators(metafunc.config)
        metafunc.parametrize("Simulator", simulators, ids=[s.name for s in simulators])
