r"""The tests' NumPy oracle: one `.FeedForward` network's online learning, without Nengo.

For rate neurons and no synapses, a `.FeedForward` network does one step of
online gradient learning per simulation step. `ReferenceLearner` does the
same arithmetic without Nengo, for two uses: checking that the Nengo network
computes what the documentation says (the tests compare the two step by
step), and measuring what the Nengo simulator costs over the bare update (the
throughput benchmark).

One step with input :math:`\mathbf{x}_0` and target :math:`\mathbf{t}`, with
layer :math:`k` input :math:`\mathbf{x}_k` (the previous layer's rates):

.. math::

   J_k = E_k \mathbf{x}_k + \mathbf{b}_k, \quad \mathbf{a}_k = f(J_k), \quad
   \mathbf{y} = D \mathbf{a}_L, \quad \mathbf{e} = \lambda (\mathbf{y} - \mathbf{t})

then, all from the parameters before the step,
:math:`\delta_k = (M_k \mathbf{e}_k) \odot f'(J_k)` with
:math:`M_L \mathbf{e}_L = D^T \mathbf{e}` and
:math:`M_k \mathbf{e}_k = E_{k+1}^T \delta_{k+1}` (backprop), or fixed
scaled random matrices (feedback alignment: :math:`M_k \delta_{k+1}`;
direct: :math:`M_k \mathbf{e}`), and

.. math::

   E_k \mathrel{-}= C_k \, \delta_k \mathbf{x}_k^T / r_k^2, \quad
   \mathbf{b}_k \mathrel{-}= C_k \, \delta_k, \quad
   D \mathrel{-}= \frac{\kappa_{PES} \Delta t}{n_L} \mathbf{e} \, \mathbf{a}_L^T
"""

import numpy as np

from nengo_fa.derivatives import derivative_function, rate_curve
from nengo_fa.rank_one import rank_one_updater


