"""The reference-experiment examples load, run, and measure what they claim.

Each example module defines a small ``model`` (for Nengo GUI) and the
measurement code its ``main()`` uses; these tests run tiny versions of both and
check them against analytic values where there are any.
"""

import pathlib

import nengo
import numpy as np
import pytest
from conftest import load_example
from scipy import special
from scipy.special import erfinv

from nengo_fa.derivatives import derivative_function, rate_curve

EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"


@pytest.fixture(scope="module")
def fa_vs_bp():
    return load_example("fa_vs_bp_two_hidden")  # digits when Fashion-MNIST is missing


@pytest.fixture(scope="module")
def student_teacher():
    return load_example("student_teacher")


@pytest.fixture(scope="module")
def linear_alignment():
    return load_example("linear_alignment")


# --- FA vs BP, two hidden layers -------------------------------------------------------


def test_fa_vs_bp_model_starts_identical_and_measures_angles(fa_vs_bp):
    model = fa_vs_bp.model
    bp, fa = model.learners["bp"], model.learners["fa"]
    assert [ens.n_neurons for ens in fa.layers] == [200, 100]
    with nengo.Simulator(model, progress_bar=False) as sim:
        for ens_bp, ens_fa in zip(bp.layers, fa.layers, strict=True):
            for attr in ("scaled_encoders", "bias", "gain"):
                np.testing.assert_array_equal(
                    getattr(sim.data[ens_bp], attr), getattr(sim.data[ens_fa], attr)
                )
        np.testing.assert_array_equal(sim.data[bp.readout].weights, sim.data[fa.readout].weights)
        sim.run_steps(60)
    # same parameters and the same first image: the same first output
    np.testing.assert_array_equal(sim.data[bp.output_probe][0], sim.data[fa.output_probe][0])
    assert not np.allclose(sim.data[bp.output_probe][-1], sim.data[fa.output_probe][-1])
    assert bp.angle_probes == [] and len(fa.angle_probes) == 2
    for probe in fa.angle_probes:
        angles = np.asarray(sim.data[probe]).ravel()
        assert len(angles) == 6  # sample_every 10 steps
        finite = angles[np.isfinite(angles)]
        assert finite.size > 0
        assert np.all((finite >= 0) & (finite <= 180)) and np.all(finite > 1e-3)


def test_fa_vs_bp_training_code_path(fa_vs_bp):
    x_train, y_train, x_test, y_test = fa_vs_bp.load_data(300, 60, dataset="digits")
    assert x_train.shape == (300, 64) and np.allclose(x_train.mean(axis=0), 0, atol=1e-5)
    data = (x_train, y_train, x_test, y_test)
    net = fa_vs_bp.build_learner("fa", data, angle_every=0.005)
    result = fa_vs_bp.train(net, data, epochs=1, tsne_samples=20)
    assert result["correct"].shape == (300,) and result["correct"].dtype == bool
    assert len(result["test"]) == 1 and 0.0 <= result["test"][0] <= 1.0
    assert [len(a) for a in result["angles"]] == [60, 60]  # training only, not the test run
    for angles in result["angles"]:
        assert np.all((angles[np.isfinite(angles)] >= 0) & (angles[np.isfinite(angles)] <= 180))
    assert [h.shape for h in result["hidden"]] == [(20, 200), (20, 100)]
    assert result["encoders"].shape == (200, 64)
    assert not np.allclose(result["encoders"], result["initial_encoders"])


# --- student-teacher --------------------------------------------------------------------


def test_erf_neurons_and_registered_derivative(student_teacher):
    neuron_type = student_teacher.Erf()
    J = np.linspace(-4, 4, 81)
    rates = rate_curve(neuron_type, J)
    np.testing.assert_allclose(rates, student_teacher.g(J), rtol=1e-12)
    slope = derivative_function(neuron_type)(J)  # the registered analytic one, no warning
    numerical = (rate_curve(neuron_type, J + 1e-6) - rate_curve(neuron_type, J - 1e-6)) / 2e-6
    np.testing.assert_allclose(slope, numerical, atol=1e-8)
    gain, bias = neuron_type.gain_bias(np.array([0.5, 0.9]), np.array([-0.2, 0.3]))
    max_rates, intercepts = neuron_type.max_rates_intercepts(gain, bias)
    np.testing.assert_allclose(max_rates, [0.5, 0.9])
    np.testing.assert_allclose(intercepts, [-0.2, 0.3])


