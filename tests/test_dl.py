"""nengo_dl.Simulator runs nengo-fa models (`nengo_fa.dl`) and computes what nengo.Simulator does.

Float32 (nengo-dl's default) to float32 precision, float64 to rounding; with
``minibatch_size=B`` every item learns as a separate reference run on its inputs.
"""

import os
import pathlib
import subprocess
import sys
import textwrap
import warnings

import conftest
import nengo
import numpy as np
import pytest
from conftest import (
    assert_float32_product_run,
    load_example,
    relative_difference,
    selected_simulators,
)

import nengo_fa
from nengo_fa.builder.operators import SkippedUpdateWarning
from nengo_fa.networks import FeedForward, learned_encoders

nengo_dl = pytest.importorskip("nengo_dl")
import nengo_fa.dl  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:No GPU support detected"),
    pytest.mark.filterwarnings("ignore:This version of NengoDL has not been tested"),
]


@pytest.fixture(scope="module")
def dl(request):
    choices = [s for s in selected_simulators(request.config) if s.name == "dl"]
    if not choices:
        pytest.skip("nengo-dl is not selected (--simulator dl or all)")
    return choices[0]


def parameters(sim, net):
    """Encoders, biases and readout weights now (every item's, with a batch axis if any).

    The signals themselves: nengo-dl has no ``sim.signals`` to add pending dense updates from.
    """
    params = {}
    if isinstance(sim, nengo.Simulator):
        for k, ens in enumerate(net.layers):
            params[f"encoders{k}"] = sim.signals[sim.model.sig[ens]["encoders"]].copy()
            params[f"bias{k}"] = sim.signals[sim.model.sig[ens.neurons]["bias"]].copy()
        params["readout"] = sim.signals[sim.model.sig[net.readout]["weights"]].copy()
        return params
    for k, ens in enumerate(net.layers):
        params[f"encoders{k}"], params[f"bias{k}"] = sim.data.get_params(
            (ens, "scaled_encoders"), (ens, "bias")
        )
    (params["readout"],) = sim.data.get_params((net.readout, "weights"))
    return params


def run_both(make_net, steps, probes, runs=1, **dl_kwargs):
    """Learned parameters and probe data of the same network on both simulators.

    Each simulator runs ``steps`` steps in each of ``runs`` calls.
    """
    results = []
    for simulator in (nengo.Simulator, nengo_dl.Simulator):
        net = make_net()
        with net:
            probed = {key: nengo.Probe(*target(net)) for key, target in probes.items()}
        kwargs = dl_kwargs if simulator is nengo_dl.Simulator else {}
        with simulator(net, progress_bar=False, **kwargs) as sim:
            for _ in range(runs):
                sim.run_steps(steps)
            results.append((parameters(sim, net), {key: sim.data[p] for key, p in probed.items()}))
    return results


class ProductNet(conftest.ProductNet):
    """`conftest.ProductNet`, optionally in another nengo-dl ``dtype``."""

    def __init__(self, rule, n_neurons, neuron_type, dtype=None):
        super().__init__(rule, n_neurons, neuron_type)
        self.dtype = dtype

    def __call__(self):
        net = super().__call__()
        if self.dtype is not None:
            with net:
                nengo_dl.configure_settings(dtype=self.dtype)
        return net


@pytest.mark.parametrize("rule", ["fa", "bp"])
@pytest.mark.parametrize(
    "n_neurons, neuron_type",
    [(10, nengo.RectifiedLinear()), (50, nengo.LIF())],
    ids=["relu", "lif"],
)
def test_product_task_matches_the_reference(dl, rule, n_neurons, neuron_type):
    probes = {
        "local_error": lambda net: (net.layer1.learning_rule, "local_error"),
        "spikes": lambda net: (net.hidden.neurons, "output"),
    }
    (reference, ref_data), (result, data) = run_both(
        ProductNet(rule, n_neurons, neuron_type), 1000, probes
    )
    assert_float32_product_run(reference, ref_data, result, data, neuron_type)


def test_spiking_product_task_in_float64_matches_exactly(dl):
    """In float64 not a single spike moves: the operators agree with NumPy to rounding."""
    probes = {
        "local_error": lambda net: (net.layer1.learning_rule, "local_error"),
        "spikes": lambda net: (net.hidden.neurons, "output"),
    }
    (reference, ref_data), (result, data) = run_both(
        ProductNet("bp", 50, nengo.LIF(), dtype="float64"), 1000, probes
    )
    np.testing.assert_array_equal(data["spikes"], ref_data["spikes"])
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 1e-10, key
    assert relative_difference(data["local_error"], ref_data["local_error"]) < 1e-10


