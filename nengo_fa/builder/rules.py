"""``@Builder.register`` functions: how each rule forms its teaching signal."""

from nengo.builder import Builder, Signal
from nengo.builder.operator import DotInc, Reset

from nengo_fa.builder.encoder import (
    add_transposed_weights,
    build_encoder_rule,
    forward_path,
    forward_scale,
    post_ensemble,
    sample_feedback,
)
from nengo_fa.builder.operators import TransposedDotInc
from nengo_fa.learning_rules import BackpropEncoder, FeedbackAlignment


@Builder.register(BackpropEncoder)
def build_backprop_encoder(model, rule_type, rule):
    r"""Build `.BackpropEncoder`: :math:`M` is the live transposed forward matrix."""
    path = forward_path(model, rule_type, rule)
    name = type(rule_type).__name__

    def add_teaching(error, teaching):
        source = error
        if path.next_encoders is not None:  # through the next layer's encoders first
            source = Signal(shape=path.next_encoders.shape[1], name=f"{name}:next_input_error")
            model.add_op(Reset(source))
            model.add_op(TransposedDotInc(path.next_encoders, error, source, tag=name))
        add_transposed_weights(
            model, path.weights, source, teaching[path.neurons], tag=f"{name}:feedback"
        )

    build_encoder_rule(model, rule_type, rule, add_teaching, path)


@Builder.register(FeedbackAlignment)
def build_feedback_alignment(model, rule_type, rule):
    r"""Build `.FeedbackAlignment`: :math:`M = s_B B`, fixed."""
    post = post_ensemble(rule)
    path = None
    if rule_type.downstream is not None:
        path = forward_path(model, rule_type, rule, need_weights=False)
    feedback = sample_feedback(model, rule_type, rule, post.n_neurons)
    scale = forward_scale(model, post, path)
    name = type(rule_type).__name__

    def add_teaching(error, teaching):
        matrix = Signal(scale * feedback, name=f"{name}:M", readonly=True)
        model.add_op(DotInc(matrix, error, teaching, tag=f"{name}:feedback"))
        return feedback, scale

    build_encoder_rule(model, rule_type, rule, add_teaching, path)
