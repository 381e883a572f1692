"""Nengo's learning-rule builder, without a dense ``delta`` for rules that update in place.

Nengo builds every `~nengo.connection.LearningRule` by creating a ``delta``
signal the size of its target and a ``Copy(delta, target, inc=True)``, then
calling the rule type's build function. For an ensemble's encoders that is
two extra passes over an ``(n_neurons, dimensions)`` matrix every step, as
much as the encoding itself. nengo-fa's rank-one rules update the encoders in
place instead (`.SimEncoderUpdate`), so for them this builder skips the dense
``delta``; it is formed only if probed (`.comparisons`). Every other rule,
including `.WeightPerturbation` (whose update is dense), is built by Nengo's
own function, unchanged.
"""

from nengo.builder import Builder
from nengo.connection import LearningRule

from nengo_fa.learning_rules import EncoderRule

#: The build function registered for LearningRule before nengo_fa was imported.
nengo_build_learning_rule = Builder.builders[LearningRule]


def build_learning_rule(model, rule):
    """Build a `~nengo.connection.LearningRule` (see the module docstring)."""
    rule_type = rule.learning_rule_type
    if not isinstance(rule_type, EncoderRule) or rule_type.dense_update:
        return nengo_build_learning_rule(model, rule)
    model.params[rule] = None
    return model.build(rule_type, rule)


# Replaces (and delegates to) the registered function; Builder.register would warn.
if getattr(nengo_build_learning_rule, "__module__", None) != __name__:
    Builder.builders[LearningRule] = build_learning_rule
