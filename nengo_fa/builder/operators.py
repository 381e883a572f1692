"""Operators nengo-fa adds to Nengo's: the genuinely new steps of the encoder rules.

Each is small, declares its ``sets``/``incs``/``reads``/``updates`` as Nengo's
operators do, and returns a closure from ``make_step``.
"""

import numpy as np
from nengo.builder import Operator
from nengo.exceptions import BuildError

from nengo_fa.rank_one import rank_one_updater


class SimRateSlope(Operator):
    """Set ``slope = f'(J)``, the rate-curve slope (Hz per unit current) at ``J``.

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
            slope[...] = derivative(J)

        return step_rate_slope


class SimRankOneUpdate(Operator):
    r"""Apply ``encoders += encoder_scale * outer(encoder_step, x)`` and ``bias += bias_step``.

    Done in place by `.rank_one_updater` (BLAS ``ger`` where possible). Rules
    that need it can add a dense encoder step (`add_dense_step`, added as
    is) and a weight decay (`add_decay`, multiplying the encoders first).

    1. sets ``[]``
    2. incs ``[]``
    3. reads ``[encoder_step, bias_step, x]`` (+ ``[dense_step]``)
    4. updates ``[encoders, bias]``
    """

    def __init__(self, encoders, bias, encoder_step, bias_step, x, encoder_scale, tag=None):
        super().__init__(tag=tag)
        self.encoder_scale = float(encoder_scale)
        self.decay = 1.0
        self.sets = []
        self.incs = []
        self.reads = [encoder_step, bias_step, x]
        self.updates = [encoders, bias]

    def add_dense_step(self, dense_step):
        """Also add ``dense_step`` (same shape as the encoders) every step."""
        assert len(self.reads) == 3, "one dense step per ensemble"
        self.reads.append(dense_step)

    def add_decay(self, factor):
        """Also multiply the encoders by ``factor``, before the updates.

        Only on steps whose ``encoder_step`` is not all zero, so that gating
        the error off freezes the encoders.
        """
        self.decay *= float(factor)

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
    def encoders(self):
        return self.updates[0]

    @property
    def bias(self):
        return self.updates[1]

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
        dense = signals[self.reads[3]] if len(self.reads) > 3 else None
        scale, decay = self.encoder_scale, self.decay
        update_encoders = rank_one_updater(encoders)

        def step_rank_one_update():
            if decay != 1.0 and encoder_step.any():
                encoders[...] *= decay
            update_encoders(scale, encoder_step, x)
            if dense is not None:
                encoders[...] += dense
            bias[...] += bias_step

        return step_rank_one_update


class SimOuter(Operator):
    """Set ``Y = scale * outer(u, v)``.

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
    def _descstr(self):
        return f"{self.scale} * outer({self.reads[0]}, {self.reads[1]}) -> {self.sets[0]}"

    def make_step(self, signals, dt, rng):
        u, v, Y = signals[self.reads[0]], signals[self.reads[1]], signals[self.sets[0]]
        scale = self.scale

        def step_outer():
            np.multiply.outer(scale * u, v, out=Y)

        return step_outer