DEEP_X = np.random.RandomState(0).uniform(0, 1, size=(200, 784))
DEEP_T = np.eye(10)[np.random.RandomState(1).randint(10, size=200)]


def deep_network(rule, dtype=None):
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
        if dtype is not None:
            nengo_dl.configure_settings(dtype=dtype)
        nengo.Connection(nengo.Node(nengo.processes.PresentInput(DEEP_X, 0.001)), net.input)
        nengo.Connection(nengo.Node(nengo.processes.PresentInput(DEEP_T, 0.001)), net.target)
    return net


DEEP_PROBES = {
    f"local_error{k}": (lambda net, k=k: (net.hidden_connections[k].learning_rule, "local_error"))
    for k in (0, 1)
}


@pytest.mark.parametrize("rule", ["fa", "bp", "dfa", "kp", "ss", "np", "wp"])
def test_deep_rules_match_the_reference(dl, rule):
    (reference, ref_data), (result, data) = run_both(lambda: deep_network(rule), 200, DEEP_PROBES)
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
    if rule == "ss":
        # sign(F) flips where F is within float32 rounding of zero (a step or two)
        for key, value in reference.items():
            assert relative_difference(result[key], value) < 1e-3, key
        for key, value in ref_data.items():
            close = np.isclose(data[key], value, rtol=1e-4, atol=1e-4 * np.abs(value).max())
            assert np.mean(np.all(close, axis=1)) > 0.98, key
        return
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 1e-4, key
    for key, value in ref_data.items():
        assert relative_difference(data[key], value) < 1e-4, key


@pytest.mark.parametrize("rule", ["kp", "wp"])
def test_deep_rules_in_float64_match_to_rounding(dl, rule):
    """Kolen-Pollack (learned feedback, decays) and weight perturbation (host noise, loss)."""
    (reference, ref_data), (result, data) = run_both(
        lambda: deep_network(rule, dtype="float64"), 100, DEEP_PROBES, runs=2
    )
    for key, value in {**reference, **ref_data}.items():
        actual = result[key] if key in result else data[key]
        assert relative_difference(actual, value) < 1e-9, key


# --- every probeable, every rule, small networks in float64 ---------------------------

SMALL_X = np.random.RandomState(5).uniform(-1, 1, size=(50, 6))
SMALL_T = np.random.RandomState(6).uniform(-1, 1, size=(50, 3))
RULES = ["bp", "fa", "dfa", "kp", "ss", "np", "wp"]


def small_network(rule, items=(0,), neuron_type=None, synapse=None, seed=2):
    """6-12-8-3 FeedForward in float64; each item's inputs, targets and learning gate.

    Item ``k`` sees the samples shifted by ``7 k`` and learns except during
    steps ``[40 + 30 k, 70 + 30 k)``. Returns the network and the data of
    its input nodes, ``{node: (len(items), steps, d)}`` for 300 steps.
    """
    perturbation = rule in ("np", "wp")
    net = FeedForward(
        6,
        [12, 8],
        3,
        rule=rule,
        neuron_type=neuron_type,
        learning_rate=1e-4 if perturbation else 3.0,
        readout_init=nengo.dists.Gaussian(0, 0.01),
        readout_learning_rate=1e-3,
        synapse=synapse,
        init_inputs=SMALL_X,
        seed=seed,
    )
    steps = np.arange(300)

    def item(k):
        order = (steps + 7 * k) % len(SMALL_X)
        gate = ~((steps >= 40 + 30 * k) & (steps < 70 + 30 * k))
        return SMALL_X[order], SMALL_T[order], gate[:, None].astype(float)

    x, t, gate = item(items[0])
    with net:
        nengo_dl.configure_settings(dtype="float64")
        net.x_node = nengo.Node(nengo.processes.PresentInput(x, 0.001), label="x")
        net.t_node = nengo.Node(nengo.processes.PresentInput(t, 0.001), label="t")
        nengo.Connection(net.x_node, net.input, synapse=None)
        nengo.Connection(net.t_node, net.target, synapse=None)
        net.learning.output = nengo.processes.PresentInput(gate, 0.001)
    data = [item(k) for k in items]
    feeds = {
        node: np.stack([d[i] for d in data])
        for i, node in enumerate((net.x_node, net.t_node, net.learning))
    }
    return net, feeds


#: Rules without a teaching matrix shaped like the forward matrix through ``reference``.
NO_MATRIX = ("dfa", "np", "wp")


