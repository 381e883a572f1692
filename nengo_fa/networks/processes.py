"""Input processes for learning experiments."""

import nengo
import numpy as np
from nengo.params import BoolParam, IntParam


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
