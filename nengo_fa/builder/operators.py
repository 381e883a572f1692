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

    Done in place by `.rank_one_updater` (BLAS ``ger`` where possible).

    1. sets ``[]``
    2. incs ``[]``
    3. reads ``[encoder_step, bias_step, x]``
    4. updates ``[encoders, bias]``
    """

    def __init__(self, encoders, bias, encoder_step, bias_step, x, encoder_scale, tag=None):
        super().__init__(tag=tag)
        self.encoder_scale = float(encoder_scale)
        self.sets = []
        self.incs = []
        self.reads = [encoder_step, bias_step, x]
        self.updates = [encoders, bias]

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
        scale = self.encoder_scale
        update_encoders = rank_one_updater(encoders)

        def step_rank_one_update():
            update_encoders(scale, encoder_step, x)
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
