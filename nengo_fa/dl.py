r"""Run nengo-fa models on nengo-dl: a plain `nengo_dl.Simulator` runs them.

This module registers a nengo-dl ``OpBuilder`` (TensorFlow) for each
operator nengo-fa adds (`nengo_fa.builder.OPERATORS`). `nengo_fa` imports it
as soon as ``nengo_dl`` is imported, in either order (without importing
nengo-dl itself, which takes seconds), so nothing else is needed::

    import nengo_dl
    import nengo_fa

    with nengo_dl.Simulator(model) as sim:
        sim.run(1.0)

Installation: nengo-dl 3.6.0 is supported (checked when a model with
nengo-fa operators is built). It needs TensorFlow 2.12, hence NumPy 1.24 and
Python <= 3.11, so it lives in its own environment; ``constraints/nengo-dl.txt``
pins one that works::

    python3 -m venv .venv-dl
    .venv-dl/bin/pip install -c constraints/nengo-dl.txt -e ".[tests]" nengo-dl
    .venv-dl/bin/python -m pytest -q tests --simulator dl

Nengo's decoder cache (``~/.cache/nengo/decoders``) is shared by all
environments of a user, and entries written under NumPy 2 cannot be read
under NumPy 1.24 (`nengo.Simulator` then fails with ``ModuleNotFoundError:
numpy._core``). `nengo_dl.Simulator` does not use the cache. For
`nengo.Simulator` in the same environment, set
``nengo.rc["decoder_cache"]["enabled"] = "False"`` (the tests do), or put
``[decoder_cache]`` and ``enabled = False`` in a ``nengorc`` file.

What runs how:

* In TensorFlow, on the device nengo-dl places the simulation on (a GPU if
  TensorFlow finds one): `.SimRateSlope` for the built-in derivatives
  (`~nengo.RectifiedLinear`, `~nengo.SpikingRectifiedLinear`,
  `~nengo.Sigmoid`, `~nengo.Tanh`, the LIF family, and the spiking wrappers
  of these), `.SimEncoderUpdate`, `.TransposedDotInc`, `.SimForwardMatrix`,
  `.SimSignGatedFeedback`, `.SimFeedbackUpdate`, `.SimGatedDecay`, `.SimPerturbationLoss`,
  `.SimScaledNoise`, and the comparisons built only when probed
  (`.SimOuter`, `.SimVectorAngle`, `.SimDenseUpdateAngle`,
  `.SimMatrixComparison`; their reductions in float64).
* On the host, through ``tf.numpy_function`` (every step, holding the GIL;
  on a GPU the result is copied to the device): `.SimGaussianNoise`, which
  draws the operator's own counter-based stream (``SimGaussianNoise.samples``),
  so the perturbation rules see exactly the noise of `nengo.Simulator`; and,
  with a warning, `.SimRateSlope` for derivatives registered by users or
  tabulated. Such a model cannot be saved as a TensorFlow SavedModel.

Precision: nengo-dl computes in float32 by default, so results agree with
`nengo.Simulator` to float32 precision (a few spikes of spiking neurons move
by one step; sign symmetry's signs flip where the forward matrix is within
rounding of zero; the perturbation rules' estimate :math:`(L - \bar L) /
\sigma^2` resolves loss changes only down to float32's 1e-7 of the loss).
With ``nengo_dl.configure_settings(dtype="float64")`` in the network they
agree to rounding.

Learned parameters: the encoders (which nengo-dl already treats as the
target of a rule that ``modifies="encoders"``), the biases and a
`.KolenPollack` rule's feedback matrix are non-trainable, minibatched
parameters: they persist across ``run`` calls and stateless calls such as
``predict``, are kept by ``reset(include_trainable=False)``, and return to
their initial values on ``sim.reset()``; ``sim.data[ens].bias`` and
``.scaled_encoders`` are the learned values while the simulator is open.
nengo-dl knows only that a rule's ``modifies`` target is learned, so this
module extends ``TensorGraph.mark_signals`` (nengo-dl 3.6.0, hence the
version check) to mark the biases and feedback matrices the same way;
without that, bias changes would be lost at the end of every ``run`` call
and ``minibatch_size > 1`` would fail to build.

Non-finite steps: as in `nengo.Simulator`, a learning step whose encoder
or bias step (or, when learning, input) is not finite is skipped, per
minibatch item, and counted in the rule's ``skipped_updates``; there is no
`.SkippedUpdateWarning` (as on nengo-ocl, the host does not see the step), so
probe ``skipped_updates`` to check.

Minibatches: ``minibatch_size=B`` runs ``B`` independent copies of the
network, each learning on its own, as nengo-dl does for `nengo.PES`: item
``k``'s encoders, biases, feedback matrices, decoders and probes are those of
a `nengo.Simulator` run fed item ``k``'s inputs (and learning gate). Nothing
is averaged over the batch; every item sees the same perturbation noise (a
function of the step, as in the reference). With an explicit
``minibatch_size`` the parameters in ``sim.data`` and the probe data have a
leading batch axis; with the default (``None``, one item) they do not.

Views: nengo-dl cannot slice a signal along an axis other than the first,
e.g. the next layer's encoders ``E[:, columns]`` that a chained rule reads
when ``downstream`` feeds part of the next ensemble. nengo-fa's operators
then read the whole base signal and the builders gather the columns, so such
networks run unchanged.
"""

