"""The data flow every encoder rule shares, and the quantities it is normalized by."""

import collections

import numpy as np
from nengo.builder import Signal
from nengo.builder.operator import Copy, ElementwiseInc, Reset
from nengo.ensemble import Ensemble
from nengo.exceptions import BuildError
from nengo.neurons import Direct

from nengo_fa.builder.operators import (
    SimFeedbackComparison,
    SimOuter,
    SimRankOneUpdate,
    SimRateSlope,
    SimUpdateAngle,
    TransposedDotInc,
    forward_matrix,
)
from nengo_fa.derivatives import derivative_function, rate_curve
from nengo_fa.learning_rules import (
    METRICS,
    EncoderRule,
    as_list,
    chained_error_size,
    encoder_rules_on,
)

BuiltEncoderRule = collections.namedtuple(
    "BuiltEncoderRule",
    ["rate_scale", "current_scale", "step_size", "base_step_size", "feedback", "feedback_scale"],
)
BuiltEncoderRule.__doc__ = """Build-time data of an encoder rule: ``sim.data[conn.learning_rule]``.

rate_scale : float
    :math:`s_r`, RMS firing rate (Hz) of the post ensemble over its eval points.
current_scale : float
    :math:`s_J = s_r / \\text{RMS}(f')`, in units of input current.
step_size : float
    :math:`C = \\kappa \\, C_1`, the step size of the encoders and biases.
base_step_size : float
    :math:`C_1`, the step size at :math:`\\kappa = 1`: :math:`\\Delta t \\, n s_J^2`
    for an external error; :math:`C_1^{(k+1)} / (n s_F^2 \\text{RMS}(f')^2)`
    for an error chained from the next layer's rule (see `forward_scale`).
feedback : (n_neurons, error size) ndarray or None
    The fixed matrix :math:`B` of a feedback rule (before scaling by
    ``feedback_scale``); None for `.BackpropEncoder`.
feedback_scale : float or None
    :math:`s_B`, so that :math:`M = s_B B`; None for `.BackpropEncoder`.
"""


def post_ensemble(rule):
    """The ensemble whose encoders ``rule`` learns, validated."""
    conn = rule.connection
    post = conn.post_obj
    name = type(rule.learning_rule_type).__name__
    if not isinstance(post, Ensemble):
        raise BuildError(
            f"{name} on {conn}: the post object must be a nengo.Ensemble (not "
            f"{type(post).__name__}), because the rule learns that ensemble's "
            "encoders and biases. Connect to the ensemble itself, not its .neurons."
        )
    if isinstance(post.neuron_type, Direct):
        raise BuildError(
            f"{name} on {conn}: {post} uses Direct neurons, which have no encoders, "
            "biases or rate curve to learn. Give it a neuron type such as nengo.LIF()."
        )
    return post


def ensemble_scales(ensemble, built, derivative):
    """``(rate_scale, current_scale)`` of an ensemble: see `BuiltEncoderRule`.

    Evaluated on the ensemble's evaluation points with its build-time
    (unlearned) scaled encoders and biases.
    """
    current = built.eval_points @ built.scaled_encoders.T + built.bias
    rms_rate = np.sqrt(np.mean(rate_curve(ensemble.neuron_type, current) ** 2))
    rms_slope = np.sqrt(np.mean(derivative(current) ** 2))
    if not (np.isfinite(rms_rate) and rms_rate > 0 and np.isfinite(rms_slope) and rms_slope > 0):
        raise BuildError(
            f"{ensemble} is silent or flat over its evaluation points (RMS rate "
            f"{rms_rate:.3g} Hz, RMS slope {rms_slope:.3g}), so an encoder rule cannot "
            "learn; check its gains, biases, max_rates and intercepts."
        )
    return rms_rate, rms_rate / rms_slope