def test_student_teacher_initial_conditions_are_exact(student_teacher):
    net = student_teacher.model
    n = 500
    with nengo.Simulator(net, progress_bar=False) as sim:
        first, second = student_teacher.initial_state(sim, net)
        data = sim.data[net.layer.learning_rule]
        sim.run_steps(10)
    o = student_teacher.overlaps(first, net.teacher_weights)
    np.testing.assert_allclose(o["R"], 0, atol=1e-12)
    np.testing.assert_allclose(o["Q"], 0.2 * np.eye(5), atol=1e-12)
    np.testing.assert_allclose(o["T"], np.eye(5), atol=1e-12)
    np.testing.assert_array_equal(first, net.student_weights)  # scaled encoders = weights
    np.testing.assert_array_equal(second, np.zeros(5))
    # the rule takes the SGD step eta and FA's teaching vector is b itself
    assert data.step_size == pytest.approx(net.eta, rel=1e-12)
    np.testing.assert_allclose(data.feedback_scale * data.feedback[:, 0], net.feedback)
    # v = 0: eps_g = 0.5 * sum_n (2/pi) arcsin(1/2) = 5/6 exactly
    params = student_teacher.order_parameters(
        first[None], second[None], net.teacher_weights, net.feedback
    )
    assert params["eps_g"][0] == pytest.approx(5 / 6, rel=1e-12)
    assert params["eps_g"][0] == pytest.approx(
        student_teacher.soft_committee_generalization_error(o["Q"], o["R"], o["T"], w=second),
        rel=1e-12,
    )
    assert np.isnan(params["F"][0])
    assert first.shape == (5, n)


def test_student_teacher_simulated_error_matches_the_exact_generalization_error(
    student_teacher,
):
    """Learning off, v = 1: the mean of e^2 / 2 over fresh inputs is eps_g(Q, R, T, v)."""
    net = student_teacher.build_model("bp", eta=0.0, second_layer_eta=0.0, second_layer_init=1)
    with net:
        error = nengo.Probe(net.error, synapse=None)
        student = nengo.Probe(net.student.neurons, synapse=None)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(4000)
        first, second = student_teacher.initial_state(sim, net)
    o = student_teacher.overlaps(first, net.teacher_weights)
    expected = student_teacher.soft_committee_generalization_error(
        o["Q"], o["R"], o["T"], w=second
    )
    samples = 0.5 * sim.data[error][:, 0] ** 2
    assert np.mean(samples) == pytest.approx(expected, abs=5 * np.std(samples) / np.sqrt(4000))
    # hidden rates are erf(J / sqrt 2) of the fields J_i = w_i . x, of variance Q_ii = 0.2
    fields = np.sqrt(2) * erfinv(sim.data[student])
    np.testing.assert_allclose(np.var(fields, axis=0), 0.2, rtol=0.1)


def test_student_teacher_run_tracks_order_parameters_from_t0(student_teacher):
    net = student_teacher.build_model("fa", sample_every=0.05)
    times, params, (fine_times, fine_f) = student_teacher.run(net, 200)
    np.testing.assert_allclose(times, [0, 0.05, 0.1, 0.15, 0.2])
    assert params["R"].shape == (5, 5, 5) and params["Q"].shape == (5, 5, 5)
    assert params["eps_g"][0] == pytest.approx(5 / 6)
    assert params["eps_g"][-1] < params["eps_g"][0]  # FA learns from the start
    assert len(fine_times) == len(fine_f) == 20
    assert np.all(np.abs(fine_f[np.isfinite(fine_f)]) <= 1 + 1e-12)


# --- linear network ---------------------------------------------------------------------


def test_linear_alignment_model_runs_and_starts_at_half_norm_of_m(linear_alignment):
    model = linear_alignment.model
    assert set(model.learners) == {"fa", "dfa"}
    with nengo.Simulator(model, progress_bar=False) as sim:
        for learner in model.learners.values():
            # readout 0: f(x) = 0, loss = |M|_F^2 / 2 = 5 for an orthogonal 10 x 10 M
            assert linear_alignment.expected_loss(sim, learner, model.M) == pytest.approx(5.0)
            for ens, weights in zip(learner.layers, model.weights, strict=True):
                np.testing.assert_array_equal(sim.data[ens].scaled_encoders, weights)
        sim.run_steps(20)
    np.testing.assert_allclose(model.M @ model.M.T, np.eye(10), atol=1e-12)


def test_linear_update_angle_of_backprop_is_zero(linear_alignment):
    model = linear_alignment.build_model(rules=("bp",), angle_every=0.001)
    learner = model.learners["bp"]
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run_steps(50)
        assert sim.data[learner.hidden_connections[0].learning_rule].step_size == pytest.approx(
            linear_alignment.ETA
        )
    for probe in learner.angle_probes:
        angles = np.asarray(sim.data[probe]).ravel()
        finite = angles[np.isfinite(angles)]
        assert finite.size > 40  # NaN only while the readout is still exactly 0
        assert np.max(finite) < 1e-4


