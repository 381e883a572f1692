"""nengo_fa.ocl.Simulator computes what nengo.Simulator computes, to float32 precision."""

import nengo
import numpy as np
import pytest
from conftest import (
    ProductNet,
    assert_float32_product_run,
    relative_difference,
    selected_simulators,
)

import nengo_fa
from nengo_fa.networks import FeedForward, learned_encoders, learned_weights

pytestmark = pytest.mark.filterwarnings("ignore:nengo_fa.ocl")


@pytest.fixture(scope="module")
def ocl(request):
    choices = [s for s in selected_simulators(request.config) if s.name == "ocl"]
    if not choices:
        pytest.skip("nengo-ocl (or an OpenCL device) is not selected or not available")
    return choices[0]


def run_both(make_net, ocl, steps, probes):
    """Learned parameters and probe data of the same network on both simulators."""
    results = []
    for simulator in (nengo.Simulator, ocl.cls):
        net = make_net()
        with net:
            probed = {key: nengo.Probe(*target(net)) for key, target in probes.items()}
        with simulator(net, progress_bar=False) as sim:
            sim.run_steps(steps)
            params = {
                f"encoders{k}": learned_encoders(sim, e)[0] for k, e in enumerate(net.layers)
            }
            params.update(
                {f"bias{k}": learned_encoders(sim, e)[1] for k, e in enumerate(net.layers)}
            )
            params["readout"] = learned_weights(sim, net.readout)
            results.append((params, {key: sim.data[p] for key, p in probed.items()}))
    return results


@pytest.mark.parametrize("rule", ["fa", "bp"])
@pytest.mark.parametrize(
    "n_neurons, neuron_type",
    [(10, nengo.RectifiedLinear()), (50, nengo.LIF())],
    ids=["relu", "lif"],
)
def test_product_task_matches_the_reference(ocl, rule, n_neurons, neuron_type):
    probes = {
        "local_error": lambda net: (net.layer1.learning_rule, "local_error"),
        "spikes": lambda net: (net.hidden.neurons, "output"),
    }
    (reference, ref_data), (result, data) = run_both(
        ProductNet(rule, n_neurons, neuron_type), ocl, 1000, probes
    )
    assert_float32_product_run(reference, ref_data, result, data, neuron_type)


DEEP_X = np.random.RandomState(0).uniform(0, 1, size=(200, 784))
DEEP_T = np.eye(10)[np.random.RandomState(1).randint(10, size=200)]


def deep_network(rule):
    """784-200-100-10 ReLU, one new sample per step (rate mode)."""
    perturbation = rule in ("np", "wp")
    net = FeedForward(
        784,
        [200, 100],
        10,
        rule=rule,
        learning_rate=1e-4 if perturbation else 30.0,
        init_inputs=DEEP_X,
        # with the usual zero readout the noise would not reach the loss at first
        readout_init=nengo.dists.Gaussian(0, 1e-3) if perturbation else None,
        seed=3,
    )
    with net:
        nengo.Connection(nengo.Node(nengo.processes.PresentInput(DEEP_X, 0.001)), net.input)
        nengo.Connection(nengo.Node(nengo.processes.PresentInput(DEEP_T, 0.001)), net.target)
    return net


@pytest.mark.parametrize("rule", ["fa", "bp", "dfa", "kp", "ss", "np", "wp"])
def test_deep_rules_match_the_reference(ocl, rule):
    probes = {
        f"local_error{k}": (
            lambda net, k=k: (net.hidden_connections[k].learning_rule, "local_error")
        )
        for k in (0, 1)
    }
    (reference, ref_data), (result, data) = run_both(lambda: deep_network(rule), ocl, 200, probes)
    if rule in ("np", "wp"):
        # the estimate (L - baseline) / sigma^2 resolves loss changes only down to
        # float32's 1e-7 of the loss: same direction, a looser match
        for key, value in reference.items():
            assert relative_difference(result[key], value) < 1e-2, key
        for key, value in ref_data.items():
            cosine = np.vdot(data[key], value) / (
                np.linalg.norm(data[key]) * np.linalg.norm(value)
            )
            assert cosine > 0.99, key
        return
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 1e-4, key
    for key, value in ref_data.items():
        assert relative_difference(data[key], value) < 1e-4, key


def test_user_derivatives_and_unsupported_neurons_run_on_the_host(ocl):
    class Cubic(nengo.RectifiedLinear):
        """A neuron type nengo-ocl does not know, with its own derivative."""

        def step(self, dt, J, output):
            output[...] = self.amplitude * np.maximum(J, 0) ** 3

    nengo_fa.register_derivative(Cubic, lambda neuron_type, J: 3 * np.maximum(J, 0) ** 2)

    def make_net():
        return ProductNet("bp", 10, Cubic())()

    with pytest.warns(UserWarning, match="no OpenCL plan for Cubic") as record:
        (reference, _), (result, _) = run_both(make_net, ocl, 300, {})
    assert any("has no OpenCL implementation" in str(w.message) for w in record)
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 1e-4, key


class Doubled(nengo.builder.Operator):
    """An operator from another plugin: sets ``y = 2 x`` (NumPy only)."""

    def __init__(self, x, y):
        super().__init__()
        self.sets, self.incs, self.reads, self.updates = [y], [], [x], []

    def make_step(self, signals, dt, rng):
        x, y = signals[self.reads[0]], signals[self.sets[0]]

        def step():
            y[...] = 2 * x

        return step


def test_an_unknown_operator_runs_on_the_host_with_a_warning(ocl):
    with nengo.Network() as net:
        stim = nengo.Node(lambda t: [t, 1.0])
    model = nengo.builder.Model()
    model.build(net)
    doubled = nengo.builder.Signal(shape=2, name="doubled")
    model.add_op(Doubled(model.sig[stim]["out"], doubled))
    with pytest.warns(UserWarning, match="no OpenCL plan for Doubled"):
        sim = ocl(None, model=model)
    with sim:
        sim.run_steps(3)
        np.testing.assert_allclose(sim.signals[doubled], [0.006, 2.0], rtol=1e-6)


def test_progress_bar_follows_the_simulator(ocl, monkeypatch):
    import nengo_ocl.simulator

    bars = []
    tracker = nengo_ocl.simulator.ProgressTracker

    def recording_tracker(progress_bar, *args, **kwargs):
        bars.append(progress_bar)
        return tracker(progress_bar, *args, **kwargs)

    monkeypatch.setattr(nengo_ocl.simulator, "ProgressTracker", recording_tracker)
    with nengo.Network() as net:
        nengo.Ensemble(5, 1)
    with ocl(net, progress_bar=False) as sim:
        sim.run_steps(10)
        sim.run(0.01)
    assert bars == [False, False]
