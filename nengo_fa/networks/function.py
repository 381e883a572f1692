"""`FunctionLearner`: one hidden ensemble learning a function online (the #88 setting)."""

import nengo
import numpy as np
from nengo.params import Default

from nengo_fa.learning_rules import BackpropEncoder, FeedbackAlignment
from nengo_fa.networks.learned import frozen_output
from nengo_fa.synapses import ErrorPathSynapse

#: Rules of `FunctionLearner`: PES alone, feedback alignment, backpropagation.
FUNCTION_RULES = ("pes", "fa", "bp")


class Zeros:
    """A connection function returning ``size`` zeros: a readout learned from zero."""

    def __init__(self, size):
        self.size = size

    def __call__(self, x):
        return np.zeros(self.size)


class FunctionLearner(nengo.Network):
    """A hidden ensemble learning ``y = function(x)`` online from one error.

    ``stim -> hidden`` carries the encoder rule (``rule``: ``"pes"`` for
    none, ``"fa"`` for `.FeedbackAlignment`, ``"bp"`` for
    `.BackpropEncoder`) and ``hidden -> output`` learns its decoders with
    `nengo.PES`, starting from zero. One ``error`` node (output minus target)
    drives both rules. This is the setting the Nengo forum thread #88 asked
    about, as a network any Nengo model can include.

    Parameters
    ----------
    function : callable
        ``x -> y`` (a NumPy function of the input vector, returning a vector).
    stimulus : callable, Process or array_like
        Output of the input node, of size ``dimensions``.
    dimensions : int
        Size of ``x``.
    n_neurons : int
        Neurons in the hidden ensemble.
    rule : str
        One of `FUNCTION_RULES`.
    neuron_type : NeuronType, optional
        Default `nengo.RectifiedLinear`.
    learning_rate : float, optional
        :math:`\\kappa` of the encoder rule (default: the rule's).
    pes_learning_rate : float, optional
        Of the readout (default: `nengo.PES`'s).
    matched_pes : bool, optional
        Wire the readout's PES as ``nengo_fa.synapses`` explains: the error
        reaches PES unfiltered and PES filters the activities like the path
        from the ensemble to the error (`.ErrorPathSynapse`), so PES descends
        the squared error exactly. Recommended for long runs with spiking
        neurons, whose decoders otherwise drift; the default (False) wires
        PES as Nengo's examples do (a 5 ms synapse on the error, PES's
        default ``pre_synapse``).
    seed : int, optional
    label : str, optional

    Attributes
    ----------
    stim, target, output, error : Node
    hidden : Ensemble
    layer1 : Connection
        ``stim -> hidden``, carrying the encoder rule.
    layer2 : Connection
        ``hidden -> output``, learning with PES.
    """

    def __init__(
        self,
        function,
        stimulus,
        dimensions,
        n_neurons=10,
        rule="fa",
        neuron_type=None,
        learning_rate=None,
        pes_learning_rate=None,
        matched_pes=False,
        seed=None,
        label=None,
    ):
        if rule not in FUNCTION_RULES:
            raise ValueError(f"rule must be one of {FUNCTION_RULES}, got {rule!r}")
        super().__init__(label=label or f"learn a function ({rule})", seed=seed)
        size_out = np.size(function(np.zeros(dimensions)))
        rate = Default if learning_rate is None else learning_rate
        with self:
            self.stim = nengo.Node(stimulus, size_out=dimensions, label="stim")
            self.target = nengo.Node(size_in=size_out, label="target")
            self.hidden = nengo.Ensemble(
                n_neurons,
                dimensions,
                neuron_type=neuron_type if neuron_type is not None else nengo.RectifiedLinear(),
                label="hidden",
            )
            self.output = nengo.Node(size_in=size_out, label="output")
            self.error = nengo.Node(size_in=size_out, label="error")
            nengo.Connection(self.stim, self.target, function=function, synapse=None)
            nengo.Connection(self.output, self.error, synapse=None)
            nengo.Connection(self.target, self.error, transform=-1, synapse=None)
            pes = {} if pes_learning_rate is None else {"learning_rate": pes_learning_rate}
            output_synapse = nengo.Lowpass(0.005)  # Nengo's default
            if matched_pes:
                pes["pre_synapse"] = ErrorPathSynapse(output_synapse)
            self.layer2 = nengo.Connection(
                self.hidden,
                self.output,
                function=Zeros(size_out),
                synapse=output_synapse,
                learning_rule_type=nengo.PES(**pes),
            )
            error_synapse = {"synapse": None} if matched_pes else {}
            nengo.Connection(self.error, self.layer2.learning_rule, **error_synapse)
            encoder_rule = None
            if rule == "fa":
                encoder_rule = FeedbackAlignment(error_size=size_out, learning_rate=rate)
            elif rule == "bp":
                encoder_rule = BackpropEncoder(self.layer2, learning_rate=rate)
            self.layer1 = nengo.Connection(self.stim, self.hidden, learning_rule_type=encoder_rule)
            if encoder_rule is not None:
                nengo.Connection(self.error, self.layer1.learning_rule)

    def frozen_output(self, sim, x):
        """Outputs for inputs ``x`` (n_points x dimensions), learning frozen (`.frozen_output`)."""
        return frozen_output(sim, self.layer2, x)

    def frozen_rmse(self, sim, x, y):
        """RMSE of `frozen_output` against targets ``y`` (n_points x outputs, or n_points)."""
        error = self.frozen_output(sim, x) - np.reshape(y, (len(x), -1))
        return float(np.sqrt(np.mean(error**2)))