import warnings

import nengo_dl
import numpy as np
import tensorflow as tf
from nengo.exceptions import BuildError
from nengo_dl.builder import Builder, OpBuilder
from nengo_dl.tensor_graph import TensorGraph

from nengo_fa import derivatives
from nengo_fa.builder import OPERATORS, operators

#: nengo-dl versions whose ``TensorGraph.mark_signals`` this module extends.
SUPPORTED_VERSIONS = ("3.6.0",)

#: Attribute of an operator whose reads were rebased: ``{read index: flat indices}``.
REBASED_VIEWS = "nengo_fa_dl_views"

#: Attribute of a `.SimEncoderUpdate`: whether any operator writes its decay.
DECAYS = "nengo_fa_dl_decays"

# nengo-dl's graph simplification warns for every increment by an operator it does
# not know ("Unknown incer type"); it only skips fusing that op with its Reset.
warnings.filterwarnings(
    "ignore", message=r"Unknown incer type <class 'nengo_fa\.", category=UserWarning
)


# --- marking learned parameters and rebasing views -------------------------------------


def flat_indices(sig):
    """Indices into ``sig.base`` (flattened) of every element of view ``sig``, shaped like it."""
    index = np.full(sig.shape, sig.elemoffset, dtype=np.int64)
    for axis, stride in enumerate(sig.elemstrides):
        shape = [1] * sig.ndim
        shape[axis] = sig.shape[axis]
        index += stride * np.arange(sig.shape[axis]).reshape(shape)
    return index


def dl_representable(sig):
    """Whether nengo-dl represents ``sig`` correctly: a base, a reshape or a row slice."""
    if not sig.is_view or sig.ndim == 0 or sig.sparse:
        return True
    flat = flat_indices(sig).reshape(sig.shape[0], -1)
    if sig.size == sig.base.size:
        return np.array_equal(flat.ravel(), np.arange(sig.base.size))
    if sig.shape[1:] != sig.base.shape[1:]:
        return False
    row = int(np.prod(sig.shape[1:], dtype=np.int64))
    start, stride = sig.elemoffset // row, sig.elemstrides[0] // row
    rows = start + stride * np.arange(sig.shape[0])
    return np.array_equal(flat, rows[:, None] * row + np.arange(row))


def rebase_views(model):
    """Make nengo-fa's operators read the base of views nengo-dl cannot slice.

    The view's flat indices are recorded on the operator (`REBASED_VIEWS`);
    the builders gather them. The operators are changed in place (they belong
    to the model nengo-dl built).
    """
    for op in model.operators:
        if type(op) not in OPERATORS:
            continue
        for i, sig in enumerate(op.reads):
            if not dl_representable(sig):
                vars(op).setdefault(REBASED_VIEWS, {})[i] = flat_indices(sig)
                op.reads[i] = sig.base
        for sig in op.sets + op.incs + op.updates:
            if not dl_representable(sig):
                raise BuildError(
                    f"{op}: nengo-dl cannot write {sig}, a view of {sig.base} sliced on an "
                    "axis other than the first."
                )


