r"""The steps every encoder rule's build function takes, in order.

A rule on a connection into ensemble ``post`` builds

1. `build_error`: the error :math:`\mathbf{e}`, a new signal fed by the
   connections into ``conn.learning_rule``, or, chained, the
   ``local_error`` of the encoder rule on ``downstream``;
2. `build_teaching`: a zeroed teaching signal, which the rule's own
   operators increment by :math:`M \mathbf{e}` (e.g. `add_backprop_teaching`);
3. `build_local_error`: :math:`\delta = f'(J) \odot M \mathbf{e}` with the
   ensemble's slope (`.update.ensemble_learning`);
4. `build_step`: :math:`-C \delta`, added into the ensemble's encoder and
   bias steps, which one `.SimEncoderUpdate` per ensemble applies.

`base_step_size` computes :math:`C / \kappa` (the normalization in
`nengo_fa.learning_rules`) and `finish_rule` records the build-time data.
"""

import collections
import warnings

import numpy as np
from nengo.builder import Signal
from nengo.builder.operator import Copy, ElementwiseInc, Reset
from nengo.ensemble import Ensemble
from nengo.exceptions import BuildError
from nengo.neurons import Direct
from nengo.transforms import Dense, NoTransform

from nengo_fa.builder.operators import TransposedDotInc, forward_matrix
from nengo_fa.builder.update import ensemble_learning
from nengo_fa.learning_rules import EncoderRule, as_list, chained_error_size

