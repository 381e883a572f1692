r"""One ``@Builder.register`` function per rule: how each forms its local error.

Each reads top to bottom as one step of the rule (the helpers are in
`nengo_fa.builder.flow`): the error, the teaching signal :math:`M
\mathbf{e}`, the local error :math:`\delta = f'(J) \odot M \mathbf{e}`, and
the encoder and bias step :math:`-C \delta`; then the build-time data and the
probed comparisons with backpropagation.
"""

import numpy as np
from nengo.builder import Builder, Signal
from nengo.builder.operator import Copy, DotInc, Reset
from nengo.exceptions import BuildError
from nengo.learning_rules import PES

from nengo_fa.builder.comparisons import BACKPROP, build_comparisons
from nengo_fa.builder.flow import (
    add_backprop_teaching,
    add_transposed_weights,
    base_step_size,
    build_error,
    build_local_error,
    build_step,
    build_teaching,
    build_zeroed_local_error,
    finish_rule,
    forward_columns,
    forward_path,
    forward_scale,
    path_rows,
    post_ensemble,
    rule_seed,
    sample_feedback,
)
from nengo_fa.builder.operators import (
    SimFeedbackUpdate,
    SimForwardMatrix,
    SimGatedDecay,
    SimGaussianNoise,
    SimPerturbationLoss,
    SimScaledNoise,
    SimSignGatedFeedback,
)
from nengo_fa.builder.update import ensemble_learning, set_encoder_decay
from nengo_fa.learning_rules import (
    BackpropEncoder,
    DirectFeedbackAlignment,
    FeedbackAlignment,
    KolenPollack,
    NodePerturbation,
    SignSymmetry,
    WeightPerturbation,
    as_list,
)


@Builder.register(BackpropEncoder)
def build_backprop_encoder(model, bp, rule):
    r"""Build `.BackpropEncoder`: :math:`M = F^T`, the live transposed forward matrix."""
    post = post_ensemble(rule)
    path = forward_path(model, rule, bp.downstream)
    error = build_error(model, rule, path)
    teaching = build_teaching(model, rule)
    add_backprop_teaching(model, path, error, teaching, tag="BackpropEncoder: F^T e")
    local_error = build_local_error(model, rule, teaching)
    base = base_step_size(model, post, path)
    build_step(model, rule, local_error, bp.learning_rate * base)
    finish_rule(model, rule, bp.learning_rate * base, base)
    build_comparisons(model, rule, teaching_matrix=BACKPROP)


@Builder.register(FeedbackAlignment)
def build_feedback_alignment(model, fa, rule):
    r"""Build `.FeedbackAlignment`: :math:`M = s_B B`, fixed."""
    post = post_ensemble(rule)
    path = None
    if fa.downstream is not None:
        path = forward_path(model, rule, fa.downstream, need_weights=False)
    feedback = sample_feedback(model, rule, post.n_neurons)
    scale = forward_scale(model, post, path)
    name = type(fa).__name__
    matrix = Signal(scale * feedback, name=f"{name}:M", readonly=True)
    error = build_error(model, rule, path)
    teaching = build_teaching(model, rule)
    if fa.sign_gate and (path is None or path.next_rule is None):
        trace = Signal(np.zeros(matrix.shape), name=f"{name}:sign_trace")
        activities = model.sig[post.neurons]["out"]
        model.add_op(SimSignGatedFeedback(matrix, trace, activities, error, teaching, tag=name))
        model.sig[rule]["sign_trace"] = trace
    else:
        model.add_op(DotInc(matrix, error, teaching, tag=f"{name}: s_B B e"))
    local_error = build_local_error(model, rule, teaching)
    base = base_step_size(model, post, path)
    build_step(model, rule, local_error, fa.learning_rate * base)
    finish_rule(model, rule, fa.learning_rate * base, base, feedback, scale)
    build_comparisons(model, rule, teaching_matrix=matrix)


@Builder.register(DirectFeedbackAlignment)
def build_direct_feedback_alignment(model, dfa, rule):
    r"""Build `.DirectFeedbackAlignment`: `.FeedbackAlignment` with the output error."""
    build_feedback_alignment(model, dfa, rule)