def record_decays(model):
    """Record on each `.SimEncoderUpdate` whether its decay can be nonzero (`DECAYS`)."""
    written = {
        sig.base
        for op in model.operators
        if not isinstance(op, operators.SimEncoderUpdate)
        for sig in op.sets + op.incs + op.updates
    }
    for op in model.operators:
        if isinstance(op, operators.SimEncoderUpdate):
            vars(op)[DECAYS] = op.decay.base in written or bool(op.decay.initial_value)


def learned_bases(model):
    """Base signals nengo-fa's operators learn in place: biases and feedback matrices."""
    learned = []
    for op in model.operators:
        if isinstance(op, operators.SimEncoderUpdate):
            learned.append(op.bias.base)
        elif isinstance(op, operators.SimFeedbackUpdate):
            learned.append(op.B.base)
    return list(dict.fromkeys(learned))


def mark_learned_signals(model):
    """Mark learned biases and feedback matrices (and their views) as nengo-dl marks encoders.

    A rule's ``modifies`` target is marked non-trainable and minibatched:
    one copy per minibatch item, saved across ``run`` calls.
    """
    learned = set(learned_bases(model))
    views = {sig for op in model.operators for sig in op.all_signals if sig.base in learned}
    for sig in learned | views:
        if sig.trainable is True:
            warnings.warn(
                f"{sig} is learned by a nengo-fa rule and also set to be trainable; this is "
                "likely to produce strange training behaviour.",
                stacklevel=3,
            )
        sig.trainable, sig.minibatched = False, True


def check_version():
    """Raise a `~nengo.exceptions.BuildError` unless nengo-dl is a supported version."""
    if nengo_dl.__version__ not in SUPPORTED_VERSIONS:
        raise BuildError(
            f"nengo_fa.dl supports nengo-dl {', '.join(SUPPORTED_VERSIONS)}, but this is "
            f"nengo-dl {nengo_dl.__version__}: learned biases need the way that version "
            "marks learned signals (TensorGraph.mark_signals). Install it with "
            "pip install -c constraints/nengo-dl.txt nengo-dl (see nengo_fa.dl)."
        )


def _extend_mark_signals(original):
    def mark_signals(self):
        original(self)
        if any(type(op) in OPERATORS for op in self.model.operators):
            check_version()
            rebase_views(self.model)
            record_decays(self.model)
            mark_learned_signals(self.model)

    mark_signals.__doc__ = original.__doc__
    mark_signals.nengo_fa_original = original
    return mark_signals


if not hasattr(TensorGraph.mark_signals, "nengo_fa_original"):
    TensorGraph.mark_signals = _extend_mark_signals(TensorGraph.mark_signals)


# --- gathering and scattering with a batch axis ---------------------------------------


def own_tensor_signal(signals, sig):
    """A new `~nengo_dl.signals.TensorSignal` for ``sig``, as nengo-dl's builders make.

    A TensorSignal builds its index tensors on first use and keeps them; the
    one in ``signals`` outlives this trace (``sim.data`` reads parameters
    through it after a run), so the builders must not make it build them
    inside the simulation loop.
    """
    return signals.combine([sig])


class Input:
    """A signal read by an operator, gathered with a leading batch axis (size 1 if shared).

    Applies the gather of a rebased view (`rebase_views`).
    """

    def __init__(self, signals, op, index):
        sig = op.reads[index]
        self.tensor_signal = own_tensor_signal(signals, sig)
        flat = vars(op).get(REBASED_VIEWS, {}).get(index)
        self.flat = None if flat is None else tf.constant(flat, dtype=tf.int32)
        #: Number of axes of the signal the operator was built with (the view's).
        self.ndim = sig.ndim if flat is None else flat.ndim

    def __call__(self, signals):
        x = signals.gather(self.tensor_signal)
        if not self.tensor_signal.minibatched:
            x = x[None]
        if self.flat is not None:
            x = tf.gather(tf.reshape(x, (x.shape[0], -1)), self.flat, axis=1)
        return x