BuiltEncoderRule = collections.namedtuple(
    "BuiltEncoderRule",
    ["rate_scale", "current_scale", "step_size", "base_step_size", "feedback", "feedback_scale"],
    defaults=[None, None],
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
    The sampled matrix :math:`B` of a feedback rule (before scaling by
    ``feedback_scale``); None for rules without one.
feedback_scale : float or None
    :math:`s_B`, so that :math:`M = s_B B`; None for rules without one.
"""


def rule_name(rule):
    return type(rule.learning_rule_type).__name__


def post_ensemble(rule):
    """The ensemble whose encoders ``rule`` learns, validated."""
    conn = rule.connection
    post = conn.post_obj
    name = rule_name(rule)
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


ForwardPath = collections.namedtuple(
    "ForwardPath", ["downstream", "weights", "neurons", "next_encoders", "next_rule"]
)
ForwardPath.__doc__ = """How a rule's post ensemble reaches the error through ``downstream``.

downstream : nengo.Connection
    The connection the error is sent back through.
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
    """Validate ``downstream`` (leaving ``rule``'s post ensemble) and return its `ForwardPath`.

    ``need_weights=False`` for rules that only need the error (not the
    weights) of an external error.
    """
    conn = rule.connection
    post = conn.post_obj
    name = rule_name(rule)
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
    if weights is None and isinstance(downstream.transform, NoTransform):
        if downstream in model.params:  # identity from neurons: no weights signal
            weights = Signal(np.array(1.0), name=f"{downstream}.identity", readonly=True)
    if weights is None and (need_weights or next_rule is not None):
        raise BuildError(
            f"{name} on {conn} reads {downstream}, which is built later. Create that "
            "connection before this one (connections are built in creation order, "
            "subnetworks before their parent's)."
        )
    if need_weights and not isinstance(downstream.transform, (Dense, NoTransform)):
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


def path_rows(path, post):
    """Number of ``post`` neurons ``path`` reads."""
    return len(range(*path.neurons.indices(post.n_neurons)))


def forward_columns(path, post):
    """Number of rows of the forward matrix of ``path``: the error's length."""
    if path.next_encoders is not None:
        return path.next_encoders.shape[0]
    return path.weights.shape[0] if path.weights.ndim == 2 else path_rows(path, post)


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
    return 1.0 / (post.n_neurons * ensemble_learning(model, post).rate_scale)


def base_step_size(model, post, path):
    r""":math:`C_1`, the step size at :math:`\kappa = 1` (see `BuiltEncoderRule`)."""
    learning = ensemble_learning(model, post)
    chained = path is not None and path.next_rule is not None
    upstream = model.params[path.next_rule].base_step_size if chained else model.dt
    scale = forward_scale(model, post, path)
    return upstream / (post.n_neurons * scale**2 * learning.rms_slope**2)


def build_error(model, rule, path=None):
    """The error ``rule`` sends back: the chained local error, or a new input signal.

    A new error signal is zeroed every step and fed by the connections into
    ``conn.learning_rule`` (``model.sig[rule]["in"]``).
    """
    if path is not None and path.next_rule is not None:
        error = model.sig[path.next_rule]["local_error"]
    else:
        warn_if_no_error_connection(model, rule)
        error = Signal(shape=rule.size_in, name=f"{rule_name(rule)}:error")
        model.add_op(Reset(error))
        model.sig[rule]["in"] = error
    model.sig[rule]["error"] = error
    return error


def warn_if_no_error_connection(model, rule):
    """Warn that ``rule`` will not learn if nothing in the model connects into it."""
    toplevel = model.toplevel
    if toplevel is None or any(c.post_obj == rule for c in toplevel.all_connections):
        return
    warnings.warn(
        f"{rule_name(rule)} on {rule.connection} receives no error: nothing is connected "
        "to its learning_rule, so it will not learn. Connect one, e.g. "
        "nengo.Connection(error, conn.learning_rule).",
        stacklevel=2,
    )


def build_teaching(model, rule):
    """A zeroed teaching signal :math:`M \\mathbf{e}`, one value per post neuron."""
    teaching = Signal(shape=rule.connection.post_obj.n_neurons, name=f"{rule_name(rule)}:teaching")
    model.add_op(Reset(teaching))
    model.sig[rule]["teaching"] = teaching
    return teaching


def add_transposed_weights(model, weights, source, target, tag):
    """``target += W^T source`` for a matrix, or ``W * source`` for elementwise weights."""
    if weights.ndim == 2:
        model.add_op(TransposedDotInc(weights, source, target, tag=tag))
    else:
        model.add_op(ElementwiseInc(weights, source, target, tag=tag))


def add_backprop_teaching(model, path, error, teaching, tag):
    """``teaching += F^T error`` through the live forward matrix of ``path``.

    Through the next layer's scaled encoders first (chained), then through
    ``downstream``'s weights, into the neurons ``downstream`` reads.
    """
    source = error
    if path.next_encoders is not None:
        source = Signal(shape=path.next_encoders.shape[1], name=f"{tag}:next_input_error")
        model.add_op(Reset(source))
        model.add_op(TransposedDotInc(path.next_encoders, error, source, tag=tag))
    add_transposed_weights(model, path.weights, source, teaching[path.neurons], tag=tag)


def build_local_error(model, rule, teaching):
    r"""The local error :math:`\delta = f'(J) \odot` ``teaching``."""
    post = rule.connection.post_obj
    local_error = build_zeroed_local_error(model, rule)
    slope = ensemble_learning(model, post).slope
    model.add_op(ElementwiseInc(slope, teaching, local_error, tag=f"{rule_name(rule)}: f'(J) M e"))
    return local_error


def build_zeroed_local_error(model, rule):
    """A zeroed local error signal, for rules that form it themselves."""
    local_error = Signal(
        shape=rule.connection.post_obj.n_neurons, name=f"{rule_name(rule)}:local_error"
    )
    model.add_op(Reset(local_error))
    model.sig[rule]["local_error"] = local_error
    return local_error


def build_step(model, rule, local_error, step_size, encoders=True):
    r"""Add :math:`-C \delta` into the ensemble's encoder step (and bias step, if learned).

    ``encoders=False`` for rules that update the encoders otherwise (weight
    perturbation's dense update); the step then only drives the biases.
    Registers the probeable ``bias_delta``, ``scaled_encoders``, ``bias`` and
    ``skipped_updates``.
    """
    post = rule.connection.post_obj
    learning = ensemble_learning(model, post)
    name = rule_name(rule)
    step = Signal(shape=post.n_neurons, name=f"{name}:step")
    model.add_op(Reset(step))
    model.add_op(
        ElementwiseInc(Signal(np.array(-step_size)), local_error, step, tag=f"{name}: -C delta")
    )
    if encoders:
        model.add_op(Copy(step, learning.encoder_step, inc=True))
    if rule.learning_rule_type.learn_bias:
        model.add_op(Copy(step, learning.bias_step, inc=True))
        bias_delta = step
    else:
        bias_delta = Signal(np.zeros(post.n_neurons), name=f"{name}:no_bias_delta")
    model.sig[rule].update(
        step=step,
        bias_delta=bias_delta,
        scaled_encoders=model.sig[post]["encoders"],
        bias=model.sig[post.neurons]["bias"],
        skipped_updates=learning.skipped,
    )
    return step


def finish_rule(model, rule, step_size, base, feedback=None, feedback_scale=None):
    """Record ``sim.data[rule]`` (a `BuiltEncoderRule`)."""
    learning = ensemble_learning(model, rule.connection.post_obj)
    model.params[rule] = BuiltEncoderRule(
        learning.rate_scale, learning.current_scale, step_size, base, feedback, feedback_scale
    )


def sample_feedback(model, rule, n_neurons):
    """The fixed matrix :math:`B` of a feedback rule, from its array or the connection seed.

    Several rules on one connection draw independent matrices.
    """
    rule_type = rule.learning_rule_type
    conn = rule.connection
    columns = rule_type.error_source_size
    if isinstance(rule_type.feedback, np.ndarray):
        feedback = rule_type.feedback
    else:
        rng = np.random.RandomState(rule_seed(model, rule, 0xFA))
        feedback = rule_type.feedback.sample(n_neurons, columns, rng=rng)
    feedback = np.asarray(feedback, dtype=float)
    if feedback.shape != (n_neurons, columns):
        raise BuildError(
            f"{type(rule_type).__name__} on {conn}: feedback has shape {feedback.shape}, but "
            f"must be (n_neurons, error size) = ({n_neurons}, {columns}) for {conn.post_obj}."
        )
    return feedback


def rule_seed(model, rule, purpose):
    """A 32-bit seed for ``rule``'s random draws of kind ``purpose`` (an int).

    From the connection's build seed; the second and later rules on one
    connection get their own streams.
    """
    conn = rule.connection
    rule_types = as_list(conn.learning_rule_type)
    index = next(i for i, t in enumerate(rule_types) if t is rule.learning_rule_type)
    entropy = [model.seeds[conn], purpose] + ([index] if index else [])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])
