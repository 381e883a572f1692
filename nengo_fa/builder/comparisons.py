r"""Diagnostics built only when probed: a rule's update compared with backpropagation.

Nothing here changes what is learned; each rule's build function calls
`build_comparisons` last, and it adds operators only for probed attributes:

* ``delta``: the dense encoder change :math:`-C \delta \mathbf{x}^T / r^2` of
  a rank-one rule (the rules apply it in place without forming it);
* ``backprop_local_error``: the local error backpropagation would use at the
  same state, through the rule's ``reference`` connection (and, chained, the
  next layers' own references);
* ``update_angle``: the angle (degrees) between the rule's update and
  backpropagation's;
* ``feedback_angle``, ``feedback_norm_ratio``: the angle (degrees) and norm
  ratio between the rule's teaching matrix :math:`M` and the transposed live
  forward matrix :math:`F^T`.
"""

from nengo.builder import Signal
from nengo.builder.operator import ElementwiseInc, Reset
from nengo.exceptions import BuildError

from nengo_fa.builder.flow import (
    add_backprop_teaching,
    forward_columns,
    forward_path,
    path_rows,
    rule_name,
)
from nengo_fa.builder.operators import (
    SimDenseUpdateAngle,
    SimForwardMatrix,
    SimMatrixComparison,
    SimOuter,
    SimVectorAngle,
)
from nengo_fa.builder.update import ensemble_learning
from nengo_fa.learning_rules import METRICS, EncoderRule, as_list, encoder_rules_on

#: ``teaching_matrix`` of a rule whose teaching matrix is exactly :math:`F^T`.
BACKPROP = "backprop"


def is_probed(model, rule, attr):
    """Whether a probe in the model being built targets ``rule``'s ``attr``."""
    toplevel = model.toplevel
    return toplevel is not None and any(
        p.target == rule and p.attr == attr for p in toplevel.all_probes
    )


def wants_backprop_reference(model, rule):
    """Whether ``backprop_local_error`` must be built for ``rule``.

    True if one of its comparisons with backpropagation is probed, or if a
    rule whose ``reference`` is this rule's connection wants its own (it
    chains from this one).
    """
    if any(is_probed(model, rule, attr) for attr in METRICS):
        return True
    toplevel = model.toplevel
    if toplevel is None:
        return False
    for conn in toplevel.all_connections:
        if any(r.reference is rule.connection for r in encoder_rules_on(conn)):
            for other in as_list(conn.learning_rule):
                if isinstance(other.learning_rule_type, EncoderRule) and (
                    other.learning_rule_type.reference is rule.connection
                    and wants_backprop_reference(model, other)
                ):
                    return True
    return False


def build_comparisons(model, rule, teaching_matrix, dense_noise=None):
    """Add the probed comparisons of ``rule`` (see the module docstring).

    Parameters
    ----------
    teaching_matrix : Signal, BACKPROP or None
        The rule's teaching matrix :math:`M` (one row per post neuron), or
        `BACKPROP` if :math:`M = F^T`, or None if it has none.
    dense_noise : (Signal, Signal), optional
        For weight perturbation: its scalar weight :math:`w` and encoder
        noise :math:`\\Psi` (its encoder update is :math:`-C w \\Psi`);
        otherwise the rule's encoder update is rank one.
    """
    sig = model.sig[rule]
    post = rule.connection.post_obj
    x = model.sig[post]["in"]
    if dense_noise is None and is_probed(model, rule, "delta"):
        sig["delta"] = Signal(
            shape=model.sig[post]["encoders"].shape, name=f"{rule_name(rule)}:delta"
        )
        model.add_op(SimOuter(sig["step"], x, sig["delta"], 1.0 / post.radius**2))
    if not wants_backprop_reference(model, rule):
        return

    path = _backprop_reference_path(model, rule)
    reference = _build_backprop_local_error(model, rule, path)
    angle = Signal(shape=(), name=f"{rule_name(rule)}:update_angle")
    if dense_noise is None:
        model.add_op(SimVectorAngle(sig["local_error"], reference, angle))
    else:
        weight, noise = dense_noise
        model.add_op(
            SimDenseUpdateAngle(
                weight,
                noise,
                sig["local_error"],
                reference,
                x,
                angle,
                scale=1.0 / post.radius**2,
                with_bias=rule.learning_rule_type.learn_bias,
            )
        )
    sig["update_angle"] = angle
    if any(is_probed(model, rule, a) for a in ("feedback_angle", "feedback_norm_ratio")):
        _build_feedback_comparison(model, rule, path, teaching_matrix)


def _backprop_reference_path(model, rule):
    rule_type = rule.learning_rule_type
    if rule_type.reference is None:
        raise BuildError(
            f"{rule_name(rule)} on {rule.connection}: comparing with backpropagation needs the "
            "path the exact gradient takes; give the rule reference=<connection leaving "
            f"{rule.connection.post_obj}>."
        )
    return forward_path(model, rule, rule_type.reference)


def _build_backprop_local_error(model, rule, path):
    """``backprop_local_error``: :math:`f'(J) \\odot F^T e` through the reference path."""
    name = rule_name(rule)
    if path.next_rule is not None:
        source = model.sig[path.next_rule].get("backprop_local_error")
        if source is None:
            raise BuildError(
                f"{name} on {rule.connection}: the next layer's rule has no backpropagation "
                "reference to chain from."
            )
    else:
        source = model.sig[rule]["error"]
    post = rule.connection.post_obj
    teaching = Signal(shape=post.n_neurons, name=f"{name}:bp_teaching")
    model.add_op(Reset(teaching))
    add_backprop_teaching(model, path, source, teaching, f"{name}:backprop reference")
    reference = Signal(shape=post.n_neurons, name=f"{name}:backprop_local_error")
    model.add_op(Reset(reference))
    model.add_op(ElementwiseInc(ensemble_learning(model, post).slope, teaching, reference))
    model.sig[rule]["backprop_local_error"] = reference
    return reference


def _build_feedback_comparison(model, rule, path, teaching_matrix):
    """``feedback_angle`` and ``feedback_norm_ratio``: :math:`M` against :math:`F^T`."""
    name = rule_name(rule)
    post = rule.connection.post_obj
    if teaching_matrix is None:
        raise BuildError(
            f"{name} on {rule.connection} has no teaching matrix to compare with the "
            "forward weights; probe update_angle instead."
        )
    rows, columns = path_rows(path, post), forward_columns(path, post)
    exact = Signal(shape=(rows, columns), name=f"{name}:forward_transposed")
    model.add_op(SimForwardMatrix(path.next_encoders, path.weights, exact, tag=f"{name}: F^T"))
    matrix = exact if teaching_matrix is BACKPROP else teaching_matrix[path.neurons]
    if matrix.shape != exact.shape:
        raise BuildError(
            f"{name} on {rule.connection}: its feedback matrix has {matrix.shape[1]} columns "
            f"but the forward matrix through reference has {columns} rows."
        )
    angle = Signal(shape=(), name=f"{name}:feedback_angle")
    ratio = Signal(shape=(), name=f"{name}:feedback_norm_ratio")
    model.add_op(SimMatrixComparison(matrix, exact, angle, ratio))
    model.sig[rule]["feedback_angle"] = angle
    model.sig[rule]["feedback_norm_ratio"] = ratio