class ReferenceLearner:
    """Online learner with the same update as a `.FeedForward` network (rate, no synapses).

    Parameters
    ----------
    encoders : list of (n_k, d_k) ndarray
        Scaled encoders of each hidden layer (copied).
    biases : list of (n_k,) ndarray
    radii : list of float
    neuron_type : NeuronType
    step_sizes : list of float
        :math:`C_k` of each layer's encoder rule (ignored for ``"pes"``).
    readout : (n_output, n_L) ndarray
        Initial readout weights :math:`D`.
    readout_step : float
        :math:`\\kappa_{PES} \\Delta t / n_L`.
    rule : str
        ``"pes"``, ``"bp"``, ``"fa"`` or ``"dfa"``.
    feedback : list of ndarray, optional
        Scaled fixed matrices :math:`M_k` for ``"fa"`` and ``"dfa"``.
    sign_gate : bool, optional
        `.FeedbackAlignment`'s ``sign_gate`` for the layers that take the
        output error (the top one for ``"fa"``, all for ``"dfa"``):
        :math:`M_k \\odot [M_k \\odot T_k \\ge 0]` with the trace
        :math:`T_k \\mathrel{-}= \\Delta t \\, \\mathbf{a}_k \\mathbf{e}^T` after each step.
    dt : float, optional
        Time step (only scales the sign traces).
    """

    def __init__(
        self,
        encoders,
        biases,
        radii,
        neuron_type,
        step_sizes,
        readout,
        readout_step,
        rule,
        feedback=None,
        sign_gate=False,
        dt=0.001,
    ):
        self.encoders = [np.array(e, dtype=float) for e in encoders]
        self.biases = [np.array(b, dtype=float) for b in biases]
        self.radii = list(radii)
        self.neuron_type = neuron_type
        self.step_sizes = list(step_sizes)
        self.readout = np.array(readout, dtype=float)
        self.readout_step = float(readout_step)
        self.rule = rule
        self.feedback = feedback
        self.dt = float(dt)
        gated = {"fa": [len(self.encoders) - 1], "dfa": range(len(self.encoders))}
        self.traces = [None] * len(self.encoders)
        if sign_gate and rule in gated:
            for k in gated[rule]:
                self.traces[k] = np.zeros(np.shape(feedback[k]))
        self._slope = derivative_function(neuron_type)
        self._update = [rank_one_updater(e) for e in self.encoders]
        self._update_readout = rank_one_updater(self.readout)

    #: The `.FeedForward` rules this reference implements.
    RULES = ("pes", "bp", "fa", "dfa")

    @classmethod
    def from_simulator(cls, sim, net):
        """The learner a `.FeedForward` network ``net`` starts from in ``sim``."""
        if net.rule not in cls.RULES:
            raise ValueError(f"ReferenceLearner implements {cls.RULES}, not {net.rule!r}")
        layers = net.layers
        rule_data = [
            sim.data[c.learning_rule] if c.learning_rule is not None else None
            for c in net.hidden_connections
        ]
        feedback, sign_gate = None, False
        if net.rule in ("fa", "dfa"):
            feedback = [d.feedback_scale * d.feedback for d in rule_data]
            sign_gate = net.hidden_connections[-1].learning_rule_type.sign_gate
        pes = net.readout.learning_rule_type
        return cls(
            encoders=[sim.data[ens].scaled_encoders for ens in layers],
            biases=[sim.data[ens].bias for ens in layers],
            radii=[ens.radius for ens in layers],
            neuron_type=layers[0].neuron_type,
            step_sizes=[d.step_size if d is not None else 0.0 for d in rule_data],
            readout=sim.data[net.readout].weights,
            readout_step=pes.learning_rate * sim.dt / layers[-1].n_neurons,
            rule=net.rule,
            feedback=feedback,
            sign_gate=sign_gate,
            dt=sim.dt,
        )

    def forward(self, x):
        """Layer inputs, currents and rates for one input ``x``."""
        inputs, currents, rates = [], [], []
        for encoders, bias in zip(self.encoders, self.biases, strict=True):
            inputs.append(x)
            current = encoders @ x + bias
            x = rate_curve(self.neuron_type, current)
            currents.append(current)
            rates.append(x)
        return inputs, currents, rates

    def step(self, x, target, learning=1.0):
        """Learn from one sample; return the output before the update."""
        inputs, currents, rates = self.forward(np.asarray(x, dtype=float))
        output = self.readout @ rates[-1]
        error = learning * (output - target)
        if self.rule != "pes":
            below = None
            for k in reversed(range(len(self.encoders))):
                if self.rule == "bp":
                    teaching = (
                        self.readout.T @ error if below is None else self.encoders[k + 1].T @ below
                    )
                elif self.rule == "fa":
                    teaching = self._feedback(k, error if below is None else below, rates[k])
                else:
                    teaching = self._feedback(k, error, rates[k])
                local = teaching * self._slope(currents[k])
                if below is not None:  # layer k+1, now that its encoders have been read
                    self._apply(k + 1, below, inputs[k + 1])
                below = local
            self._apply(0, below, inputs[0])
        self._update_readout(-self.readout_step, error, rates[-1])
        return output

    def _feedback(self, k, error, rates):
        """``M_k error``, sign-gated by the trace (then updated) where the layer has one."""
        matrix, trace = self.feedback[k], self.traces[k]
        if trace is None:
            return matrix @ error
        teaching = (matrix * (matrix * trace >= 0)) @ error
        trace -= self.dt * np.outer(rates, error)
        return teaching

    def _apply(self, k, local_error, x):
        step = -self.step_sizes[k] * local_error
        self._update[k](1.0 / self.radii[k] ** 2, step, x)
        self.biases[k] += step

    def predict(self, inputs):
        """Outputs for each row of ``inputs`` with the current parameters."""
        x = np.atleast_2d(inputs)
        for encoders, bias in zip(self.encoders, self.biases, strict=True):
            x = rate_curve(self.neuron_type, x @ encoders.T + bias)
        return x @ self.readout.T