class Output:
    """A signal an operator writes: values with a batch axis (size B, or 1 to broadcast)."""

    def __init__(self, signals, sig):
        self.tensor_signal = own_tensor_signal(signals, sig)

    def gather(self, signals):
        """The current value (for updates), with a batch axis."""
        x = signals.gather(self.tensor_signal)
        return x if self.tensor_signal.minibatched else x[None]

    def write(self, signals, value, mode="update"):
        ts = self.tensor_signal
        if ts.minibatched:
            value = tf.broadcast_to(value, ts.full_shape)
        elif value.shape[0] == 1:
            value = tf.reshape(value, ts.full_shape)
        else:
            raise BuildError(
                f"{ts.label} is shared by all minibatch items, but a nengo-fa operator "
                "writes a different value for each."
            )
        signals.scatter(ts, value, mode=mode)


def batch_reshape(value, ndim):
    """``value`` of shape ``(B, 1)`` (a scalar per item) as ``(B,) + (1,) * ndim``."""
    return tf.reshape(value, (-1,) + (1,) * ndim)


def any_nonzero(x):
    """Per batch item: whether any element of ``x`` is nonzero, shape ``(B, 1)``."""
    return tf.reduce_any(tf.not_equal(tf.reshape(x, (x.shape[0], -1)), 0), axis=1, keepdims=True)


def all_finite(*values):
    """Per batch item: whether every element of every value is finite, shape ``(B, 1)``."""
    finite = [
        tf.reduce_all(tf.math.is_finite(tf.reshape(x, (x.shape[0], -1))), axis=1, keepdims=True)
        for x in values
    ]
    return tf.reduce_all(tf.concat(finite, axis=1), axis=1, keepdims=True)


def constant(value, signals):
    return tf.constant(value, dtype=signals.dtype)


class NengoFABuilder(OpBuilder):
    """One operator per group (``mergeable`` is False); ``self.op`` is the operator."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        (self.op,) = self.ops

    def input(self, signals, sig):
        """An `Input` for ``sig``, one of the operator's reads."""
        return Input(signals, self.op, next(i for i, s in enumerate(self.op.reads) if s is sig))


# --- learning --------------------------------------------------------------------------


def _lif_slope(neuron_type, J, dtype):
    s = derivatives.LIF_SMOOTHING
    z = J - 1.0
    rho = tf.maximum(s * tf.math.softplus(z / s), np.finfo(dtype.as_numpy_dtype).tiny)
    period = neuron_type.tau_ref + neuron_type.tau_rc * tf.math.log1p(1.0 / rho)
    slope = neuron_type.amplitude * neuron_type.tau_rc / (rho * (rho + 1.0) * period**2)
    gate = 0.5 * (1.0 + tf.math.tanh(0.5 * z / s))
    return slope * gate**2


def _relu_slope(neuron_type, J, dtype):
    return tf.where(J > 0, tf.constant(neuron_type.amplitude, dtype), tf.zeros_like(J))


def _sigmoid_slope(neuron_type, J, dtype):
    s = 0.5 * (1.0 + tf.math.tanh(0.5 * J))
    return s * (1.0 - s) / neuron_type.tau_ref


def _tanh_slope(neuron_type, J, dtype):
    return (1.0 - tf.math.tanh(J) ** 2) / neuron_type.tau_ref


#: TensorFlow versions of the built-in derivatives, by the registered NumPy function.
TF_SLOPES = {
    derivatives.rectified_linear_derivative: _relu_slope,
    derivatives.sigmoid_derivative: _sigmoid_slope,
    derivatives.tanh_derivative: _tanh_slope,
    derivatives.lif_derivative: _lif_slope,
}


def native_slope(derivative):
    """``(tf_slope, neuron_type, scale)`` for a built-in derivative, or None.

    ``scale`` is the product of the amplitudes of any spiking wrappers.
    """
    derivative, scale = derivatives.unscaled(derivative)
    if not isinstance(derivative, derivatives.Derivative) or derivative.fn not in TF_SLOPES:
        return None
    return TF_SLOPES[derivative.fn], derivative.neuron_type, scale