@Builder.register(KolenPollack)
def build_kolen_pollack(model, kp, rule):
    r"""Build `.KolenPollack`: :math:`M = B`, which follows the transposed forward update."""
    post = post_ensemble(rule)
    path = forward_path(model, rule, kp.downstream)
    initial = sample_feedback(model, rule, post.n_neurons)
    scale = forward_scale(model, post, path)
    feedback = Signal(scale * initial, name="KolenPollack:B")
    model.sig[rule]["feedback"] = feedback
    error = build_error(model, rule, path)
    teaching = build_teaching(model, rule)
    model.add_op(DotInc(feedback, error, teaching, tag="KolenPollack: B e"))
    add_kolen_pollack_updates(model, kp, rule, path, feedback)
    local_error = build_local_error(model, rule, teaching)
    base = base_step_size(model, post, path)
    build_step(model, rule, local_error, kp.learning_rate * base)
    finish_rule(model, rule, kp.learning_rate * base, base, initial, scale)
    build_comparisons(model, rule, teaching_matrix=feedback)


def add_kolen_pollack_updates(model, kp, rule, path, feedback):
    r"""Add :math:`\Delta B = A^T - \lambda \Delta t B` and the forward matrix's decay.

    :math:`A` is the forward matrix's own update: `nengo.PES`'s
    :math:`-(\kappa \Delta t / n) \mathbf{e} \mathbf{a}^T` for an external
    error, or the next layer's encoder step carried through ``downstream``'s
    weights, :math:`(W^T \mathbf{x}_{k+1}) \mathbf{u}_{k+1}^T / r^2`, chained.
    """
    decay = 1.0 - kp.weight_decay * model.dt
    if decay <= 0:
        raise BuildError(f"KolenPollack on {rule.connection}: weight_decay * dt must be below 1.")
    downstream = path.downstream
    if path.next_rule is None:
        pes = model.sig[_pes_rule(downstream, rule.connection)]
        activities, pes_error = pes["activities"], pes["error"]
        alpha = -_pes_learning_rate(downstream) * model.dt / activities.shape[0]
        model.add_op(
            SimFeedbackUpdate(feedback, path.neurons, activities, pes_error, alpha, decay)
        )
        model.add_op(SimGatedDecay(path.weights, decay, pes_error, tag="KolenPollack: W decay"))
    else:
        next_post = downstream.post_obj
        x_next = model.sig[next_post]["in"][downstream.post_slice]
        carried = Signal(
            shape=path_rows(path, rule.connection.post_obj), name="KolenPollack:W^T x"
        )
        model.add_op(Reset(carried))
        add_transposed_weights(model, path.weights, x_next, carried, tag="KolenPollack: W^T x")
        step = ensemble_learning(model, next_post).encoder_step
        scale = 1.0 / next_post.radius**2
        model.add_op(SimFeedbackUpdate(feedback, path.neurons, carried, step, scale, decay))
        if kp.weight_decay > 0:
            set_encoder_decay(model, next_post, kp.weight_decay * model.dt, rule)


def _pes_rule(downstream, conn):
    rules = as_list(downstream.learning_rule)
    pes = [r for r in rules if isinstance(r.learning_rule_type, PES)]
    if len(pes) != 1 or downstream._to_neurons:
        raise BuildError(
            f"KolenPollack on {conn}: downstream={downstream} must learn its weights with one "
            "nengo.PES rule (decoded, or into a Node) or carry an encoder rule, so that the "
            "feedback matrix can follow its updates."
        )
    return pes[0]


def _pes_learning_rate(conn):
    return next(r.learning_rate for r in as_list(conn.learning_rule_type) if isinstance(r, PES))


@Builder.register(SignSymmetry)
def build_sign_symmetry(model, ss, rule):
    r"""Build `.SignSymmetry`: :math:`M = s_F \, \mathrm{sign}(F)^T`, from the live weights."""
    post = post_ensemble(rule)
    path = forward_path(model, rule, ss.downstream)
    scale = forward_scale(model, post, path)
    matrix = Signal(np.zeros((post.n_neurons, forward_columns(path, post))), name="SignSymmetry:M")
    model.add_op(
        SimForwardMatrix(
            path.next_encoders,
            path.weights,
            matrix[path.neurons],
            scale=scale,
            sign=True,
            tag="SignSymmetry: s_F sign(F)^T",
        )
    )
    error = build_error(model, rule, path)
    teaching = build_teaching(model, rule)
    model.add_op(DotInc(matrix, error, teaching, tag="SignSymmetry: M e"))
    local_error = build_local_error(model, rule, teaching)
    base = base_step_size(model, post, path)
    build_step(model, rule, local_error, ss.learning_rate * base)
    finish_rule(model, rule, ss.learning_rate * base, base, feedback_scale=scale)
    build_comparisons(model, rule, teaching_matrix=matrix)


#: ``purpose`` of each noise stream in `.flow.rule_seed`.
NODE_NOISE, ENCODER_NOISE, BIAS_NOISE = 0x4E50, 0x5750, 0x5751