def _ensemble_learning_signals(model, post):
    """Per-ensemble signals shared by every encoder rule on ``post``.

    Built on first use: the rate-curve slope at this step's input current, the
    summed encoder and bias steps applied by one `SimRankOneUpdate`, and the
    ensemble's ``rate_scale`` and ``current_scale`` as constant scalars.
    """
    keys = ("rate_slope", "encoder_step", "bias_step", "rate_scale", "current_scale")
    if keys[0] in model.sig[post]:
        return {key: model.sig[post][key] for key in keys}

    built = model.params[post]
    n = post.n_neurons
    reach = 2.0 * np.abs(built.gain)
    current_range = (np.min(built.bias - reach), np.max(built.bias + reach))
    derivative = derivative_function(post.neuron_type, current_range)
    rate_scale, current_scale = ensemble_scales(post, built, derivative)

    slope = Signal(shape=n, name=f"{post}.rate_slope")
    model.add_op(SimRateSlope(derivative, model.sig[post.neurons]["in"], slope))

    encoder_step = Signal(shape=n, name=f"{post}.encoder_step")
    bias_step = Signal(shape=n, name=f"{post}.bias_step")
    model.add_op(Reset(encoder_step))
    model.add_op(Reset(bias_step))

    bias = model.sig[post.neurons]["bias"]
    bias.readonly = False
    model.add_op(
        SimRankOneUpdate(
            encoders=model.sig[post]["encoders"],
            bias=bias,
            encoder_step=encoder_step,
            bias_step=bias_step,
            x=model.sig[post]["in"],
            encoder_scale=1.0 / post.radius**2,
            tag=f"{post} encoder/bias learning",
        )
    )
    model.sig[post].update(
        rate_slope=slope,
        encoder_step=encoder_step,
        bias_step=bias_step,
        rate_scale=Signal(np.array(rate_scale), name=f"{post}.rate_scale", readonly=True),
        current_scale=Signal(np.array(current_scale), name=f"{post}.current_scale", readonly=True),
    )
    return {key: model.sig[post][key] for key in keys}


def _remove_dense_delta_copy(model, delta):
    """Drop the ``Copy(delta -> encoders)`` Nengo's generic builder added."""
    for i in range(len(model.operators) - 1, -1, -1):
        op = model.operators[i]
        if isinstance(op, Copy) and op.src is delta:
            del model.operators[i]
            return
    raise BuildError("nengo_fa: could not find Nengo's encoder delta copy to replace")


def _is_probed(model, rule, attr):
    toplevel = model.toplevel
    return toplevel is not None and any(
        p.target == rule and p.attr == attr for p in toplevel.all_probes
    )


ForwardPath = collections.namedtuple(
    "ForwardPath", ["downstream", "weights", "neurons", "next_encoders", "next_rule"]
)
ForwardPath.__doc__ = """How a rule's post ensemble reaches the error through ``downstream``.

downstream : nengo.Connection
weights : Signal
    The live weights of ``downstream``: ``(size_out, n)`` matrix, or a
    scalar or vector (elementwise) for neuron-to-neuron-sized transforms.
neurons : slice
    The post neurons whose activities ``weights`` reads.
next_encoders : Signal or None
    For a chained error, the live scaled encoders of the next ensemble (the
    columns ``downstream`` feeds); None for an external error.
next_rule : nengo.connection.LearningRule or None
    For a chained error, the encoder rule on ``downstream`` whose local
    error this rule sends back.
"""


def _basic_slice(index, what, name, conn):
    if isinstance(index, slice):
        return index
    raise BuildError(
        f"{name} on {conn}: {what} uses advanced indexing ({index!r}); the error can only "
        "be sent back through a plain slice. Use a slice, or an explicit transform."
    )


def _chained_rule(downstream):
    """The LearningRule on ``downstream`` whose local error is chained, or None."""
    if not chained_error_size(downstream):
        return None
    rules = as_list(downstream.learning_rule)
    chained = [r for r in rules if isinstance(r.learning_rule_type, EncoderRule)]
    if len(chained) > 1:
        raise BuildError(
            f"{downstream} carries {len(chained)} encoder rules, so it is ambiguous which "
            "local error to send back; put one encoder rule on it."
        )
    return chained[0]


