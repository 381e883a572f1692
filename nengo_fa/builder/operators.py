"""The operators nengo-fa adds to Nengo's: the genuinely new steps of the encoder rules.

Everything else a rule does is built from Nengo's stock operators (`~nengo.builder.operator.Reset`,
`~nengo.builder.operator.Copy`, `~nengo.builder.operator.DotInc`,
`~nengo.builder.operator.ElementwiseInc`). Each operator here declares its
``sets``/``incs``/``reads``/``updates`` as Nengo's do, names them with
properties, and returns a small closure from ``make_step``; this is the
interface other simulators implement (`nengo_fa.ocl` plans, `nengo_fa.dl`
OpBuilders).

Learning rules:

* `SimRateSlope`: :math:`f'(J)`, once per ensemble.
* `SimEncoderUpdate`: the in-place encoder and bias update, once per ensemble.
* `TransposedDotInc`: :math:`Y \\mathrel{+}= A^T X` through live weights (backpropagation).
* `SimForwardMatrix`: the live forward matrix, or its signs (sign symmetry).
* `SimSignGatedFeedback`: feedback alignment's sign gate.
* `SimFeedbackUpdate`, `SimGatedDecay`: Kolen-Pollack's learned feedback and weight decay.
* `SimGaussianNoise`, `SimPerturbationLoss`, `SimScaledNoise`: the perturbation rules.

Comparisons with backpropagation, built only when probed: `SimOuter`,
`SimVectorAngle`, `SimDenseUpdateAngle`, `SimMatrixComparison`.
"""

import warnings

import numpy as np
from nengo.builder import Operator
from nengo.exceptions import BuildError

from nengo_fa.rank_one import rank_one_updater


class SimRateSlope(Operator):
    r"""Set ``slope`` to :math:`f'(J)`, the slope of a neuron type's rate curve.

    Parameters
    ----------
    derivative : callable
        ``derivative(J) -> slope`` (Hz per unit current), from
        `nengo_fa.derivatives.derivative_function`; its ``neuron_type``
        attribute, where present, lets other simulators compute it natively.
    J : Signal
        The input current the neurons received this step.
    slope : Signal
        The slope :math:`f'(J)`, same shape as ``J``.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[slope]``
    2. incs ``[]``
    3. reads ``[J]``
    4. updates ``[]``
    """

    def __init__(self, derivative, J, slope, tag=None):
        super().__init__(tag=tag)
        self.derivative = derivative
        self.sets = [slope]
        self.incs = []
        self.reads = [J]
        self.updates = []

    @property
    def J(self):
        return self.reads[0]

    @property
    def slope(self):
        return self.sets[0]

    @property
    def _descstr(self):
        return f"{self.J} -> {self.slope}"

    def make_step(self, signals, dt, rng):
        J = signals[self.J]
        slope = signals[self.slope]
        derivative = self.derivative

        def step_rate_slope():
            try:
                slope[...] = derivative(J)
            except FloatingPointError:  # NaN currents: let the encoder update skip the step
                with np.errstate(invalid="ignore"):
                    slope[...] = derivative(J)

        return step_rate_slope


class SkippedUpdateWarning(UserWarning):
    """A learning step was skipped because it was not finite (see `SimEncoderUpdate`)."""


def all_finite(*arrays):
    """Whether every entry of ``arrays`` is finite (one dot product each; NaN, inf propagate)."""
    return bool(np.isfinite(sum(float(np.dot(a.ravel(), a.ravel())) for a in arrays)))


