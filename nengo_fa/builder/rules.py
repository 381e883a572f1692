"""``@Builder.register`` functions: how each rule forms its local error."""

import numpy as np
from nengo.builder import Builder, Signal
from nengo.builder.operator import Copy, DotInc, Reset
from nengo.exceptions import BuildError
from nengo.learning_rules import PES

from nengo_fa.builder.encoder import (
    LocalError,
    _ensemble_learning_signals,
    add_backprop_teaching,
    add_transposed_weights,
    build_encoder_rule,
    decay_encoders,
    forward_path,
    forward_scale,
    post_ensemble,
    sample_feedback,
    slope_times_teaching,
)
from nengo_fa.builder.operators import (
    SimDecay,
    SimFeedbackUpdate,
    SimGaussianNoise,
    SimPerturbationEstimate,
    SimSignFeedback,
)
from nengo_fa.learning_rules import (
    BackpropEncoder,
    FeedbackAlignment,
    KolenPollack,
    NodePerturbation,
    SignSymmetry,
    WeightPerturbation,
    as_list,
)


def _build_teaching_rule(model, rule_type, rule, path, add_teaching):
    name = type(rule_type).__name__
    add_local_error = slope_times_teaching(
        model, rule, _ensemble_learning_signals(model, post_ensemble(rule)), add_teaching, name
    )
    build_encoder_rule(model, rule_type, rule, add_local_error, path)


@Builder.register(BackpropEncoder)
def build_backprop_encoder(model, rule_type, rule):
    r"""Build `.BackpropEncoder`: :math:`M = F^T`, the live transposed forward matrix."""
    path = forward_path(model, rule, rule_type.downstream)

    def add_teaching(error, teaching):
        add_backprop_teaching(model, path, error, teaching, "BackpropEncoder:feedback")
        return LocalError(teaching_matrix=("exact", None))

    _build_teaching_rule(model, rule_type, rule, path, add_teaching)


@Builder.register(FeedbackAlignment)
def build_feedback_alignment(model, rule_type, rule):
    r"""Build `.FeedbackAlignment`: :math:`M = s_B B`, fixed."""
    post = post_ensemble(rule)
    path = None
    if rule_type.downstream is not None:
        path = forward_path(model, rule, rule_type.downstream, need_weights=False)
    feedback = sample_feedback(model, rule_type, rule, post.n_neurons)
    scale = forward_scale(model, post, path)
    name = type(rule_type).__name__

    def add_teaching(error, teaching):
        matrix = Signal(scale * feedback, name=f"{name}:M", readonly=True)
        model.add_op(DotInc(matrix, error, teaching, tag=f"{name}:feedback"))
        return LocalError(feedback, scale, ("matrix", matrix))

    _build_teaching_rule(model, rule_type, rule, path, add_teaching)


def _pes_rule(downstream, name, conn):
    rules = as_list(downstream.learning_rule)
    pes = [r for r in rules if isinstance(r.learning_rule_type, PES)]
    if len(pes) != 1 or downstream._to_neurons:
        raise BuildError(
            f"{name} on {conn}: downstream={downstream} must learn its weights with one "
            "nengo.PES rule (decoded, or into a Node) or carry an encoder rule, so that the "
            "feedback matrix can follow its updates."
        )
    return pes[0]


@Builder.register(KolenPollack)
def build_kolen_pollack(model, rule_type, rule):
    r"""Build `.KolenPollack`: :math:`B` follows the transposed forward update, both decay."""
    post = post_ensemble(rule)
    path = forward_path(model, rule, rule_type.downstream)
    initial = sample_feedback(model, rule_type, rule, post.n_neurons)
    scale = forward_scale(model, post, path)
    name = type(rule_type).__name__
    decay = 1.0 - rule_type.weight_decay * model.dt
    if decay <= 0:
        raise BuildError(f"{name} on {rule.connection}: weight_decay * dt must be below 1.")
    feedback = Signal(scale * initial, name=f"{name}:B")
    model.sig[rule]["feedback"] = feedback
    rows = path.neurons
    n_rows = len(range(*rows.indices(post.n_neurons)))

    def add_teaching(error, teaching):
        model.add_op(DotInc(feedback, error, teaching, tag=f"{name}:feedback"))
        downstream = path.downstream
        if path.next_rule is None:  # dB = (PES's dW)^T = -(kappa dt / n) outer(a, e)
            pes = model.sig[_pes_rule(downstream, name, rule.connection)]
            activities, pes_error = pes["activities"], pes["error"]
            alpha = -pes_error_rate(downstream) * model.dt / activities.shape[0]
            model.add_op(
                SimFeedbackUpdate(feedback, rows, activities, pes_error, alpha, decay, tag=name)
            )
            model.add_op(SimDecay(path.weights, decay, pes_error, tag=f"{name}: forward decay"))
        else:  # dB = (dE_next[:, cols] W)^T = outer(W^T x_next[cols], step_next) / r^2
            next_post = downstream.post_obj
            columns = downstream.post_slice
            x_next = model.sig[next_post]["in"]
            x_next = x_next if columns == slice(None) else x_next[columns]
            carried = Signal(shape=n_rows, name=f"{name}:forward_input")
            model.add_op(Reset(carried))
            add_transposed_weights(model, path.weights, x_next, carried, tag=name)
            step = model.sig[next_post]["encoder_step"]
            alpha = 1.0 / next_post.radius**2
            model.add_op(SimFeedbackUpdate(feedback, rows, carried, step, alpha, decay, tag=name))
            decay_encoders(model, next_post, decay, rule)
        return LocalError(initial, scale, ("matrix", feedback))

    _build_teaching_rule(model, rule_type, rule, path, add_teaching)