@Builder.register(operators.SimRateSlope)
class SimRateSlopeBuilder(OpBuilder):
    """:math:`f'(J)` in TensorFlow for the built-in derivatives, else on the host.

    Operators with the same built-in derivative and parameters are merged.
    """

    def __init__(self, ops):
        super().__init__(ops)
        self.native = native_slope(ops[0].derivative)
        if self.native is None:
            warnings.warn(
                f"nengo_fa.dl: {ops[0].derivative!r} has no TensorFlow implementation; "
                "computing it on the host every step (correct, but slow). Use a neuron type "
                "with a built-in derivative to keep everything in TensorFlow.",
                stacklevel=2,
            )

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.J = signals.combine([op.J for op in self.ops])
        self.slope = signals.combine([op.slope for op in self.ops])

    def build_step(self, signals):
        J = signals.gather(self.J)
        dtype = signals.dtype
        if self.native is not None:
            fn, neuron_type, scale = self.native
            slope = fn(neuron_type, J, dtype)
            if scale != 1.0:
                slope = scale * slope
        else:
            derivative, np_dtype = self.ops[0].derivative, dtype.as_numpy_dtype

            def host_slope(J):
                return np.asarray(derivative(J), dtype=np_dtype)

            slope = tf.numpy_function(host_slope, [J], dtype)
            slope.set_shape(J.shape)
        signals.scatter(self.slope, slope, mode="update")

    @staticmethod
    def _key(op):
        native = native_slope(op.derivative)
        if native is None:
            return None
        fn, neuron_type, scale = native
        return fn, type(neuron_type), repr(neuron_type), scale

    @staticmethod
    def mergeable(x, y):
        key = SimRateSlopeBuilder._key(x)
        return key is not None and key == SimRateSlopeBuilder._key(y)


@Builder.register(operators.SimEncoderUpdate)
class SimEncoderUpdateBuilder(NengoFABuilder):
    r""":math:`E \leftarrow (1 - \lambda) E + s \mathbf{u} \mathbf{x}^T`, :math:`b \mathrel{+}= v`.

    Per minibatch item: the decay (and, trivially, the rank-one term) applies
    only where that item's encoder step is nonzero, and a step whose ``u``,
    ``v`` or (when learning) ``x`` is not finite leaves that item's encoders
    and biases alone and counts in ``skipped`` (without the NumPy operator's
    warning, as on nengo-ocl). Each pass over the encoders costs as much as
    the encoding, so the decay is built only if an operator sets it (a
    `.KolenPollack` rule's; `record_decays`), and the rank-one term is masked
    rather than skipped with a ``tf.cond`` (which cost more than it saved).
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.encoders = Output(signals, op.encoders)
        self.bias, self.skipped = Output(signals, op.bias), Output(signals, op.skipped)
        self.u, self.v = self.input(signals, op.encoder_step), self.input(signals, op.bias_step)
        self.x, self.decay = self.input(signals, op.x), self.input(signals, op.decay)
        self.scale = constant(op.encoder_scale, signals)
        self.decays = vars(op).get(DECAYS, True)

    def build_step(self, signals):
        u, v, x = self.u(signals), self.v(signals), self.x(signals)
        learning = any_nonzero(u)
        finite = all_finite(u, v, tf.where(learning, x, tf.zeros_like(x)))
        apply = tf.logical_and(learning, finite)
        u, x = tf.where(apply, u, tf.zeros_like(u)), tf.where(apply, x, tf.zeros_like(x))
        encoders = self.encoders.gather(signals)
        if self.decays:
            keep = tf.where(apply, 1.0 - self.decay(signals), tf.ones_like(u[:, :1]))
            encoders *= keep[:, :, None]
        self.encoders.write(signals, encoders + (self.scale * u)[:, :, None] * x[:, None, :])
        self.bias.write(signals, tf.where(finite, v, tf.zeros_like(v)), mode="inc")
        skipped = tf.cast(tf.logical_not(finite), signals.dtype)
        self.skipped.write(signals, skipped, mode="inc")


@Builder.register(operators.TransposedDotInc)
class TransposedDotIncBuilder(NengoFABuilder):
    """``Y += A.T @ X``, per minibatch item (``A`` may be shared)."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.A, self.X = self.input(signals, self.op.A), self.input(signals, self.op.X)
        self.Y = Output(signals, self.op.Y)

    def build_step(self, signals):
        A, X = self.A(signals), self.X(signals)
        if A.shape[0] == 1:
            Y = tf.matmul(X, A[0])
        else:
            Y = tf.linalg.matvec(A, X, transpose_a=True)
        self.Y.write(signals, Y, mode="inc")