@pytest.mark.parametrize("rule", ["fa", "dfa"])
def test_linear_first_layer_takes_the_textbook_sgd_step(linear_alignment, rule):
    """delta W_1 = -eta (D / sqrt 10) e x^T (DFA) or -eta (B_1 / 10)(B_2 / sqrt 10) e x^T (FA)."""
    model = linear_alignment.build_model(rules=(rule,))
    learner = model.learners[rule]
    top, bottom = (c.learning_rule for c in learner.hidden_connections[::-1])
    with model:
        x = nengo.Probe(model.x, synapse=None)
        error = nengo.Probe(top, "error")
        delta = nengo.Probe(bottom, "delta")
    with nengo.Simulator(model, progress_bar=False) as sim:
        sim.run_steps(30)
        feedback = [sim.data[r].feedback for r in (bottom, top)]
    if rule == "dfa":
        teaching = sim.data[error] @ (feedback[0] / np.sqrt(10)).T
    else:
        teaching = sim.data[error] @ (feedback[1] / np.sqrt(10)).T @ (feedback[0] / 10).T
    expected = -linear_alignment.ETA * np.einsum("ti,tj->tij", teaching, sim.data[x])
    np.testing.assert_allclose(sim.data[delta], expected, rtol=1e-9, atol=1e-15)
    assert np.abs(expected).max() > 0


def test_overlaps(student_teacher):
    student = np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 1.0]])
    teacher = np.array([[1.0, 1.0, 1.0, 1.0]])
    result = student_teacher.overlaps(student, teacher)
    np.testing.assert_allclose(result["R"], [[3 / 4], [2 / 4]])
    np.testing.assert_allclose(result["Q"], [[5 / 4, 0], [0, 2 / 4]])
    np.testing.assert_allclose(result["T"], [[1.0]])


def committee(weights, fields):
    return special.erf(fields / np.sqrt(2)) @ weights


def test_generalization_error_matches_monte_carlo(student_teacher):
    rng = np.random.RandomState(3)
    n_inputs, n_student, n_teacher = 50, 3, 2
    student = rng.standard_normal((n_student, n_inputs))
    teacher = rng.standard_normal((n_teacher, n_inputs))
    w = rng.standard_normal(n_student)
    v = rng.standard_normal(n_teacher)
    inputs = rng.standard_normal((200_000, n_inputs))
    difference = committee(w, inputs @ student.T / np.sqrt(n_inputs)) - committee(
        v, inputs @ teacher.T / np.sqrt(n_inputs)
    )
    monte_carlo = 0.5 * np.mean(difference**2)

    order = student_teacher.overlaps(student, teacher)
    exact = student_teacher.soft_committee_generalization_error(
        order["Q"], order["R"], order["T"], v=v, w=w
    )
    assert exact == pytest.approx(monte_carlo, rel=0.02)


def test_generalization_error_default_weights_are_ones(student_teacher):
    rng = np.random.RandomState(4)
    student = rng.standard_normal((3, 20))
    teacher = rng.standard_normal((2, 20))
    order = student_teacher.overlaps(student, teacher)
    args = order["Q"], order["R"], order["T"]
    assert student_teacher.soft_committee_generalization_error(*args) == pytest.approx(
        student_teacher.soft_committee_generalization_error(*args, v=np.ones(2), w=np.ones(3))
    )


def test_generalization_error_vanishes_for_student_equal_to_teacher(student_teacher):
    teacher = np.random.RandomState(5).standard_normal((3, 30))
    order = student_teacher.overlaps(teacher, teacher)
    assert student_teacher.soft_committee_generalization_error(
        order["Q"], order["R"], order["T"]
    ) == pytest.approx(0.0, abs=1e-12)


def test_order_parameter_panels(student_teacher):
    import matplotlib

    matplotlib.use("Agg")

    n_times, n_student, n_teacher = 30, 3, 2
    rng = np.random.RandomState(0)
    times = np.linspace(0, 3, n_times)
    R = rng.standard_normal((n_times, n_student, n_teacher))
    Q = rng.standard_normal((n_times, n_student, n_student))
    F = np.linspace(0, 1, n_times)
    eps_g = np.exp(-times)
    fig = student_teacher.order_parameter_panels(times, R, Q, F, eps_g)
    ax_r, ax_q, ax_f, ax_eps = fig.axes
    assert len(ax_r.lines) == n_student * n_teacher
    assert len(ax_q.lines) == n_student * (n_student + 1) // 2
    assert [line.get_linestyle() for line in ax_q.lines].count("-") == n_student
    assert len(ax_f.lines) == 1
    assert len(ax_eps.lines) == 1
    assert ax_eps.get_yscale() == "log"
