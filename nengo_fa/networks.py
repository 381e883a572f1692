"""Ready-made learning networks and tools to evaluate them with learning frozen.

`FeedForward` builds a multi-layer learner of any depth with one of the
encoder rules; `learn_product` the two-layer product task of the examples.
"""

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
    as_list,
)

#: Encoder rules of `learn_product` by their short names ("pes": none).
RULES = ("pes", "fa", "bp")

#: Rules of `FeedForward`: PES alone on fixed hidden layers, feedback alignment
#: layer by layer, backpropagation, direct feedback alignment, Kolen-Pollack,
#: sign symmetry, node perturbation, weight perturbation.
DEEP_RULES = ("pes", "fa", "bp", "dfa", "kp", "ss", "np", "wp")


def product_input(t):
    """The product task's input, (sin(pi t), sin(0.7 pi t))."""
    return np.sin(np.pi * t), np.sin(0.7 * np.pi * t)


def learn_product(
    rule="bp",
    n_neurons=10,
    neuron_type=None,
    encoder_rate=None,
    pes_rate=None,
    seed=None,
    label=None,
):
    """A network learning x0 * x1 from online error with PES plus an encoder rule.

    ``stim -> hidden`` carries the encoder rule (``rule``: ``"pes"`` for none,
    ``"fa"`` for `.FeedbackAlignment`, ``"bp"`` for `.BackpropEncoder`) and
    ``hidden -> output`` learns its decoders with `nengo.PES`, starting from
    zero. One ``error`` node (output minus target) drives both rules.

    The returned network has attributes ``stim``, ``target``, ``hidden``,
    ``output``, ``error``, ``layer1`` and ``layer2``. ``None`` for a rate or
    neuron type means Nengo's default (or `nengo.RectifiedLinear` neurons).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    rates = {} if encoder_rate is None else {"learning_rate": encoder_rate}
    with nengo.Network(seed=seed, label=label or f"product ({rule})") as net:
        net.stim = nengo.Node(product_input, label="stim")
        net.target = nengo.Node(size_in=1, label="target")
        net.hidden = nengo.Ensemble(
            n_neurons, 2, neuron_type=neuron_type or nengo.RectifiedLinear(), label="hidden"
        )
        net.output = nengo.Node(size_in=1, label="output")
        net.error = nengo.Node(size_in=1, label="error")
        nengo.Connection(net.stim, net.target, function=lambda x: x[0] * x[1], synapse=None)
        nengo.Connection(net.output, net.error, synapse=None)
        nengo.Connection(net.target, net.error, transform=-1, synapse=None)

        pes = nengo.PES() if pes_rate is None else nengo.PES(learning_rate=pes_rate)
        net.layer2 = nengo.Connection(
            net.hidden, net.output, function=lambda x: 0, learning_rule_type=pes
        )
        nengo.Connection(net.error, net.layer2.learning_rule)
        encoder_rule = {
            "pes": None,
            "fa": lambda: FeedbackAlignment(error_size=1, **rates),
            "bp": lambda: BackpropEncoder(net.layer2, **rates),
        }[rule]
        net.layer1 = nengo.Connection(
            net.stim, net.hidden, learning_rule_type=encoder_rule and encoder_rule()
        )
        if encoder_rule is not None:
            nengo.Connection(net.error, net.layer1.learning_rule)
    return net


def learned_encoders(sim, ens):
    """Copies of the scaled encoders and biases of ``ens`` in ``sim`` now (as learned).

    ``sim.data[ens]`` keeps the values the ensemble was built with.
    """
    encoders = sim.signals[sim.model.sig[ens]["encoders"]].copy()
    return encoders, sim.signals[sim.model.sig[ens.neurons]["bias"]].copy()


def learned_rates(sim, ens, x):
    """Rates (Hz) of ``ens`` for decoded inputs ``x`` (n_points x dims) right now.

    Uses the ensemble's `learned_encoders` and the rate approximation of its
    neuron type, as if learning were frozen and each input held until the
    neurons settled.
    """
    encoders, bias = learned_encoders(sim, ens)
    current = np.atleast_2d(x) @ encoders.T + bias
    return rate_curve(ens.neuron_type, current)


def learned_weights(sim, conn):
    """The weights of ``conn`` in ``sim`` now, including a pending weight update.

    Nengo adds the ``delta`` a rule such as `nengo.PES` computes in one step
    to the weights at the start of the next, so after a run the last step's
    delta is still pending; it is included here.
    """
    weights = sim.signals[sim.model.sig[conn]["weights"]].copy()
    for rule in as_list(conn.learning_rule):
        if rule.learning_rule_type.modifies in ("weights", "decoders"):
            weights += sim.signals[sim.model.sig[rule]["delta"]]
    return weights


def frozen_output(sim, conn, x):
    """Output of decoded connection ``conn`` for inputs ``x`` to its pre ensemble, frozen.

    Combines `learned_rates` with the connection's `learned_weights`, e.g.
    the decoders PES has learned so far. Synapses do not matter at steady state.
    """
    return learned_rates(sim, conn.pre_obj, x) @ learned_weights(sim, conn).T


def product_grid(points=41):
    """The product task's test set: a ``points`` x ``points`` grid over [-1, 1]^2 and x0 * x1."""
    grid = np.linspace(-1, 1, points)
    x = np.array([(a, b) for a in grid for b in grid])
    return x, x[:, 0] * x[:, 1]


