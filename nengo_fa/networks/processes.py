"""Input processes for learning experiments: Gaussian inputs, and vectors as spike trains."""

import nengo
import numpy as np
from nengo.exceptions import ValidationError
from nengo.params import BoolParam, EnumParam, IntParam, NumberParam


class GaussianInput(nengo.Process):
    """A fresh ``x ~ N(0, I)`` every step (``N(0, I / d)`` if ``normalized``).

    A pure function of the step number and the seed: steps are drawn in
    blocks of ``block`` from a `numpy.random.Generator` seeded with
    ``(seed, block index)``, so every run, every reset and every network
    given the same seed sees the same inputs, and `samples` gives them
    outside a simulation. Without a seed, one is drawn from the simulator's
    random number generator.

    Parameters
    ----------
    dimensions : int
        ``d``, the size of ``x``.
    normalized : bool
        Divide by ``sqrt(d)``, so that ``|x|`` is about 1.
    seed : int, optional
    block : int
        Steps drawn at once.
    """

    normalized = BoolParam("normalized", default=False, readonly=True)
    block = IntParam("block", low=1, default=1000, readonly=True)

    def __init__(self, dimensions, normalized=False, seed=None, block=1000):
        super().__init__(default_size_in=0, default_size_out=dimensions, seed=seed)
        self.normalized = normalized
        self.block = block

    def samples(self, block, seed=None):
        """Block ``block`` of inputs, shape ``(block size, dimensions)``."""
        seed = self.seed if seed is None else seed
        x = np.random.default_rng([seed, block]).standard_normal(
            (self.block, self.default_size_out)
        )
        return x / np.sqrt(self.default_size_out) if self.normalized else x

    def make_step(self, shape_in, shape_out, dt, rng, state):
        seed = self.seed if self.seed is not None else rng.randint(np.iinfo(np.int32).max)
        size, cache = self.block, {}

        def step_gaussian_input(t):
            index, row = divmod(int(round(t / dt)), size)
            if index not in cache:
                cache.clear()
                cache[index] = self.samples(index, seed)
            return cache[index][row]

        return step_gaussian_input


class SpikeTrains(nengo.Process):
    """Present a vector as signed spike trains whose mean is the vector.

    Each entry :math:`x_i` becomes spikes at a rate of
    :math:`r_{max} |x_i| / s` (Hz), each of area :math:`\\mathrm{sign}(x_i) s / r_{max}`,
    so the output's mean is :math:`x_i` (entries beyond :math:`\\pm s` fire at
    :math:`r_{max}` and saturate). ``"poisson"`` spikes independently each step
    with probability :math:`r \\Delta t`; ``"regular"`` fires whenever an
    accumulator of :math:`r \\Delta t` crosses 1 (the accumulators are the
    process's state, so they reset and pickle with the simulator).

    Parameters
    ----------
    size : int
        Length of the vector (input and output).
    max_rate : float
        :math:`r_{max}`, spikes per second at :math:`|x| = s`.
    scale : float
        :math:`s`, the magnitude that fires at ``max_rate``.
    kind : {"poisson", "regular"}
    seed : int, optional
        For ``"poisson"`` (otherwise from the simulator's random number generator).
    """

    max_rate = NumberParam("max_rate", low=0, low_open=True, default=200.0, readonly=True)
    scale = NumberParam("scale", low=0, low_open=True, default=1.0, readonly=True)
    kind = EnumParam("kind", values=("poisson", "regular"), default="poisson", readonly=True)

    def __init__(self, size, max_rate=200.0, scale=1.0, kind="poisson", seed=None):
        super().__init__(default_size_in=size, default_size_out=size, seed=seed)
        self.max_rate = max_rate
        self.scale = scale
        self.kind = kind

    def make_state(self, shape_in, shape_out, dt, dtype=None):
        return {"accumulator": np.zeros(shape_out)}

    def make_step(self, shape_in, shape_out, dt, rng, state):
        if self.max_rate * dt > 1:
            raise ValidationError(
                f"max_rate={self.max_rate:g} Hz exceeds one spike per step (1/dt = "
                f"{1 / dt:g} Hz); lower it",
                attr="max_rate",
                obj=self,
            )
        rate_dt = self.max_rate * dt / self.scale  # spikes per step per unit |x|
        area = self.scale / (self.max_rate * dt)  # output value of one spike in one step
        accumulator, scale = state["accumulator"], self.scale
        if self.kind == "regular":

            def step_regular_spikes(t, x):
                accumulator[...] += np.minimum(np.abs(x), scale) * rate_dt
                fired = accumulator >= 1.0
                accumulator[fired] -= 1.0
                return np.where(fired, np.sign(x) * area, 0.0)

            return step_regular_spikes

        rng = np.random.RandomState(self.seed) if self.seed is not None else rng

        def step_poisson_spikes(t, x):
            fired = rng.uniform(size=x.shape) < np.minimum(np.abs(x), scale) * rate_dt
            return np.where(fired, np.sign(x) * area, 0.0)

        return step_poisson_spikes