def forward_path(model, rule, downstream, need_weights=True):
    """Validate ``downstream`` (leaving ``rule``'s post ensemble) and return its `ForwardPath`."""
    conn = rule.connection
    post = conn.post_obj
    name = type(rule.learning_rule_type).__name__
    label = post.label or "ens"
    if downstream.pre_obj is post:
        neurons = slice(None)
        if downstream.solver.weights:
            raise BuildError(
                f"{name} on {conn}: downstream={downstream} uses a solver with "
                "weights=True; use a decoder solver (weights=False) so its weights map "
                f"{post}'s activities to its output."
            )
    elif downstream.pre_obj == post.neurons:
        neurons = _basic_slice(downstream.pre_slice, "its pre", name, conn)
    else:
        raise BuildError(
            f"{name} on {conn}: downstream={downstream} must leave {post}, decoded "
            f"(nengo.Connection({label}, ...)) or from its neurons "
            f"(nengo.Connection({label}.neurons, ...)), but it leaves {downstream.pre_obj}."
        )
    next_rule = _chained_rule(downstream)
    weights = model.sig[downstream].get("weights")
    if weights is None and type(downstream.transform).__name__ == "NoTransform":
        if downstream in model.params:  # identity from neurons: no weights signal
            weights = Signal(np.array(1.0), name=f"{downstream}.identity", readonly=True)
    if weights is None and (need_weights or next_rule is not None):
        raise BuildError(
            f"{name} on {conn} reads {downstream}, which is built later. Create that "
            "connection before this one (connections are built in creation order, "
            "subnetworks before their parent's)."
        )
    if need_weights and type(downstream.transform).__name__ not in ("Dense", "NoTransform"):
        raise BuildError(
            f"{name} on {conn}: downstream={downstream} has a "
            f"{type(downstream.transform).__name__} transform; the error can only be sent "
            "back through Dense transforms."
        )
    next_encoders = None
    if next_rule is not None:
        columns = _basic_slice(downstream.post_slice, "its post", name, conn)
        next_encoders = model.sig[downstream.post_obj]["encoders"]
        if columns != slice(None):
            next_encoders = next_encoders[:, columns]
    return ForwardPath(downstream, weights, neurons, next_encoders, next_rule)


def add_transposed_weights(model, weights, source, target, tag):
    """``target += W^T source`` for a matrix, or ``W * source`` for elementwise weights."""
    if weights.ndim == 2:
        model.add_op(TransposedDotInc(weights, source, target, tag=tag))
    else:
        model.add_op(ElementwiseInc(weights, source, target, tag=tag))


def dense_forward_matrix(path):
    """The initial forward matrix from the ``path.neurons`` activities to the error, dense."""
    weights = path.weights.initial_value
    n_pre = path.downstream.size_in if weights.ndim < 2 else weights.shape[1]
    encoders = None if path.next_encoders is None else path.next_encoders.initial_value
    return forward_matrix(encoders, weights, n_pre)


def forward_scale(model, post, path):
    """:math:`s_F`, the RMS entry of the forward matrix from ``post``'s rates to its error.

    For a chained error the RMS entry of the forward matrix to the next
    layer's currents at build time (`dense_forward_matrix`); for an external
    error the scale of decoders, :math:`1 / (n s_r)` (decoders often start at zero).
    """
    if path is not None and path.next_rule is not None:
        return float(np.sqrt(np.mean(dense_forward_matrix(path) ** 2)))
    rate_scale = float(_ensemble_learning_signals(model, post)["rate_scale"].initial_value)
    return 1.0 / (post.n_neurons * rate_scale)