def forward_matrix_transposed(encoders, weights, n_pre, weights_ndim):
    """:math:`F^T` with a batch axis (`nengo_fa.builder.operators.forward_matrix`)."""
    if weights_ndim == 2:
        forward = weights if encoders is None else tf.matmul(encoders, weights)
        return tf.transpose(forward, (0, 2, 1))
    weights = tf.broadcast_to(weights, (weights.shape[0], n_pre))
    if encoders is None:
        return tf.linalg.diag(weights)
    return tf.transpose(encoders, (0, 2, 1)) * weights[:, :, None]


@Builder.register(operators.SimForwardMatrix)
class SimForwardMatrixBuilder(NengoFABuilder):
    r""":math:`s F^T` or :math:`s \, \mathrm{sign}(F)^T` from the live weights."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.encoders = None
        if op.next_encoders is not None:
            self.encoders = self.input(signals, op.next_encoders)
        self.weights = self.input(signals, op.weights)
        self.out = Output(signals, op.out)
        self.scale = constant(op.scale, signals)

    def build_step(self, signals):
        op = self.op
        encoders = None if self.encoders is None else self.encoders(signals)
        forward = forward_matrix_transposed(
            encoders, self.weights(signals), op.out.shape[0], self.weights.ndim
        )
        self.out.write(signals, self.scale * (tf.sign(forward) if op.sign else forward))


@Builder.register(operators.SimSignGatedFeedback)
class SimSignGatedFeedbackBuilder(NengoFABuilder):
    r""":math:`\mathbf{t} \mathrel{+}= (M \odot [M \odot T \ge 0]) \mathbf{e}`,
    :math:`T \leftarrow T - \Delta t \, \mathbf{a} \mathbf{e}^T`.

    Per minibatch item; an item whose ``a`` or ``e`` is not finite keeps its trace.
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.matrix = self.input(signals, op.matrix)
        self.a, self.e = self.input(signals, op.activities), self.input(signals, op.error)
        self.trace, self.teaching = Output(signals, op.trace), Output(signals, op.teaching)

    def build_step(self, signals):
        matrix, a, e = self.matrix(signals), self.a(signals), self.e(signals)
        trace = self.trace.gather(signals)
        gated = tf.where(matrix * trace >= 0, matrix, tf.zeros_like(matrix))
        self.teaching.write(signals, tf.reduce_sum(gated * e[:, None, :], axis=2), mode="inc")
        finite = all_finite(a, e)[:, :, None]
        stepped = trace - signals.dt * a[:, :, None] * e[:, None, :]
        self.trace.write(signals, tf.where(finite, stepped, trace))


@Builder.register(operators.SimFeedbackUpdate)
class SimFeedbackUpdateBuilder(NengoFABuilder):
    r""":math:`B \leftarrow d B`, :math:`B_{rows} \mathrel{+}= s \mathbf{u} \mathbf{v}^T`.

    Per minibatch item, only where that item's ``v`` is nonzero and ``u``
    and ``v`` are finite.
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.B = Output(signals, op.B)
        rows = np.arange(op.B.shape[0])[op.rows]
        self.rows = None
        if not np.array_equal(rows, np.arange(op.B.shape[0])):
            self.rows = Output(signals, op.B)
            self.rows.tensor_signal = self.rows.tensor_signal[rows]
        self.u, self.v = self.input(signals, op.u), self.input(signals, op.v)
        self.scale, self.decay = constant(op.scale, signals), constant(op.decay, signals)

    def build_step(self, signals):
        u, v = self.u(signals), self.v(signals)
        on = tf.logical_and(any_nonzero(v), all_finite(u, v))[:, :, None]
        B = self.B.gather(signals)
        outer = (self.scale * u)[:, :, None] * v[:, None, :]
        outer = tf.where(on, outer, tf.zeros_like(outer))
        B = tf.where(on, B * self.decay, B)
        if self.rows is None:
            self.B.write(signals, B + outer)
        else:
            self.B.write(signals, B)
            self.rows.write(signals, outer, mode="inc")


@Builder.register(operators.SimGatedDecay)
class SimGatedDecayBuilder(NengoFABuilder):
    """``x *= factor`` per minibatch item where that item's gate is nonzero."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.x, self.gate = Output(signals, self.op.x), self.input(signals, self.op.gate)
        self.factor = constant(self.op.factor, signals)

    def build_step(self, signals):
        x = self.x.gather(signals)
        on = batch_reshape(any_nonzero(self.gate(signals)), x.shape.ndims - 1)
        self.x.write(signals, tf.where(on, x * self.factor, x))