def build_noise(model, rule, shape, std, purpose, gate):
    """A signal of fresh Gaussian noise every step (zero where ``gate`` is 0)."""
    noise = Signal(shape=shape, name=f"{type(rule.learning_rule_type).__name__}:noise")
    seed = rule_seed(model, rule, purpose)
    model.add_op(SimGaussianNoise(noise, std, seed, model.step, gate, tag=f"N(0, {std:.3g}^2)"))
    return noise


def build_perturbation_weight(model, rule, error, std, active):
    r"""The scalar :math:`w = (L - \bar L) / \sigma^2` of a perturbation rule."""
    rule_type = rule.learning_rule_type
    if not np.isfinite(1.0 / std**2):
        raise BuildError(
            f"{type(rule_type).__name__} on {rule.connection}: noise={rule_type.noise:g} gives "
            f"a noise standard deviation of {std:.3g} (noise times the current scale), too "
            "small to estimate a gradient from; use noise of about 0.01 to 1."
        )
    baseline = Signal(np.zeros(()), name=f"{type(rule_type).__name__}:baseline")
    weight = Signal(shape=1, name=f"{type(rule_type).__name__}:weight")
    model.add_op(
        SimPerturbationLoss(error, weight, baseline, active, 1.0 / std**2, rule_type.baseline_tau)
    )
    model.sig[rule]["baseline"] = baseline
    return weight


@Builder.register(NodePerturbation)
def build_node_perturbation(model, node_perturbation, rule):
    r"""Build `.NodePerturbation`: :math:`\hat\delta = (L - \bar L) \xi / \sigma^2`."""
    post = post_ensemble(rule)
    std = node_perturbation.noise * ensemble_learning(model, post).current_scale
    active = Signal(np.zeros(()), name="NodePerturbation:active")
    noise = build_noise(model, rule, post.n_neurons, std, NODE_NOISE, active)
    model.add_op(Copy(noise, model.sig[post.neurons]["in"], inc=True))
    model.sig[rule]["noise"] = noise
    error = build_error(model, rule)
    weight = build_perturbation_weight(model, rule, error, std, active)
    local_error = build_zeroed_local_error(model, rule)
    model.add_op(SimScaledNoise(weight, noise, local_error, 1.0, inc=True, tag="NP: w xi"))
    base = base_step_size(model, post, None)
    build_step(model, rule, local_error, node_perturbation.learning_rate * base)
    finish_rule(model, rule, node_perturbation.learning_rate * base, base)
    build_comparisons(model, rule, teaching_matrix=None)


@Builder.register(WeightPerturbation)
def build_weight_perturbation(model, wp, rule):
    r"""Build `.WeightPerturbation`: noise on encoders and biases, a dense encoder update.

    The encoder update :math:`-C w \Psi` goes into the rule's dense
    ``delta``, which Nengo adds to the encoders at the start of the next
    step (as for its own rules); the bias update takes the shared path.
    """
    post = post_ensemble(rule)
    std = wp.noise * ensemble_learning(model, post).current_scale / np.sqrt(2)
    active = Signal(np.zeros(()), name="WeightPerturbation:active")
    # noise on the radius-normalized encoders has std `std`: on Nengo's, std / r
    encoder_shape = model.sig[post]["encoders"].shape
    encoder_noise = build_noise(
        model, rule, encoder_shape, std / post.radius, ENCODER_NOISE, active
    )
    model.sig[rule]["noise"] = encoder_noise
    # the current noise Psi x (+ psi), added to the neurons' input in one increment
    current_noise = Signal(shape=post.n_neurons, name="WP: current noise")
    model.add_op(Reset(current_noise))
    model.add_op(DotInc(encoder_noise, model.sig[post]["in"], current_noise, tag="WP: Psi x"))
    error = build_error(model, rule)
    weight = build_perturbation_weight(model, rule, error, std, active)
    local_error = build_zeroed_local_error(model, rule)
    if wp.learn_bias:
        bias_noise = build_noise(model, rule, post.n_neurons, std, BIAS_NOISE, active)
        model.add_op(Copy(bias_noise, current_noise, inc=True))
        model.add_op(
            SimScaledNoise(weight, bias_noise, local_error, 1.0, inc=True, tag="WP: w psi")
        )
    model.add_op(Copy(current_noise, model.sig[post.neurons]["in"], inc=True))
    base = base_step_size(model, post, None)
    step_size = wp.learning_rate * base
    build_step(model, rule, local_error, step_size, encoders=False)
    delta = model.sig[rule]["delta"]
    model.add_op(
        SimScaledNoise(weight, encoder_noise, delta, -step_size, inc=False, tag="WP: -C w Psi")
    )
    finish_rule(model, rule, step_size, base)
    build_comparisons(model, rule, teaching_matrix=None, dense_noise=(weight, encoder_noise))