def probe_everything(net):
    """A probe on every probeable attribute of every encoder rule, and on the readout."""
    probes = {}
    for k, conn in enumerate(net.hidden_connections):
        rule = conn.learning_rule
        for attr in rule.learning_rule_type.probeable:
            if attr in ("feedback_angle", "feedback_norm_ratio") and net.rule in NO_MATRIX:
                continue
            if attr == "sign_trace" and k < len(net.hidden_connections) - 1:
                continue  # the sign gate is built where the error is external (the last layer)
            probes[f"{attr}{k}"] = nengo.Probe(rule, attr)
    probes["readout_weights"] = nengo.Probe(net.readout, "weights")
    probes["output"] = nengo.Probe(net.output)
    return probes


def reference_run(rule, item, steps, **kwargs):
    net, _ = small_network(rule, items=(item,), **kwargs)
    with net:
        probes = probe_everything(net)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(steps)
    return {key: sim.data[p] for key, p in probes.items()}


def assert_matches(actual, expected, rtol=1e-9, label=""):
    for key, value in expected.items():
        value = np.asarray(value, dtype=float)
        got = np.asarray(actual[key], dtype=float).reshape(value.shape)
        if key.startswith("update_angle") and "local_error" + key[12:] in expected:
            # the angle of a local error within rounding of zero is noise (NaN where it is 0)
            local = np.linalg.norm(np.asarray(expected["local_error" + key[12:]]), axis=1)
            defined = local > rtol * local.max()
            value, got = value[defined], got[defined]
        np.testing.assert_array_equal(np.isnan(got), np.isnan(value), err_msg=f"{label} {key}")
        finite = ~np.isnan(value)
        atol = rtol * np.max(np.abs(value[finite]), initial=0.0)
        if "angle" in key:  # arccos is ill-conditioned near 0 and 180 degrees
            atol = max(atol, 1e-5)
        np.testing.assert_allclose(
            got[finite], value[finite], rtol=rtol, atol=atol, err_msg=f"{label} {key}"
        )


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_and_probeable_matches_in_float64(dl, rule):
    reference = reference_run(rule, 0, 150)
    net, _ = small_network(rule)
    with net:
        probes = probe_everything(net)
    with dl(net) as sim:
        sim.run_steps(150)
    assert_matches({key: sim.data[p] for key, p in probes.items()}, reference, label=rule)


@pytest.mark.parametrize("rule", RULES)
def test_minibatch_items_learn_independently(dl, rule):
    """``minibatch_size=B``: item k's run (parameters and every probe) is a reference run on item
    k's inputs, targets and learning gate, over several run calls; nothing is averaged."""
    net, feeds = small_network(rule, items=(0, 1))
    with net:
        probes = probe_everything(net)
    with dl(net, minibatch_size=2) as sim:
        for start, steps in ((0, 120), (120, 180)):
            sim.run_steps(steps, data={n: v[:, start : start + steps] for n, v in feeds.items()})
        data = {key: sim.data[p] for key, p in probes.items()}
        params = parameters(sim, net)
    for k in (0, 1):
        reference = reference_run(rule, k, 300)
        assert_matches({key: value[k] for key, value in data.items()}, reference, label=f"{k}")
        assert_matches(
            {"bias": params["bias0"][k], "encoders": params["encoders0"][k]},
            {"bias": reference["bias0"][-1], "encoders": reference["scaled_encoders0"][-1]},
            label=f"{k}",
        )
    assert not np.allclose(params["bias0"][0], params["bias0"][1])


def test_spiking_minibatch_with_synapses(dl):
    net, feeds = small_network("fa", items=(0, 1), neuron_type=nengo.LIF(), synapse=0.005)
    with net:
        probes = probe_everything(net)
    with dl(net, minibatch_size=2) as sim:
        sim.run_steps(300, data=feeds)
    for k in (0, 1):
        reference = reference_run("fa", k, 300, neuron_type=nengo.LIF(), synapse=0.005)
        assert_matches({key: sim.data[p][k] for key, p in probes.items()}, reference)


def test_learned_biases_persist_across_run_calls_and_reset(dl):
    net, _ = small_network("np")
    with net:
        probes = probe_everything(net)
    with dl(net) as sim:
        initial = parameters(sim, net)
        sim.run_steps(100)
        after_one = parameters(sim, net)
        sim.run_steps(100)
        after_two = parameters(sim, net)
        first = {key: sim.data[p].copy() for key, p in probes.items()}
        sim.reset()
        np.testing.assert_array_equal(parameters(sim, net)["bias0"], initial["bias0"])
        sim.run_steps(100)
        sim.run_steps(100)
        again = {key: sim.data[p] for key, p in probes.items()}
    for key in ("bias0", "bias1", "encoders0"):
        assert not np.allclose(after_one[key], initial[key]), key
        assert not np.allclose(after_two[key], after_one[key]), key
    # the second call starts from the learned biases: the run equals one 200-step run
    assert_matches(first, reference_run("np", 0, 200))
    for key, value in first.items():  # the noise stream restarts with the step count
        np.testing.assert_array_equal(again[key], value, err_msg=key)


