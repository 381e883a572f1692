"""`FeedForward`: multi-layer learners of any depth with any of the encoder rules."""

import nengo
import numpy as np

from nengo_fa.derivatives import rate_curve
from nengo_fa.learning_rules import (
    BackpropEncoder,
    DirectFeedbackAlignment,
    FeedbackAlignment,
    KolenPollack,
    NodePerturbation,
    SignSymmetry,
    WeightPerturbation,
)
from nengo_fa.networks.learned import learned_rates, learned_weights

#: Rules of `FeedForward`: PES alone on fixed hidden layers, feedback alignment
#: layer by layer, backpropagation, direct feedback alignment, Kolen-Pollack,
#: sign symmetry, node perturbation, weight perturbation.
DEEP_RULES = ("pes", "fa", "bp", "dfa", "kp", "ss", "np", "wp")


def current_for_rate(neuron_type, rates, low=-1e3, high=1e3, iterations=80):
    """Input currents at which ``neuron_type``'s rate curve reaches ``rates`` (bisection).

    The rate curve (`.rate_curve`) must increase with the current; rates it
    does not reach between ``low`` and ``high`` are an error.
    """
    rates = np.asarray(rates, dtype=float)
    reachable = rate_curve(neuron_type, np.array([low, high], dtype=float))
    if np.any(rates < reachable[0]) or np.any(rates > reachable[1]):
        raise ValueError(
            f"{neuron_type} only reaches rates {reachable[0]:g} to {reachable[1]:g} for "
            f"currents {low:g} to {high:g}, not {rates.min():g} to {rates.max():g}; "
            "ask for rates within its range (e.g. smaller max_rates)."
        )
    low, high = np.full(rates.shape, float(low)), np.full(rates.shape, float(high))
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        above = rate_curve(neuron_type, middle) >= rates
        high = np.where(above, middle, high)
        low = np.where(above, low, middle)
    return 0.5 * (low + high)


def data_init(neuron_type, inputs, n_neurons, rng, active=(0.2, 0.8), max_rates=(150, 250)):
    """Encoders, gains, biases and radius fitted to a sample of an ensemble's inputs.

    Encoders are random unit vectors. The radius is the RMS norm of
    ``inputs`` (n_samples x dimensions). Each neuron's gain and bias put its
    threshold where a fraction ``U(*active)`` of the samples drive it beyond
    it, and give it a firing rate drawn from ``U(*max_rates)`` (Hz) at the
    99th percentile of its input. The threshold current is where the rate
    curve leaves zero (`nengo.RectifiedLinear`, `nengo.LIF`, `nengo.Tanh`), or
    where it reaches a tenth of the neuron's top rate for curves that are
    never zero (`nengo.Sigmoid`). So every neuron responds within the inputs'
    real range, whatever their dimension or distribution. Returns
    ``(encoders, gain, bias, radius)``.
    """
    inputs = np.asarray(inputs, dtype=float)
    radius = float(np.sqrt(np.mean(np.sum(inputs**2, axis=1))))
    if not radius > 0:
        raise ValueError("data_init needs inputs that are not all zero (and finite)")
    encoders = nengo.dists.UniformHypersphere(surface=True).sample(
        n_neurons, inputs.shape[1], rng=rng
    )
    projections = inputs @ encoders.T / radius
    fractions = rng.uniform(*active, size=n_neurons)
    thresholds = np.array([np.quantile(projections[:, i], 1 - f) for i, f in enumerate(fractions)])
    spread = np.maximum(np.quantile(projections, 0.99, axis=0) - thresholds, 1e-12)
    tops = rng.uniform(*max_rates, size=n_neurons)
    # curves with a threshold are exactly zero (or negative) well below it;
    # far enough out, a sigmoid's rate would underflow to zero as well
    floor = float(rate_curve(neuron_type, np.array([-10.0]))[0])
    threshold_rate = np.zeros(n_neurons) if floor <= 0 else 0.1 * tops
    # the rate leaves 0 just above the threshold current: aim at a tiny positive rate
    low_current = current_for_rate(neuron_type, np.maximum(threshold_rate, 1e-9))
    gain = (current_for_rate(neuron_type, tops) - low_current) / spread
    return encoders, gain, low_current - gain * thresholds, radius


def gated_error(t, x):
    """The error node of `FeedForward`: ``x[:-1]`` (output - target) times ``x[-1]`` (the gate)."""
    return x[:-1] * x[-1]


def _per_layer(value, n_layers, name):
    values = list(value) if np.ndim(value) else [value] * n_layers
    if len(values) != n_layers:
        raise ValueError(f"{name} needs one value per hidden layer ({n_layers}), got {value!r}")
    return values