def _rule_error(model, name, rule, path):
    """The error signal ``rule`` sends back: chained local error or a new external input."""
    if path is not None and path.next_rule is not None:
        return model.sig[path.next_rule]["local_error"]
    error = Signal(shape=rule.size_in, name=f"{name}:error")
    model.add_op(Reset(error))
    model.sig[rule]["in"] = error
    return error


def _rank_one_op(model, post):
    """The `SimRankOneUpdate` applying every encoder rule's step to ``post``."""
    encoders = model.sig[post]["encoders"]
    for op in model.operators:
        if isinstance(op, SimRankOneUpdate) and op.encoders is encoders:
            return op
    raise BuildError(f"nengo_fa: no encoder update built for {post}")


def ensemble_dense_step(model, post):
    """A dense ``(n_neurons, dimensions)`` encoder step for ``post``, summed over rules."""
    if "dense_step" not in model.sig[post]:
        dense = Signal(shape=model.sig[post]["encoders"].shape, name=f"{post}.dense_step")
        model.add_op(Reset(dense))
        _rank_one_op(model, post).add_dense_step(dense)
        model.sig[post]["dense_step"] = dense
    return model.sig[post]["dense_step"]


def decay_encoders(model, post, factor, rule):
    """Multiply ``post``'s encoders by ``factor`` every learning step (``rule``'s weight decay)."""
    _ensemble_learning_signals(model, post)
    op = _rank_one_op(model, post)
    if factor != 1.0 and op.decay != 1.0:
        raise BuildError(
            f"{rule.connection}: {post} already decays its encoders for another "
            "KolenPollack rule; only one KolenPollack rule may send its error through it "
            "(set weight_decay=0 on the others)."
        )
    op.add_decay(factor)


def _wants_backprop_reference(model, rule):
    """Whether ``backprop_local_error`` must be built for ``rule``.

    True if one of its comparisons with backpropagation is probed, or if a
    rule whose ``reference`` is this rule's connection wants its own.
    """
    if any(_is_probed(model, rule, attr) for attr in METRICS):
        return True
    toplevel = model.toplevel
    if toplevel is None:
        return False
    for conn in toplevel.all_connections:
        if any(r.reference is rule.connection for r in encoder_rules_on(conn)):
            for other in as_list(conn.learning_rule):
                if isinstance(other.learning_rule_type, EncoderRule) and (
                    other.learning_rule_type.reference is rule.connection
                    and _wants_backprop_reference(model, other)
                ):
                    return True
    return False


def add_backprop_teaching(model, path, error, teaching, name):
    """Add ``teaching += F^T error`` through the live forward matrix of ``path``."""
    source = error
    if path.next_encoders is not None:  # through the next layer's encoders first
        source = Signal(shape=path.next_encoders.shape[1], name=f"{name}:next_input_error")
        model.add_op(Reset(source))
        model.add_op(TransposedDotInc(path.next_encoders, error, source, tag=name))
    add_transposed_weights(model, path.weights, source, teaching[path.neurons], tag=name)


def _add_backprop_reference(model, rule, error, slope, name):
    """Build ``backprop_local_error`` for ``rule`` through its ``reference`` connection."""
    rule_type = rule.learning_rule_type
    if rule_type.reference is None:
        raise BuildError(
            f"{name} on {rule.connection}: comparing with backpropagation needs the path "
            "the exact gradient takes; give the rule reference=<connection leaving "
            f"{rule.connection.post_obj}>."
        )
    path = forward_path(model, rule, rule_type.reference)
    if path.next_rule is not None:
        source = model.sig[path.next_rule].get("backprop_local_error")
        if source is None:
            raise BuildError(
                f"{name} on {rule.connection}: the next layer's rule has no backpropagation "
                "reference to chain from."
            )
    else:
        source = error
    teaching = Signal(shape=rule.connection.post_obj.n_neurons, name=f"{name}:bp_teaching")
    model.add_op(Reset(teaching))
    add_backprop_teaching(model, path, source, teaching, f"{name}:backprop reference")
    reference = Signal(shape=teaching.shape, name=f"{name}:backprop_local_error")
    model.add_op(Reset(reference))
    model.add_op(ElementwiseInc(slope, teaching, reference))
    return reference, path