# --- perturbation rules ----------------------------------------------------------------


@Builder.register(operators.SimGaussianNoise)
class SimGaussianNoiseBuilder(NengoFABuilder):
    """The operator's counter-based noise stream, drawn with NumPy on the host.

    Every minibatch item gets the same samples (those of `nengo.Simulator`),
    zero where that item's gate is zero.
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.step, self.gate = self.input(signals, self.op.step), self.input(signals, self.op.gate)
        self.noise = Output(signals, self.op.noise)

    def host_noise(self, dtype):
        op = self.op
        std, per_block, cache = op.std, op.steps_per_block, {}

        def noise(step, gate):
            gate = np.reshape(gate != 0, (-1,) + (1,) * len(op.noise.shape))
            if not gate.any():
                return np.zeros(gate.shape[:1] + op.noise.shape, dtype=dtype)
            block, row = divmod(int(step.ravel()[0]) - 1, per_block)
            if block not in cache:
                cache.clear()
                cache[block] = op.samples(block)
            return np.where(gate, cache[block][row] * std, 0.0).astype(dtype)

        return noise

    def build_step(self, signals):
        gate = self.gate(signals)
        noise = tf.numpy_function(
            self.host_noise(signals.dtype.as_numpy_dtype),
            [self.step(signals), gate],
            signals.dtype,
        )
        noise.set_shape((gate.shape[0],) + self.op.noise.shape)
        self.noise.write(signals, noise)
        return noise


@Builder.register(operators.SimPerturbationLoss)
class SimPerturbationLossBuilder(NengoFABuilder):
    r""":math:`w = c (L - \bar L)` and the baseline, per minibatch item.

    As in the NumPy operator, a non-finite loss (or weight) gives no estimate
    and leaves the baseline alone.
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.error = self.input(signals, op.error)
        self.weight = Output(signals, op.weight)
        self.baseline, self.active = Output(signals, op.baseline), Output(signals, op.active)
        self.rate = constant(min(signals.dt_val / op.tau, 1.0), signals)
        self.scale = constant(op.scale, signals)

    def build_step(self, signals):
        error = self.error(signals)
        baseline, active = self.baseline.gather(signals), self.active.gather(signals)
        loss = 0.5 * tf.reduce_sum(error * error, axis=1, keepdims=True)
        zero, one = tf.zeros_like(loss), tf.ones_like(loss)
        off = tf.logical_not(any_nonzero(error))
        valid = tf.logical_and(tf.logical_not(off), tf.math.is_finite(loss))
        restart = tf.logical_and(valid, tf.equal(active, 0))
        weight = self.scale * (loss - baseline)
        go = tf.logical_and(
            tf.logical_and(valid, tf.logical_not(restart)), tf.math.is_finite(weight)
        )
        self.weight.write(signals, tf.where(go, weight, zero))
        moved = tf.where(go, baseline + self.rate * (loss - baseline), baseline)
        self.baseline.write(signals, tf.where(restart, loss, moved))
        self.active.write(signals, tf.where(off, zero, tf.where(restart, one, active)))