def pes_error_rate(conn):
    """The `nengo.PES` learning rate of ``conn``."""
    return next(r.learning_rate for r in as_list(conn.learning_rule_type) if isinstance(r, PES))


@Builder.register(SignSymmetry)
def build_sign_symmetry(model, rule_type, rule):
    r"""Build `.SignSymmetry`: :math:`M = s_F \mathrm{sign}(F)^T`, live."""
    post = post_ensemble(rule)
    path = forward_path(model, rule, rule_type.downstream)
    scale = forward_scale(model, post, path)

    def add_teaching(error, teaching):
        model.add_op(
            SimSignFeedback(
                path.next_encoders,
                path.weights,
                error,
                teaching[path.neurons],
                scale,
                tag="SignSymmetry:feedback",
            )
        )
        return LocalError(feedback_scale=scale, teaching_matrix=("sign", scale))

    _build_teaching_rule(model, rule_type, rule, path, add_teaching)


def _perturbation_signals(model, rule_type, rule, name):
    """The baseline and the current scale of a perturbation rule, registered for probes."""
    post = post_ensemble(rule)
    current_scale = float(_ensemble_learning_signals(model, post)["current_scale"].initial_value)
    baseline = Signal(np.zeros(()), name=f"{name}:baseline")
    active = Signal(np.zeros(()), name=f"{name}:active")
    model.sig[rule]["baseline"] = baseline
    return post, rule_type.noise * current_scale, baseline, active


@Builder.register(NodePerturbation)
def build_node_perturbation(model, rule_type, rule):
    r"""Build `.NodePerturbation`: :math:`\hat\delta = (L - \bar L) \xi / \sigma^2`."""
    name = type(rule_type).__name__
    post, std, baseline, active = _perturbation_signals(model, rule_type, rule, name)
    noise = Signal(shape=post.n_neurons, name=f"{name}:noise")
    model.add_op(SimGaussianNoise(noise, std, active, tag=f"{name}: current noise"))
    model.add_op(Copy(noise, model.sig[post.neurons]["in"], inc=True))
    model.sig[rule]["noise"] = noise

    def add_local_error(error, local_error):
        model.add_op(
            SimPerturbationEstimate(
                error,
                [noise],
                [local_error],
                1.0 / std**2,
                baseline,
                active,
                rule_type.baseline_tau,
            )
        )

    build_encoder_rule(model, rule_type, rule, add_local_error)


@Builder.register(WeightPerturbation)
def build_weight_perturbation(model, rule_type, rule):
    r"""Build `.WeightPerturbation`: noise on encoders and biases, dense updates."""
    name = type(rule_type).__name__
    post, std, baseline, active = _perturbation_signals(model, rule_type, rule, name)
    std /= np.sqrt(2)
    encoders = model.sig[post]["encoders"]
    current = model.sig[post.neurons]["in"]
    # noise on the radius-normalized encoders has std `std`: on Nengo's, std / r
    encoder_noise = Signal(shape=encoders.shape, name=f"{name}:encoder_noise")
    model.add_op(
        SimGaussianNoise(encoder_noise, std / post.radius, active, tag=f"{name}: encoder noise")
    )
    model.add_op(DotInc(encoder_noise, model.sig[post]["in"], current))
    noises = [encoder_noise]
    if rule_type.learn_bias:
        bias_noise = Signal(shape=post.n_neurons, name=f"{name}:bias_noise")
        model.add_op(SimGaussianNoise(bias_noise, std, active, tag=f"{name}: bias noise"))
        model.add_op(Copy(bias_noise, current, inc=True))
        noises.append(bias_noise)
    model.sig[rule]["noise"] = encoder_noise

    def add_local_error(error, local_error):
        estimate = Signal(shape=encoders.shape, name=f"{name}:encoder_gradient")
        model.add_op(Reset(estimate))
        outs = [estimate, local_error][: len(noises)]
        model.add_op(
            SimPerturbationEstimate(
                error,
                noises,
                outs,
                1.0 / std**2,
                baseline,
                active,
                rule_type.baseline_tau,
            )
        )
        return LocalError(dense=(estimate, 1.0))

    build_encoder_rule(model, rule_type, rule, add_local_error)