def frozen_product_rmse(sim, net, points=41):
    """RMSE of a `learn_product` network's frozen output against x0 * x1.

    Evaluated on the `product_grid` with the current encoders, biases and
    decoders (see `frozen_output`).
    """
    x, target = product_grid(points)
    output = frozen_output(sim, net.layer2, x)[:, 0]
    return float(np.sqrt(np.mean((output - target) ** 2)))


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
        On every forward connection and PES's activities (None for rate
        networks learning one sample per step).
    error_synapse : Synapse or None
        On the connections carrying the error into the rules.
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
            self.error = nengo.Node(
                lambda t, x: x[:-1] * x[-1], size_in=n_output + 1, label="error"
            )
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
                    synapse=synapse,
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


class GaussianInput:
    """Node output: a fresh ``x ~ N(0, I)`` every step (``N(0, I / d)`` if ``normalized``).

    A pure function of the step number: drawn in blocks of ``block`` steps
    from ``seed`` and the block index, so every run, every reset and every
    network given the same seed sees the same inputs.

    Parameters
    ----------
    dimensions : int
        ``d``, the size of ``x``.
    normalized : bool
        Divide by ``sqrt(d)``, so that ``|x|`` is about 1.
    seed : int
    dt : float
        The simulator's time step.
    block : int
        Steps drawn at once.
    """

    def __init__(self, dimensions, normalized=False, seed=0, dt=0.001, block=1000):
        self.dimensions, self.normalized = int(dimensions), bool(normalized)
        self.seed, self.dt, self.block = seed, dt, int(block)
        self._cached = (None, None)

    def samples(self, index):
        """Block ``index`` of inputs, shape ``(block, dimensions)``."""
        if self._cached[0] != index:
            rng = np.random.default_rng([self.seed, index])
            x = rng.standard_normal((self.block, self.dimensions))
            self._cached = (index, x / np.sqrt(self.dimensions) if self.normalized else x)
        return self._cached[1]

    def __call__(self, t):
        step = int(round(t / self.dt))
        return self.samples(step // self.block)[step % self.block]


def _length(samples):
    return "no" if samples is None else len(samples)


class DataFeed:
    """Presents samples to a network's ``input`` and ``target``, and gates its learning.

    Sample ``i`` of the current ``order`` is shown during
    ``[i * presentation_time, (i + 1) * presentation_time)`` of the current
    phase. `train` and `test` switch phase between runs of one simulator:
    training shows shuffled epochs with ``learning`` set by a schedule, testing
    shows the test set in order with learning off (the error gate is 0). Run
    on its own (e.g. in Nengo GUI) it cycles through the training samples. With
    ``presentation_time = dt``, no synapses and rate neurons, every step
    learns from one new sample.

    Parameters
    ----------
    train_inputs, train_targets : ndarray
        Training samples (n, n_input) and targets (n, n_output).
    test_inputs, test_targets : ndarray, optional
    presentation_time : float
        Seconds each sample is shown.
    learn_after : float
        Fraction of each presentation during which learning stays off, so
        that spiking networks learn only once their synapses have settled.
    seed : int, optional
        For the order of the training samples.
    """

    def __init__(
        self,
        train_inputs,
        train_targets,
        test_inputs=None,
        test_targets=None,
        presentation_time=0.001,
        learn_after=0.0,
        seed=None,
    ):
        self.data = {"train": (train_inputs, train_targets), "test": (test_inputs, test_targets)}
        for phase, (inputs, targets) in self.data.items():
            if (inputs is None) != (targets is None) or (
                inputs is not None and len(inputs) != len(targets)
            ):
                raise ValueError(
                    f"DataFeed: the {phase} inputs and targets must both be given, with one "
                    f"target per input (got {_length(inputs)} inputs, {_length(targets)} targets)"
                )
        self.presentation_time = float(presentation_time)
        self.learn_after = float(learn_after)
        self.rng = np.random.RandomState(seed)
        self.phase = "train"
        self.start = 0.0
        self.order = np.arange(len(train_inputs))
        self.learning_rate = 1.0

    def connect(self, net):
        """Add the nodes feeding ``net`` (a `FeedForward` or anything with the same nodes)."""
        with net:
            self.input_node = nengo.Node(self._input, label="data input")
            self.target_node = nengo.Node(self._target, label="data target")
            nengo.Connection(self.input_node, net.input, synapse=None)
            nengo.Connection(self.target_node, net.target, synapse=None)
            net.learning.output = self._learning
        return self

    def index(self, t):
        """Position in the current order of the sample shown at time ``t`` (cycling)."""
        step = (t - self.start) / self.presentation_time
        return int(step - 1e-9) % len(self.order)

    def _sample(self, t, which):
        return self.data[self.phase][which][self.order[self.index(t)]]

    def _input(self, t):
        return self._sample(t, 0)

    def _target(self, t):
        return self._sample(t, 1)

    def _learning(self, t):
        if self.phase != "train":
            return 0.0
        into = (t - self.start) / self.presentation_time
        fraction = into - np.floor(into - 1e-9)  # in (0, 1] through each presentation
        return self.learning_rate if fraction > self.learn_after + 1e-9 else 0.0

    def train(self, sim, epochs=1, learning_rate=1.0):
        """Run ``sim`` over ``epochs`` shuffled passes of the training set."""
        inputs = self.data["train"][0]
        self.phase, self.learning_rate = "train", float(learning_rate)
        for _ in range(int(epochs)):
            self.order = self.rng.permutation(len(inputs))
            self._run(sim, len(inputs))

    def test(self, sim, probe, average=1.0):
        """Predicted classes of the test set: ``probe`` averaged over the end of each sample.

        ``average`` is the fraction of each presentation (at its end) averaged.
        """
        inputs = self.data["test"][0]
        self.phase = "test"
        self.order = np.arange(len(inputs))
        first = len(sim.data[probe])
        self._run(sim, len(inputs))
        outputs = np.asarray(sim.data[probe][first:])
        steps = int(round(self.presentation_time / sim.dt))
        keep = max(1, int(round(average * steps)))
        per_sample = outputs.reshape(len(inputs), steps, -1)[:, -keep:].mean(axis=1)
        return np.argmax(per_sample, axis=1)

    def _run(self, sim, n_samples):
        self.start = sim.time
        sim.run_steps(int(round(n_samples * self.presentation_time / sim.dt)))