LocalError = collections.namedtuple(
    "LocalError", ["feedback", "feedback_scale", "teaching_matrix", "dense"], defaults=[None] * 4
)
LocalError.__doc__ = """What a rule's ``add_local_error`` reports back to `build_encoder_rule`.

feedback, feedback_scale
    For ``sim.data``: the sampled matrix :math:`B` and its scale, if any.
teaching_matrix
    ``("matrix", signal)``, ``("sign", scale)`` or ``("exact", None)``: how
    :math:`M` compares with :math:`F^T` for the ``feedback_angle`` probes.
dense
    ``(signal, scale)`` if the encoder update is the dense ``scale * signal``
    (no rank-one encoder step); the local error then only drives the biases.
"""


def slope_times_teaching(model, rule, learning, add_teaching, name):
    """``add_local_error`` for rules of the form :math:`\\delta = (M e) \\odot f'(J)`."""

    def add_local_error(error, local_error):
        teaching = Signal(shape=local_error.shape, name=f"{name}:teaching")
        model.add_op(Reset(teaching))
        result = add_teaching(error, teaching)
        model.add_op(ElementwiseInc(learning["rate_slope"], teaching, local_error))
        model.sig[rule]["teaching"] = teaching
        return result

    return add_local_error


def build_encoder_rule(model, rule_type, rule, add_local_error, path=None):
    r"""Add the shared data flow of an encoder rule.

    ``add_local_error(error, local_error)`` adds the operators that set the
    rule's ``local_error`` :math:`\delta` from its ``error`` and returns a
    `LocalError` (or None). ``path`` is the rule's `ForwardPath` if its error
    is sent back through ``downstream``.
    """
    post = post_ensemble(rule)
    n = post.n_neurons
    learning = _ensemble_learning_signals(model, post)
    rate_scale = float(learning["rate_scale"].initial_value)
    current_scale = float(learning["current_scale"].initial_value)
    rms_slope = rate_scale / current_scale
    chained = path is not None and path.next_rule is not None
    # C = kappa * (C_next / kappa_next, or dt) / (n s_F^2 rms(f')^2)
    upstream = model.params[path.next_rule].base_step_size if chained else model.dt
    base_step_size = upstream / (n * forward_scale(model, post, path) ** 2 * rms_slope**2)
    step_size = rule_type.learning_rate * base_step_size
    name = type(rule_type).__name__

    error = _rule_error(model, name, rule, path)
    local_error = Signal(shape=n, name=f"{name}:local_error")
    model.add_op(Reset(local_error))
    built = add_local_error(error, local_error) or LocalError()

    step = Signal(shape=n, name=f"{name}:step")
    model.add_op(Reset(step))
    model.add_op(ElementwiseInc(Signal(np.array(-step_size)), local_error, step))
    if built.dense is None:
        model.add_op(Copy(step, learning["encoder_step"], inc=True))
    else:
        dense, dense_scale = built.dense
        model.add_op(
            ElementwiseInc(
                Signal(np.array(-step_size * dense_scale)), dense, ensemble_dense_step(model, post)
            )
        )
    if rule_type.learn_bias:
        model.add_op(Copy(step, learning["bias_step"], inc=True))
        bias_delta = step
    else:
        bias_delta = Signal(np.zeros(n), name=f"{name}:no_bias_delta")

    delta = model.sig[rule]["delta"]
    _remove_dense_delta_copy(model, delta)
    x = model.sig[post]["in"]
    if _is_probed(model, rule, "delta"):  # materialized only for the probe
        if built.dense is None:
            model.add_op(SimOuter(step, x, delta, 1.0 / post.radius**2))
        else:
            model.add_op(Reset(delta))
            model.add_op(ElementwiseInc(Signal(np.array(-step_size * dense_scale)), dense, delta))

    model.sig[rule].update(
        error=error,
        local_error=local_error,
        step=step,
        bias_delta=bias_delta,
        scaled_encoders=model.sig[post]["encoders"],
        bias=model.sig[post.neurons]["bias"],
    )
    if _wants_backprop_reference(model, rule):
        _add_comparisons(model, rule, built, error, learning, x, name)
    model.params[rule] = BuiltEncoderRule(
        rate_scale, current_scale, step_size, base_step_size, built.feedback, built.feedback_scale
    )