def test_reset_keeping_learned_parameters(dl):
    """``reset(include_trainable=False)`` keeps the learned encoders, biases and KP feedback."""
    net, _ = small_network("kp")
    feedback = net.hidden_connections[0].learning_rule
    with dl(net) as sim:
        feedback_signal = sim.model.sig[feedback]["feedback"]
        initial_feedback = sim.tensor_graph.get_tensor(feedback_signal).numpy()
        sim.run_steps(100)
        learned = parameters(sim, net)
        learned["feedback"] = sim.tensor_graph.get_tensor(feedback_signal).numpy()
        sim.reset(include_trainable=False)
        kept = parameters(sim, net)
        kept["feedback"] = sim.tensor_graph.get_tensor(feedback_signal).numpy()
    assert not np.allclose(learned["feedback"], initial_feedback)
    for key, value in learned.items():
        np.testing.assert_array_equal(kept[key], value, err_msg=key)


def test_columns_of_the_next_encoders(dl):
    """A chained rule whose downstream feeds part of the next ensemble reads ``E[:, columns]``."""

    def make_net():
        with nengo.Network(seed=4) as net:
            nengo_dl.configure_settings(dtype="float64")
            stim = nengo.Node(lambda t: [np.sin(7 * t), np.cos(5 * t)])
            h1 = nengo.Ensemble(15, 2, neuron_type=nengo.RectifiedLinear())
            h2 = nengo.Ensemble(10, 4, neuron_type=nengo.RectifiedLinear())
            out = nengo.Node(size_in=1)
            error = nengo.Node(lambda t, x: x - np.sin(7 * t) * np.cos(5 * t), size_in=1)
            readout = nengo.Connection(
                h2, out, function=lambda x: 0, learning_rule_type=nengo.PES()
            )
            rule2 = nengo_fa.BackpropEncoder(readout)
            middle = nengo.Connection(
                h1.neurons, h2[1:3], transform=np.ones((2, 15)) * 0.01, learning_rule_type=rule2
            )
            nengo.Connection(stim, h1, learning_rule_type=nengo_fa.BackpropEncoder(middle))
            nengo.Connection(out, error)
            nengo.Connection(error, readout.learning_rule)
            nengo.Connection(error, middle.learning_rule)
            net.compared = [
                nengo.Probe(middle.learning_rule, "local_error"),
                nengo.Probe(h1.neurons, "output"),
            ]
        return net

    results = []
    for simulator in (nengo.Simulator, dl):
        net = make_net()
        with simulator(net, progress_bar=False) as sim:
            sim.run_steps(300)
        results.append([sim.data[p] for p in net.compared])
    for actual, expected in zip(*results[::-1], strict=True):
        assert np.abs(expected).max() > 0
        assert relative_difference(actual, expected) < 1e-10


def test_non_finite_steps_are_skipped_and_counted(dl):
    """An error that overflows float32 for 10 steps: skipped, counted, then learning resumes."""
    net = ProductNet("bp", 20, nengo.RectifiedLinear())()
    with net:
        burst = nengo.Node(lambda t: 1e30 if 0.2 < t <= 0.21 else 0.0)
        nengo.Connection(burst, net.layer1.learning_rule, transform=1e10, synapse=None)
        skipped = nengo.Probe(net.layer1.learning_rule, "skipped_updates")
        bias = nengo.Probe(net.layer1.learning_rule, "bias")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with dl(net) as sim:
            sim.run_steps(400)
            learned = parameters(sim, net)
    t = sim.trange()
    assert sim.data[skipped][-1] == 10
    assert np.all(sim.data[skipped][t <= 0.2] == 0)
    for value in learned.values():
        assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(sim.data[bias]))
    before, after = sim.data[bias][t <= 0.2][-1], sim.data[bias][t <= 0.21][-1]
    np.testing.assert_array_equal(after, before)  # frozen through the burst
    assert not np.allclose(sim.data[bias][-1], after)  # and learning again afterwards
    assert not [w for w in caught if issubclass(w.category, SkippedUpdateWarning)]