class SimEncoderUpdate(Operator):
    r"""Update an ensemble's scaled encoders and biases in place.

    .. math::

       E \leftarrow (1 - \lambda) E + s \, \mathbf{u} \mathbf{x}^T, \qquad
       \mathbf{b} \leftarrow \mathbf{b} + \mathbf{v}

    with :math:`\mathbf{u}` the encoder step and :math:`\mathbf{v}` the bias
    step (summed over every rule on the ensemble), :math:`\mathbf{x}` the
    ensemble's decoded input and :math:`s = 1 / r^2`. The decay
    :math:`\lambda` (a Kolen-Pollack rule's :math:`\lambda_{KP} \Delta t`)
    applies only on steps whose encoder step is not all zero, so that gating
    the error off freezes the encoders. The rank-one term is one BLAS ``ger``
    (`nengo_fa.rank_one`) and is skipped when :math:`\mathbf{u} = 0`.

    A step whose :math:`\mathbf{u}`, :math:`\mathbf{v}` or (when learning)
    :math:`\mathbf{x}` is not finite (a NaN or infinity in the error or the
    input, or learning that diverged) is skipped: the encoders and biases
    keep their last finite values, ``skipped`` counts the step, and the first
    skip warns (`SkippedUpdateWarning`).

    Parameters
    ----------
    encoders : Signal
        The ensemble's scaled encoders, ``(n_neurons, dimensions)``.
    bias : Signal
        The ensemble's biases, ``(n_neurons,)``.
    encoder_step : Signal
        :math:`\mathbf{u}`, ``(n_neurons,)``.
    bias_step : Signal
        :math:`\mathbf{v}`, ``(n_neurons,)``.
    x : Signal
        :math:`\mathbf{x}`, ``(dimensions,)``.
    decay : Signal
        :math:`\lambda`, a scalar (0 for none).
    step : Signal
        The simulator's step counter (for the warning).
    skipped : Signal
        Scalar count of skipped steps.
    encoder_scale : float
        :math:`s`.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[]``
    3. reads ``[encoder_step, bias_step, x, decay, step]``
    4. updates ``[encoders, bias, skipped]``
    """

    def __init__(
        self,
        encoders,
        bias,
        encoder_step,
        bias_step,
        x,
        decay,
        step,
        skipped,
        encoder_scale,
        tag=None,
    ):
        super().__init__(tag=tag)
        self.encoder_scale = float(encoder_scale)
        self.sets = []
        self.incs = []
        self.reads = [encoder_step, bias_step, x, decay, step]
        self.updates = [encoders, bias, skipped]

    @property
    def encoder_step(self):
        return self.reads[0]

    @property
    def bias_step(self):
        return self.reads[1]

    @property
    def x(self):
        return self.reads[2]

    @property
    def decay(self):
        return self.reads[3]

    @property
    def step(self):
        return self.reads[4]

    @property
    def encoders(self):
        return self.updates[0]

    @property
    def bias(self):
        return self.updates[1]

    @property
    def skipped(self):
        return self.updates[2]

    @property
    def _descstr(self):
        return (
            f"{self.encoder_step} x {self.x} -> {self.encoders}; {self.bias_step} -> {self.bias}"
        )

    def make_step(self, signals, dt, rng):
        encoders = signals[self.encoders]
        bias = signals[self.bias]
        encoder_step = signals[self.encoder_step]
        bias_step = signals[self.bias_step]
        x = signals[self.x]
        decay = signals[self.decay]
        step, skipped = signals[self.step], signals[self.skipped]
        scale, tag = self.encoder_scale, self.tag
        update_encoders = rank_one_updater(encoders)

        def step_encoder_update():
            learning = encoder_step.any()
            if not all_finite(encoder_step, bias_step, *([x] if learning else [])):
                if not skipped:
                    warnings.warn(
                        f"nengo_fa: skipped the non-finite learning step of {tag} at step "
                        f"{int(step)} (t = {int(step) * dt:g} s): the error or the ensemble's "
                        "input contains NaN or infinity, or learning diverged (is the "
                        "learning rate too high?). Encoders and biases keep their last finite "
                        "values; later skips are counted in the rule's 'skipped_updates'.",
                        SkippedUpdateWarning,
                        stacklevel=2,
                    )
                skipped[...] += 1
                return
            if learning:
                if decay:
                    encoders[...] *= 1.0 - decay
                update_encoders(scale, encoder_step, x)
            bias[...] += bias_step

        return step_encoder_update