def _add_comparisons(model, rule, built, error, learning, x, name):
    """The probeable comparisons with backpropagation (see `.EncoderRule`)."""
    post = rule.connection.post_obj
    reference, path = _add_backprop_reference(model, rule, error, learning["rate_slope"], name)
    sig = model.sig[rule]
    sig["backprop_local_error"] = reference
    angle = Signal(np.zeros(()), name=f"{name}:update_angle")
    if built.dense is None:
        model.add_op(SimUpdateAngle(sig["local_error"], reference, angle))
    else:
        dense, dense_scale = built.dense
        # dense update -C s dense vs. exact -C outer(reference, x) / r^2; same sign and C
        model.add_op(
            SimUpdateAngle(
                sig["local_error"],
                reference,
                angle,
                dense=dense,
                x=x,
                dense_scale=1.0 / (post.radius**2 * dense_scale),
                with_bias=rule.learning_rule_type.learn_bias,
            )
        )
    sig["update_angle"] = angle
    wanted = [a for a in ("feedback_angle", "feedback_norm_ratio") if _is_probed(model, rule, a)]
    if wanted:
        if built.teaching_matrix is None:
            raise BuildError(
                f"{name} on {rule.connection} has no teaching matrix to compare with the "
                "forward weights; probe update_angle instead."
            )
        mode, value = built.teaching_matrix
        if path.next_encoders is not None:
            rows = path.next_encoders.shape[0]
        else:
            rows = path.weights.shape[0] if path.weights.ndim == 2 else post.n_neurons
        if mode == "matrix" and value.shape[1] != rows:
            raise BuildError(
                f"{name} on {rule.connection}: its feedback matrix has {value.shape[1]} columns "
                "but the forward matrix through reference has a different number of rows."
            )
        angle_signal = Signal(np.zeros(()), name=f"{name}:feedback_angle")
        ratio_signal = Signal(np.zeros(()), name=f"{name}:feedback_norm_ratio")
        model.add_op(
            SimFeedbackComparison(
                mode,
                value if mode == "matrix" else None,
                path.next_encoders,
                path.weights,
                angle_signal,
                ratio_signal,
                rows=path.neurons,
                n_pre=len(range(*path.neurons.indices(post.n_neurons))),
                scale=value if mode == "sign" else 1.0,
            )
        )
        sig["feedback_angle"] = angle_signal
        sig["feedback_norm_ratio"] = ratio_signal


def sample_feedback(model, rule_type, rule, n_neurons):
    """The fixed matrix :math:`B` of a feedback rule, from its array or the connection seed."""
    conn = rule.connection
    columns = rule_type.error_source_size
    if isinstance(rule_type.feedback, np.ndarray):
        feedback = rule_type.feedback
    else:
        seed = np.random.SeedSequence([model.seeds[conn], 0xFA]).generate_state(1)[0]
        feedback = rule_type.feedback.sample(n_neurons, columns, rng=np.random.RandomState(seed))
    feedback = np.asarray(feedback, dtype=float)
    if feedback.shape != (n_neurons, columns):
        raise BuildError(
            f"{type(rule_type).__name__} on {conn}: feedback has shape {feedback.shape}, but "
            f"must be (n_neurons, error size) = ({n_neurons}, {columns}) for {conn.post_obj}."
        )
    return feedback
