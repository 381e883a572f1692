"""Reliability: bad values never poison a model, simulators are reproducible and picklable."""

import os
import pathlib
import pickle
import subprocess
import sys
import warnings

import nengo
import numpy as np
import pytest
from conftest import NO_SIGNALS, product_learner
from nengo.exceptions import ValidationError

import nengo_fa
from nengo_fa.builder.operators import SkippedUpdateWarning
from nengo_fa.networks import (
    FeedForward,
    FunctionLearner,
    GaussianInput,
    learned_encoders,
    restore_learned,
    save_learned,
)

ALL_RULES = ("bp", "fa", "dfa", "kp", "ss", "np", "wp")


class NaNBurst(nengo.Process):
    """Passes its input through, but NaN during ``(start, stop]``."""

    def __init__(self, size, start=0.2, stop=0.21):
        super().__init__(default_size_in=size, default_size_out=size)
        self.start, self.stop = start, stop

    def make_step(self, shape_in, shape_out, dt, rng, state):
        def step_nan_burst(t, x):
            return x * np.nan if self.start < t <= self.stop else x

        return step_nan_burst


@pytest.mark.skip_simulator(
    "dl",
    reason="nengo-dl refuses a NaN from a Process (SimulationError: returned invalid value); "
    "test_dl.py checks non-finite steps with an error that overflows float32",
)
@pytest.mark.parametrize("rule", ["fa", "bp"])
@pytest.mark.parametrize("where", ["error", "input"])
@pytest.mark.parametrize("neuron_type", [nengo.LIF(), nengo.RectifiedLinear()], ids=str)
def test_a_nan_burst_is_skipped_and_learning_resumes(Simulator, rule, where, neuron_type):
    net = product_learner(rule, 20, neuron_type=neuron_type, seed=1)
    with net:
        if where == "error":  # NaN only on the rule's own error, unfiltered
            burst = nengo.Node(NaNBurst(1))
            nengo.Connection(net.error, burst, synapse=None)
            nengo.Connection(burst, net.layer1.learning_rule, synapse=None)
        else:  # NaN into the ensemble, on top of its normal input
            burst = nengo.Node(NaNBurst(2))
            nengo.Connection(net.stim, burst, synapse=None)
            nengo.Connection(burst, net.hidden, transform=0.01, synapse=None)
        skipped = nengo.Probe(net.layer1.learning_rule, "skipped_updates")
        bias = nengo.Probe(net.layer1.learning_rule, "bias")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Simulator(net) as sim:
            sim.run(0.4)
            encoders, biases = learned_encoders(sim, net.hidden)
    assert np.all(np.isfinite(encoders)) and np.all(np.isfinite(biases))
    assert np.all(np.isfinite(sim.data[bias]))
    if Simulator.is_reference:  # (nengo-ocl's ReLU kernel turns a NaN current into 0)
        assert sim.data[skipped][-1] >= 1
    t = sim.trange()
    resumed = not np.allclose(sim.data[bias][-1], sim.data[bias][t <= 0.3][-1])
    # a NaN input reaches PES through ReLU activities: Nengo's decoders, and so the
    # error, stay NaN for good; LIF neurons (and a NaN error alone) let learning resume
    nengo_keeps_nan = where == "input" and isinstance(neuron_type, nengo.RectifiedLinear)
    assert resumed or (nengo_keeps_nan and Simulator.is_reference)
    skip_warnings = [w for w in caught if issubclass(w.category, SkippedUpdateWarning)]
    assert len(skip_warnings) == (1 if Simulator.is_reference else 0)