class TransposedDotInc(Operator):
    """Increment ``Y += A.T @ X`` (``A`` 2-D, ``X`` and ``Y`` 1-D).

    Nengo's `~nengo.builder.operator.DotInc` computes ``A @ X``, and a
    transposed view of a signal does not survive Nengo's optimizer (it
    remaps views assuming their axes keep the base's order), so live
    weights are read untransposed here.

    Parameters
    ----------
    A : Signal
        ``(m, n)`` matrix.
    X : Signal
        ``(m,)`` vector.
    Y : Signal
        ``(n,)`` vector, incremented.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[Y]``
    3. reads ``[A, X]``
    4. updates ``[]``
    """

    def __init__(self, A, X, Y, tag=None):
        super().__init__(tag=tag)
        if A.ndim != 2 or A.shape != (X.shape[0], Y.shape[0]):
            raise BuildError(f"TransposedDotInc: shapes {A.shape}.T @ {X.shape} -> {Y.shape}")
        self.sets = []
        self.incs = [Y]
        self.reads = [A, X]
        self.updates = []

    @property
    def A(self):
        return self.reads[0]

    @property
    def X(self):
        return self.reads[1]

    @property
    def Y(self):
        return self.incs[0]

    @property
    def _descstr(self):
        return f"{self.A}.T, {self.X} -> {self.Y}"

    def make_step(self, signals, dt, rng):
        A = signals[self.A]
        X = signals[self.X]
        Y = signals[self.Y]

        def step_transposed_dot_inc():
            Y[...] += X @ A

        return step_transposed_dot_inc


def forward_matrix(next_encoders, weights, n_pre):
    r"""Dense forward matrix :math:`F` from a layer's rates: ``next_encoders @ W`` (or ``W``).

    ``weights`` may be a matrix, a vector (elementwise) or a scalar;
    ``next_encoders`` is None when the error is measured at ``W``'s output.
    """
    if weights.ndim == 2:
        return weights if next_encoders is None else next_encoders @ weights
    if next_encoders is None:
        return np.diag(np.broadcast_to(weights, (n_pre,)))
    return next_encoders * weights


