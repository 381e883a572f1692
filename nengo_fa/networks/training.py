"""`DataFeed`: present a dataset to a network, epoch by epoch, with learning gated."""

import nengo
import numpy as np


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
        `test` reads the output over the rest of each presentation by default.
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

    def connect(self, net, input_process=None, input_synapse=None):
        """Add the nodes feeding ``net`` (a `FeedForward` or anything with the same nodes).

        ``input_process`` (e.g. `.SpikeTrains`, to present the inputs as
        spikes) transforms the inputs on their way to ``net.input``, through
        ``input_synapse``.
        """
        with net:
            self.input_node = nengo.Node(self._input, label="data input")
            self.target_node = nengo.Node(self._target, label="data target")
            source, synapse = self.input_node, None
            if input_process is not None:
                source = nengo.Node(input_process, label="input spikes")
                nengo.Connection(self.input_node, source, synapse=None)
                synapse = input_synapse
            nengo.Connection(source, net.input, synapse=synapse)
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

    def _learns(self, into):
        """Whether the gate is on at ``into`` presentations after the phase started."""
        fraction = into - np.floor(into - 1e-9)  # in (0, 1] through each presentation
        return fraction > self.learn_after + 1e-9

    def _learning(self, t):
        if self.phase != "train":
            return 0.0
        into = (t - self.start) / self.presentation_time
        return self.learning_rate if self._learns(into) else 0.0

    def steps(self, dt):
        """Simulation steps per presentation."""
        return int(round(self.presentation_time / dt))

    def learning_steps(self, dt):
        """Steps of each presentation with learning on (the gate is ``learning_rate`` on each).

        Divide a learning rate by this to make each sample's total update the
        same whatever the presentation time and ``learn_after``.
        """
        steps = self.steps(dt)
        return sum(self._learns(k / steps) for k in range(1, steps + 1))

    def train(self, sim, epochs=1, learning_rate=1.0):
        """Run ``sim`` over ``epochs`` shuffled passes of the training set."""
        inputs = self.data["train"][0]
        self.phase, self.learning_rate = "train", float(learning_rate)
        for _ in range(int(epochs)):
            self.order = self.rng.permutation(len(inputs))
            self._run(sim, len(inputs))

    def test(self, sim, probe, average=None):
        """Predicted classes of the test set: ``probe`` averaged over the end of each sample.

        ``average`` is the fraction of each presentation (at its end) averaged;
        by default the part after ``learn_after``, where the network has
        settled on the sample (all of it in rate mode). Probe the output
        without a synapse: the readout is filtered by its own synapse
        already, and a probe synapse would mix in the previous sample.
        """
        inputs = self.data["test"][0]
        self.phase = "test"
        self.order = np.arange(len(inputs))
        first = len(sim.data[probe])
        self._run(sim, len(inputs))
        return np.argmax(self.settled(sim.data[probe][first:], sim.dt, average), axis=1)

    def settled(self, outputs, dt, average=None):
        """Each sample's mean of ``outputs`` (whole presentations, steps x dims) over its end.

        ``average`` as in `test`: by default the steps after ``learn_after``.
        """
        outputs = np.asarray(outputs)
        steps = self.steps(dt)
        if average is None:  # the steps that learn, after the network has settled
            keep = self.learning_steps(dt)
        else:
            keep = max(1, int(round(average * steps)))
        return outputs.reshape(len(outputs) // steps, steps, -1)[:, -keep:].mean(axis=1)

    def _run(self, sim, n_samples):
        self.start = sim.time
        sim.run_steps(int(round(n_samples * self.presentation_time / sim.dt)))