@pytest.mark.parametrize("scale", [1e4, 1e30])
def test_unstable_learning_rates_warn_at_construction(scale):
    with pytest.warns(UserWarning, match="is unstable"):
        nengo_fa.FeedbackAlignment(error_size=1, learning_rate=scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nengo_fa.FeedbackAlignment(error_size=1, learning_rate=300.0)


@pytest.mark.parametrize(
    "make, attr",
    [
        (lambda: nengo_fa.FeedbackAlignment(error_size=1, learning_rate=np.nan), "learning_rate"),
        (lambda: nengo_fa.FeedbackAlignment(error_size=1, learning_rate=np.inf), "learning_rate"),
        (lambda: nengo_fa.FeedbackAlignment(error_size=1, learning_rate=True), "learning_rate"),
        (lambda: nengo_fa.FeedbackAlignment(error_size=True), "error_size"),
        (lambda: nengo_fa.NodePerturbation(True), "error_size"),
        (lambda: nengo_fa.NodePerturbation(1, noise=np.inf), "noise"),
        (lambda: nengo_fa.WeightPerturbation(1, baseline_tau=np.nan), "baseline_tau"),
        (
            lambda: nengo_fa.FeedbackAlignment(error_size=1, feedback=np.full((4, 1), np.inf)),
            "feedback",
        ),
    ],
)
def test_nan_inf_and_booleans_are_refused(make, attr):
    with pytest.raises(ValidationError, match=attr):
        make()


def learner(rule, seed=1, input_seed=2):
    """A small two-hidden-layer FeedForward with the given rule, fed Gaussian inputs."""
    perturbation = rule in ("np", "wp")
    net = FeedForward(
        4,
        [8, 6],
        2,
        rule=rule,
        learning_rate=0.05 if perturbation else 3.0,
        init_inputs=np.random.RandomState(0).standard_normal((100, 4)),
        seed=seed,
    )
    with net:
        x = nengo.Node(GaussianInput(4, seed=input_seed))
        nengo.Connection(x, net.input, synapse=None)
        nengo.Connection(x[:2], net.target, synapse=None)
    return net


def state(sim):
    """Every ensemble's learned encoders and biases, in network order (survives pickling)."""
    return [np.copy(p) for e in sim.model.toplevel.all_ensembles for p in learned_encoders(sim, e)]


@pytest.mark.parametrize("rule", ALL_RULES)
def test_a_pickled_simulator_continues_exactly(rule):
    net = learner(rule)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(300)
        uninterrupted = state(sim)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(137)
        restored = pickle.loads(pickle.dumps(sim))
    with restored:
        restored.run_steps(163)
        for a, b in zip(uninterrupted, state(restored), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.skip_simulator("dl", reason=NO_SIGNALS)
@pytest.mark.parametrize("rule", ALL_RULES)
def test_same_seed_simulators_are_identical(Simulator, rule):
    runs = []
    for _ in range(2):
        with Simulator(learner(rule)) as sim:
            sim.run_steps(200)
            runs.append(state(sim))
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rule", ["fa", "np"])
def test_reset_with_a_seed_equals_a_fresh_simulator_with_that_seed(rule):
    net = learner(rule, input_seed=None)  # the input follows the simulator seed
    with nengo.Simulator(net, seed=5, progress_bar=False) as fresh:
        fresh.run_steps(100)
        expected = state(fresh)
    with nengo.Simulator(net, seed=1, progress_bar=False) as sim:
        sim.run_steps(50)
        sim.reset(seed=5)
        sim.run_steps(100)
        for a, b in zip(expected, state(sim), strict=True):
            np.testing.assert_array_equal(a, b)


def test_ready_made_networks_pickle():
    for net in (learner("kp"), FunctionLearner(np.square, np.sin, 1, rule="bp", seed=1)):
        copy = pickle.loads(pickle.dumps(net))
        assert len(copy.all_connections) == len(net.all_connections)


def test_several_feedback_rules_on_one_connection_draw_independent_matrices():
    given = np.ones((10, 1))
    with nengo.Network(seed=3) as net:
        ens = nengo.Ensemble(10, 1)
        conn = nengo.Connection(
            nengo.Node([0.5]),
            ens,
            learning_rule_type=[
                nengo_fa.FeedbackAlignment(error_size=1),
                nengo_fa.FeedbackAlignment(error_size=1, learning_rate=2.0),
                nengo_fa.FeedbackAlignment(error_size=1, feedback=given),
            ],
        )
    with nengo.Simulator(net, progress_bar=False) as sim:
        first, second, third = (sim.data[r].feedback for r in conn.learning_rule)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(third, given)
    with nengo.Simulator(net, progress_bar=False) as sim:  # and the same each build
        np.testing.assert_array_equal(sim.data[conn.learning_rule[0]].feedback, first)


def test_nengo_learning_rule_tests_pass_with_nengo_fa_imported(tmp_path):
    """Nengo's own learning-rule tests, in a subprocess with nengo_fa imported as a plugin."""
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(__file__).parent))
    command = [sys.executable, "-m", "pytest", "--pyargs", "nengo.tests.test_learning_rules"]
    command += ["-q", "-p", "no:nengo", "-p", "nengo_core_plugin", "-p", "nengo_fa"]
    command += ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert result.returncode == 0, summary
    assert " passed" in summary and "failed" not in summary, summary


@pytest.mark.skip_simulator("dl", reason=NO_SIGNALS)
@pytest.mark.parametrize("rule", ["bp", "kp", "dfa"])
def test_saved_learning_resumes_exactly_where_it_stopped(Simulator, rule, tmp_path):
    """Save, rebuild, restore, continue: as if never interrupted.

    With a constant input, rate neurons and no synapses, each step depends
    only on the learned parameters, which are all that is saved.
    """

    def constant_learner():
        net = learner(rule)
        with net:
            for conn in list(net.connections):
                if conn.pre_obj is not net.learning and conn.post_obj in (net.input, net.target):
                    net.connections.remove(conn)
            nengo.Connection(nengo.Node([0.3, -0.5, 0.8, 0.1]), net.input, synapse=None)
            nengo.Connection(nengo.Node([0.2, -0.1]), net.target, synapse=None)
        return net

    path = tmp_path / "learned.npz"
    with Simulator(constant_learner()) as sim:
        sim.run_steps(150)
        save_learned(sim, path)
        sim.run_steps(100)
        uninterrupted = state(sim)
    with Simulator(constant_learner()) as resumed:
        restore_learned(resumed, path)
        resumed.run_steps(100)
        for a, b in zip(uninterrupted, state(resumed), strict=True):
            Simulator.assert_close(b, a, rtol=1e-12)
    with pytest.raises(ValueError, match="different network"):
        with Simulator(learner("fa" if rule == "kp" else "kp")) as other:
            restore_learned(other, path)


@pytest.mark.parametrize("rule", ["kp", "wp"])
def test_saved_learning_round_trips_exactly(rule, tmp_path):
    net = learner(rule)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(50)
        save_learned(sim, tmp_path / "a.npz")
    with nengo.Simulator(net, progress_bar=False) as other:
        restore_learned(other, tmp_path / "a.npz")
        save_learned(other, tmp_path / "b.npz")
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        expected = "feedback" if rule == "kp" else "delta"  # KP's B, WP's pending update
        assert set(a.files) == set(b.files) and any(expected in key for key in a.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
