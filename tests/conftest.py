"""Shared test helpers, and the simulator every rule test runs on.

Rule tests take a ``Simulator`` fixture instead of calling `nengo.Simulator`;
it runs them on every selected simulator: ``--simulator nengo|ocl|dl|all``
(or the environment variable ``NENGO_FA_SIMULATOR``; default ``all``, i.e.
the reference simulator and, where available, `nengo_fa.ocl.Simulator`
(nengo-ocl and an OpenCL device) and `nengo_dl.Simulator` (nengo-dl, one
minibatch item)). ``@pytest.mark.skip_simulator(name, reason=...)`` skips a
rule test on one of them.

Nengo's decoder cache is off for the session: it is shared by every
environment of a user, and an entry pickled under NumPy 2 cannot be read
under NumPy 1.x (the nengo-dl environment), where `nengo.Simulator` would
fail with ``ModuleNotFoundError: numpy._core``.
"""

import importlib.util
import os
import pathlib
import warnings

import nengo
import numpy as np
import pytest

nengo.rc["decoder_cache"]["enabled"] = "False"

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"

#: Why rule tests that read ``sim.signals`` (directly, or through `learned_encoders`,
#: `learned_weights` or `save_learned`) skip nengo-dl (``skip_simulator("dl", ...)``).
NO_SIGNALS = (
    "reads or writes live signals through sim.signals, which nengo_dl.Simulator does not have "
    "(its signals live in TensorFlow); test_dl.py checks the same behaviour on nengo-dl"
)


def load_example(name):
    """Import ``examples/<name>.py`` as Nengo GUI does: a module defining ``model``."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def product_learner(rule, n_neurons=10, **kwargs):
    """The product task of ``examples/learn_product.py`` (a `FunctionLearner`)."""
    return load_example("learn_product").product_learner(rule, n_neurons, **kwargs)


class ProductNet:
    """Makes the product learner (seed 1) with the attribute names of `FeedForward`."""

    def __init__(self, rule, n_neurons, neuron_type):
        self.rule, self.n_neurons, self.neuron_type = rule, n_neurons, neuron_type

    def __call__(self):
        net = product_learner(self.rule, self.n_neurons, neuron_type=self.neuron_type, seed=1)
        net.layers, net.readout, net.hidden_connections = [net.hidden], net.layer2, [net.layer1]
        return net


def build(net):
    """Build ``net`` in the reference simulator (raising its build errors)."""
    with nengo.Simulator(net, progress_bar=False):
        pass


def numerical_gradient(f, x, eps=1e-7):
    """Central-difference gradient of the scalar function ``f`` at the array ``x``."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


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


def relative_difference(a, b):
    """max |a - b| / max |b|."""
    return np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b))


def assert_float32_product_run(reference, ref_data, result, data, neuron_type):
    """A float32 simulator's product-task run against the reference simulator's.

    ``reference``/``result``: the learned parameters; ``ref_data``/``data``: probed
    ``local_error`` and hidden ``spikes`` per step.
    """
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 2e-4, key
    close = np.all(
        np.isclose(
            data["local_error"],
            ref_data["local_error"],
            rtol=1e-4,
            atol=1e-4 * np.abs(ref_data["local_error"]).max(),
        ),
        axis=1,
    )
    if isinstance(neuron_type, nengo.LIF):
        # float32 voltages move a few spikes by one step; each disturbs the error briefly
        moved = np.sum((data["spikes"] > 0) != (ref_data["spikes"] > 0))
        assert moved < 1e-3 * np.sum(ref_data["spikes"] > 0)
        assert np.mean(close) > 0.9
    else:
        assert np.all(close)


def pytest_addoption(parser):
    parser.addoption(
        "--simulator",
        default=os.environ.get("NENGO_FA_SIMULATOR", "all"),
        choices=("nengo", "ocl", "dl", "all"),
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


def _dl_simulator():
    """`nengo_dl.Simulator` if nengo-dl is installed, else None (one minibatch item by default)."""
    try:
        import nengo_dl
    except ImportError:
        return None
    import nengo_fa.dl  # noqa: F401  (nengo_fa registers it on import of nengo_dl anyway)

    def dl_simulator(network, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No GPU support detected")
            return nengo_dl.Simulator(network, **kwargs)

    return dl_simulator


class SimulatorChoice:
    """A simulator class for the tests, with the precision its results can be held to.

    Call it like the class (``progress_bar=False`` is the default);
    `assert_close` widens a test's tolerances to the simulator's precision
    (float32 for nengo-ocl and nengo-dl: relative 1e-4 of the data's scale).
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
        if actual.shape == expected.shape + (1,):  # nengo-dl probes scalars as shape (1,)
            actual = actual.reshape(expected.shape)
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
    if choice in ("dl", "all"):
        dl = _dl_simulator()
        if dl is None and choice == "dl":
            raise pytest.UsageError("--simulator dl: nengo-dl is not installed")
        if dl is not None:
            simulators.append(SimulatorChoice("dl", dl, rtol=1e-4))
    return simulators


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "skip_simulator(name, reason): skip the rule test on that simulator only"
    )
    # nengo-dl's graph simplification warns about every increment by an operator it does not
    # know (nengo_fa.dl filters it on import, but pytest resets the filters per test)
    config.addinivalue_line("filterwarnings", "ignore:Unknown incer type <class 'nengo_fa")


def pytest_generate_tests(metafunc):
    if "Simulator" in metafunc.fixturenames:
        skips = {
            mark.args[0]: mark.kwargs["reason"]
            for mark in metafunc.definition.iter_markers("skip_simulator")
        }
        params = [
            pytest.param(
                simulator,
                id=simulator.name,
                marks=[pytest.mark.skip(reason=f"{simulator.name}: {skips[simulator.name]}")]
                if simulator.name in skips
                else [],
            )
            for simulator in selected_simulators(metafunc.config)
        ]
        metafunc.parametrize("Simulator", params)