class FeedForward(nengo.Network):
    """A feed-forward learner of any depth, trained online with one encoder rule.

    ``input -> hidden[0] -> ... -> hidden[-1] -> output``. Layer ``k + 1``
    is driven by ``nengo.Connection(hidden[k].neurons, hidden[k + 1])``: its
    decoded input is layer ``k``'s activities, so its scaled encoders are the
    weight matrix between the layers. The readout is a ``.neurons``
    connection from the last layer, learned with `nengo.PES`. One error,
    ``error = learning * (output - target)``, drives every rule:

    * ``"pes"``: PES on the readout only; hidden layers keep their random
      encoders.
    * ``"bp"``: `.BackpropEncoder` on every hidden layer, each sending its
      error back through the layer above (exact backpropagation).
    * ``"fa"``: `.FeedbackAlignment` layer by layer: like ``"bp"`` with a
      fixed random matrix in place of each transposed forward matrix.
    * ``"dfa"``: `.DirectFeedbackAlignment`: every hidden layer receives the
      output error through its own fixed random matrix.
    * ``"kp"``, ``"ss"``: `.KolenPollack`, `.SignSymmetry`, chained like ``"bp"``.
    * ``"np"``, ``"wp"``: `.NodePerturbation`, `.WeightPerturbation`: every
      hidden layer learns from the output error (the loss) directly.

    Rules that take the output error directly get ``reference`` set to the
    layer above, so every rule's comparison with backpropagation can be probed.

    Parameters
    ----------
    n_input, n_output : int
        Sizes of the input and output.
    hidden : sequence of int
        Neurons in each hidden layer.
    rule : str
        One of `DEEP_RULES`.
    neuron_type : NeuronType, optional
        Of every hidden layer (default `nengo.RectifiedLinear`).
    learning_rate : float or sequence of float
        :math:`\\kappa` of the encoder rules (one per hidden layer, or one for all).
    rule_options : dict, optional
        More keyword arguments for every encoder rule (e.g. ``noise`` for the
        perturbation rules, ``weight_decay`` for Kolen-Pollack).
    readout_learning_rate : float
        `nengo.PES` learning rate of the readout.
    readout_init : Distribution or (n_output, hidden[-1]) array_like, optional
        Initial readout weights (default zeros).
    synapse : Synapse or None
        On every connection leaving a hidden layer (into the next layer and
        the readout) and PES's activities (None for rate networks learning
        one sample per step).
    error_synapse : Synapse or None
        On the connections carrying the error into the rules. Keep None for
        spiking networks: the output is already filtered by ``synapse``, so
        an error synapse only makes the error lag further behind the inputs
        and activities it is paired with (and, as the learning gate comes
        before it, carries each sample's error into the next sample).
    input_synapse : Synapse or None
        On the connection from ``input`` to the first hidden layer (default
        None). ``input`` is a Node, not spikes: a synapse here only delays
        the first layer's current, so that each new sample needs longer to
        settle (give the spikes of a spiking source their synapse on the
        connection into ``input``).
    init_inputs : (n_samples, n_input) array_like, optional
        A sample of inputs. If given, each layer's encoders, gains, biases,
        radius and evaluation points are fitted to the inputs it receives at
        initialization (see `data_init`); otherwise Nengo's defaults are used.
    seed : int, optional
    label : str, optional

    Attributes
    ----------
    input, target : Node
        Connect the input and the target (e.g. one-hot labels) here.
    output : Node
        The readout.
    error : Node
        ``learning * (output - target)``, the error every rule receives.
    learning : Node
        Scalar that multiplies the error: 1 learns, 0 freezes all learning
        (Kolen-Pollack's weight decay and the perturbation rules' noise pause
        too), other values scale every rule's step (a learning rate
        schedule). The perturbation rules' steps scale with its square, as
        they follow the loss ``0.5 |error|^2``.
    layers : list of Ensemble
    hidden_connections : list of Connection
        The input connection of each hidden layer (carrying its rule).
    readout : Connection
    """

    def __init__(
        self,
        n_input,
        hidden,
        n_output,
        rule="bp",
        neuron_type=None,
        learning_rate=1.0,
        readout_learning_rate=1e-4,
        readout_init=None,
        rule_options=None,
        synapse=None,
        error_synapse=None,
        init_inputs=None,
        seed=None,
        label=None,
        input_synapse=None,
    ):
        super().__init__(label=label or f"FeedForward {rule}", seed=seed)
        if rule not in DEEP_RULES:
            raise ValueError(f"rule must be one of {DEEP_RULES}, got {rule!r}")
        hidden = [int(n) for n in hidden]
        if not hidden:
            raise ValueError("hidden must name at least one hidden layer")
        if rule in ("np", "wp") and (synapse is not None or error_synapse is not None):
            raise ValueError(
                f"rule={rule!r} correlates each step's noise with the same step's loss, so "
                "the noise must reach the error within the step: use synapse=None and "
                "error_synapse=None"
            )
        self.rule = rule
        rates = _per_layer(learning_rate, len(hidden), "learning_rate")
        neuron_type = neuron_type if neuron_type is not None else nengo.RectifiedLinear()
        rng = np.random.RandomState(seed)
        with self:
            self.input = nengo.Node(size_in=n_input, label="input")
            self.target = nengo.Node(size_in=n_output, label="target")
            self.output = nengo.Node(size_in=n_output, label="output")
            self.learning = nengo.Node(1.0, label="learning")
            self.error = nengo.Node(gated_error, size_in=n_output + 1, label="error")
            nengo.Connection(self.output, self.error[:-1], synapse=None)
            nengo.Connection(self.target, self.error[:-1], transform=-1, synapse=None)
            nengo.Connection(self.learning, self.error[-1], synapse=None)

            self.layers = []
            inputs = None if init_inputs is None else np.asarray(init_inputs, dtype=float)
            for k, n in enumerate(hidden):
                dims = n_input if k == 0 else hidden[k - 1]
                kwargs = {}
                if inputs is not None:
                    encoders, gain, bias, radius = data_init(neuron_type, inputs, n, rng)
                    kwargs = dict(  # Nengo scales array eval points by the radius
                        encoders=encoders,
                        gain=gain,
                        bias=bias,
                        radius=radius,
                        eval_points=inputs / radius,
                    )
                    inputs = rate_curve(
                        neuron_type, inputs @ (encoders * gain[:, None]).T / radius + bias
                    )
                self.layers.append(
                    nengo.Ensemble(n, dims, neuron_type=neuron_type, label=f"hidden{k}", **kwargs)
                )

            pes = nengo.PES(readout_learning_rate, pre_synapse=synapse)
            if readout_init is None:
                readout_init = np.zeros((n_output, hidden[-1]))
            elif isinstance(readout_init, nengo.dists.Distribution):
                readout_init = readout_init.sample(n_output, hidden[-1], rng=rng)
            self.readout = nengo.Connection(
                self.layers[-1].neurons,
                self.output,
                transform=readout_init,
                synapse=synapse,
                learning_rule_type=pes,
                label="readout",
            )
            nengo.Connection(self.error, self.readout.learning_rule, synapse=error_synapse)

            # built top-down: a rule sends its error back through the layer above
            self.hidden_connections = [None] * len(hidden)
            downstream = self.readout
            for k in reversed(range(len(hidden))):
                pre = self.input if k == 0 else self.layers[k - 1].neurons
                rule_type = self._rule_type(rule, rates[k], downstream, n_output, rule_options)
                conn = nengo.Connection(
                    pre,
                    self.layers[k],
                    synapse=input_synapse if k == 0 else synapse,
                    learning_rule_type=rule_type,
                    label=f"layer{k}",
                )
                if rule_type is not None and conn.learning_rule.size_in > 0:
                    nengo.Connection(self.error, conn.learning_rule, synapse=error_synapse)
                self.hidden_connections[k] = conn
                downstream = conn

    @staticmethod
    def _rule_type(rule, learning_rate, downstream, n_output, options):
        kwargs = dict(options or {}, learning_rate=learning_rate)
        chained = {"bp": BackpropEncoder, "kp": KolenPollack, "ss": SignSymmetry}
        direct = {
            "dfa": DirectFeedbackAlignment,
            "np": NodePerturbation,
            "wp": WeightPerturbation,
        }
        if rule in chained:
            return chained[rule](downstream, **kwargs)
        if rule == "fa":
            return FeedbackAlignment(downstream=downstream, **kwargs)
        if rule in direct:
            return direct[rule](n_output, reference=downstream, **kwargs)
        return None

    def frozen_outputs(self, sim, inputs):
        """Outputs for ``inputs`` (n_samples x n_input) from the current parameters, frozen.

        Steady-state rates of every layer (rate approximation for spiking
        neurons) through the learned encoders, biases and readout weights.
        """
        x = np.atleast_2d(inputs)
        for ens in self.layers:
            x = learned_rates(sim, ens, x)
        return x @ learned_weights(sim, self.readout).T