def test_user_derivatives_run_on_the_host(dl):
    class Cubic(nengo.RectifiedLinear):
        """A neuron type with its own derivative."""

        def step(self, dt, J, output):
            output[...] = self.amplitude * np.maximum(J, 0) ** 3

    nengo_fa.register_derivative(Cubic, lambda neuron_type, J: 3 * np.maximum(J, 0) ** 2)
    with pytest.warns(UserWarning, match="has no TensorFlow implementation"):
        (reference, _), (result, _) = run_both(ProductNet("bp", 10, Cubic()), 300, {})
    for key, value in reference.items():
        assert relative_difference(result[key], value) < 1e-4, key


def test_unsupported_nengo_dl_version_is_a_clear_error(dl, monkeypatch):
    monkeypatch.setattr(nengo_dl, "__version__", "3.4.0")
    with pytest.raises(nengo.exceptions.BuildError, match="supports nengo-dl 3.6.0"):
        dl(ProductNet("bp", 10, nengo.RectifiedLinear())())


HOOK_SCRIPT = """
import sys
import nengo
import numpy as np
nengo.rc["decoder_cache"]["enabled"] = "False"
if {dl_first}:
    import nengo_dl
import nengo_fa
from nengo_fa.networks import FunctionLearner
assert ("nengo_dl" in sys.modules) == {dl_first}, "nengo_fa imported nengo_dl"
assert ("nengo_fa.dl" in sys.modules) == {dl_first}
import nengo_dl
assert "nengo_fa.dl" in sys.modules
net = FunctionLearner(lambda x: x[0] * x[1], lambda t: [np.sin(5 * t), np.cos(7 * t)], 2, 10,
                      "bp", seed=1)
with net:
    probe = nengo.Probe(net.layer1.learning_rule, "local_error")
with nengo_dl.Simulator(net, progress_bar=False) as sim:
    sim.run_steps(50)
assert np.abs(sim.data[probe]).max() > 0
print("ok")
"""


def test_every_operator_has_a_builder(dl):
    from nengo_dl.builder import Builder

    from nengo_fa.builder import OPERATORS

    assert [op.__name__ for op in OPERATORS if op not in Builder.builders] == []


@pytest.mark.parametrize("dl_first", [False, True], ids=["nengo_fa-first", "nengo_dl-first"])
def test_importing_nengo_fa_registers_the_builders(dl, dl_first):
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(nengo_fa.__file__).parents[1]))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(HOOK_SCRIPT.format(dl_first=dl_first))],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_importing_nengo_fa_without_nengo_dl():
    script = (
        "import sys; sys.modules['nengo_dl'] = None; import nengo_fa; "
        "assert 'nengo_fa.dl' not in sys.modules; print('ok')"
    )
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(nengo_fa.__file__).parents[1]))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout


def test_unrolled_simulation_gives_the_same_run(dl):
    data = []
    for unroll in (1, 10):
        net = ProductNet("bp", 10, nengo.RectifiedLinear())()
        with net:
            probe = nengo.Probe(net.layer1.learning_rule, "local_error")
        with dl(net, unroll_simulation=unroll) as sim:
            sim.run_steps(100)
            sim.run_steps(100)
        data.append(sim.data[probe])
    assert np.abs(data[0]).max() > 0
    np.testing.assert_allclose(data[1], data[0], rtol=1e-6, atol=1e-6 * np.abs(data[0]).max())


def test_learned_bias_signals_are_minibatched_parameters(dl):
    net = ProductNet("fa", 10, nengo.RectifiedLinear())()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = dl(net, minibatch_size=3)
    with sim:
        bias = sim.model.sig[net.hidden.neurons]["bias"]
        assert (bias.trainable, bias.minibatched) == (False, True)
        assert sim.data.get_params((net.hidden, "bias"))[0].shape == (3, 10)


def test_learn_product_example_on_nengo_dl(dl):
    """The demo's learners and its frozen RMSE (read from nengo-dl's live sim.data)."""
    example = load_example("learn_product")
    frozen = {}
    for simulator in (nengo.Simulator, dl):
        net = example.build_model(10, 0)
        with simulator(net, progress_bar=False) as sim:
            sim.run(3.0)
            frozen[simulator] = [
                example.frozen_product_rmse(sim, learner) for learner in net.learners.values()
            ]
    np.testing.assert_allclose(frozen[dl], frozen[nengo.Simulator], rtol=1e-3)


def test_learned_encoders_refuse_several_minibatch_items(dl):
    net = FeedForward(4, [6], 2, rule="fa", seed=0)
    with dl(net, minibatch_size=2) as sim:
        sim.run_steps(2)
        with pytest.raises(ValueError, match="2 minibatch items"):
            learned_encoders(sim, net.layers[0])