class TransposedDotInc(Operator):
    """Increment ``Y += A.T @ X`` (``A`` 2-D, ``X`` and ``Y`` 1-D).

    Nengo's `~nengo.builder.operator.DotInc` computes ``A @ X``, and a
    transposed view of a signal does not survive the optimizer (it remaps
    views assuming their axes keep the base's order), so the live decoders
    are read untransposed here.

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
    """Dense forward matrix from a layer's rates: ``next_encoders @ W`` (or ``W``).

    ``weights`` may be a matrix, a vector (elementwise) or a scalar;
    ``next_encoders`` is None when the error is measured at ``W``'s output.
    """
    if weights.ndim == 2:
        return weights if next_encoders is None else next_encoders @ weights
    if next_encoders is None:
        return np.diag(np.broadcast_to(weights, (n_pre,)))
    return next_encoders * weights


class SimGaussianNoise(Operator):
    """Set ``noise`` to fresh zero-mean Gaussian samples of standard deviation ``std``.

    Drawn with a `numpy.random.Generator` (ziggurat, faster than the legacy
    generator for large arrays) seeded from the simulator's random number
    generator, so runs repeat with the seed and after ``sim.reset()``. With a
    ``gate`` signal, the noise is zero on steps where the gate is zero.

    1. sets ``[noise]``
    2. incs ``[]``
    3. reads ``[]`` (``[gate]`` if given)
    4. updates ``[]``
    """

    def __init__(self, noise, std, gate=None, tag=None):
        super().__init__(tag=tag)
        self.std = float(std)
        self.sets = [noise]
        self.incs = []
        self.reads = [] if gate is None else [gate]
        self.updates = []

    @property
    def _descstr(self):
        return f"N(0, {self.std:g}^2) -> {self.sets[0]}"

    def make_step(self, signals, dt, rng):
        noise = signals[self.sets[0]]
        gate = signals[self.reads[0]] if self.reads else np.ones(())
        std = self.std
        generator = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        contiguous = noise.flags.c_contiguous  # `out=` needs contiguous memory

        def step_gaussian_noise():
            if not gate:
                noise[...] = 0.0
            elif contiguous:
                generator.standard_normal(out=noise)
                noise[...] *= std
            else:
                noise[...] = generator.standard_normal(noise.shape) * std

        return step_gaussian_noise


class SimPerturbationEstimate(Operator):
    r"""Gradient estimates of a perturbation rule: ``out_i += scale (L - baseline) noise_i``.

    :math:`L = \frac{1}{2}|\mathbf{e}|^2` of this step's error; the baseline
    then moves towards :math:`L` with time constant ``tau``. The outputs are
    incremented. ``active`` (the gate of the rule's `SimGaussianNoise`) is set
    to 0 on steps whose error is exactly zero (learning gated off), so the
    next step is noise-free; on the first step after that (and on the very
    first step) the baseline restarts at the noise-free :math:`L`.

    1. sets ``[]``
    2. incs ``outs``
    3. reads ``[error] + noises``
    4. updates ``[baseline, active]``
    """

    def __init__(self, error, noises, outs, scale, baseline, active, tau, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.tau = float(tau)
        self.sets = []
        self.incs = list(outs)
        self.reads = [error] + list(noises)
        self.updates = [baseline, active]

    @property
    def _descstr(self):
        return f"(L({self.reads[0]}) - {self.updates[0]}) x noise -> {self.incs}"

    def make_step(self, signals, dt, rng):
        error = signals[self.reads[0]]
        pairs = [
            (signals[noise], signals[out], np.empty(signals[out].shape))  # with a scratch buffer
            for noise, out in zip(self.reads[1:], self.incs, strict=True)
        ]
        baseline, active = (signals[s] for s in self.updates)
        rate, scale = min(dt / self.tau, 1.0), self.scale

        def step_perturbation_estimate():
            if not error.any():
                active[...] = 0.0
                return
            loss = 0.5 * float(np.dot(error, error))
            if not active:  # this step was noise-free: restart the baseline
                baseline[...] = loss
                active[...] = 1.0
                return
            weight = scale * (loss - float(baseline))
            for noise, out, scratch in pairs:
                np.multiply(noise, weight, out=scratch)
                out += scratch
            baseline[...] += rate * (loss - baseline)

        return step_perturbation_estimate


class SimFeedbackUpdate(Operator):
    """Update a learned feedback matrix: ``B *= decay; B[rows] += scale * outer(u, v)``.

    Nothing happens on steps where ``v`` (the error side) is exactly zero.

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
    def _descstr(self):
        return f"{self.decay:g} {self.updates[0]} + {self.scale:g} outer{tuple(self.reads)}"

    def make_step(self, signals, dt, rng):
        B = signals[self.updates[0]]
        u, v = (signals[s] for s in self.reads)
        scale, decay = self.scale, self.decay
        update = rank_one_updater(B[self.rows])

        def step_feedback_update():
            if not v.any():  # learning gated off: no update, no decay
                return
            B[...] *= decay
            update(scale, u, v)

        return step_feedback_update


class SimDecay(Operator):
    """Multiply a signal by a constant factor on each step where ``gate`` is not all zero.

    The weight decay that accompanies a learning rule: ``gate`` is the rule's
    error, so gating the error off freezes ``x``.

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
    def _descstr(self):
        return f"{self.updates[0]} *= {self.factor:g} if any({self.reads[0]})"

    def make_step(self, signals, dt, rng):
        x = signals[self.updates[0]]
        gate = signals[self.reads[0]]
        factor = self.factor

        def step_decay():
            if gate.any():
                x[...] *= factor

        return step_decay


class SimSignFeedback(Operator):
    """``teaching += scale * sign(F)^T @ error``, F the live forward matrix (`forward_matrix`).

    1. sets ``[]``
    2. incs ``[teaching]``
    3. reads ``[weights, error]`` (and ``next_encoders`` first, if given)
    4. updates ``[]``
    """

    def __init__(self, next_encoders, weights, error, teaching, scale, tag=None):
        super().__init__(tag=tag)
        self.scale = float(scale)
        self.has_encoders = next_encoders is not None
        self.sets = []
        self.incs = [teaching]
        self.reads = ([next_encoders] if self.has_encoders else []) + [weights, error]
        self.updates = []

    @property
    def _descstr(self):
        return f"{self.scale:g} sign(F)^T {self.reads[-1]} -> {self.incs[0]}"

    def make_step(self, signals, dt, rng):
        values = [signals[s] for s in self.reads]
        encoders = values[0] if self.has_encoders else None
        weights, error = values[-2:]
        teaching = signals[self.incs[0]]
        scale = self.scale
        n_pre = teaching.shape[0]

        def step_sign_feedback():
            forward = forward_matrix(encoders, weights, n_pre)
            teaching[...] += scale * (error @ np.sign(forward))

        return step_sign_feedback


def _angle_and_ratio(a, b):
    return _angle_and_ratio_from(np.vdot(a, b), np.linalg.norm(a), np.linalg.norm(b))


def _angle_and_ratio_from(dot, norm_a, norm_b):
    """Angle (degrees, NaN if a norm is 0) and norm ratio of two vectors from their dot product."""
    if norm_a == 0 or norm_b == 0:
        return np.nan, (norm_a / norm_b if norm_b else np.nan)
    cosine = np.clip(dot / (norm_a * norm_b), -1.0, 1.0)
    return np.degrees(np.arccos(cosine)), norm_a / norm_b


class SimUpdateAngle(Operator):
    """Set ``angle`` to the angle (degrees) between two updates, NaN if either is zero.

    For rank-one rules the updates are ``outer(local_error, [x, 1])`` with the
    same ``x``, so the angle is that of the local errors. ``dense``, if given,
    is a dense encoder update (weight perturbation) compared with
    ``outer(reference, x) * dense_scale``, together with the bias updates
    if ``with_bias``.

    1. sets ``[angle]``
    2. incs ``[]``
    3. reads ``[local_error, reference]`` (+ ``[dense, x]``)
    4. updates ``[]``
    """

    def __init__(
        self, local_error, reference, angle, dense=None, x=None, dense_scale=1.0, with_bias=True
    ):
        super().__init__(tag="update angle")
        self.dense_scale = float(dense_scale)
        self.with_bias = bool(with_bias)
        self.sets = [angle]
        self.incs = []
        self.reads = [local_error, reference] + ([dense, x] if dense is not None else [])
        self.updates = []

    @property
    def _descstr(self):
        return f"angle({self.reads[0]}, {self.reads[1]}) -> {self.sets[0]}"

    def make_step(self, signals, dt, rng):
        values = [signals[s] for s in self.reads]
        angle = signals[self.sets[0]]
        dense_scale, with_bias = self.dense_scale, self.with_bias

        if len(values) == 2:
            local, reference = values

            def step_update_angle():
                angle[...] = _angle_and_ratio(local, reference)[0]

        else:
            local, reference, dense, x = values

            def step_update_angle():  # exact = [dense_scale outer(reference, x), reference]
                dot = dense_scale * (reference @ dense @ x)
                squares = np.vdot(dense, dense)
                exact_squares = dense_scale**2 * (reference @ reference) * (x @ x)
                if with_bias:
                    dot += local @ reference
                    squares += local @ local
                    exact_squares += reference @ reference
                norms = np.sqrt(squares), np.sqrt(exact_squares)
                angle[...] = _angle_and_ratio_from(dot, *norms)[0]

        return step_update_angle


class SimFeedbackComparison(Operator):
    """Angle (degrees) and norm ratio between a teaching matrix ``M`` and ``F^T``.

    ``M`` is a signal (``mode="matrix"``), ``scale * sign(F)^T`` (``"sign"``)
    or ``F^T`` itself (``"exact"``); ``F`` is the live forward matrix from
    the ``n_pre`` neurons ``rows`` of the ensemble (only those rows of ``M``
    are compared).

    1. sets ``[angle, ratio]``
    2. incs ``[]``
    3. reads ``[M]`` (matrix mode), ``next_encoders`` (if given), ``weights``
    4. updates ``[]``
    """

    def __init__(self, mode, M, next_encoders, weights, angle, ratio, rows, n_pre, scale=1.0):
        super().__init__(tag="feedback comparison")
        self.mode = mode
        self.rows = rows
        self.scale = float(scale)
        self.n_pre = n_pre
        self.has_encoders = next_encoders is not None
        self.sets = [angle, ratio]
        self.incs = []
        self.reads = (
            ([M] if mode == "matrix" else [])
            + ([next_encoders] if self.has_encoders else [])
            + [weights]
        )
        self.updates = []

    @property
    def _descstr(self):
        return f"compare {self.mode} with F^T -> {self.sets}"

    def make_step(self, signals, dt, rng):
        values = [signals[s] for s in self.reads]
        M = values.pop(0) if self.mode == "matrix" else None
        encoders = values.pop(0) if self.has_encoders else None
        weights = values.pop(0)
        angle, ratio = (signals[s] for s in self.sets)
        mode, scale, n_pre = self.mode, self.scale, self.n_pre
        M = None if M is None else M[self.rows]

        def step_feedback_comparison():
            exact = forward_matrix(encoders, weights, n_pre).T
            teaching = {"matrix": M, "sign": scale * np.sign(exact), "exact": exact}[mode]
            angle[...], ratio[...] = _angle_and_ratio(teaching, exact)

        return step_feedback_comparison