class SimForwardMatrix(Operator):
    r"""Set ``out`` to :math:`s F^T`, or :math:`s \, \mathrm{sign}(F)^T`, from live weights.

    :math:`F` is the forward matrix from a layer's rates to where its error
    is measured (`forward_matrix`): the weights :math:`W` of the downstream
    connection, times the next layer's scaled encoders :math:`E` for a
    chained error.

    Parameters
    ----------
    next_encoders : Signal or None
        :math:`E`, ``(n_next, size_out)``, or None for an external error.
    weights : Signal
        :math:`W`: ``(size_out, n_pre)``, or a vector or scalar (elementwise).
    out : Signal
        ``(n_pre, n_next or size_out)``.
    scale : float
        :math:`s`.
    sign : bool
        Take the signs of :math:`F` (sign symmetry).
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[out]``
    2. incs ``[]``
    3. reads ``[next_encoders, weights]`` (``[weights]`` without next encoders)
    4. updates ``[]``
    """

    def __init__(self, next_encoders, weights, out, scale=1.0, sign=False, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.sign = bool(sign)
        self.sets = [out]
        self.incs = []
        self.reads = ([] if next_encoders is None else [next_encoders]) + [weights]
        self.updates = []

    @property
    def next_encoders(self):
        return self.reads[0] if len(self.reads) == 2 else None

    @property
    def weights(self):
        return self.reads[-1]

    @property
    def out(self):
        return self.sets[0]

    @property
    def _descstr(self):
        sign = "sign" if self.sign else ""
        return f"{self.scale:g} {sign}(F({self.reads}))^T -> {self.out}"

    def make_step(self, signals, dt, rng):
        encoders = None if self.next_encoders is None else signals[self.next_encoders]
        weights = signals[self.weights]
        out = signals[self.out]
        scale, sign = self.scale, self.sign
        n_pre = out.shape[0]

        def step_forward_matrix():
            forward = forward_matrix(encoders, weights, n_pre)
            out[...] = scale * (np.sign(forward.T) if sign else forward.T)

        return step_forward_matrix


class SimSignGatedFeedback(Operator):
    r"""Feedback through :math:`M` where it agrees in sign with a local trace; then the trace.

    .. math::

       \mathbf{t} \mathrel{+}= (M \odot [M \odot T \ge 0]) \, \mathbf{e},
       \qquad T \leftarrow T - \Delta t \, \mathbf{a} \mathbf{e}^T

    :math:`T` is, up to a positive factor, the readout `nengo.PES` learns
    from zero from the same activities :math:`\mathbf{a}` and error
    :math:`\mathbf{e}` (`.FeedbackAlignment`'s ``sign_gate``). Steps whose
    activities or error are not finite leave :math:`T` unchanged.

    Parameters
    ----------
    matrix : Signal
        :math:`M`, ``(n_neurons, error size)``.
    trace : Signal
        :math:`T`, same shape (state).
    activities : Signal
        :math:`\mathbf{a}`, the post neurons' output.
    error : Signal
        :math:`\mathbf{e}`.
    teaching : Signal
        :math:`\mathbf{t}`, incremented.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[teaching]``
    3. reads ``[matrix, activities, error]``
    4. updates ``[trace]``
    """

    def __init__(self, matrix, trace, activities, error, teaching, tag=None):
        super().__init__(tag=tag)
        if trace.shape != matrix.shape:
            raise BuildError(f"SimSignGatedFeedback: trace {trace.shape}, matrix {matrix.shape}")
        self.sets = []
        self.incs = [teaching]
        self.reads = [matrix, activities, error]
        self.updates = [trace]

    @property
    def matrix(self):
        return self.reads[0]

    @property
    def activities(self):
        return self.reads[1]

    @property
    def error(self):
        return self.reads[2]

    @property
    def teaching(self):
        return self.incs[0]

    @property
    def trace(self):
        return self.updates[0]

    @property
    def _descstr(self):
        return f"gated {self.matrix} @ {self.error} -> {self.teaching}"

    def make_step(self, signals, dt, rng):
        matrix, activities, error = (signals[s] for s in self.reads)
        trace, teaching = signals[self.trace], signals[self.teaching]
        gated, step = np.empty(matrix.shape), np.empty(matrix.shape)
        fed_back = np.empty(teaching.shape)

        def step_sign_gated_feedback():
            np.multiply(matrix, trace, out=gated)
            np.greater_equal(gated, 0, out=gated)
            np.multiply(gated, matrix, out=gated)
            teaching[...] += np.dot(gated, error, out=fed_back)
            if all_finite(activities, error):  # a NaN error must not stay in the trace
                np.multiply.outer(activities, error, out=step)
                np.multiply(step, dt, out=step)
                trace[...] -= step

        return step_sign_gated_feedback


class SimFeedbackUpdate(Operator):
    r"""Kolen-Pollack's feedback update: :math:`B \leftarrow dB + s \, \mathbf{u} \mathbf{v}^T`.

    The rank-one term updates only the rows ``rows`` of :math:`B`.

    Nothing happens on steps where :math:`\mathbf{v}` (the error side) is
    all zero, so gating the error off freezes :math:`B`, nor where
    :math:`\mathbf{u}` or :math:`\mathbf{v}` is not finite.

    Parameters
    ----------
    B : Signal
        The learned feedback matrix, ``(n_neurons, error size)``.
    rows : slice
        The rows of ``B`` the rank-one term updates.
    u : Signal
        Presynaptic side, one value per row in ``rows``.
    v : Signal
        Error side, one value per column of ``B``.
    scale : float
        :math:`s`.
    decay : float
        :math:`d = 1 - \lambda \Delta t`.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[]``
    3. reads ``[u, v]``
    4. updates ``[B]``
    """

    def __init__(self, B, rows, u, v, scale, decay, tag=None):
        super().__init__(tag=tag)
        self.rows = rows
        self.scale = float(scale)
        self.decay = float(decay)
        self.sets = []
        self.incs = []
        self.reads = [u, v]
        self.updates = [B]

    @property
    def u(self):
        return self.reads[0]

    @property
    def v(self):
        return self.reads[1]

    @property
    def B(self):
        return self.updates[0]

    @property
    def _descstr(self):
        return f"{self.decay:g} {self.B} + {self.scale:g} outer({self.u}, {self.v})"

    def make_step(self, signals, dt, rng):
        B = signals[self.B]
        u, v = signals[self.u], signals[self.v]
        scale, decay = self.scale, self.decay
        update = rank_one_updater(B[self.rows])

        def step_feedback_update():
            if not v.any() or not all_finite(u, v):  # gated off, or not finite: no update
                return
            B[...] *= decay
            update(scale, u, v)

        return step_feedback_update


class SimGatedDecay(Operator):
    """Multiply ``x`` by ``factor`` on each step where ``gate`` is not all zero.

    The weight decay that accompanies a learning rule: ``gate`` is the rule's
    error, so gating the error off freezes ``x``.

    Parameters
    ----------
    x : Signal
        The decaying signal (e.g. a connection's weights).
    factor : float
        :math:`1 - \\lambda \\Delta t`.
    gate : Signal
        Decay only on steps where it is not all zero.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[]``
    3. reads ``[gate]``
    4. updates ``[x]``
    """

    def __init__(self, x, factor, gate, tag=None):
        super().__init__(tag=tag)
        self.factor = float(factor)
        self.sets = []
        self.incs = []
        self.reads = [gate]
        self.updates = [x]

    @property
    def gate(self):
        return self.reads[0]

    @property
    def x(self):
        return self.updates[0]

    @property
    def _descstr(self):
        return f"{self.x} *= {self.factor:g} if any({self.gate})"

    def make_step(self, signals, dt, rng):
        x = signals[self.x]
        gate = signals[self.gate]
        factor = self.factor

        def step_gated_decay():
            if gate.any():
                x[...] *= factor

        return step_gated_decay


class SimGaussianNoise(Operator):
    r"""Set ``noise`` to zero-mean Gaussian samples of standard deviation ``std``.

    The samples of step :math:`t` are a pure function of ``seed`` and
    :math:`t`: they are drawn in blocks of steps, block :math:`k` from a
    `numpy.random.Generator` seeded with ``(seed, k)``. So the noise is the
    same in every simulator, after ``sim.reset()`` and in a simulator
    restored from a pickle, whatever the order in which operators are
    created. On steps where ``gate`` is zero the noise is zero.

    Parameters
    ----------
    noise : Signal
        The output, any shape.
    std : float
        Standard deviation.
    seed : int
        Seed of the noise stream (from the connection's seed at build time).
    step : Signal
        The simulator's step counter (``model.step``).
    gate : Signal
        Scalar; noise only where it is nonzero.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[noise]``
    2. incs ``[]``
    3. reads ``[step, gate]``
    4. updates ``[]``
    """

    #: Samples drawn at once (a block is at least one step).
    block_size = 2**16

    def __init__(self, noise, std, seed, step, gate, tag=None):
        super().__init__(tag=tag)
        self.std = float(std)
        self.seed = int(seed)
        self.sets = [noise]
        self.incs = []
        self.reads = [step, gate]
        self.updates = []

    @property
    def noise(self):
        return self.sets[0]

    @property
    def step(self):
        return self.reads[0]

    @property
    def gate(self):
        return self.reads[1]

    @property
    def steps_per_block(self):
        return max(1, self.block_size // max(1, self.noise.size))

    @property
    def _descstr(self):
        return f"N(0, {self.std:g}^2) -> {self.noise}"

    def samples(self, block):
        """Standard normal samples of ``block``, shape ``(steps_per_block,) + noise.shape``."""
        generator = np.random.default_rng([self.seed, block])
        return generator.standard_normal((self.steps_per_block,) + self.noise.shape)

    def make_step(self, signals, dt, rng):
        noise = signals[self.noise]
        step = signals[self.step]
        gate = signals[self.gate]
        std, per_block = self.std, self.steps_per_block
        cache = {}

        def step_gaussian_noise():
            if not gate:
                noise[...] = 0.0
                return
            block, row = divmod(int(step) - 1, per_block)
            if block not in cache:
                cache.clear()
                cache[block] = self.samples(block)
            np.multiply(cache[block][row], std, out=noise)

        return step_gaussian_noise


class SimPerturbationLoss(Operator):
    r"""A perturbation rule's scalar weight :math:`w = c \, (L - \bar{L})`, and its baseline.

    :math:`L = \frac{1}{2}|\mathbf{e}|^2` is this step's loss; the baseline
    :math:`\bar L` then moves towards :math:`L` with time constant ``tau``.
    ``active`` (the gate of the rule's `SimGaussianNoise`) is set to 0 on
    steps whose error is exactly zero (learning gated off), so the next step
    is noise-free; on the first step after that (and on the very first step)
    the baseline restarts at the noise-free :math:`L`. On those steps
    :math:`w = 0`.

    Parameters
    ----------
    error : Signal
        :math:`\mathbf{e}`.
    weight : Signal
        :math:`w`, shape ``(1,)``.
    baseline : Signal
        :math:`\bar L`, scalar state.
    active : Signal
        Scalar state: 1 while the noise is on.
    scale : float
        :math:`c = 1 / \sigma^2`.
    tau : float
        Time constant of the baseline (s).
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[weight]``
    2. incs ``[]``
    3. reads ``[error]``
    4. updates ``[baseline, active]``
    """

    def __init__(self, error, weight, baseline, active, scale, tau, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.tau = float(tau)
        self.sets = [weight]
        self.incs = []
        self.reads = [error]
        self.updates = [baseline, active]

    @property
    def error(self):
        return self.reads[0]

    @property
    def weight(self):
        return self.sets[0]

    @property
    def baseline(self):
        return self.updates[0]

    @property
    def active(self):
        return self.updates[1]

    @property
    def _descstr(self):
        return f"{self.scale:g} (L({self.error}) - {self.baseline}) -> {self.weight}"

    def make_step(self, signals, dt, rng):
        error = signals[self.error]
        weight = signals[self.weight]
        baseline, active = signals[self.baseline], signals[self.active]
        rate, scale = min(dt / self.tau, 1.0), self.scale

        def step_perturbation_loss():
            weight[...] = 0.0
            if not error.any():
                active[...] = 0.0
                return
            loss = 0.5 * float(np.dot(error, error))
            if not np.isfinite(loss):  # a NaN or infinite error teaches nothing
                return
            if not active:  # this step was noise-free: restart the baseline
                baseline[...] = loss
                active[...] = 1.0
                return
            weight[...] = scale * (loss - float(baseline))
            if not np.isfinite(weight[0]):  # the loss overflowed: no estimate this step
                weight[...] = 0.0
                return
            baseline[...] += rate * (loss - baseline)

        return step_perturbation_loss


class SimScaledNoise(Operator):
    r"""Perturbation rules' estimates :math:`c \, w \, \xi`: a scalar weight times noise.

    With ``inc=True`` it increments ``out`` (a local error, this step);
    otherwise it updates ``out`` (weight perturbation's dense encoder
    ``delta``, which Nengo adds to the encoders at the start of the next
    step). The weight :math:`w` changes every step, so it must not be the
    factor of an `~nengo.builder.operator.ElementwiseInc`: Nengo's optimizer
    takes such ``(1,)``-shaped factors for constants when it merges them.

    Parameters
    ----------
    weight : Signal
        :math:`w`, shape ``(1,)`` (from `SimPerturbationLoss`).
    noise : Signal
        :math:`\xi`, this step's noise.
    out : Signal
        Same shape as ``noise``.
    scale : float
        :math:`c`.
    inc : bool
        Increment ``out`` this step, or update it at the end of the step.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[]``
    2. incs ``[out]`` if ``inc``
    3. reads ``[weight, noise]``
    4. updates ``[out]`` unless ``inc``
    """

    def __init__(self, weight, noise, out, scale, inc, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.inc = bool(inc)
        self.sets = []
        self.incs = [out] if self.inc else []
        self.reads = [weight, noise]
        self.updates = [] if self.inc else [out]

    @property
    def weight(self):
        return self.reads[0]

    @property
    def noise(self):
        return self.reads[1]

    @property
    def out(self):
        return (self.incs + self.updates)[0]

    @property
    def _descstr(self):
        return f"{self.scale:g} {self.weight} {self.noise} -> {self.out}"

    def make_step(self, signals, dt, rng):
        weight, noise = signals[self.weight], signals[self.noise]
        out = signals[self.out]
        scale, inc = self.scale, self.inc
        scratch = np.empty(out.shape)

        def step_scaled_noise():
            np.multiply(noise, scale * weight[0], out=scratch if inc else out)
            if inc:
                out[...] += scratch

        return step_scaled_noise


class SimOuter(Operator):
    """Set ``Y = scale * outer(u, v)``.

    Parameters
    ----------
    u, v : Signal
        Vectors.
    Y : Signal
        ``(len(u), len(v))``.
    scale : float
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[Y]``
    2. incs ``[]``
    3. reads ``[u, v]``
    4. updates ``[]``
    """

    def __init__(self, u, v, Y, scale, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.sets = [Y]
        self.incs = []
        self.reads = [u, v]
        self.updates = []

    @property
    def u(self):
        return self.reads[0]

    @property
    def v(self):
        return self.reads[1]

    @property
    def Y(self):
        return self.sets[0]

    @property
    def _descstr(self):
        return f"{self.scale} * outer({self.u}, {self.v}) -> {self.Y}"

    def make_step(self, signals, dt, rng):
        u, v, Y = signals[self.u], signals[self.v], signals[self.Y]
        scale = self.scale

        def step_outer():
            np.multiply.outer(scale * u, v, out=Y)

        return step_outer


def angle_and_ratio(dot, norm_a, norm_b):
    """Angle (degrees, NaN if a norm is 0) and norm ratio of two vectors from their dot product."""
    if norm_a == 0 or norm_b == 0:
        return np.nan, (norm_a / norm_b if norm_b else np.nan)
    cosine = np.clip(dot / (norm_a * norm_b), -1.0, 1.0)
    return np.degrees(np.arccos(cosine)), norm_a / norm_b


def _vector_angle_and_ratio(a, b):
    return angle_and_ratio(np.vdot(a, b), np.linalg.norm(a), np.linalg.norm(b))


class SimVectorAngle(Operator):
    """Set ``angle`` to the angle (degrees) between ``a`` and ``b``, NaN if either is zero.

    For rank-one rules the updates are ``outer(local_error, [x, 1])`` with
    the same ``x``, so the angle between two updates is that of their local
    errors.

    Parameters
    ----------
    a, b : Signal
        Vectors of the same shape.
    angle : Signal
        Scalar, degrees.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[angle]``
    2. incs ``[]``
    3. reads ``[a, b]``
    4. updates ``[]``
    """

    def __init__(self, a, b, angle, tag=None):
        super().__init__(tag=tag)
        self.sets = [angle]
        self.incs = []
        self.reads = [a, b]
        self.updates = []

    @property
    def a(self):
        return self.reads[0]

    @property
    def b(self):
        return self.reads[1]

    @property
    def angle(self):
        return self.sets[0]

    @property
    def _descstr(self):
        return f"angle({self.a}, {self.b}) -> {self.angle}"

    def make_step(self, signals, dt, rng):
        a, b, angle = signals[self.a], signals[self.b], signals[self.angle]

        def step_vector_angle():
            angle[...] = _vector_angle_and_ratio(a, b)[0]

        return step_vector_angle


class SimDenseUpdateAngle(Operator):
    r"""Angle (degrees) between weight perturbation's update and backpropagation's.

    Up to the same factor :math:`-C`, backpropagation's update is
    :math:`[s \, \boldsymbol\delta \mathbf{x}^T, \boldsymbol\delta]`
    (encoders, biases) with :math:`\boldsymbol\delta` its local error, and
    the rule's is :math:`[w \Psi, \mathbf{v}]`: a scalar weight times the
    encoder noise, and its local error. Bias parts count only if ``with_bias``.

    Parameters
    ----------
    weight : Signal
        :math:`w`, shape ``(1,)``.
    noise : Signal
        :math:`\Psi`, ``(n_neurons, dimensions)``.
    local_error : Signal
        :math:`\mathbf{v}`.
    reference : Signal
        :math:`\boldsymbol\delta`.
    x : Signal
        :math:`\mathbf{x}`, the ensemble's decoded input.
    angle : Signal
        Scalar, degrees.
    scale : float
        :math:`s`.
    with_bias : bool
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[angle]``
    2. incs ``[]``
    3. reads ``[weight, noise, local_error, reference, x]``
    4. updates ``[]``
    """

    def __init__(
        self, weight, noise, local_error, reference, x, angle, scale, with_bias, tag=None
    ):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.with_bias = bool(with_bias)
        self.sets = [angle]
        self.incs = []
        self.reads = [weight, noise, local_error, reference, x]
        self.updates = []

    @property
    def weight(self):
        return self.reads[0]

    @property
    def noise(self):
        return self.reads[1]

    @property
    def local_error(self):
        return self.reads[2]

    @property
    def reference(self):
        return self.reads[3]

    @property
    def x(self):
        return self.reads[4]

    @property
    def angle(self):
        return self.sets[0]

    @property
    def _descstr(self):
        return (
            f"angle({self.weight} {self.noise}, outer({self.reference}, {self.x})) -> {self.angle}"
        )

    def make_step(self, signals, dt, rng):
        weight, noise, local, reference, x = (signals[s] for s in self.reads)
        angle = signals[self.angle]
        scale, with_bias = self.scale, self.with_bias

        def step_dense_update_angle():
            w = float(weight[0])
            dot = scale * w * (reference @ noise @ x)
            squares = w * w * np.vdot(noise, noise)
            exact_squares = scale**2 * (reference @ reference) * (x @ x)
            if with_bias:
                dot += local @ reference
                squares += local @ local
                exact_squares += reference @ reference
            angle[...] = angle_and_ratio(dot, np.sqrt(squares), np.sqrt(exact_squares))[0]

        return step_dense_update_angle


class SimMatrixComparison(Operator):
    """Angle (degrees) and norm ratio ``|M| / |N|`` between two matrices (Frobenius).

    Parameters
    ----------
    M, N : Signal
        Matrices of the same shape (a teaching matrix and :math:`F^T`).
    angle, ratio : Signal
        Scalars.
    tag : str, optional
        A label associated with the operator, for debugging purposes.

    Notes
    -----
    1. sets ``[angle, ratio]``
    2. incs ``[]``
    3. reads ``[M, N]``
    4. updates ``[]``
    """

    def __init__(self, M, N, angle, ratio, tag=None):
        super().__init__(tag=tag)
        if M.shape != N.shape:
            raise BuildError(f"SimMatrixComparison: shapes {M.shape} and {N.shape} differ")
        self.sets = [angle, ratio]
        self.incs = []
        self.reads = [M, N]
        self.updates = []

    @property
    def M(self):
        return self.reads[0]

    @property
    def N(self):
        return self.reads[1]

    @property
    def angle(self):
        return self.sets[0]

    @property
    def ratio(self):
        return self.sets[1]

    @property
    def _descstr(self):
        return f"compare {self.M} with {self.N} -> {self.sets}"

    def make_step(self, signals, dt, rng):
        M, N = signals[self.M], signals[self.N]
        angle, ratio = signals[self.angle], signals[self.ratio]

        def step_matrix_comparison():
            angle[...], ratio[...] = _vector_angle_and_ratio(M, N)

        return step_matrix_comparison