@Builder.register(operators.SimScaledNoise)
class SimScaledNoiseBuilder(NengoFABuilder):
    r"""``out += (c w) noise`` (a local error), or ``out = (c w) noise`` (WP's ``delta``)."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        op = self.op
        self.weight, self.noise = self.input(signals, op.weight), self.input(signals, op.noise)
        self.out = Output(signals, op.out)
        self.scale = constant(op.scale, signals)

    def build_step(self, signals):
        noise = self.noise(signals)
        weight = batch_reshape(self.scale * self.weight(signals), noise.shape.ndims - 1)
        self.out.write(signals, weight * noise, mode="inc" if self.op.inc else "update")


# --- comparisons with backpropagation (built only when probed) ------------------------


@Builder.register(operators.SimOuter)
class SimOuterBuilder(NengoFABuilder):
    """``Y = outer(scale * u, v)``."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.u, self.v = self.input(signals, self.op.u), self.input(signals, self.op.v)
        self.Y = Output(signals, self.op.Y)
        self.scale = constant(self.op.scale, signals)

    def build_step(self, signals):
        u, v = self.u(signals), self.v(signals)
        self.Y.write(signals, (self.scale * u)[:, :, None] * v[:, None, :])


def _sum(x):
    """Sum over all but the batch axis, shape ``(B, 1)``."""
    return tf.reduce_sum(tf.reshape(x, (x.shape[0], -1)), axis=1, keepdims=True)


def angle_and_ratio(dot, norm_a, norm_b):
    """TensorFlow `nengo_fa.builder.operators.angle_and_ratio`, per minibatch item."""
    nan = tf.fill(tf.shape(dot), tf.constant(np.nan, dot.dtype))
    zero = tf.logical_or(tf.equal(norm_a, 0), tf.equal(norm_b, 0))
    cosine = tf.clip_by_value(tf.math.divide_no_nan(dot, norm_a * norm_b), -1.0, 1.0)
    angle = tf.where(zero, nan, tf.math.acos(cosine) * (180.0 / np.pi))
    ratio = tf.where(tf.equal(norm_b, 0), nan, tf.math.divide_no_nan(norm_a, norm_b))
    return angle, ratio


class ComparisonBuilder(NengoFABuilder):
    """Reads its inputs in float64 (the reductions lose less) and writes in the sim's dtype."""

    def inputs(self, signals):
        return [tf.cast(read(signals), tf.float64) for read in self.reads]

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.reads = [Input(signals, self.op, i) for i in range(len(self.op.reads))]
        self.outputs = [Output(signals, sig) for sig in self.op.sets]

    def write(self, signals, *values):
        for output, value in zip(self.outputs, values, strict=True):
            output.write(signals, tf.cast(value, signals.dtype))


@Builder.register(operators.SimVectorAngle)
class SimVectorAngleBuilder(ComparisonBuilder):
    """The angle (degrees) between two vectors, NaN if either is zero."""

    def build_step(self, signals):
        a, b = self.inputs(signals)
        angle, _ = angle_and_ratio(_sum(a * b), tf.sqrt(_sum(a * a)), tf.sqrt(_sum(b * b)))
        self.write(signals, angle)


@Builder.register(operators.SimDenseUpdateAngle)
class SimDenseUpdateAngleBuilder(ComparisonBuilder):
    """The angle (degrees) between weight perturbation's update and backpropagation's."""

    def build_step(self, signals):
        op = self.op
        weight, noise, local, reference, x = self.inputs(signals)
        scale = tf.constant(op.scale, tf.float64)
        dot = scale * weight * _sum(reference[:, :, None] * noise * x[:, None, :])
        squares = weight * weight * _sum(noise * noise)
        exact_squares = scale**2 * _sum(reference * reference) * _sum(x * x)
        if op.with_bias:
            dot += _sum(local * reference)
            squares += _sum(local * local)
            exact_squares += _sum(reference * reference)
        angle, _ = angle_and_ratio(dot, tf.sqrt(squares), tf.sqrt(exact_squares))
        self.write(signals, angle)


@Builder.register(operators.SimMatrixComparison)
class SimMatrixComparisonBuilder(ComparisonBuilder):
    """Angle (degrees) and norm ratio of two matrices (Frobenius)."""

    def build_step(self, signals):
        M, N = self.inputs(signals)
        self.write(
            signals, *angle_and_ratio(_sum(M * N), tf.sqrt(_sum(M * M)), tf.sqrt(_sum(N * N)))
        )
